"""单位变更: fields that need approval (registered capital, jurisdiction, legal
representative) change only through an approved application or by the police, and each such
change writes a UnitChange record in the same transaction. Called from rules.check_unit, so
pages, REST and services all pass through here."""
import datetime as dt

from sqlalchemy import inspect

from app.models import Region, UnitChange
from app.models.authority import SYSTEM

from app.security.actor import current_actor

APPROVAL_FIELDS = ("registered_capital", "region_code", "legal_representative")


def _history(unit, attr):
    state = inspect(unit)
    hist = state.attrs[attr].history
    if not hist.has_changes():
        return None
    old = hist.deleted[0] if hist.deleted else None
    new = hist.added[0] if hist.added else None
    return old, new


def _region_change(session, unit):
    """The jurisdiction may be set through the relation (forms) or the code (REST)."""
    rel = _history(unit, "region")
    if rel is not None:
        old, new = rel
        old_code = old.code if old is not None else inspect(unit).committed_state.get(
            "region_code", unit.region_code)
        return old_code, new.code if new is not None else None
    return _history(unit, "region_code")


def _region_name(session, code):
    region = session.get(Region, code) if code else None
    return f"{region.name}（{code}）" if region is not None else code


def _text(value):
    if value is None:
        return None
    if hasattr(value, "normalize"):  # Decimal: 500.00 → 500
        value = value.normalize()
        return format(value, "f")
    return str(value)


def pending_changes(session, unit):
    """[(field, old, new)] of approval-only fields changed on a persistent unit."""
    if unit.id is None or inspect(unit).transient or inspect(unit).pending:
        return []
    changes = []
    for field in APPROVAL_FIELDS:
        diff = _region_change(session, unit) if field == "region_code" else _history(unit,
                                                                                      field)
        if diff is None:
            continue
        old, new = (_text(v) for v in diff)
        if old == new:
            continue
        if field == "region_code":
            old, new = (_region_name(session, code) for code in (old, new))
        changes.append((field, old, new))
    return changes


def record_changes(session, unit, reason=None, approved_by=None, on=None):
    """Write one UnitChange per approval-only field changed on `unit` (not flushed yet)."""
    written = []
    for field, old, new in pending_changes(session, unit):
        change = UnitChange(unit=unit, field=field, old_value=old, new_value=new,
                            author_kind=SYSTEM,
                            reason=reason, approved_by=approved_by or current_actor()[1],
                            changed_on=on or dt.date.today())
        session.add(change)
        written.append(change)
    return written
