"""Shared model pieces: FAB's declarative base, timestamps and the scope/audit declarations.

Every unit- or person-owned model declares `__scope__` (how its rows map onto units, see
app.security.scope) and `__audited__` (its writes land in the change log automatically).
"""
import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import Column, DateTime
from sqlalchemy.sql import func


def utcnow():
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class TimestampMixin:
    created_at = Column(DateTime, nullable=False, default=utcnow, server_default=func.now())
    updated_at = Column(DateTime, nullable=False, default=utcnow, onupdate=utcnow,
                        server_default=func.now())


def choice_check(column: str, choices) -> str:
    """SQL CHECK text restricting a string column to the keys of a choices mapping."""
    values = ", ".join(f"'{key}'" for key in choices)
    return f"{column} IN ({values})"


__all__ = ["Model", "TimestampMixin", "choice_check", "utcnow"]


def on_this_dialect(dialect_name):
    """Alembic `include_object` hook: leave out schema objects declared for another database
    only (`Index(...).ddl_if(dialect=...)`), which autogenerate does not filter itself."""
    def include(obj, _name, _type, _reflected, _compare_to):
        wanted = getattr(getattr(obj, "_ddl_if", None), "dialect", None)
        return wanted is None or wanted == dialect_name
    return include
