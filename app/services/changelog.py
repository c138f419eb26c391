"""Reading the change log of a record, within scope."""
from sqlalchemy import or_

from app.models import ChangeLog, Person, Unit
from app.security.scope import scope_clause

RECENT_EVENTS = 30


def record_clause(model, pk):
    """A unit's page shows its own changes and those of its records; likewise a person's."""
    if model is Unit:
        return or_(ChangeLog.unit_id == pk,
                   (ChangeLog.entity == "unit") & (ChangeLog.entity_id == pk))
    if model is Person:
        return or_(ChangeLog.person_id == pk,
                   (ChangeLog.entity == "person") & (ChangeLog.entity_id == pk))
    return (ChangeLog.entity == model.__tablename__) & (ChangeLog.entity_id == pk)


def for_record(session, model, pk, scope, events=RECENT_EVENTS):
    """The latest change events of a record: one per (record, action, moment, user), each
    with its field changes (display and masking: ChangeLog's *_display properties)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return []
    rows = (session.query(ChangeLog)
            .filter(record_clause(model, pk), scope_clause(ChangeLog, scope))
            .order_by(ChangeLog.at.desc(), ChangeLog.id.desc()).limit(events * 15).all())
    grouped = []
    for row in rows:
        key = (row.entity, row.entity_id, row.action, row.at, row.username)
        if not grouped or grouped[-1]["key"] != key:
            if len(grouped) == events:
                break
            grouped.append({"key": key, "first": row, "changes": []})
        if row.field:
            grouped[-1]["changes"].append(row)
    return grouped
