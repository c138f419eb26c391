"""Reading the change log of a record, within scope."""
from sqlalchemy import or_

from app.models import ChangeLog, Person, Unit
from app.security.scope import scope_clause

from .idnumber import mask_id_number

RECENT = 50


def record_clause(model, pk):
    """A unit's page shows its own changes and those of its records; likewise a person's."""
    if model is Unit:
        return or_(ChangeLog.unit_id == pk,
                   (ChangeLog.entity == "unit") & (ChangeLog.entity_id == pk))
    if model is Person:
        return or_(ChangeLog.person_id == pk,
                   (ChangeLog.entity == "person") & (ChangeLog.entity_id == pk))
    return (ChangeLog.entity == model.__tablename__) & (ChangeLog.entity_id == pk)


def for_record(session, model, pk, scope, limit=RECENT):
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return []
    rows = (session.query(ChangeLog)
            .filter(record_clause(model, pk), scope_clause(ChangeLog, scope))
            .order_by(ChangeLog.at.desc(), ChangeLog.id.desc()).limit(limit).all())
    if scope.mask_id_numbers:
        for row in rows:
            if row.field == "id_number":
                session.expunge(row)  # masked for display only, never written back
                row.old_value = mask_id_number(row.old_value)
                row.new_value = mask_id_number(row.new_value)
    return rows
