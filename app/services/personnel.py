"""Staff workflows: add staff (person + employment + certificates in one transaction), resign,
exam-result sync, and the ID-number check behind the live form fill.

Every guard, part-time guard, other staff, student or instructor is added through `add_staff`,
so later checks (identity verification, background checks: docs/rules.md) hook in at one place:
functions appended to STAFF_ADDED_HOOKS run inside the same transaction, after the employment
is built (and flushed, but for an import, which flushes its rows a chunk at once). The
services flush but never commit: the caller commits, or rolls back on a RuleViolation, so
nothing is half-written.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import inspect, select

from app.models import (Certificate, Employment, ExamResult, Person, TrainingRecord,
                        WorkExperience)
from app.models.choices import CERTIFICATE_ENDED, EMPLOYMENT_ROLES

from app.models.authority import SYSTEM
from app.security import authority
from app.security.scope import SYSTEM as SYSTEM_SCOPE
from app.security.scope import OutOfScope, in_scope

from . import rules, storage
from .errors import RuleViolation
from .idnumber import IdNumberError, parse_id_number
from .registry import RegistryUnavailable, compare

# Columns of Person a clerk may enter (gender, birth date and household region come from
# the ID number, rule 5).
PERSON_FIELDS = ("name", "phone", "ethnicity", "education", "household_address",
                 "residence_address", "note")
CERTIFICATE_FIELDS = ("kind", "number", "level", "issuer", "issued_on", "expires_on")
SCREENED_ROLES = ("guard", "part_time_guard")

# fn(session, employment, registry_result) — run for every added employment, inside the
# transaction that adds it (the employment may not be flushed yet: use its relationships).
# registry_result is a RegistryResult, or None where the path did no registry check.
STAFF_ADDED_HOOKS: list = []


def staff_added(session, employment, registry_result=None):
    """Every way of adding staff (this module, the generic people/staff pages and REST)
    calls this, so later checks (identity verification, background checks) hook in once."""
    for hook in STAFF_ADDED_HOOKS:
        hook(session, employment, registry_result)


@dataclass
class RegistryResult:
    """Outcome of the population-registry check of an entered identity: whether it matches
    and which fields differ, never the registered values (the add form's echo of the
    registered name is check_id_number's `registered`, logged and rate limited)."""
    status: str                       # match | mismatch | not_found | unavailable | skipped
    fields: list = field(default_factory=list)   # mismatching fields

    @property
    def needs_confirmation(self) -> bool:
        return self.status in ("mismatch", "not_found")

    def message(self) -> str:
        if self.status == "mismatch":
            return _("The name does not match the population registry for this ID number. "
                     "Correct it, or confirm that the entry is right.")
        if self.status == "not_found":
            return _("This ID number is not in the population registry. Check it, or confirm "
                     "that the entry is right.")
        if self.status == "unavailable":
            return _("The population registry did not answer; the identity is checked later.")
        return ""


def registry_check(registry, id_number, name, gender=None, birth_date=None) -> RegistryResult:
    if registry is None:
        return RegistryResult("skipped")
    try:
        entry = registry.lookup(id_number)
    except RegistryUnavailable:
        return RegistryResult("unavailable")
    return _compared(entry, name, gender, birth_date)


def _compared(entry, name, gender=None, birth_date=None) -> RegistryResult:
    """The registry result for an entry already looked up (None: the registry does not
    know the number)."""
    if entry is None:
        return RegistryResult("not_found")
    mismatches = compare(entry, name, gender, birth_date)
    if mismatches:
        return RegistryResult("mismatch", [m.field for m in mismatches])
    return RegistryResult("match")


def confirm_identity(registry, id_number, name, gender=None, birth_date=None, *,
                     confirmed=False, field="name") -> RegistryResult:
    """The population-registry rule of every way of entering a person or adding staff (the
    staff form, the generic people and staff pages, REST): a name that does not match the
    registry, or a number it does not know, is refused at `field` unless the clerk
    confirmed the entry after checking the identity document; then it is saved as entered
    and identity verification takes it up."""
    check = registry_check(registry, id_number, name, gender, birth_date)
    if check.needs_confirmation and not confirmed:
        raise RuleViolation(field, check.message())
    return check


def employment_added(session, employment, registry, *, confirmed=False, field="person"):
    """The generic add paths (people and staff pages, REST): the registry rule for the
    employed person, then the staff-added hooks with its real result."""
    person = employment.person
    check = confirm_identity(registry, person.id_number, person.name, person.gender,
                             person.birth_date, confirmed=confirmed, field=field)
    staff_added(session, employment, check)
    return check


def add_person(session, scope, person, registry, *, confirmed=False, employment=None,
               check):
    """A person entered on the generic people page, with the employment entered beside them
    (`employment`: unit, role, position, start), which makes them staff in the same save.
    Unit clerks add people only as their staff, so for them the employment is required.
    `check(item, creating)` is the caller's save check (rules, scope, authority), run for
    the person and then for the employment; the employment's refusals are reported at the
    form's employment_* fields. Then the registry rule, and for staff the staff-added hooks.
    Returns the registry result."""
    spec = employment or {}
    if spec.get("unit") is None and not scope.is_unit_user:
        check(person, True)
        return confirm_identity(registry, person.id_number, person.name, person.gender,
                                person.birth_date, confirmed=confirmed)
    if spec.get("unit") is None:
        raise RuleViolation("employment_unit", _("Choose the employing unit."))
    if not spec.get("role"):
        raise RuleViolation("employment_role", _("Choose the staff type."))
    if spec.get("start") is None:
        raise RuleViolation("employment_start", _("Enter the start date."))
    check(person, True)
    staff = Employment(person=person, unit=spec["unit"], role=spec["role"],
                       position=spec.get("position"), start_date=spec["start"])
    try:
        check(staff, True)
    except RuleViolation as violation:
        field = {"unit": "employment_unit", "role": "employment_role",
                 "start_date": "employment_start"}.get(violation.field, "id_number")
        raise RuleViolation(field, violation.message)
    return employment_added(session, staff, registry, confirmed=confirmed, field="name")


def check_id_number(id_number, name=None, registry=None, *, lookup_log=None) -> dict:
    """What the add form shows as the clerk types: decoded fields, or the reason the number
    is invalid; with a name, whether it matches the population registry.

    With `lookup_log` (a callable taking the number and whether the registry knew it; the
    caller logs who asked, app.services.registry.log_lookup) the registry is consulted for a
    valid number and its name and household address are echoed as `registered` (the manual:
    "在输入身份证号后会自动回显姓名、性别、出生日期和户籍地详址"), for users who may add staff;
    the comparison of a typed name stays in `registry`, which never carries the name."""
    try:
        info = parse_id_number(id_number or "")
    except IdNumberError as exc:
        return {"valid": False, "error": str(exc)}
    result = {
        "valid": True, "id_number": info.number, "gender": info.gender,
        "gender_label": info.gender_zh, "birth_date": info.birth_date.isoformat(),
        "age": info.age(), "region_code": info.region_code, "region_name": info.region_name,
        "warnings": list(info.warnings),
    }
    typed = (name or "").strip()
    if lookup_log is None or registry is None:
        if typed:
            check = registry_check(registry, info.number, typed, info.gender, info.birth_date)
            result["registry"] = _registry_json(check)
        return result
    try:
        entry = registry.lookup(info.number)
    except RegistryUnavailable:
        if typed:
            result["registry"] = _registry_json(RegistryResult("unavailable"))
        return result
    lookup_log(info.number, entry is not None)
    if entry is not None:
        result["registered"] = {"name": entry.name,
                                "household_address": entry.household_address or ""}
    if typed:
        result["registry"] = _registry_json(_compared(entry, typed, info.gender,
                                                      info.birth_date))
    return result


def _registry_json(check: RegistryResult) -> dict:
    return {"status": check.status, "fields": check.fields, "message": check.message()}


# Which kind of person a page is about when they hold several employments: the first of
# these roles among the active employments wins (a guard who also teaches is a guard).
KIND_PRIORITY = ("guard", "part_time_guard", "student", "instructor", "other_staff")


@dataclass(frozen=True)
class PersonProfile:
    """What the person's page needs to choose its tabs."""
    kind: str | None                  # an employment role, None without any employment
    has_training: bool = False        # 培训信息 rows exist
    has_work_experience: bool = False  # earlier work experience rows exist
    key_manager: bool = False         # 主要管理人员 in an active employment (a tag on the page)


def person_profile(session, person_id) -> PersonProfile:
    """The person's kind from their employments: the active ones first (by KIND_PRIORITY),
    else the latest ended one; with whether training / earlier work records exist. One
    query: a person holds a handful of employments."""
    training = select(TrainingRecord.id).where(TrainingRecord.person_id == person_id).exists()
    earlier = select(WorkExperience.id).where(WorkExperience.person_id == person_id).exists()
    rows = session.execute(
        select(Employment.role, Employment.start_date, Employment.end_date,
               Employment.key_manager, training.label("training"), earlier.label("earlier"))
        .select_from(Person).outerjoin(Employment, Employment.person_id == Person.id)
        .where(Person.id == person_id)).all()
    if not rows:
        return PersonProfile(None)
    has_training, has_earlier = bool(rows[0].training), bool(rows[0].earlier)
    employments = [r for r in rows if r.role is not None]
    active = {r.role for r in employments if r.end_date is None}
    kind = next((role for role in KIND_PRIORITY if role in active), None)
    if kind is None and employments:
        kind = max(employments, key=lambda r: (r.end_date, r.start_date)).role
    key_manager = any(r.key_manager for r in employments if r.end_date is None)
    return PersonProfile(kind, has_training, has_earlier, key_manager)


def find_person(session, id_number) -> Person | None:
    try:
        number = parse_id_number(id_number or "").number
    except IdNumberError:
        return None
    return session.execute(select(Person).where(Person.id_number == number)).scalar_one_or_none()


def set_photo(person: Person, data: bytes, field: str = "photo") -> str:
    """照片: store a checked PNG/JPEG upload as the person's photo (RuleViolation at `field`
    otherwise). The old file goes once the transaction commits; the change is in the change
    log, and — the photo being an identity field — identity verification runs again."""
    person.photo = storage.store_image(data, field)
    return person.photo


def photo_of(person: Person):
    """(data, content type) of the person's photo; FileNotFoundError when there is none."""
    return storage.stored_image(person.photo)


def add_staff(session, scope, *, unit, role, person: dict, start_date, position=None,
              key_manager=False, certificates=(), registry=None,
              registry_confirmed=False, training=None, earlier_work=None,
              photo: bytes | None = None, people: dict | None = None,
              flush: bool = True, unit_checked: bool = False) -> Employment:
    """Add a member of staff to `unit`: the person is found by ID number or created, then the
    employment, any certificates, a student's training record (`training`: class_name,
    start_date, end_date, hours, result) and an instructor's earlier work (`earlier_work`:
    employer, position, start_date, end_date), all in one transaction; `photo` (PNG/JPEG
    bytes) becomes the person's photo. `people` ({ID number: person id or None}) is who
    the caller already looked up for a batch (an import's file), sparing a query a row.
    `flush=False`: the caller flushes, several rows at once (an import, docs/import.md);
    the staff-added hooks then see the employment unflushed, as STAFF_ADDED_HOOKS allows.
    `unit_checked`: the caller passed `unit` through check_unit for the whole batch (an
    import's rows all go to one unit), sparing the same scope query a row.
    Raises RuleViolation(field, message); a refusal before the hooks leaves nothing of the
    row in the session."""
    if not unit_checked:
        check_unit(session, scope, unit)
    if role not in EMPLOYMENT_ROLES:
        raise RuleViolation("role", _("Choose the staff type."))
    name = (person.get("name") or "").strip()
    try:
        info = parse_id_number(person.get("id_number") or "")
    except IdNumberError as exc:
        raise RuleViolation("id_number", str(exc))
    if not name:
        raise RuleViolation("name", _("Enter the name."))

    check = confirm_identity(registry, info.number, name, info.gender, info.birth_date,
                             confirmed=registry_confirmed)
    if photo:
        storage.check_upload(photo, "photo", allowed=storage.IMAGE_TYPES)

    existing = _existing_person(session, info.number, people)
    created = []
    try:
        with session.no_autoflush:
            employment = _build_staff(session, scope, existing, info, name, person, unit, role,
                                      start_date, position, key_manager, certificates, created)
            for record in _person_records(employment, training, earlier_work):
                created.append(record)
                session.add(record)
    except Exception:
        # Nothing reached the database yet: drop the new objects so no later flush saves them.
        # Expiring the collections discards the backref appends of the new objects.
        for obj in created:
            if obj in session:
                session.expunge(obj)
        if inspect(unit).persistent:
            session.expire(unit, ["employments"])
        if existing is not None:
            session.expire(existing)
        raise
    if photo:
        set_photo(employment.person, photo)
    if flush:
        session.flush()
    staff_added(session, employment, check)
    return employment


def check_unit(session, scope, unit):
    """The unit staff is added to: chosen, and within the user's write scope."""
    if unit is None:
        raise RuleViolation("unit", _("Choose the unit."))
    if not in_scope(session, unit, write=True, scope=scope):
        raise OutOfScope()


def _existing_person(session, number, people=None) -> Person | None:
    """The person registered under `number`: from the caller's batch look-up when it has
    the number (an import looks up its whole file at once, docs/import.md), else a query.
    A person registered meanwhile by someone else still meets the unique index at flush."""
    if people is not None and number in people:
        pk = people[number]
        return session.get(Person, pk) if pk is not None else None
    return session.execute(
        select(Person).where(Person.id_number == number)).scalar_one_or_none()


def _build_staff(session, scope, existing, info, name, person, unit, role, start_date,
                 position, key_manager, certificates, created):
    if existing is not None:
        if existing.name != name:
            raise RuleViolation("name", _(
                "This ID number is already registered under another name; check the name."))
        target = existing
        for key in PERSON_FIELDS:
            value = person.get(key)
            if key != "name" and value not in (None, "") and getattr(target, key) in (None, ""):
                setattr(target, key, value)  # fill gaps, never overwrite what others entered
        rules.validate(session, target, creating=False, scope=scope)
    else:
        target = Person(id_number=info.number,
                        **{k: (person.get(k) or None) for k in PERSON_FIELDS})
        target.name = name
        created.append(target)
        rules.validate(session, target, creating=True, scope=scope)

    employment = Employment(person=target, unit=unit, role=role, position=position or None,
                            key_manager=bool(key_manager) and role == "other_staff",
                            start_date=start_date)
    created.append(employment)
    rules.validate(session, employment, creating=True, scope=scope)
    for spec in certificates:
        if not (spec.get("number") or "").strip():
            continue
        cert = Certificate(person=target, status="valid",
                           **{k: spec.get(k) for k in CERTIFICATE_FIELDS})
        created.append(cert)
        rules.validate(session, cert, creating=True, scope=scope)
        # A unit records its staff's driving licence, not a 保安员证 (the police's).
        authority.check(session, cert, authority.CREATE, scope)
        clash = session.execute(select(Certificate.id).where(
            Certificate.kind == cert.kind, Certificate.number == cert.number)).first()
        if clash:
            raise RuleViolation(f"cert_{cert.kind}_number",
                                _("This certificate number is already in use."))
    session.add(employment)
    return employment


def _person_records(employment, training, earlier_work):
    """The training record and earlier work entered with new staff (empty entries skipped).
    Fields of the errors: training_* and work_* (the add form's sections)."""
    records = []
    training = training or {}
    if (training.get("class_name") or "").strip():
        start = training.get("start_date") or employment.start_date
        if training.get("end_date") and training["end_date"] < start:
            raise RuleViolation("training_end", _("The end date cannot be before the start "
                                                  "date."))
        records.append(TrainingRecord(
            person=employment.person, class_name=training["class_name"].strip(),
            start_date=start, end_date=training.get("end_date"), hours=training.get("hours"),
            result=(training.get("result") or "").strip() or None))
    work = earlier_work or {}
    employer = (work.get("employer") or "").strip()
    if employer or any(work.get(k) for k in ("position", "start_date", "end_date")):
        if not employer:
            raise RuleViolation("work_employer", _("Enter the employer."))
        if work.get("start_date") is None:
            raise RuleViolation("work_start", _("Enter the start date."))
        end = work.get("end_date")
        if end is not None and end < work["start_date"]:
            raise RuleViolation("work_end", _("The end date cannot be before the start date."))
        records.append(WorkExperience(
            person=employment.person, employer=employer,
            position=(work.get("position") or "").strip() or None,
            start_date=work["start_date"], end_date=end))
    return records


def resign(session, scope, employment: Employment, end_date, reason) -> Employment:
    """【离职】: end the employment on `end_date` for `reason`; its active dispatches end too
    (rules.check_employment → rules.end_dispatches), and so do the person's part-time guard
    employments when a full-time guard leaves. Nothing is deleted."""

    if not in_scope(session, employment, write=True, scope=scope):
        raise OutOfScope()
    if employment.end_date is not None:
        raise RuleViolation("end_date", _("This employment has already ended."))
    if end_date is None:
        raise RuleViolation("end_date", _("Enter the date of leaving."))
    if not (reason or "").strip():
        raise RuleViolation("end_reason", _("Enter the reason for leaving."))
    if end_date > dt.date.today():
        raise RuleViolation("end_date", _("The date of leaving cannot be in the future."))
    employment.end_date = end_date
    employment.end_reason = reason.strip()
    rules.validate(session, employment, creating=False, scope=scope)
    if employment.role == "guard":
        # Rule 1: part-time guard work needs an active full-time guard employment, so it ends
        # with it (at whichever unit; the history stays).
        for part_time in session.execute(select(Employment).where(
                Employment.person_id == employment.person_id,
                Employment.role == "part_time_guard", Employment.end_date.is_(None))).scalars():
            part_time.end_date = max(end_date, part_time.start_date)
            part_time.end_reason = _("The full-time guard employment ended.")
            rules.validate(session, part_time, creating=False, scope=SYSTEM_SCOPE)
    session.flush()
    return employment


def guard_certificate_number(person: Person, exam_date) -> str:
    """The number given to a certificate created from a passed exam (deterministic)."""
    return f"ZJ{exam_date:%Y%m%d}{person.id:07d}"


def sync_exam_result(session, id_number, exam_date, score, passed, source=None,
                     certificate_number=None) -> tuple[ExamResult, bool]:
    """Record a result posted by the exam system; when passed, create or renew the person's
    guard certificate. Idempotent: posting the same result again changes nothing.
    Returns (result, changed)."""
    try:
        number = parse_id_number(id_number or "").number
    except IdNumberError as exc:
        raise RuleViolation("id_number", str(exc))
    if not isinstance(exam_date, dt.date):
        raise RuleViolation("exam_date", _("Enter the exam date."))
    if exam_date > dt.date.today():
        raise RuleViolation("exam_date", _("The exam date cannot be in the future."))
    try:
        score = Decimal(str(score)).quantize(Decimal("0.1"))
    except Exception:
        raise RuleViolation("score", _("The score must be a number."))
    if score < 0:
        raise RuleViolation("score", _("The score must be a number."))
    person = session.execute(select(Person).where(Person.id_number == number)).scalar_one_or_none()
    if person is None:
        raise RuleViolation("id_number", _("No person with this ID number is registered."))
    passed = bool(passed)
    changed = False
    result = session.execute(select(ExamResult).where(
        ExamResult.person_id == person.id, ExamResult.exam_date == exam_date)).scalar_one_or_none()
    if result is None:
        result = ExamResult(person=person, exam_date=exam_date, score=score, passed=passed,
                            source=source, author_kind=SYSTEM)
        session.add(result)
        changed = True
    else:
        for key, value in (("score", score), ("passed", passed), ("source", source)):
            if key == "source" and value is None:
                continue
            current = getattr(result, key)
            if (Decimal(str(current)) if key == "score" else current) != value:
                setattr(result, key, value)
                changed = True
    if passed:
        session.flush()
        changed = _issue_guard_certificate(session, person, exam_date,
                                           certificate_number) or changed
    session.flush()
    return result, changed


def _issue_guard_certificate(session, person, exam_date, number) -> bool:
    certs = session.execute(select(Certificate).where(
        Certificate.person_id == person.id, Certificate.kind == "guard")
        .order_by(Certificate.id)).scalars().all()
    if any(c.status in CERTIFICATE_ENDED for c in certs):
        # A revoked or cancelled certificate is the police's (docs/rules.md), not the exam's.
        return False
    current = next((c for c in certs if c.status == "valid"), None) or (certs[-1] if certs
                                                                        else None)
    if current is None:
        session.add(Certificate(person=person, kind="guard", author_kind=SYSTEM,
                                number=number or guard_certificate_number(person, exam_date),
                                issuer=_("Exam system"), issued_on=exam_date, status="valid"))
        return True
    changed = False
    if current.status != "valid":
        current.status, current.issued_on, current.expires_on = "valid", exam_date, None
        changed = True
    elif current.issued_on is None:
        current.issued_on = exam_date
        changed = True
    return changed
