"""Shared model pieces: FAB's declarative base, timestamps and the scope/audit declarations.

Every unit- or person-owned model declares `__scope__` (how its rows map onto units, see
app.security.scope) and `__audited__` (its writes land in the change log automatically).
"""
import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import CheckConstraint, Column, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import declared_attr
from sqlalchemy.sql import func

from .authority import AUTHOR_KINDS, rule_for
from .choices import AUTHOR_KIND_LABELS, label


def utcnow():
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class TimestampMixin:
    created_at = Column(DateTime, nullable=False, default=utcnow, server_default=func.now())
    updated_at = Column(DateTime, nullable=False, default=utcnow, onupdate=utcnow,
                        server_default=func.now())


_AUTHOR_VALUES = ", ".join(f"'{kind}'" for kind in AUTHOR_KINDS)


class AuthoredMixin:
    """Who wrote the record (police / unit / system) and which user: stamped when the row is
    created (app/security/authority.py), never set by hand, shown on the record's page.
    NULL on rows older than the columns: their author is the kind's natural one."""
    author_name = Column(String(64))

    @declared_attr
    def author_kind(cls):
        return Column(String(10), CheckConstraint(f"author_kind IN ({_AUTHOR_VALUES})",
                                                  name=f"ck_{cls.__tablename__}_author_kind"))

    @declared_attr
    def author_user_id(cls):
        return Column(Integer, ForeignKey("ab_user.id", ondelete="SET NULL"))

    @property
    def author_label(self):
        """录入方 as the clerk reads it: who, and which account."""
        kind = self.author_kind or rule_for(type(self), self).natural_author()
        text = label(AUTHOR_KIND_LABELS, kind)
        return f"{text}（{self.author_name}）" if self.author_name else text


class ChainedLog:
    """A log row that carries the hash of the row before it (app.services.oplog writes and
    verifies them). Which columns the hash covers: `__chain_fields__`; the chain (a row of
    log_chain): `__chain__`."""
    prev_hash = Column(String(64))
    hash = Column(String(64))


def choice_check(column: str, choices) -> str:
    """SQL CHECK text restricting a string column to the keys of a choices mapping."""
    values = ", ".join(f"'{key}'" for key in choices)
    return f"{column} IN ({values})"


__all__ = ["AuthoredMixin", "ChainedLog", "Model", "TimestampMixin", "choice_check", "utcnow"]


def on_this_dialect(dialect_name):
    """Alembic `include_object` hook: leave out schema objects declared for another database
    only (`Index(...).ddl_if(dialect=...)`), which autogenerate does not filter itself."""
    def include(obj, _name, _type, _reflected, _compare_to):
        wanted = getattr(getattr(obj, "_ddl_if", None), "dialect", None)
        return wanted is None or wanted == dialect_name
    return include
