"""Prefix search on both databases' terms (pure SQL compilation, no database)."""
from sqlalchemy import column, select
from sqlalchemy.dialects import postgresql, sqlite

from app.services.search import starts_with


def _sql(condition, dialect):
    return str(select(column("name")).where(condition).compile(
        dialect=dialect, compile_kwargs={"literal_binds": True}))


def test_sqlite_uses_an_index_friendly_range():
    sql = _sql(starts_with(column("name"), "张", "sqlite"), sqlite.dialect())
    assert "name >= '张'" in sql and "name < '张\uffff'" in sql and "LIKE" not in sql


def test_postgresql_uses_a_case_sensitive_like_with_escaped_wildcards():
    compiled = select(column("name")).where(
        starts_with(column("name"), "50%_a", "postgresql")).compile(dialect=postgresql.dialect())
    sql = str(compiled)
    assert " LIKE " in sql and "ESCAPE" in sql and "ILIKE" not in sql and "lower(" not in sql
    assert list(compiled.params.values()) == ["50\\%\\_a%"]
