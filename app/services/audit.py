"""Change log written by ORM events: every insert, update and delete of an audited model
(`__audited__ = True`) records field, old value, new value, who and when, in the same
transaction as the change itself. Nothing writes the change log by hand.

Each row also carries what it names, in words, as of the change: the actor's real name and
role, the record's name, the related record a foreign-key value points to, the file name
uploaded with a storage key; pages read them without a lookup per row (display.py masks)."""
import datetime as dt
import decimal

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from app.models import AppUser, ChangeLog, Person
from app.models.audit import model_for_table
from app.models.base import utcnow

from app.security.actor import current_actor
from app.services.changelog import (FILE_NAME, actor_label, current_actor_label, file_fields,
                                    foreign_key, typed_key)

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


def audited_columns(model):
    """The columns whose changes the change log records for `model` (timestamps and what the
    model excludes, e.g. a digest, are left out)."""
    skip = _SKIP | set(getattr(model, "__audit_exclude__", ()))
    return [attr for attr in inspect(model).column_attrs if attr.key not in skip]


def _columns(obj):
    return audited_columns(type(obj))


def _clip(text):
    text = (text or "").strip()
    return text[:300] if text else None


def record_label(obj):
    """A record as the change log names it: a person with the ID number (masked where it
    is read, app/web/display.py), a user by real name and role, anything else by its name."""
    if obj is None:
        return None
    if isinstance(obj, Person):
        return _clip(f"{obj.name}（{obj.id_number}）")
    if isinstance(obj, AppUser):
        return _clip(actor_label(obj))
    return _clip(str(obj))


def _value_label(session, obj, key, value, flushed=None):
    """The words for a value: the record a foreign key names, the name of an uploaded file.
    `flushed` maps (model, key) to the objects inserted by the flush being logged: in
    after_flush they are not in the identity map yet, so session.get would load each one
    again with a SELECT (three a row of a staff import, docs/import.md)."""
    if value is None:
        return None
    entity = obj.__tablename__
    if (entity, key) in file_fields():
        return _clip(getattr(obj, FILE_NAME, None))
    target = foreign_key(entity, key)
    model = model_for_table(target[0]) if target else None
    if model is None:
        return None
    pk = typed_key(model, target[1], value)
    if pk is None:
        return None
    known = flushed.get((model, pk)) if flushed else None
    return record_label(known if known is not None else session.get(model, pk))


def _rows_for(obj, action, session, flushed=None):
    state = inspect(obj)
    unit_id, person_id = obj.audit_owner()
    base = dict(entity=obj.__tablename__, entity_id=obj.id, action=action,
                unit_id=unit_id, person_id=person_id, record_name=record_label(obj),
                old_label=None, new_label=None)
    rows = []
    for attr in _columns(obj):
        key = attr.key
        if action == "insert":
            value = getattr(obj, key)
            if value is not None and key != "id":
                rows.append(dict(base, field=key, old_value=None, new_value=_text(value),
                                 new_label=_value_label(session, obj, key, value, flushed)))
        elif action == "delete":
            value = state.attrs[key].loaded_value
            if value is not None and key != "id":
                rows.append(dict(base, field=key, old_value=_text(value), new_value=None,
                                 old_label=_value_label(session, obj, key, value)))
        else:
            history = state.attrs[key].history
            if not history.has_changes():
                continue
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            if _text(old) != _text(new):
                rows.append(dict(base, field=key, old_value=_text(old), new_value=_text(new),
                                 old_label=(None if (base["entity"], key) in file_fields()
                                            else _value_label(session, obj, key, old,
                                                              flushed)),
                                 new_label=_value_label(session, obj, key, new, flushed)))
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
            pending.extend(_rows_for(obj, "delete", session))


def _inserted(session):
    """(model, primary key) → object, for the objects this flush inserted (single-column
    primary keys; anything else is looked up as before)."""
    found = {}
    for obj in session.new:
        # their keys are not assigned until the flush ends: read the primary key columns
        key = inspect(obj).mapper.primary_key_from_instance(obj)
        if len(key) == 1 and key[0] is not None:
            found[(type(obj), key[0])] = obj
    return found


def _write(session, flush_context):
    rows = session.info.pop("audit_deleted", [])
    flushed = _inserted(session)
    for obj in session.new:
        if _audited(obj):
            rows.extend(_rows_for(obj, "insert", session, flushed))
    for obj in session.dirty:
        if _audited(obj) and session.is_modified(obj, include_collections=False):
            rows.extend(_rows_for(obj, "update", session, flushed))
    if not rows:
        return
    user_id, username = current_actor()
    # 系统 is said where the row is read (its locale); a user is named as of the change.
    actor = _clip(current_actor_label(session, (user_id, username))) if user_id else None
    now = utcnow()
    for row in rows:
        row.update(user_id=user_id, username=username, actor_name=actor, at=now)
        if row["field"] == "author_name" and row["new_value"] == username and actor:
            row["new_label"] = actor  # 录入账号: the account, read by its user's name
    session.connection().execute(ChangeLog.__table__.insert(), rows)


def install():
    """Attach the change-log listeners to every session (idempotent)."""
    if not event.contains(Session, "before_flush", _collect):
        event.listen(Session, "before_flush", _collect)
        event.listen(Session, "after_flush", _write)
