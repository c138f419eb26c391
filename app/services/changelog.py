"""Reading the change log of a record, within scope; the words of who and what its rows
name (written with each row by app/services/audit.py, so reading looks nothing up)."""
import functools
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, or_
from sqlalchemy.orm import joinedload

from app.models import AppUser, ChangeLog, Person, Unit
from app.models.audit import audited_models, model_for_table
from app.security.roles import ROLE_LABELS, ROLE_PRIORITY
from app.security.scope import scope_clause
from app.services.storage import FILE_COLUMNS

PAGE_EVENTS = 10  # a record page shows the latest ten changes, then 【显示更多】
FILE_NAME = "file_name"  # the column naming an uploaded file beside its storage key


def record_clause(model, pk):
    """A unit's page shows its own changes and those of its records; likewise a person's."""
    if model is Unit:
        return or_(ChangeLog.unit_id == pk,
                   (ChangeLog.entity == "unit") & (ChangeLog.entity_id == pk))
    if model is Person:
        return or_(ChangeLog.person_id == pk,
                   (ChangeLog.entity == "person") & (ChangeLog.entity_id == pk))
    return (ChangeLog.entity == model.__tablename__) & (ChangeLog.entity_id == pk)


# ------------------------------------------------------------------ who and what rows name

def role_label(user):
    """The role a user acts in (the one deciding the scope when there are several)."""
    names = [role.name for role in user.roles]
    ordered = [r for r in ROLE_PRIORITY if r in names] + [r for r in names
                                                          if r not in ROLE_PRIORITY]
    return str(ROLE_LABELS[ordered[0]]) if ordered and ordered[0] in ROLE_LABELS else ""


def actor_label(user, username=None):
    """李振华（市局民警）: a user by real name and role; 系统 for the system's own work."""
    if user is None:
        return _("System (automatic)") if username in (None, "", "system") else username
    role = role_label(user)
    return f"{user.get_full_name()}（{role}）" if role else user.get_full_name()


def current_actor_label(session, actor):
    """actor_label of `actor` = (user id, username), app.security.actor.current_actor()."""
    user_id, username = actor
    user = session.get(AppUser, user_id) if user_id is not None else None
    return actor_label(user, None if user_id is None else username)


def users_named(session, usernames):
    """{username: user} of the accounts among `usernames` (one query, roles included)."""
    usernames = sorted(name for name in usernames if name)  # one query, also for none
    return {user.username: user for user in session.query(AppUser).options(
        joinedload(AppUser.roles)).filter(AppUser.username.in_(usernames))}


def foreign_key(entity, column):
    """(table, column) a change-log field of `entity` points to, or None."""
    model = audited_models().get(entity)
    col = model.__table__.columns.get(column) if model is not None and column else None
    for fk in (col.foreign_keys if col is not None else ()):
        return fk.column.table.name, fk.column.name
    return None


def typed_key(model, column, value):
    """A change-log value (text) as the key of `model`'s `column` (an id, a code)."""
    try:
        python_type = getattr(model, column).type.python_type
        return python_type(value) if python_type in (int, str) else value
    except (TypeError, ValueError, NotImplementedError):
        return None


@functools.cache
def file_fields():
    """(record type, field) of every audited column holding a storage key."""
    return frozenset({(table, column) for table, model in audited_models().items()
            for column in FILE_COLUMNS.get(model.__name__, ())})


# ------------------------------------------------------------------ a record's history

@dataclass
class History:
    """One page of a record's change events, newest first, and what they name."""
    events: list
    offset: int = 0
    more: bool = False
    table: str = ""   # the record: its table and id (for the next page's address)
    pk: int | None = None

    @property
    def next_offset(self):
        return self.offset + len(self.events)

    def __len__(self):
        return len(self.events)

    def __iter__(self):
        return iter(self.events)


def for_record(session, model, pk, scope, events=PAGE_EVENTS, offset=0):
    """Change events of a record (`events` of them from `offset`, newest first): one per
    (moment, record, action, user), each with its field changes in column order."""
    try:
        pk, offset = int(pk), max(int(offset or 0), 0)
    except (TypeError, ValueError):
        return History([])
    page = dict(offset=offset, table=model.__tablename__, pk=pk)
    where = (record_clause(model, pk), scope_clause(ChangeLog, scope))
    key_columns = (ChangeLog.at, ChangeLog.entity, ChangeLog.entity_id, ChangeLog.action,
                   ChangeLog.username)
    keys = [tuple(k) for k in session.query(*key_columns).filter(*where)
            .group_by(*key_columns)
            .order_by(ChangeLog.at.desc(), func.max(ChangeLog.id).desc())
            .offset(offset).limit(events + 1)]
    more, keys = len(keys) > events, keys[:events]
    if not keys:
        return History([], **page)
    wanted = set(keys)
    grouped = {}
    rows = (session.query(ChangeLog)
            .filter(*where, ChangeLog.at >= keys[-1][0], ChangeLog.at <= keys[0][0])
            .order_by(ChangeLog.id).all())
    for row in rows:
        key = (row.at, row.entity, row.entity_id, row.action, row.username)
        if key in wanted:
            event = grouped.setdefault(key, {"key": key, "first": row, "changes": []})
            if row.field:
                event["changes"].append(row)
    return History([grouped[key] for key in keys if key in grouped], more=more, **page)
