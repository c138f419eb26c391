"""Business rules checked before any unit, person or record is saved, from a page or from the
REST API alike. Each rule raises RuleViolation(field, message) with a Chinese message; the
database constraints behind them (unique ID number, one active guard employment, one active
dispatch, …) are translated by `violation_from_integrity_error`."""
import datetime as dt

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, inspect, or_, select
from sqlalchemy.exc import IntegrityError

from app.models import (AnnualReport, Certificate, Dispatch, Employment, Person, Region,
                        Service, ServiceTarget, TemporaryEvent, Unit, UnitAsset)
from app.models.choices import CERTIFICATE_ENDED, ROLES_BY_UNIT_KIND, UNIT_KINDS

from . import unit_changes
from .errors import RuleViolation
from .idnumber import IdNumberError, parse_id_number
from .uscc import UsccError, validate_uscc

GUARD_MIN_AGE = 18  # 保安服务管理条例 Art. 16

# 保安服务管理条例 Art. 8: the registered capital of a security company, in 10,000 yuan.
COMPANY_MIN_CAPITAL = 100
ARMED_ESCORT_MIN_CAPITAL = 1000


def minimum_capital(armed_escort=False):
    return ARMED_ESCORT_MIN_CAPITAL if armed_escort else COMPANY_MIN_CAPITAL


def capital_refusal(capital, armed_escort=False):
    """Why a security company's registered capital (10,000 yuan) is too low, or None."""
    if float(capital) >= minimum_capital(armed_escort):
        return None
    if armed_escort:
        return _("Armed escort requires a registered capital of at least 10 million yuan.")
    return _("A security company needs a registered capital of at least 1 million yuan.")


def _changed(item, field):
    state = inspect(item)
    if state.transient or state.pending:
        return True
    return state.attrs[field].history.has_changes()


def check_unit(session, unit: Unit, creating: bool, scope):
    if creating and unit.kind == "branch":
        raise RuleViolation("kind", _("A branch is created only by an approved branch filing."))
    if unit.kind not in UNIT_KINDS:
        raise RuleViolation("kind", _("Unknown unit kind."))
    if unit.credit_code and _changed(unit, "credit_code"):
        try:
            unit.credit_code = validate_uscc(unit.credit_code)
        except UsccError as exc:
            raise RuleViolation("credit_code", str(exc))
    region = unit.region or (session.get(Region, unit.region_code) if unit.region_code else None)
    if region is None:
        raise RuleViolation("region", _("Choose the jurisdiction."))
    if _changed(unit, "region_code") or _changed(unit, "region"):
        if not region.code.startswith("33") or region.end_year is not None:
            raise RuleViolation("region", _("The jurisdiction must be a current region of "
                                            "Zhejiang province."))
    parent = unit.parent
    if unit.kind == "client":
        if parent is None or parent.kind != "self_hire":
            raise RuleViolation("parent", _("A client unit belongs to a self-hiring unit."))
    elif unit.kind == "branch":
        if parent is None or parent.kind != "company":
            raise RuleViolation("parent", _("A branch belongs to a security company."))
    elif parent is not None:
        raise RuleViolation("parent", _("Only branches and client units have a parent unit."))
    if unit.armed_escort and unit.registered_capital is not None:
        refusal = capital_refusal(unit.registered_capital, armed_escort=True)
        if refusal:
            raise RuleViolation("registered_capital", refusal)
    if not creating:
        # 单位变更: a change of an approval-only field is recorded in the same transaction.
        unit_changes.record_changes(session, unit)


def _owner_unit(session, item):
    return item.unit or (session.get(Unit, item.unit_id) if item.unit_id else None)


def check_unit_asset(session, asset: UnitAsset, creating: bool, scope):
    """物品信息: firearms only for armed-escort units, each with its (unique) gun number."""
    unit = _owner_unit(session, asset)
    if asset.kind == "firearm":
        asset.gun_number = (asset.gun_number or "").strip() or None
        if unit is not None and not unit.armed_escort:
            raise RuleViolation("kind", _("Only units approved for armed escort may hold "
                                          "firearms."))
        if asset.gun_number is None:
            raise RuleViolation("gun_number", _("Enter the gun number."))
    else:
        asset.gun_number = None
    if asset.quantity is None:
        asset.quantity = 1


def check_annual_report(session, report: AnnualReport, creating: bool, scope):
    """年度数据: one row per unit and year."""
    unit_id = report.unit.id if report.unit is not None else report.unit_id
    if report.year is not None and unit_id is not None:
        clash = session.query(AnnualReport.id).filter(
            AnnualReport.unit_id == unit_id, AnnualReport.year == report.year,
            AnnualReport.id != (report.id or 0)).first()
        if clash:
            raise RuleViolation("year", _("The data of this year has already been entered."))
    for field in ("staff_count", "guard_count", "insured_count"):
        if (getattr(report, field) or 0) < 0:
            raise RuleViolation(field, _("Enter a number of zero or more."))


def check_temporary_event(session, event: TemporaryEvent, creating: bool, scope):
    if event.end_date and event.start_date and event.end_date < event.start_date:
        raise RuleViolation("end_date", _("The end date cannot be before the start date."))


def fill_person_from_id(person: Person):
    """Rule 5: the ID number decides gender, birth date and household region."""
    try:
        info = parse_id_number(person.id_number or "")
    except IdNumberError as exc:
        raise RuleViolation("id_number", str(exc))
    person.id_number = info.number
    person.gender = info.gender
    person.birth_date = info.birth_date
    person.household_region_code = info.region_code
    return info


def check_person(session, person: Person, creating: bool, scope):
    if not (person.name or "").strip():
        raise RuleViolation("name", _("Enter the name."))
    person.name = person.name.strip()
    if creating or _changed(person, "id_number"):
        fill_person_from_id(person)
        clash = session.execute(select(Person.id).where(
            Person.id_number == person.id_number, Person.id != (person.id or 0))).first()
        if clash:
            raise RuleViolation("id_number", _("A person with this ID number already exists."))


def _active_guard_employment(session, person_id, exclude_id=None):
    query = select(Employment).where(Employment.person_id == person_id,
                                     Employment.role == "guard",
                                     Employment.end_date.is_(None))
    if exclude_id:
        query = query.where(Employment.id != exclude_id)
    return session.execute(query).scalars().first()


def check_employment(session, emp: Employment, creating: bool, scope):
    unit, person = emp.unit, emp.person
    if unit is None:
        raise RuleViolation("unit", _("Choose the unit."))
    if person is None:
        raise RuleViolation("person", _("Choose the person."))
    if emp.role not in ROLES_BY_UNIT_KIND.get(unit.kind, ()):
        raise RuleViolation("role", _("This unit cannot employ this kind of staff."))
    if emp.start_date is None:
        raise RuleViolation("start_date", _("Enter the start date."))
    if emp.end_date is not None and emp.end_date < emp.start_date:
        raise RuleViolation("end_date", _("The end date cannot be before the start date."))
    if emp.end_date is None and emp.role in ("guard", "part_time_guard"):
        if person.birth_date and _age(person.birth_date, emp.start_date) < GUARD_MIN_AGE:
            raise RuleViolation("person", _("A guard must be at least 18 years old."))
        current = _active_guard_employment(session, person.id, emp.id) if person.id else None
        if emp.role == "guard" and current is not None:
            raise RuleViolation("person", _(
                "This person is already an active full-time guard of %(unit)s.",
                unit=current.unit.name))
        if emp.role == "part_time_guard":
            if current is None:
                raise RuleViolation("person", _(
                    "A part-time guard must be an active full-time guard of a unit first."))
            if current.unit_id == unit.id:
                raise RuleViolation("person", _(
                    "This person is already a full-time guard of this unit."))
    if not creating and _changed(emp, "end_date") and emp.end_date is not None:
        end_dispatches(session, Dispatch.employment_id == emp.id, emp.end_date,
                       _("Employment ended"))


def end_dispatches(session, condition, end_date, reason):
    """Rule 2: ending an employment or a service ends its active dispatches (history kept)."""
    for dispatch in session.execute(select(Dispatch).where(
            condition, Dispatch.end_date.is_(None))).scalars():
        dispatch.end_date = max(end_date, dispatch.start_date)
        dispatch.end_reason = str(reason)


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def check_certificate(session, cert: Certificate, creating: bool, scope):
    if cert.person is None:
        raise RuleViolation("person", _("Choose the person."))
    if cert.issued_on and cert.expires_on and cert.expires_on < cert.issued_on:
        raise RuleViolation("expires_on", _("The expiry date cannot be before the issue date."))
    if cert.number:
        cert.number = cert.number.strip()
    _check_certificate_status(cert)


def _check_certificate_status(cert: Certificate):
    """吊销 / 注销 are acts with a date and a reason (the register shows the date, Art. 17
    counts from it); back to valid or expired, both are cleared (the change log keeps them)."""
    if cert.status in CERTIFICATE_ENDED:
        cert.status_reason = (cert.status_reason or "").strip() or None
        if not cert.status_reason:
            raise RuleViolation("status_reason", _("Give the reason for the revocation or "
                                                   "cancellation."))
        if cert.status_changed_on is None:
            cert.status_changed_on = dt.date.today()
        if cert.issued_on and cert.status_changed_on < cert.issued_on:
            raise RuleViolation("status_changed_on", _("The revocation or cancellation date "
                                                       "cannot be before the issue date."))
    else:
        cert.status_changed_on = cert.status_reason = None


def check_service_target(session, target: ServiceTarget, creating: bool, scope):
    target.name = (target.name or "").strip()
    if not target.name:
        raise RuleViolation("name", _("Enter the full name."))
    if target.category is None:
        raise RuleViolation("category", _("Choose the category."))


SERVING_UNIT_KINDS = ("company", "branch", "self_hire", "client")


def staff_unit_ids_select(units, active_clients_only=False):
    """SELECT of the units whose staff are staff of `units` (a unit id, or a SELECT of unit
    ids): the units themselves and the client units of those that are self-hiring units.
    The one place of the family rule: guards a client unit adds are staff of its
    self-hiring unit too (manual: 新增的保安员会自动同步到自招单位中), without a second
    employment; the staff lists, the unit page and the dispatch pool all use it."""
    heads = units if isinstance(units, Select) else [units]
    client = and_(Unit.parent_id.in_(heads), Unit.kind == "client")
    if active_clients_only:
        client = and_(client, Unit.status == "active")
    return select(Unit.id).where(or_(Unit.id.in_(heads), client))


def staff_unit_ids(session, units, limit=None) -> list:
    """The ids of staff_unit_ids_select(units), fetched: as literal values the planners
    use the employment indexes on unit_id (as a subquery SQLite drove the unit page's
    certificate counts from the certificate table, half a second). None when more than
    `limit` units match (a broad unit-name fragment): keep the subquery then."""
    query = staff_unit_ids_select(units)
    if limit is not None:
        query = query.limit(limit + 1)
    ids = session.execute(query).scalars().all()
    return None if limit is not None and len(ids) > limit else ids


def dispatch_pool_unit_ids(session, unit) -> set:
    """Units whose active full-time guards may be dispatched to services of `unit`.

    A company or branch dispatches its own guards. A self-hiring unit and its client units
    form one staff pool: guards employed at a client unit are staff of the self-hiring unit
    too, and the self-hiring unit posts them to its services, including services at its
    client units."""
    if unit is None:
        return set()
    family_head = unit.parent if unit.kind == "client" else unit
    if family_head is None or family_head.kind != "self_hire":
        return {unit.id}
    return set(session.execute(staff_unit_ids_select(
        family_head.id, active_clients_only=True)).scalars())


def check_service(session, service: Service, creating: bool, scope):
    unit = service.unit
    if unit is None:
        raise RuleViolation("unit", _("Choose the unit."))
    if unit.kind not in SERVING_UNIT_KINDS:
        raise RuleViolation("unit", _("Only security companies and self-hiring units provide "
                                      "services."))
    if service.start_date is None:
        raise RuleViolation("start_date", _("Enter the start date."))
    if service.target is None:
        raise RuleViolation("target", _("Choose the service target."))
    if service.end_date and service.start_date and service.end_date < service.start_date:
        raise RuleViolation("end_date", _("The end date cannot be before the start date."))
    if service.end_date is not None and service.end_date <= dt.date.today():
        service.status = "ended"
    if service.status == "ended" and service.end_date is None:
        service.end_date = max(dt.date.today(), service.start_date)
    if not creating and service.status == "ended" and _changed(service, "status"):
        end_dispatches(session, Dispatch.service_id == service.id,
                       service.end_date or dt.date.today(), _("Service ended"))


def check_dispatch(session, dispatch: Dispatch, creating: bool, scope):
    service, emp = dispatch.service, dispatch.employment
    if service is None:
        raise RuleViolation("service", _("Choose the service."))
    if emp is None:
        raise RuleViolation("employment", _("Choose the guard."))
    # Copied so that scope and the one-active-dispatch index work on plain columns.
    dispatch.unit = service.unit
    dispatch.person = emp.person
    if creating or _changed(dispatch, "employment"):
        if emp.role == "part_time_guard":
            raise RuleViolation("employment", _("Part-time guards cannot be dispatched."))
        if emp.role != "guard":
            raise RuleViolation("employment", _("Only full-time guards can be dispatched."))
        if emp.end_date is not None or emp.unit_id not in dispatch_pool_unit_ids(
                session, service.unit):
            raise RuleViolation("employment", _(
                "Only active full-time guards of the serving unit can be dispatched."))
    if service.status != "active" and dispatch.end_date is None:
        raise RuleViolation("service", _("This service has ended."))
    start = dispatch.start_date
    if start is None:
        raise RuleViolation("start_date", _("Enter the start date."))
    if start < service.start_date or (service.end_date and start > service.end_date):
        raise RuleViolation("start_date", _("The date lies outside the service period."))
    if start < emp.start_date:
        raise RuleViolation("start_date", _("The guard was not yet employed on this date."))
    end = dispatch.end_date
    if end is not None and end < start:
        raise RuleViolation("end_date", _("The end date cannot be before the start date."))
    if end is not None and service.end_date and end > service.end_date:
        raise RuleViolation("end_date", _("The date lies outside the service period."))
    if dispatch.end_date is None:
        other = session.execute(select(Dispatch.id).where(
            Dispatch.person_id == emp.person_id, Dispatch.end_date.is_(None),
            Dispatch.id != (dispatch.id or 0))).first()
        if other:
            raise RuleViolation("employment", _("This guard already has an active dispatch."))


CHECKS = {
    Unit: check_unit,
    Person: check_person,
    Employment: check_employment,
    Certificate: check_certificate,
    ServiceTarget: check_service_target,
    Service: check_service,
    Dispatch: check_dispatch,
    UnitAsset: check_unit_asset,
    AnnualReport: check_annual_report,
    TemporaryEvent: check_temporary_event,
}


def validate(session, item, creating: bool, scope):
    """Run the rules of the item's model (no-op for models without rules)."""
    check = CHECKS.get(type(item))
    if check is not None:
        with session.no_autoflush:
            check(session, item, creating, scope)


# Constraint name → (field, message) for errors the database catches behind the checks
# above (a race between two clerks, or a path that skipped them).
_CONSTRAINT_MESSAGES = {
    "uq_employment_one_active_guard": ("person", _l("This person is already an active full-time guard of another unit.")),
    # SQLite names the columns of a failed unique index, PostgreSQL the index.
    "employment.person_id": ("person", _l("This person is already an active full-time guard of another unit.")),
    "dispatch.person_id": ("employment", _l("This guard already has an active dispatch.")),
    "uq_dispatch_one_active": ("employment", _l("This guard already has an active dispatch.")),
    "person.id_number": ("id_number", _l("A person with this ID number already exists.")),
    "person_id_number_key": ("id_number", _l("A person with this ID number already exists.")),
    "unit.name": ("name", _l("A unit with this name already exists.")),
    "unit_name_key": ("name", _l("A unit with this name already exists.")),
    "unit.credit_code": ("credit_code", _l("A unit with this credit code already exists.")),
    "unit_credit_code_key": ("credit_code", _l("A unit with this credit code already exists.")),
    "unit.licence_number": ("licence_number", _l("This licence number is already in use.")),
    "unit_licence_number_key": ("licence_number", _l("This licence number is already in use.")),
    "service_target.name": ("name", _l("A service target with this name already exists.")),
    "service_target_name_key": ("name", _l("A service target with this name already exists.")),
    "uq_certificate_kind_number": ("number", _l("This certificate number is already in use.")),
    "certificate.kind, certificate.number": ("number", _l("This certificate number is already in use.")),
    "unit_asset.gun_number": ("gun_number", _l("This gun number is already registered.")),
    "unit_asset_gun_number_key": ("gun_number", _l("This gun number is already registered.")),
    "uq_annual_report_unit_year": ("year", _l("The data of this year has already been entered.")),
    "annual_report.unit_id, annual_report.year": ("year", _l("The data of this year has already been entered.")),
    "target_category.name": ("name", _l("This category already exists.")),
    "target_category_name_key": ("name", _l("This category already exists.")),
}


def violation_from_integrity_error(exc: IntegrityError) -> RuleViolation:
    text = str(getattr(exc, "orig", exc))
    for key, (field, message) in _CONSTRAINT_MESSAGES.items():
        if key in text:
            return RuleViolation(field, message)
    return RuleViolation(None, _("The record conflicts with existing data and was not saved."))
