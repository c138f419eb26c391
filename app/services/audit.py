"""Change log written by ORM events: every insert, update and delete of an audited model
(`__audited__ = True`) records field, old value, new value, who and when, in the same
transaction as the change itself. Nothing writes the change log by hand."""
import datetime as dt
import decimal

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from app.models import ChangeLog
from app.models.base import utcnow

from app.security.actor import current_actor

_SKIP = {"created_at", "updated_at"}


def _text(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    return str(value)


def _columns(obj):
    mapper = inspect(obj).mapper
    return [attr for attr in mapper.column_attrs if attr.key not in _SKIP]


def _rows_for(obj, action):
    state = inspect(obj)
    unit_id, person_id = obj.audit_owner()
    base = dict(entity=obj.__tablename__, entity_id=obj.id, action=action,
                unit_id=unit_id, person_id=person_id)
    rows = []
    for attr in _columns(obj):
        key = attr.key
        if action == "insert":
            value = getattr(obj, key)
            if value is not None and key != "id":
                rows.append(dict(base, field=key, old_value=None, new_value=_text(value)))
        elif action == "delete":
            value = state.attrs[key].loaded_value
            if value is not None and key != "id":
                rows.append(dict(base, field=key, old_value=_text(value), new_value=None))
        else:
            history = state.attrs[key].history
            if not history.has_changes():
                continue
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            if _text(old) != _text(new):
                rows.append(dict(base, field=key, old_value=_text(old), new_value=_text(new)))
    if action == "delete" and not rows:
        rows.append(dict(base, field=None, old_value=None, new_value=None))
    return rows


def _audited(obj):
    return getattr(type(obj), "__audited__", False)


def _collect(session, flush_context, instances):
    # Deletions must be read before the flush, while their values are still loaded.
    pending = session.info.setdefault("audit_deleted", [])
    for obj in session.deleted:
        if _audited(obj):
            pending.extend(_rows_for(obj, "delete"))


def _write(session, flush_context):
    rows = session.info.pop("audit_deleted", [])
    for obj in session.new:
        if _audited(obj):
            rows.extend(_rows_for(obj, "insert"))
    for obj in session.dirty:
        if _audited(obj) and session.is_modified(obj, include_collections=False):
            rows.extend(_rows_for(obj, "update"))
    if not rows:
        return
    user_id, username = current_actor()
    now = utcnow()
    for row in rows:
        row.update(user_id=user_id, username=username, at=now)
    session.connection().execute(ChangeLog.__table__.insert(), rows)


def install():
    """Attach the change-log listeners to every session (idempotent)."""
    if not event.contains(Session, "before_flush", _collect):
        event.listen(Session, "before_flush", _collect)
        event.listen(Session, "after_flush", _write)
