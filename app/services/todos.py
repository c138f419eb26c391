"""待办 / 消息中心 (app.models.todo): adding items idempotently, and what a user sees.

Visibility is the one scope mechanism plus the audience: a "unit" item is seen by the users
whose scope holds its unit (unit users: `scope_clause` of `unit_or_region` by unit_id), a
"police" item by the police whose jurisdiction holds its region_code (the province admin:
all), a "user" item by its user only. The association (reads everything, acts on nothing)
gets only items addressed to its own account.
"""
from __future__ import annotations

from sqlalchemy import and_, exists, false, func, insert, or_, select

from app.models import Todo, TodoRead
from app.models.base import utcnow
from app.security.scope import scope_clause

CHUNK = 500
INSERT_CHUNK = 5000


def visible_clause(scope, user_id):
    own = and_(Todo.audience == "user", Todo.user_id == user_id)
    if scope is None or scope.denied:
        return own
    if scope.is_unit_user:
        shared = and_(Todo.audience == "unit", scope_clause(Todo, scope))
    elif scope.is_police:
        shared = and_(Todo.audience == "police", scope_clause(Todo, scope))
    else:
        shared = false()
    return or_(own, shared)


def _unread(user_id):
    return ~exists().where(TodoRead.todo_id == Todo.id, TodoRead.user_id == user_id)


def unread_count(session, scope, user_id) -> int:
    return session.execute(select(func.count(Todo.id)).where(
        visible_clause(scope, user_id), _unread(user_id))).scalar() or 0


def page(session, scope, user_id, page=0, size=20, unread_only=False):
    """(rows with their read flag, total) of the user's 待办, newest first."""
    where = [visible_clause(scope, user_id)]
    if unread_only:
        where.append(_unread(user_id))
    total = session.execute(select(func.count(Todo.id)).where(*where)).scalar() or 0
    read = exists().where(TodoRead.todo_id == Todo.id, TodoRead.user_id == user_id)
    rows = session.execute(select(Todo, read.label("read")).where(*where)
                           .order_by(Todo.id.desc()).offset(page * size).limit(size)).all()
    return rows, total


def get_visible(session, scope, user_id, todo_id):
    try:
        todo_id = int(todo_id)
    except (TypeError, ValueError):
        return None
    return session.execute(select(Todo).where(Todo.id == todo_id,
                                              visible_clause(scope, user_id))).scalar_one_or_none()


def mark_read(session, scope, user_id, todo_ids=None) -> int:
    """Mark these (or all visible unread) items read for the user; returns how many."""
    query = select(Todo.id).where(visible_clause(scope, user_id), _unread(user_id))
    if todo_ids is not None:
        query = query.where(Todo.id.in_(list(todo_ids)))
    ids = session.execute(query).scalars().all()
    now = utcnow()
    for start in range(0, len(ids), CHUNK):
        session.execute(insert(TodoRead), [{"todo_id": i, "user_id": user_id, "read_at": now}
                                           for i in ids[start:start + CHUNK]])
    return len(ids)


def _insert_ignoring_duplicates(session):
    """INSERT … ON CONFLICT (key) DO NOTHING in the database's dialect: a scan running at the
    same time on another worker adds nothing twice; None where the dialect has none."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    else:
        return None
    return dialect_insert(Todo).on_conflict_do_nothing(index_elements=["key"])


def add_many(session, items, added=None) -> int:
    """Insert the items (dicts of Todo columns, each with its `key`) not there yet: one
    per subject and period, however often the scan runs. Returns how many were new.
    The keys already there are read once per kind (one indexed scan, not a look-up per
    item: a province has 100,000 and more), the rest inserted in large batches."""
    items = list({item["key"]: item for item in items}.values())
    if not items:
        return 0
    kinds = sorted({item["kind"] for item in items})
    have = set(session.execute(select(Todo.key).where(Todo.kind.in_(kinds))).scalars())
    now = utcnow()
    new = [{"created_at": now, "user_id": None, "unit_id": None, "region_code": None,
            "link": None, **item, "title": item["title"][:300]}
           for item in items if item["key"] not in have]
    statement = _insert_ignoring_duplicates(session)
    if statement is None:
        statement = insert(Todo)
    for start in range(0, len(new), INSERT_CHUNK):
        session.execute(statement, new[start:start + INSERT_CHUNK])
    if added is not None:  # the caller wants the new items (SMS to unit contacts)
        added.extend(new)
    return len(new)


def add(session, **item) -> int:
    return add_many(session, [item])
