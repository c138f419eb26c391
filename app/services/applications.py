"""The one state machine of 政务网业务办理 applications, their intake, deadlines and effects.

submitted → accepted (受理, city) → [province_review (city opinion passed up) →] approved /
rejected (reason required) / returned (补正: back to the applicant, deadline paused) / withdrawn.
Every step is an ApplicationEvent. A transition is a conditional UPDATE on the status, so two
reviewers deciding at once (or one approving twice) yield one decision and one set of effects.
No Flask request objects here: callers pass the acting user's scope and name.
"""
import datetime as dt
import re
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.models import (Application, ApplicationDocument, ApplicationEvent, Certificate,
                        ConductRecord, CrossProvinceFiling, Person, Region, Unit,
                        UnitDocument)
from app.models.authority import SYSTEM
from app.models.base import utcnow
from app.security.scope import SYSTEM as SYSTEM_SCOPE
from app.security.scope import scope_clause
from app.security.roles import (CITY_POLICE, CLIENT_UNIT_USER, COMPANY_USER, PROVINCE_ADMIN,
                                SELF_HIRE_USER, TRAINING_USER)

from . import rules, settings, storage, unit_changes
from .application_items import CITY, ITEMS, PROVINCE, add_working_days, working_days_between
from .errors import RuleViolation, RuleViolations
from .idnumber import IdNumberError, parse_id_number
from .passwords import one_time_password
from .sms import gateway
from .uscc import UsccError, validate_uscc

OPEN_STATUSES = ("submitted", "accepted", "province_review", "returned")
FINAL_STATUSES = ("approved", "rejected", "withdrawn")
PHONE_RE = re.compile(r"^1\d{10}$")
ROLE_BY_KIND = {"company": COMPANY_USER, "training": TRAINING_USER,
                "self_hire": SELF_HIRE_USER, "client": CLIENT_UNIT_USER}
EDUCATION_ORDER = ("primary", "junior", "senior", "vocational", "college", "bachelor", "master")


@dataclass(frozen=True)
class Upload:
    code: str
    filename: str
    content: bytes
    content_type: str = "application/octet-stream"


# ------------------------------------------------------------------ document storage
# Application documents use the shared storage of uploads (app.services.storage): checked by
# content (PDF, PNG, JPEG) and size, random keys, outside the web root.

def application_storage_save(upload: Upload) -> str:
    key, _content_type = storage.store_upload(upload.content, f"document_{upload.code}")
    return key


def application_storage_open(key: str) -> bytes:
    return storage.storage().get(key)


# ------------------------------------------------------------------ intake
# An application is checked whole: every refusal at its field at once (RuleViolations), so
# the applicant corrects the form in one go.

def _missing(item, form, documents, unit_credit_code):
    """{field: label} of every required entry left empty; documents as doc_<code>."""
    missing = {}
    for field in item.fields:
        value = form.get(field.name)
        if field.required and (value is None or str(value).strip() == "" or value == []):
            missing[field.name] = str(field.label)
    if item.needs_unit and not unit_credit_code:
        missing["unit_credit_code"] = _("Credit code of the unit concerned")
    have = {doc.code for doc in documents}
    missing.update({f"doc_{code}": str(label) for code, label in item.documents
                    if code not in have})
    return missing


def _clean_value(field, value):
    if field.kind == "list":
        if isinstance(value, str):
            value = [v.strip() for v in re.split(r"[,，;；\s]+", value) if v.strip()]
        return [str(v).strip() for v in value]
    value = str(value).strip()
    if field.kind == "number":
        try:
            float(value)
        except ValueError:
            raise RuleViolation(field.name, _("%(field)s must be a number.", field=field.label))
    elif field.kind == "date":
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            raise RuleViolation(field.name, _("%(field)s must be a date (YYYY-MM-DD).",
                                              field=field.label))
    elif field.kind == "idnumber":
        try:
            value = parse_id_number(value).number
        except IdNumberError as exc:
            raise RuleViolation(field.name, str(exc))
    elif field.kind == "choice" and value not in field.choices:
        raise RuleViolation(field.name, _("Choose a valid value for %(field)s.",
                                          field=field.label))
    elif field.name == "credit_code":
        try:
            value = validate_uscc(value)
        except UsccError as exc:
            raise RuleViolation(field.name, str(exc))
    return value


def _clean_form(item, form, errors=None):
    """The item's fields, cleaned; each refusal into `errors` (raised together when the
    caller passes none)."""
    raise_here = errors is None
    errors = {} if errors is None else errors
    clean = {}
    for field in item.fields:
        value = form.get(field.name)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        try:
            clean[field.name] = _clean_value(field, value)
        except RuleViolation as violation:
            errors.setdefault(violation.field, violation.message)
    if raise_here and errors:
        raise RuleViolations(errors)
    return clean


def capital_check(item_code, form):
    """保安服务管理条例 Art. 8 on a company licence application: (ok, text) for the reviewer,
    or None when the item creates no security company or no capital is given."""
    item = ITEMS.get(item_code)
    value = (form or {}).get("registered_capital")
    if item is None or item.creates != "company":
        return None
    try:
        capital = float(value)
    except (TypeError, ValueError):
        return None
    armed = (form or {}).get("armed_escort") == "yes"
    refusal = rules.capital_refusal(capital, armed)
    return (refusal is None, refusal or _(
        "Registered capital %(capital)s (10,000 yuan) meets the minimum of %(minimum)s.",
        capital=f"{capital:g}", minimum=rules.minimum_capital(armed)))


def _next_number(session, today):
    prefix = f"BA{today:%Y%m%d}"
    last = session.execute(select(func.max(Application.number)).where(
        Application.number.like(prefix + "%"))).scalar()
    seq = int(last[len(prefix):]) + 1 if last else 1
    return f"{prefix}{seq:05d}"


def _find_unit(session, item, item_code, unit_credit_code):
    unit = session.execute(select(Unit).where(
        Unit.credit_code == unit_credit_code.strip().upper())).scalar_one_or_none()
    if unit is None or unit.status != "active" or (
            item.needs_unit and unit.kind not in item.needs_unit) or (
            item_code == "self_hire" and unit.kind != "self_hire"):
        raise RuleViolation("unit_credit_code", _(
            "No active unit of the kind this item concerns has this credit code."))
    return unit


def _check_new_unit(session, item, form, errors):
    """The unit an approval would create must not exist yet (its name, its credit code)."""
    creates_unit = item.creates in ("company", "training", "self_hire", "client") \
        and form.get("action") != "revoke"
    if (creates_unit or item.creates == "branch") and form.get("name") and session.execute(
            select(Unit.id).where(Unit.name == form["name"])).first():
        errors.setdefault("name", _("A unit with this name already exists."))
    if creates_unit and form.get("credit_code") and "credit_code" not in errors \
            and session.execute(select(Unit.id).where(
                Unit.credit_code == form["credit_code"])).first():
        errors["credit_code"] = _("A unit with this credit code already exists.")


def submit(session, item_code, applicant_name, applicant_phone, form, documents,
           region_code=None, unit_credit_code=None, channel="web", today=None):
    """Intake from the government-service platform or the public form. Refuses, with every
    refusal at its field (RuleViolations), an application missing required fields or
    documents or holding a value the rules refuse."""
    item = ITEMS.get(item_code)
    if item is None:
        raise RuleViolation("item", _("Unknown application item."))
    applicant_name = (applicant_name or "").strip()
    applicant_phone = (applicant_phone or "").strip()
    form = dict(form or {})
    documents = [d for d in (documents or []) if d.content]
    missing = {}
    if not applicant_name:
        missing["applicant_name"] = _("Applicant name")
    if not applicant_phone:
        missing["applicant_phone"] = _("Applicant mobile phone")
    missing.update(_missing(item, form, documents, unit_credit_code))
    if not item.needs_unit and item_code == "self_hire" and form.get("action") == "revoke":
        unit_credit_code = unit_credit_code or form.get("credit_code")
    if unit_credit_code is None and not item.needs_unit and not region_code:
        missing["region_code"] = _("Jurisdiction")
    errors = {field: _("Missing: %(items)s", items=label) for field, label in missing.items()}
    if applicant_phone and not PHONE_RE.match(applicant_phone):
        errors["applicant_phone"] = _("Enter an 11-digit mobile phone number.")
    form = _clean_form(item, form, errors)
    valid_codes = {code for code, _label in item.documents}
    for doc in documents:
        if doc.code not in valid_codes:
            errors.setdefault("documents", _("Unknown document: %(code)s", code=doc.code))
    unit = None
    if unit_credit_code:
        try:
            unit = _find_unit(session, item, item_code, unit_credit_code)
            region_code = unit.region_code
        except RuleViolation as violation:
            errors.setdefault(violation.field, violation.message)
    region = session.get(Region, region_code) if region_code else None
    if unit is None and not {"unit_credit_code", "region_code"} & set(errors) and (
            region is None or not region.code.startswith("33") or region.level != "county"
            or region.end_year is not None):
        errors["region_code"] = _("Choose a jurisdiction in Zhejiang province.")
    _check_new_unit(session, item, form, errors)
    capital = capital_check(item_code, form)
    if capital is not None and not capital[0]:
        errors.setdefault("registered_capital", capital[1])
    today = today or dt.date.today()
    if item.code == "guard_certificate" and "id_number" in form \
            and not {"id_number", "education", "exam_score"} & set(errors):
        try:
            check_guard_eligibility(session, parse_id_number(form["id_number"]), form, today)
        except RuleViolation as violation:
            errors.setdefault(violation.field, violation.message)
    if errors:
        raise RuleViolations(errors, summary=missing and _(
            "Missing: %(items)s", items="、".join(str(label) for label in missing.values())),
            summarised=missing)
    app = Application(item=item.code,
                      applicant_name=applicant_name, applicant_phone=applicant_phone,
                      unit=unit, region_code=region.code, form=form, status="submitted",
                      channel=channel, time_limit_days=item.time_limit, days_used=0)
    for doc in documents:
        app.documents.append(ApplicationDocument(
            code=doc.code, filename=doc.filename[:200], content_type=doc.content_type,
            size=len(doc.content), storage_key=application_storage_save(doc)))
    app.events.append(ApplicationEvent(actor=applicant_name, action="submit",
                                       to_status="submitted"))
    # Two intakes in the same instant may compute the same next number: the unique index
    # refuses the second, which then takes the following number.
    for _attempt in range(5):
        app.number = _next_number(session, today)
        try:
            with session.begin_nested():
                session.add(app)
                session.flush()
            return app
        except IntegrityError:
            continue
    raise RuleViolation(None, _("The system is busy; submit the application again."))


def find_for_applicant(session, number, phone):
    """The application with this number and phone, or None (no hint which one is wrong)."""
    return session.execute(select(Application).where(
        Application.number == (number or "").strip().upper(),
        Application.applicant_phone == (phone or "").strip())).scalar_one_or_none()


# ------------------------------------------------------------------ deadlines

def days_left(app, today=None):
    """Working days left: None before acceptance and once decided; while paused what is left
    when the clock resumes. Counted, never walked (the desk asks it of all its open work)."""
    if app.status in FINAL_STATUSES or app.status == "submitted":
        return None
    left = app.time_limit_days - app.days_used
    if app.clock_started_on is None:
        return left
    return left - working_days_between(app.clock_started_on, today or dt.date.today())


def deadline(app, today=None):
    """(due date, working days left) while the clock runs; (None, left) while paused."""
    left = days_left(app, today)
    if left is None or app.clock_started_on is None:
        return None, left
    return add_working_days(app.clock_started_on, app.time_limit_days - app.days_used), left


def _urgency(app, left):
    if left is None or app.clock_started_on is None:
        return ""
    if left < 0:
        return "overdue"
    return "due_soon" if left <= 3 else ""


def urgency(app, today=None):
    """'overdue', 'due_soon' (≤ 3 working days) or ''."""
    return _urgency(app, days_left(app, today))


_URGENCY_RANK = {"overdue": 0, "due_soon": 1, "": 2}


def desk_order(app, today=None):
    """The review desk's order of open work: overdue, then due within 3 working days, then
    the rest, each by working days left (none left last), then by submission. Needs only
    the clock columns (status, time_limit_days, days_used, clock_started_on, submitted_at)."""
    left = days_left(app, today)
    return (_URGENCY_RANK[_urgency(app, left)], left if left is not None else 10 ** 6,
            app.submitted_at)


# ------------------------------------------------------------------ the state machine

def stage_level(app):
    """Which level acts on the application now: the city until it passes its opinion up."""
    return PROVINCE if app.status == "province_review" else CITY


def check_actor(app, scope):
    """The acting police user must be competent for the stage and the jurisdiction."""
    level = stage_level(app)
    if scope.role == PROVINCE_ADMIN:
        return
    if level == CITY and scope.role == CITY_POLICE and scope.region_prefix \
            and app.region_code.startswith(scope.region_prefix):
        return
    if level == PROVINCE:
        raise RuleViolation(None, _("Only the provincial public security department decides "
                                    "this application."))
    raise RuleViolation(None, _("Only the city public security bureau of the jurisdiction "
                                "handles this application now."))


ACTIONS = {
    # action: (allowed from, to)
    "accept": (("submitted",), "accepted"),
    "forward": (("accepted",), "province_review"),
    "approve": (("accepted", "province_review"), "approved"),
    "reject": (("submitted", "accepted", "province_review"), "rejected"),
    "return": (("submitted", "accepted", "province_review"), "returned"),
}


def competent_statuses(scope):
    """What the officer's level is competent for now: the city accepts and reviews, the
    province decides what the city passed up."""
    return OPEN_STATUSES if scope.role == PROVINCE_ADMIN else ("submitted", "accepted")


def desk_query(session, scope, status):
    """The review desk's applications: the officer's jurisdiction; "open" is what the
    officer is competent for now, a status its applications, anything else all of them."""
    query = session.query(Application).filter(scope_clause(Application, scope))
    if status == "open":
        return query.filter(Application.status.in_(competent_statuses(scope)))
    if status in OPEN_STATUSES + FINAL_STATUSES:
        return query.filter(Application.status == status)
    return query


def _refusal(app, action, scope):
    """Why the acting user may not take `action` (a key of ACTIONS) on the application now,
    as a RuleViolation, or None: its state, their competence, the item's decider."""
    from_statuses, _to_status = ACTIONS[action]
    if app.status not in from_statuses:
        return RuleViolation(None, _("This application cannot be %(action)s in its present "
                                     "state.", action=action_label(action)))
    try:
        check_actor(app, scope)
    except RuleViolation as violation:
        return violation
    item = ITEMS[app.item]
    if action == "forward" and item.decider != PROVINCE:
        return RuleViolation(None, _("The city decides this item itself."))
    if action == "approve" and item.decider == PROVINCE and app.status != "province_review":
        return RuleViolation(None, _("The city passes its opinion to the province, which "
                                     "decides this item."))
    return None


def allowed_actions(app, scope):
    """The actions (keys of ACTIONS) the acting user may take on the application now."""
    return [action for action in ACTIONS if _refusal(app, action, scope) is None]

def _transition(session, app, action, to_status, from_statuses, actor, note, **values):
    """Move the status with a conditional UPDATE: the loser of a race changes nothing."""
    from_status = app.status
    if from_status not in from_statuses:
        raise RuleViolation(None, _("This application cannot be %(action)s in its present "
                                    "state.", action=action_label(action)))
    result = session.execute(
        update(Application).where(Application.id == app.id,
                                  Application.status == from_status)
        .values(status=to_status, updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise RuleViolation(None, _("Someone else has already handled this application."))
    session.expire(app, ["status", "updated_at", *values])
    app.events.append(ApplicationEvent(actor=actor, action=action, from_status=from_status,
                                       to_status=to_status, note=note))
    return from_status


def action_label(action):
    return {"accept": _("accepted"), "forward": _("passed to the province"),
            "approve": _("approved"), "reject": _("rejected"), "return": _("returned"),
            "resubmit": _("resubmitted"), "withdraw": _("withdrawn")}.get(action, action)


def _pause(app, today):
    if app.clock_started_on is not None:
        app.days_used += working_days_between(app.clock_started_on, today)
        app.clock_started_on = None


def act(session, app, action, scope, actor, note=None, today=None):
    """A police decision on the application: accept, forward, approve, reject or return."""
    today = today or dt.date.today()
    note = (note or "").strip() or None
    if action not in ACTIONS:
        raise RuleViolation("action", _("Unknown action."))
    from_statuses, to_status = ACTIONS[action]
    refusal = _refusal(app, action, scope)
    if refusal is not None:
        raise refusal
    item = ITEMS[app.item]
    if action in ("reject", "return") and not note:
        raise RuleViolation("note", _("Enter the reason.") if action == "reject"
                            else _("Enter what the applicant must correct."))
    if action == "forward" and not note:
        raise RuleViolation("note", _("Enter the opinion of the city."))
    decision = {}
    if action in ("approve", "reject"):
        decision = dict(decision="approved" if action == "approve" else "rejected",
                        decision_reason=note, decided_at=utcnow(), decided_by=actor)
    from_status = _transition(session, app, action, to_status, from_statuses, actor, note,
                              **decision)
    if action == "accept":
        app.clock_started_on = today
    elif action == "return":
        _pause(app, today)
        app.returned_from = from_status
        app.correction_note = note
        _text(session, app, "return", settings.text("sms.return", number=app.number,
                                                    note=note))
    elif action in ("approve", "reject"):
        _pause(app, today)
        if action == "approve":
            apply_effects(session, app, today)
            _text(session, app, "decision", settings.text(
                "sms.approved", number=app.number, item=item.title,
                extra=app.result_note and (" " + app.result_note) or ""))
        else:
            _text(session, app, "decision", settings.text(
                "sms.rejected", number=app.number, item=item.title, reason=note))
    session.flush()
    return app


def resubmit(session, app, form=None, documents=(), today=None):
    """The applicant corrects a returned application; the clock runs on where it stopped."""
    today = today or dt.date.today()
    if app.status != "returned":
        raise RuleViolation(None, _("Only an application returned for correction can be "
                                    "resubmitted."))
    item = ITEMS[app.item]
    merged = {**(app.form or {}), **{k: v for k, v in (form or {}).items()
                                     if v not in (None, "")}}
    app.form = _clean_form(item, merged)
    for doc in documents:
        if doc.content:
            if doc.code not in {code for code, _l in item.documents}:
                raise RuleViolation("documents", _("Unknown document: %(code)s", code=doc.code))
            app.documents.append(ApplicationDocument(
                code=doc.code, filename=doc.filename[:200], content_type=doc.content_type,
                size=len(doc.content), storage_key=application_storage_save(doc)))
    target = app.returned_from or "submitted"
    _transition(session, app, "resubmit", target, ("returned",), app.applicant_name, None)
    if target != "submitted":
        app.clock_started_on = today
    app.returned_from = None
    app.correction_note = None
    session.flush()
    return app


def withdraw(session, app, today=None):
    today = today or dt.date.today()
    _transition(session, app, "withdraw", "withdrawn", OPEN_STATUSES, app.applicant_name, None)
    _pause(app, today)
    session.flush()
    return app


def _text(session, app, purpose, body):
    gateway().send(session, app.applicant_phone, body, purpose, application_id=app.id)


# ------------------------------------------------------------------ effects of approval

def apply_effects(session, app, today):
    handler = _EFFECTS.get(app.item)
    if handler:
        handler(session, app, today)
    file_documents(session, app, today)


def file_documents(session, app, today):
    """The approved application's documents become 办事材料 of every unit it concerns or
    creates, written by the system (read-only), naming the application. Each unit gets its
    own copy of the file: a unit's documents follow the unit, the application keeps its own."""
    units = {unit.id: unit for unit in (app.unit, app.result_unit_id and
                                        session.get(Unit, app.result_unit_id)) if unit}
    labels = dict(ITEMS[app.item].documents)
    store = storage.storage()
    for unit in units.values():
        for doc in app.documents:
            extension = doc.storage_key.rsplit(".", 1)[-1]
            session.add(UnitDocument(
                unit_id=unit.id, application_id=app.id, author_kind=SYSTEM,
                title=str(labels.get(doc.code, doc.code))[:200], filed_on=today,
                file_key=store.put(store.get(doc.storage_key), extension),
                file_name=doc.filename, content_type=doc.content_type, file_size=doc.size))


def _seq(session, column, prefix):
    last = session.execute(select(func.max(column)).where(column.like(prefix + "%"))).scalar()
    return int(last[len(prefix):]) + 1 if last else 1


def _unit_from_form(session, app, kind, parent=None):
    form = app.form
    unit = Unit(kind=kind, name=form["name"], credit_code=form.get("credit_code"),
                legal_representative=form.get("legal_representative"),
                principal=form.get("principal"), address=form.get("address"),
                contact_person=app.applicant_name,
                contact_phone=form.get("contact_phone") or app.applicant_phone,
                region_code=app.region_code, parent=parent, status="active",
                registered_capital=form.get("registered_capital"),
                foreign_invested=app.item == "company_foreign",
                armed_escort=kind == "company" and form.get("armed_escort") == "yes",
                training_capacity=int(float(form["training_capacity"]))
                if form.get("training_capacity") else None,
                established_on=dt.date.fromisoformat(form["established_on"])
                if form.get("established_on") else None)
    unit.region = session.get(Region, app.region_code)
    if kind != "branch":
        # Branches are the one kind check_unit refuses to create: only this filing makes one.
        rules.check_unit(session, unit, creating=True, scope=SYSTEM_SCOPE)
    refusal = kind == "company" and unit.registered_capital is not None and \
        rules.capital_refusal(unit.registered_capital, unit.armed_escort)
    if refusal:
        raise RuleViolation("registered_capital", refusal)
    session.add(unit)
    session.flush()
    return unit


def _licence(session, app, unit, today):
    prefix = f"浙公保服{today:%Y}" if unit.kind == "company" else f"浙公保培{today:%Y}"
    unit.licence_number = f"{prefix}{_seq(session, Unit.licence_number, prefix):04d}"
    unit.licence_issued_on = today


def _account(session, app, unit):
    """A user account for the new unit; username and one-time password go out by SMS."""
    sm = current_app.appbuilder.sm
    role = sm.find_role(ROLE_BY_KIND[unit.kind])
    username = (unit.credit_code or f"unit{unit.id}").lower()
    password = one_time_password()
    # Named after the applicant, family name first as the demo accounts (not after the
    # whole unit name, which wrapped the navbar); the username is the credit code.
    name = app.applicant_name.strip()
    user = sm.add_user(username, name[1:64] or name[:64], name[:1] if len(name) > 1 else "",
                       f"{username}@unit.invalid", [role], password=password, commit=False)
    if not user:
        raise RuleViolation(None, _("The account of the new unit could not be created."))
    user.unit = unit
    user.region_code = unit.region_code
    user.phone = app.applicant_phone
    user.must_change_password = True
    _text(session, app, "account", settings.text(
        "sms.account", unit=unit.name, username=username, password=password))
    return user


def _creates_unit(kind):
    def effect(session, app, today):
        if app.item == "self_hire" and app.form.get("action") == "revoke":
            unit = app.unit
            unit.status = "cancelled"
            app.result_note = _("Filing of %(unit)s revoked.", unit=unit.name)
            return
        parent = app.unit if kind == "client" else None
        unit = _unit_from_form(session, app, kind, parent)
        if app.item in ("company", "company_foreign", "training", "training_promise"):
            _licence(session, app, unit, today)
        app.result_unit_id = unit.id
        app.result_note = unit.licence_number and _("Licence number: %(number)s",
                                                    number=unit.licence_number) or None
        _account(session, app, unit)
    return effect


def _branch(session, app, today):
    unit = _unit_from_form(session, app, "branch", parent=app.unit)
    app.result_unit_id = unit.id


def _cross_province(session, app, today):
    form = app.form
    session.add(CrossProvinceFiling(
        unit_id=app.unit_id, application_id=app.id, province=form["province"],
        client_name=form["client_name"], start_date=dt.date.fromisoformat(form["start_date"]),
        end_date=dt.date.fromisoformat(form["end_date"]) if form.get("end_date") else None))


def _each_named(session, column, values, field, missing):
    """The row whose `column` is each of `values` (upper-cased); RuleViolation at `field`
    with missing(value) for the first that names none."""
    rows = []
    for value in values:
        row = session.execute(select(column.class_).where(column == value.upper())) \
            .scalar_one_or_none()
        if row is None:
            raise RuleViolation(field, missing(value))
        rows.append(row)
    return rows


def _commendation(session, app, today):
    form = app.form
    codes, numbers = form.get("unit_credit_codes") or [], form.get("guard_id_numbers") or []
    if not codes and not numbers:
        raise RuleViolation("unit_credit_codes", _("Name at least one unit or guard."))
    units = _each_named(session, Unit.credit_code, codes, "unit_credit_codes", lambda code: _(
        "No unit has the credit code %(code)s.", code=code))
    people = _each_named(session, Person.id_number, numbers, "guard_id_numbers",
                         lambda number: _("No person has the ID number %(number)s.",
                                          number=number))
    authority = _("Public security department") if ITEMS[app.item].decider == PROVINCE \
        else _("City public security bureau")
    for unit in units:
        session.add(ConductRecord(kind="commendation", unit=unit, occurred_on=today,
                                  author_kind=SYSTEM,
                                  title=form["title"], description=form.get("description"),
                                  authority=str(authority), document_number=app.number))
    for person in people:
        session.add(ConductRecord(kind="commendation", person=person, occurred_on=today,
                                  author_kind=SYSTEM,
                                  title=form["title"], description=form.get("description"),
                                  authority=str(authority), document_number=app.number))


def _legal_rep_change(session, app, today):
    """The approved change updates the company and writes its 单位变更 record."""
    app.unit.legal_representative = app.form["new_legal_representative"]
    unit_changes.record_changes(session, app.unit, on=today,
                                reason=_("Approved application %(number)s", number=app.number))


def check_guard_eligibility(session, person_info, form, today):
    """保安服务管理条例 Art. 16/17 as far as the system knows them."""
    age = today.year - person_info.birth_date.year - (
        (today.month, today.day) < (person_info.birth_date.month, person_info.birth_date.day))
    if age < rules.GUARD_MIN_AGE:
        raise RuleViolation("id_number", _("A guard must be at least 18 years old."))
    education = form.get("education")
    if education not in EDUCATION_ORDER or EDUCATION_ORDER.index(education) < 1:
        raise RuleViolation("education", _("A guard needs junior middle school education or "
                                           "above."))
    if float(form.get("exam_score") or 0) < 60:
        raise RuleViolation("exam_score", _("The guard exam has not been passed."))
    person = session.execute(select(Person).where(
        Person.id_number == person_info.number)).scalar_one_or_none()
    if person is not None:
        certs = session.execute(select(Certificate).where(
            Certificate.person_id == person.id, Certificate.kind == "guard")).scalars().all()
        if any(c.status == "valid" for c in certs):
            raise RuleViolation("id_number", _("This person already holds a valid guard "
                                               "certificate."))
        revoked = [c for c in certs if c.status == "revoked"]
        if len(revoked) >= 2:
            raise RuleViolation("id_number", _("A guard certificate revoked twice bars a new "
                                               "one."))
        for cert in revoked:
            when = cert.status_changed_on or cert.expires_on or cert.issued_on
            if when and (today - when).days < 3 * 365:
                raise RuleViolation("id_number", _("A guard certificate was revoked less than "
                                                   "3 years ago."))
    return person


def _guard_certificate(session, app, today):
    form = app.form
    info = parse_id_number(form["id_number"])
    person = check_guard_eligibility(session, info, form, today)
    if person is None:
        person = Person(id_number=info.number, name=form["name"], phone=app.applicant_phone,
                        education=form.get("education"))
        rules.fill_person_from_id(person)
        session.add(person)
        session.flush()
    prefix = f"{app.region_code[:4]}{today:%Y}"
    number = f"{prefix}{_seq(session, Certificate.number, prefix):06d}"
    session.add(Certificate(person_id=person.id, kind="guard", number=number,
                            author_kind=SYSTEM,
                            issuer=_("Public security bureau"), issued_on=today,
                            status="valid"))
    app.result_note = _("Guard certificate number: %(number)s", number=number)


_EFFECTS = {
    "company": _creates_unit("company"),
    "company_foreign": _creates_unit("company"),
    "training": _creates_unit("training"),
    "training_promise": _creates_unit("training"),
    "self_hire": _creates_unit("self_hire"),
    "client": _creates_unit("client"),
    "branch": _branch,
    "cross_province": _cross_province,
    "commendation": _commendation,
    "legal_rep_change": _legal_rep_change,
    "guard_certificate": _guard_certificate,
}
