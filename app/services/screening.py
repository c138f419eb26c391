"""比对预警: identity verification (身份核验) and background check (背景审查) of guards.

One place for all of it:
- Triggering. Session events notice, from any path (page, REST, service, seed), an
  employment that makes someone an active guard or part-time guard (new, its role changed to
  a guard role, or an ended one reopened) and a change to a screened person's identity fields
  (photo included).
  Inside the clerk's transaction they only open (or reopen) the case as *pending*; after the
  commit the checks run — synchronously when SCREENING_SYNC is set (tests, CLI), otherwise as
  a Celery task retried with backoff (app.tasks.screening; a thread with retries when no
  broker is configured) — so a slow or absent adapter never blocks or fails a save.
  `run_pending` (CLI `flask screening run-pending`) re-runs whatever is still pending.
- The two state machines, one per kind, with the role and state of every action checked here:
    identity: pending → passed | failed; failed/returned → (unit corrects) pending
              | (unit: 信息无误无需处理 + note) police_review; police_review → (police, reason)
              returned | (police) cleared. Only `passed` and `cleared` close a case.
    alerts:   unit_attention: open → signed (the unit's 【签收】);
              police: open → closed (police only, with a handling note).
- Every step is a ScreeningEvent: who, when, action, note, before/after values.
Screening a person again with unchanged data changes nothing (idempotent).
"""
from __future__ import annotations

import concurrent.futures
import hashlib
import logging
import threading
import time
from contextlib import contextmanager

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import and_, event, func, inspect, or_, select
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import BackgroundAlert, Employment, IdentityCheck, Person, ScreeningEvent
from app.models.base import utcnow
from app.models.screening import (ALERT_REASONS, BACKGROUND_WAITING, IDENTITY_CLOSED,
                                  IDENTITY_OPEN, waited)  # noqa: F401
from app.security.scope import scope_clause, scoped_count

from . import personnel, rules
from app.security.actor import current_actor
from .errors import RuleViolation
from .idnumber import IdNumberError, parse_id_number
from .registry import RegistryUnavailable, compare, get_registry
from .watchlists import WatchListUnavailable, get_watch_lists

log = logging.getLogger(__name__)

GUARD_ROLES = ("guard", "part_time_guard")
IDENTITY_FIELDS = ("name", "id_number", "gender", "birth_date", "photo")
SYSTEM = (None, "system")
_QUEUE = "screening_people"        # session.info: Person objects noticed in this transaction
_IDS = "screening_person_ids"      # … their ids once flushed, run after the commit
_OFF = "screening_suspended"
_INLINE = "screening_inline"       # session.info: run this transaction's checks in the request


# ---------------------------------------------------------------- helpers

def _fingerprint(person: Person) -> str:
    """A digest of the identity values last verified (no personal data in the change log)."""
    text = "|".join(str(getattr(person, f) or "") for f in IDENTITY_FIELDS)
    return hashlib.sha256(text.encode()).hexdigest()


def _identity_text(person: Person, values: dict | None = None) -> str:
    values = values or {f: getattr(person, f) for f in IDENTITY_FIELDS}
    return "\n".join(f"{f}: {'' if values.get(f) is None else values.get(f)}"
                     for f in IDENTITY_FIELDS)


def _record(session, action, *, case=None, alert=None, from_state=None, to_state=None,
            note=None, before=None, after=None, actor=None):
    owner = case or alert
    user_id, username = actor or current_actor()
    item = ScreeningEvent(
        identity_check=case, alert=alert, unit=owner.unit, person=owner.person,
        at=utcnow(), user_id=user_id, username=username or "system", action=action,
        from_state=from_state, to_state=to_state, note=note, before=before, after=after)
    session.add(item)
    return item


def _move(session, case, to_state, action, note=None, actor=None, before=None, after=None):
    from_state = case.state
    case.state = to_state
    if to_state in ("passed", "cleared"):
        case.closed_at = utcnow()
    else:
        case.closed_at = None
        if from_state in ("passed", "cleared") or action in ("confirmed", "returned",
                                                             "failed", "created"):
            case.waiting_since = utcnow()
    if note is not None:
        case.note = note
    _record(session, action, case=case, from_state=from_state, to_state=to_state, note=note,
            before=before, after=after, actor=actor)


def _config():
    return current_app.config if has_app_context() else {}


def _call(adapter, id_number, timeout):
    """Ask an adapter, with a time-out for remote ones. Local (database) adapters share the
    caller's session and run inline."""
    if adapter.__class__.__module__.startswith("app.services."):
        return adapter.lookup(id_number)
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    try:
        return pool.submit(adapter.lookup, id_number).result(timeout=timeout)
    except concurrent.futures.TimeoutError:
        raise TimeoutError(f"no answer within {timeout} s")
    finally:
        pool.shutdown(wait=False)


# ---------------------------------------------------------------- opening cases

def open_case(session, person, unit, employment=None, actor=None, activated=False):
    """The case of a person at a unit, opened (or reopened) as pending when needed.
    `activated`: the person has just become an active guard there (added, made a guard,
    taken back): a case already passed runs its background check again."""
    case = None
    if person.id is not None and unit.id is not None:
        with session.no_autoflush:
            case = session.execute(select(IdentityCheck).where(
                IdentityCheck.person_id == person.id,
                IdentityCheck.unit_id == unit.id)).scalar_one_or_none()
    if case is None:
        case = IdentityCheck(person=person, unit=unit, employment=employment, state="pending",
                             attempts=0, background_state="not_run", waiting_since=utcnow())
        session.add(case)
        _record(session, "created", case=case, to_state="pending", actor=actor or SYSTEM)
        return case
    if employment is not None:
        case.employment = employment
    if case.state in ("passed", "cleared") and case.fingerprint != _fingerprint(person):
        case.attempts = 0
        _move(session, case, "pending", "created", actor=actor or SYSTEM)
    elif activated and case.state in ("passed", "cleared") and case.background_state == "done":
        # The watch lists may have changed since: check again (alerts are never doubled).
        case.background_state, case.waiting_since = "not_run", utcnow()
        _record(session, "created", case=case, from_state=case.state, to_state=case.state,
                note=_("Active as a guard again: background check runs again."),
                actor=actor or SYSTEM)
    return case


def _activated(obj) -> bool:
    """An employment that has just made its person an active guard or part-time guard:
    new, its role changed from a non-guard role, or reopened (end date cleared)."""
    if not isinstance(obj, Employment) or obj.role not in GUARD_ROLES \
            or obj.end_date is not None or obj.person is None or obj.unit is None:
        return False
    state = inspect(obj)
    if state.transient or state.pending:
        return True
    role = state.attrs.role.history
    if role.has_changes() and not any(r in GUARD_ROLES for r in role.deleted):
        return True
    ended = state.attrs.end_date.history
    return ended.has_changes() and any(d is not None for d in ended.deleted)


def _collect(session, flush_context, instances):
    """before_flush: employments that make someone an active guard (new, role changed to a
    guard role, reopened) and identity changes of screened people."""
    if session.info.get(_OFF):
        return
    queue = session.info.setdefault(_QUEUE, [])
    for obj in list(session.new) + list(session.dirty):
        if _activated(obj):
            open_case(session, obj.person, obj.unit, obj, activated=True)
            queue.append(obj.person)
    for obj in list(session.dirty):
        if not isinstance(obj, Person) or obj.id is None:
            continue
        state = inspect(obj)
        changed = {f: state.attrs[f].history for f in IDENTITY_FIELDS
                   if state.attrs[f].history.has_changes()}
        if not changed:
            continue
        with session.no_autoflush:
            cases = session.execute(select(IdentityCheck).where(
                IdentityCheck.person_id == obj.id)).scalars().all()
        if not cases:
            continue
        before = {f: getattr(obj, f) for f in IDENTITY_FIELDS}
        for f, history in changed.items():
            before[f] = history.deleted[0] if history.deleted else None
        for case in cases:
            if case.state == "pending":
                continue
            action = "resubmitted" if case.state in IDENTITY_OPEN else "created"
            case.attempts = 0
            _move(session, case, "pending", action, before=_identity_text(obj, before),
                  after=_identity_text(obj))
        queue.append(obj)


def _after_flush(session, flush_context):
    people = session.info.pop(_QUEUE, None)
    if people:
        ids = session.info.setdefault(_IDS, set())
        ids.update(p.id for p in people if p.id is not None)


def _after_commit(session):
    ids = session.info.pop(_IDS, None)
    inline = session.info.pop(_INLINE, False)
    if ids and has_app_context():
        dispatch(sorted(ids), inline=inline)


def _after_rollback(session):
    session.info.pop(_QUEUE, None)
    session.info.pop(_IDS, None)
    session.info.pop(_INLINE, None)


def install():
    if not event.contains(Session, "before_flush", _collect):
        event.listen(Session, "before_flush", _collect)
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", lambda s, prev: _after_rollback(s))


@contextmanager
def suspended(session):
    """No automatic screening inside (bulk loads that screen explicitly afterwards)."""
    session.info[_OFF] = True
    try:
        yield
    finally:
        session.info.pop(_OFF, None)


def people_noticed(session) -> set:
    """The ids of the people this transaction will screen after its commit (so far)."""
    return set(session.info.get(_IDS, ()))


@contextmanager
def held_for_outer_commit(session, restore=None):
    """Releasing a SAVEPOINT fires after_commit, and rolling one back after_soft_rollback:
    either would dispatch or forget this transaction's people. Around `savepoint.commit()`
    the people flushed so far are kept for the outer commit (screened once, when the
    transaction is durable); around `savepoint.rollback()` pass `restore`, the
    people_noticed() from before the savepoint, so only those of the undone rows go
    (the staff import)."""
    held = session.info.pop(_IDS, None)
    try:
        yield
    finally:
        keep = held if restore is None else restore
        if keep:
            session.info.setdefault(_IDS, set()).update(keep)


def discard_queued(session):
    """Forget the people noticed so far in this transaction (they were screened inline)."""
    _after_rollback(session)


# ---------------------------------------------------------------- running the checks

def dispatch(person_ids, inline=False):
    """After a commit: screen these people in a session of their own — inline when
    SCREENING_SYNC, else in a background thread with retries. `inline`: a clerk waits for
    the answer (【处理】's resubmission): run once in the caller's thread, and only what is
    still pending (an adapter did not answer) goes on to the retrying thread. Never raises."""
    app = current_app._get_current_object()
    if app.config.get("SCREENING_SYNC"):
        _run_isolated(app, person_ids)
        return
    if inline and not _run_isolated(app, person_ids):
        return
    if _ENQUEUE is not None:  # a Celery worker runs and retries them (app.tasks.screening)
        try:
            _ENQUEUE(list(person_ids))
            return
        except Exception:  # broker down: the thread below; beat's sweep picks up the rest
            log.exception("screening of %s not queued", person_ids)
    thread = threading.Thread(target=_worker, args=(app, person_ids), daemon=True,
                              name="screening")
    thread.start()


_ENQUEUE = None


def set_enqueue(enqueue) -> None:
    """app.tasks installs the Celery task when a broker is configured (docs/background.md);
    without one the checks retry in a thread of the process, as before."""
    global _ENQUEUE
    _ENQUEUE = enqueue


def _worker(app, person_ids):
    retries = app.config.get("SCREENING_RETRIES", 3)
    delay = app.config.get("SCREENING_RETRY_DELAY", 30)
    with app.app_context():
        for attempt in range(retries + 1):
            if attempt:
                time.sleep(delay * attempt)
            if not _run_isolated(app, person_ids):
                return


def run_isolated(app, person_ids) -> bool:
    """Screen people in a session of their own (the task body); True when still pending."""
    return _run_isolated(app, person_ids)


def _run_isolated(app, person_ids) -> bool:
    """Screen people in a fresh session; True when something is still pending."""

    session = Session(bind=db.engine)
    try:
        pending = False
        for person_id in person_ids:
            pending |= screen_person(session, person_id)
            session.commit()
        return pending
    except Exception:  # the clerk's save stands; `run_pending` picks the case up later
        log.exception("screening of %s failed", person_ids)
        session.rollback()
        return True
    finally:
        session.close()


def screen_person(session, person_id) -> bool:
    """Open cases for the person's active guard employments and run what is pending.
    Idempotent. Returns True when a check is still pending (an adapter did not answer)."""
    person = session.get(Person, person_id)
    if person is None:
        return False
    employments = session.execute(select(Employment).where(
        Employment.person_id == person_id, Employment.role.in_(GUARD_ROLES),
        Employment.end_date.is_(None)).order_by(Employment.id)).scalars().all()
    for emp in employments:
        open_case(session, person, emp.unit, emp)
    session.flush()
    pending = False
    cases = session.execute(select(IdentityCheck).where(
        IdentityCheck.person_id == person_id).order_by(IdentityCheck.id)).scalars().all()
    for case in cases:
        pending |= run_case(session, case)
    return pending


def run_case(session, case) -> bool:
    if case.state == "pending":
        verify(session, case)
    if case.state in ("passed", "cleared") and case.background_state != "done":
        background_check(session, case)
    return case.state == "pending" or case.background_state == "pending"


def verify(session, case):
    """Identity verification of a pending case: ID number valid, name/gender/birth date as
    registered, photo present (when SCREENING_REQUIRE_PHOTO)."""
    config = _config()
    person = case.person
    reasons = []
    try:
        parse_id_number(person.id_number or "")
    except IdNumberError as exc:
        reasons.append(_("ID number invalid: %(error)s", error=str(exc)))
    else:
        registry = get_registry(session, config)
        try:
            entry = _call(registry, person.id_number, config.get("SCREENING_TIMEOUT", 10))
        except (RegistryUnavailable, TimeoutError, OSError) as exc:
            case.attempts = (case.attempts or 0) + 1
            if case.last_error is None:
                _record(session, "pending", case=case, from_state="pending", to_state="pending",
                        note=str(exc)[:300], actor=SYSTEM)
            case.last_error = str(exc)[:300] or "unavailable"
            return
        if entry is None:
            reasons.append(_("The ID number is not in the population registry."))
        else:
            names = {"name": _("Full name"), "gender": _("Gender"), "birth_date": _("Birth date")}
            for mismatch in compare(entry, person.name, person.gender, person.birth_date):
                reasons.append(_("%(field)s does not match the population registry.",
                                 field=names[mismatch.field]))
    if config.get("SCREENING_REQUIRE_PHOTO") and not person.photo:
        reasons.append(_("No photo."))
    case.last_error = None
    case.fingerprint = _fingerprint(person)
    case.reasons = "\n".join(reasons) or None
    if reasons:
        _move(session, case, "failed", "failed", note=None, actor=SYSTEM)
    else:
        _move(session, case, "passed", "verified", actor=SYSTEM)


def background_check(session, case):
    """Ask every watch list; raise one alert per finding (never twice)."""
    config = _config()
    person = case.person
    answered_all = True
    errors = []
    for adapter in get_watch_lists(session):
        try:
            findings = _call(adapter, person.id_number, config.get("SCREENING_TIMEOUT", 10))
        except (WatchListUnavailable, TimeoutError, OSError) as exc:
            answered_all = False
            errors.append(str(exc) or "unavailable")
            if case.background_state != "pending":
                _record(session, "background_pending", case=case, note=str(exc)[:300],
                        actor=SYSTEM)
            continue
        for finding in findings:
            exists = session.execute(select(BackgroundAlert.id).where(
                BackgroundAlert.person_id == case.person_id,
                BackgroundAlert.unit_id == case.unit_id,
                BackgroundAlert.source == finding.source,
                BackgroundAlert.reason_code == finding.reason_code)).first()
            if exists:
                continue
            text = str(ALERT_REASONS.get(finding.reason_code, (finding.reason_code,))[0])
            if finding.detail:
                text = f"{text}（{finding.detail}）"
            alert = BackgroundAlert(
                person=case.person, unit=case.unit, identity_check_id=case.id,
                kind=finding.kind, source=finding.source, reason_code=finding.reason_code,
                reason_text=text[:300], state="open", waiting_since=utcnow())
            session.add(alert)
            _record(session, "alert", alert=alert, to_state="open", note=text[:300],
                    actor=SYSTEM)
    case.background_state = "done" if answered_all else "pending"
    case.last_error = "; ".join(errors)[:300] or None   # shown in the pending list
    session.flush()


def run_pending(session) -> int:
    """Re-run every pending check (CLI, scheduler). Returns how many people were screened."""
    ids = session.execute(select(IdentityCheck.person_id).where(
        (IdentityCheck.state == "pending") | (IdentityCheck.background_state == "pending")
        | ((IdentityCheck.state.in_(("passed", "cleared")))
           & (IdentityCheck.background_state == "not_run"))
    ).distinct()).scalars().all()
    for person_id in ids:
        screen_person(session, person_id)
    return len(ids)


# ---------------------------------------------------------------- identity actions

def _require_unit(scope):
    if scope is None or not scope.is_unit_user:
        raise RuleViolation(None, _("Only the unit can take this action."))


def _require_police(scope):
    if scope is None or not scope.is_police:
        raise RuleViolation(None, _("Only the police can take this action."))


def _require_state(case, states):
    if case.state not in states:
        raise RuleViolation(None, _("This action is not possible while the case is "
                                    "“%(state)s”.", state=case.state_label))


def _note(note, field="note"):
    note = (note or "").strip()
    if not note:
        raise RuleViolation(field, _("Enter a note."))
    return note


def resubmit(session, case, scope, name=None, id_number=None, note=None, photo=None):
    """【处理】: the unit corrects the identity fields (`photo`: the bytes of a new PNG/JPEG
    photo, the person's photo rule) and submits. Verified again right after the commit, in
    the caller's thread, so the clerk is told the result (`resubmit_outcome`); a registry
    that does not answer leaves it pending and retried in the background."""

    _require_unit(scope)
    _require_state(case, ("failed", "returned"))
    person = case.person
    before = _identity_text(person)
    if name is not None:
        person.name = name
    if id_number is not None and id_number.strip().upper() != person.id_number:
        person.id_number = id_number.strip()
    rules.validate(session, person, creating=False, scope=scope)
    if photo:
        personnel.set_photo(person, photo, "photo")
    case.attempts = 0
    _move(session, case, "pending", "resubmitted", note=(note or "").strip() or None,
          before=before, after=_identity_text(person))
    session.info.setdefault(_QUEUE, []).append(person)
    session.info[_INLINE] = True


def resubmit_outcome(case) -> tuple[str, str]:
    """(message level, text) saying what a resubmission led to, read after the commit: the
    case's state now, with the findings when it failed again."""
    if case.state in IDENTITY_CLOSED:
        level = "success"
    elif case.state == "pending":
        return "info", _("Submitted for verification: %(state)s. The population registry has "
                         "not answered yet; it is retried automatically.",
                         state=case.state_label)
    else:
        level = "warning"
    text = _("Submitted for verification: %(state)s", state=case.state_label)
    if case.state == "failed" and case.reasons:
        text += "（" + case.reasons.replace("\n", " ") + "）"
    return level, text


def confirm(session, case, scope, note=None):
    """「信息无误无需处理」: the unit vouches for the data; the police review it by hand."""
    _require_unit(scope)
    _require_state(case, ("failed", "returned"))
    _move(session, case, "police_review", "confirmed", note=_note(note))


def return_to_unit(session, case, scope, reason=None):
    _require_police(scope)
    _require_state(case, ("police_review",))
    _move(session, case, "returned", "returned", note=_note(reason))


def clear(session, case, scope, note=None):
    """Police pass the case by hand; the background check follows."""
    _require_police(scope)
    _require_state(case, ("police_review",))
    _move(session, case, "cleared", "cleared", note=(note or "").strip() or None)
    session.info.setdefault(_QUEUE, []).append(case.person)


IDENTITY_ACTIONS = {"resubmit": resubmit, "confirm": confirm, "return": return_to_unit,
                    "clear": clear}


def identity_actions_for(case, scope) -> list[str]:
    """The actions the scope may take on the case now (for buttons)."""
    if case.state in ("failed", "returned") and scope.is_unit_user:
        return ["resubmit", "confirm"]
    if case.state == "police_review" and scope.is_police:
        return ["return", "clear"]
    return []


# ---------------------------------------------------------------- alert actions

def _close_alert(session, alert, kind, refusal, action, state, note):
    """Close an open alert of `kind` (RuleViolation `refusal` for another kind) into `state`,
    with note() as its note, and record `action`."""
    if alert.kind != kind:
        raise RuleViolation(None, refusal)
    if alert.state != "open":
        raise RuleViolation(None, _("This alert is already closed."))
    alert.note = note()
    alert.state, alert.closed_at = state, utcnow()
    _record(session, action, alert=alert, from_state="open", to_state=state, note=alert.note)


def sign(session, alert, scope, note=None):
    """【签收】 of a unit-attention alert by the unit."""
    _require_unit(scope)
    _close_alert(session, alert, "unit_attention", _("Only the police close this alert."),
                 "signed", "signed", lambda: (note or "").strip() or None)


def handle(session, alert, scope, note=None):
    """The police close a police alert with a handling note."""
    _require_police(scope)
    _close_alert(session, alert, "police", _("The unit signs for this alert itself."),
                 "handled", "closed", lambda: _note(note))


ALERT_ACTIONS = {"sign": sign, "handle": handle}


def alert_actions_for(alert, scope) -> list[str]:
    if alert.state != "open":
        return []
    if alert.kind == "unit_attention" and scope.is_unit_user:
        return ["sign"]
    if alert.kind == "police" and scope.is_police:
        return ["handle"]
    return []


# ---------------------------------------------------------------- queues

def open_counts(session, scope, background=True) -> dict:
    """Open items in the scope for the home page: what waits for this role. Without
    `background` the count of background checks pending is left out (the home page takes it
    from the dashboard snapshot: over a province's passed cases it is a long count)."""

    if scope.is_police:
        case_states, alert_kinds = ("police_review",), ("police",)
    else:
        case_states, alert_kinds = ("failed", "returned"), ("unit_attention",)
    open_cases = IdentityCheck.state.in_(case_states)
    # One pass over the scope's cases for both case counts (the home page's statement budget).
    waiting = [and_(*background_waiting())] if background else []
    # The scope as a subquery, not a city's ~700 unit ids as values: the few open items are
    # found by their state and checked against the units hashed once (half the time of the
    # values at 300,000 people, bench-results/DASHBOARD.md).
    row = session.query(
        func.count().filter(open_cases),
        *[func.count().filter(condition) for condition in waiting]).select_from(
        IdentityCheck).filter(scope_clause(IdentityCheck, scope),
                              or_(open_cases, *waiting)).one()
    counts = {
        "identity_open": row[0],
        "alerts_open": session.query(func.count()).select_from(BackgroundAlert).filter(
            scope_clause(BackgroundAlert, scope), BackgroundAlert.state == "open",
            BackgroundAlert.kind.in_(alert_kinds)).scalar(),
    }
    if background:
        counts["background_pending"] = row[1]
    return counts



def open_identity_cases(session, employments) -> dict:
    """{employment id: its person's identity case at the employment's unit} for the cases
    still open (pending, failed, awaiting the police, returned): guards not verified yet,
    which the dispatch picker marks and a dispatch asks to confirm."""
    pairs = {(e.person_id, e.unit_id): e.id for e in employments}
    if not pairs:
        return {}
    cases = session.execute(select(IdentityCheck).where(
        IdentityCheck.person_id.in_({p for p, _u in pairs}),
        IdentityCheck.unit_id.in_({u for _p, u in pairs}),
        IdentityCheck.state.in_(IDENTITY_OPEN))).scalars()
    return {pairs[(c.person_id, c.unit_id)]: c for c in cases
            if (c.person_id, c.unit_id) in pairs}


def background_waiting():
    """Conditions of the cases whose identity passed and whose background check has not
    finished (not run yet, or an adapter has not answered and it is retried)."""
    return (IdentityCheck.state.in_(IDENTITY_CLOSED),
            IdentityCheck.background_state.in_(BACKGROUND_WAITING))


def person_status(session, person_id, scope) -> list[dict]:
    """The person's screening state per unit in the scope, for the person's page: whether
    identity verification or the background check is still pending (it may finish after the
    save), failed and waiting for someone, or done."""

    cases = session.query(IdentityCheck).filter(
        IdentityCheck.person_id == person_id, scope_clause(IdentityCheck, scope)
    ).order_by(IdentityCheck.id).all()
    rows = []
    for case in cases:
        alerts = [a for a in session.query(BackgroundAlert).filter_by(
            person_id=person_id, unit_id=case.unit_id, state="open").order_by(BackgroundAlert.id)]
        if case.state == "pending":
            level, text = "info", _("Identity verification is pending: it runs after the save "
                                    "and the result shows here.")
            if case.last_error:
                text = _("Identity verification is pending: the population registry has not "
                         "answered; it is retried automatically.")
        elif case.state in IDENTITY_OPEN:
            level, text = "danger", case.state_label
        elif case.background_state in BACKGROUND_WAITING:
            level, text = "info", _("Identity verified; the background check is pending and "
                                    "its result shows here.")
        elif alerts:
            level, text = "warning", _("Background check done: %(count)d open alert(s).",
                                       count=len(alerts))
        else:
            level, text = "success", _("Identity verified; background check done, no findings.")
        rows.append({"case": case, "level": level, "text": text, "alerts": alerts,
                     "pending": case.state == "pending"
                     or (case.state in IDENTITY_CLOSED
                         and case.background_state in BACKGROUND_WAITING)})
    return rows
