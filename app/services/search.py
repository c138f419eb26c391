"""Index-friendly prefix search.

SQLite's LIKE ignores case and cannot use an ordinary index, but its BINARY collation
orders by code point, so a range [text, text + U+FFFF) selects the prefix through the index.
PostgreSQL orders by the database collation (not code points under zh_CN/en_US), so there a
case-sensitive LIKE 'text%' is used, which a b-tree index serves under the C collation or
with varchar_pattern_ops."""
from sqlalchemy import and_


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def starts_with(column, text: str, dialect: str):
    if dialect == "sqlite":
        return and_(column >= text, column < text + "\uffff")
    return column.like(_escape_like(text) + "%", escape="\\")
