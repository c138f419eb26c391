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


def _insert_new(session):
    """INSERT … ON CONFLICT (key) DO NOTHING RETURNING id, in the database's dialect: the
    unique key decides what is new, in one statement per chunk (a look-up of the keys first
    was slow on a fresh table whose statistics said "empty")."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    else:
        return None
    return dialect_insert(Todo).on_conflict_do_nothing(index_elements=["key"]) \
        .returning(Todo.id)


def add_many(session, items) -> int:
    """Insert the items (dicts of Todo columns, each with its `key`) not there yet: one
    per subject and period, however often the scan runs. Returns how many were new."""
    items = list({item["key"]: item for item in items}.values())
    created = 0
    now = utcnow()
    statement = _insert_new(session)
    for start in range(0, len(items), CHUNK):
        chunk = [{"created_at": now, "user_id": None, "unit_id": None, "region_code": None,
                  "link": None, **i} for i in items[start:start + CHUNK]]
        for item in chunk:
            item["title"] = item["title"][:300]
        if statement is not None:
            created += len(session.execute(statement, chunk).all())
            continue
        have = set(session.execute(select(Todo.key).where(
            Todo.key.in_([i["key"] for i in chunk]))).scalars())
        new = [i for i in chunk if i["key"] not in have]
        if new:
            session.execute(insert(Todo), new)
            created += len(new)
    return created


def add(session, **item) -> int:
    return add_many(session, [item])
