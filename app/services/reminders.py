"""Reminders (docs/background.md, "Reminders"): one scan, run daily by beat
(app.tasks.reminders.scan), that turns what is due into 待办 items (app.services.todos).
Each is idempotent: its key names the subject and the period (a certificate and its expiry
date, a unit and a year, a case and the day it started waiting…), so running the scan twice,
or on two workers, adds nothing more. Unit items go to the unit's users and, where police
must act, to the police of the unit's jurisdiction — who sees an item is the one scope
mechanism (app.services.todos.visible_clause).

  cert_expiring        a valid certificate (保安员证, 公务用枪持枪证, 驾驶证, 职业等级, 消控证)
                       of an active staff member expiring within REMINDER_CERT_DAYS: the unit
  cert_overdue         …already expired and still held: the unit and its police
  annual_report_due    after REMINDER_ANNUAL_REPORT_DUE (MM-DD), no 年度数据 for last year:
                       the unit (companies, self-hiring units, training schools)
  self_hire_filing_due a self-hiring unit with guards for REMINDER_SELF_HIRE_DAYS days and no
                       approved filing: the unit and its police
  branch_filing_due    a branch not filed, its filing due REMINDER_BRANCH_WORKING_DAYS working
                       days after it was established: the branch (and its company's users,
                       whose scope holds their branches) and, once late, its police
  application_due      an application within REMINDER_APPLICATION_WORKING_DAYS working days
                       of its statutory limit: the reviewer who accepted it (else the police
                       of its stage); application_overdue past the limit: the city and the
                       province
  screening_waiting    an identity case or alert waiting on the unit more than
                       SLA_UNIT_WORKING_DAYS working days, on the police more than
                       SLA_POLICE_WORKING_DAYS: whoever must act
  dispatch_unverified  a guard on an active dispatch whose identity verification failed or
                       who holds no valid 保安员证: the unit and its police
With REMINDER_SMS, each unit with new items also gets one text (through the SMS outbox).
"""
from __future__ import annotations

import datetime as dt
import time

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import and_, exists, func, or_, select

from app.models import (AnnualReport, AppUser, Application, ApplicationEvent, BackgroundAlert,
                        Certificate, Dispatch, Employment, IdentityCheck, Person, Unit)
from app.models.choices import CERTIFICATE_KINDS

from . import todos
from .application_items import add_working_days, working_days_between

DEFAULTS = {"REMINDER_CERT_DAYS": 60, "REMINDER_ANNUAL_REPORT_DUE": "03-31",
            "REMINDER_SELF_HIRE_DAYS": 30, "REMINDER_BRANCH_WORKING_DAYS": 15,
            "REMINDER_APPLICATION_WORKING_DAYS": 3, "SLA_UNIT_WORKING_DAYS": 3,
            "SLA_POLICE_WORKING_DAYS": 5, "REMINDER_SMS": False}
STAFF_ACTIVE = Employment.end_date.is_(None)
OPEN = ("submitted", "accepted", "province_review", "returned")


def _conf(name):
    value = current_app.config.get(name) if has_app_context() else None
    return DEFAULTS[name] if value is None else value


def _unit_items(kind, key, unit_id, region, title, link, police=False):
    items = [dict(kind=kind, key=f"{key}:unit", audience="unit", unit_id=unit_id,
                  region_code=region, title=title, link=link)]
    if police:
        items.append(dict(kind=kind, key=f"{key}:police", audience="police", unit_id=unit_id,
                          region_code=region, title=title, link=link))
    return items


def _label(mapping, code):
    return str(mapping.get(code, code))


# ---------------------------------------------------------------- the checks

def certificates(session, today):
    horizon = today + dt.timedelta(days=int(_conf("REMINDER_CERT_DAYS")))
    rows = session.execute(
        select(Certificate.id, Certificate.kind, Certificate.number, Certificate.expires_on,
               Person.id, Person.name, Unit.id, Unit.region_code)
        .join(Person, Person.id == Certificate.person_id)
        .join(Employment, and_(Employment.person_id == Person.id, STAFF_ACTIVE))
        .join(Unit, Unit.id == Employment.unit_id)
        .where(Certificate.status == "valid", Certificate.expires_on.isnot(None),
               Certificate.expires_on <= horizon, Unit.status == "active")).all()
    # Translated once, filled per row (gettext per row cost seconds over a province).
    expired_text = _("%(name)s's %(kind)s %(number)s expired on %(date)s.")
    expiring_text = _("%(name)s's %(kind)s %(number)s expires on %(date)s.")
    labels = {code: _label(CERTIFICATE_KINDS, code) for code in CERTIFICATE_KINDS}
    for cert_id, kind, number, expires, person_id, name, unit_id, region in rows:
        overdue = expires < today
        title = (expired_text if overdue else expiring_text) % dict(
            name=name, kind=labels.get(kind, kind), number=number, date=expires.isoformat())
        kind_ = "cert_overdue" if overdue else "cert_expiring"
        yield from _unit_items(kind_, f"{kind_}:{cert_id}:{expires}:{unit_id}", unit_id,
                               region, title, f"/personview/show/{person_id}", police=overdue)


def annual_reports(session, today):
    month, day = (int(x) for x in str(_conf("REMINDER_ANNUAL_REPORT_DUE")).split("-"))
    due = dt.date(today.year, month, day)
    if today <= due:
        return
    year = today.year - 1
    filed = exists().where(AnnualReport.unit_id == Unit.id, AnnualReport.year == year)
    rows = session.execute(select(Unit.id, Unit.region_code).where(
        Unit.status == "active", Unit.kind.in_(("company", "self_hire", "training")),
        ~filed)).all()
    title = _("The annual data for %(year)d were due by %(date)s and have not been filed.",
              year=year, date=due.isoformat())
    for unit_id, region in rows:
        yield from _unit_items("annual_report_due", f"annual:{unit_id}:{year}", unit_id, region,
                               title, f"/unitview/show/{unit_id}")


def _approved_filing(item):
    return exists().where(Application.item == item, Application.status == "approved",
                          or_(Application.unit_id == Unit.id,
                              Application.result_unit_id == Unit.id))


def self_hire_filings(session, today):
    days = int(_conf("REMINDER_SELF_HIRE_DAYS"))
    first_guard = select(func.min(Employment.start_date)).where(
        Employment.unit_id == Unit.id, Employment.role.in_(("guard", "part_time_guard"))
    ).correlate(Unit).scalar_subquery()
    rows = session.execute(select(Unit.id, Unit.region_code, first_guard.label("first"))
                           .where(Unit.kind == "self_hire", Unit.status == "active",
                                  ~_approved_filing("self_hire"))).all()
    for unit_id, region, first in rows:
        if first is None or (today - first).days <= days:
            continue
        due = first + dt.timedelta(days=days)
        title = _("The self-hiring filing was due by %(date)s (%(days)d days after the first "
                  "guard) and has not been made.", date=due.isoformat(), days=days)
        yield from _unit_items("self_hire_filing_due", f"selfhire:{unit_id}:{due}", unit_id,
                               region, title, f"/unitview/show/{unit_id}", police=True)


def branch_filings(session, today):
    days = int(_conf("REMINDER_BRANCH_WORKING_DAYS"))
    rows = session.execute(select(Unit.id, Unit.region_code, Unit.established_on,
                                  Unit.created_at).where(
        Unit.kind == "branch", Unit.status == "active", ~_approved_filing("branch"))).all()
    for unit_id, region, established, created in rows:
        start = established or (created.date() if created else None)
        if start is None:
            continue
        due = add_working_days(start, days)
        late = today > due
        title = _("The branch filing is due by %(date)s (%(days)d working days after "
                  "establishment).", date=due.isoformat(), days=days)
        yield from _unit_items("branch_filing_due", f"branch:{unit_id}:{due}", unit_id, region,
                               title, f"/unitview/show/{unit_id}", police=late)


def applications(session, today):
    from .applications import deadline
    margin = int(_conf("REMINDER_APPLICATION_WORKING_DAYS"))
    apps = session.execute(select(Application).where(
        Application.status.in_(("accepted", "province_review")),
        Application.clock_started_on.isnot(None))).scalars().all()
    accepted_by = dict(session.execute(
        select(ApplicationEvent.application_id, func.max(ApplicationEvent.actor)).where(
            ApplicationEvent.action == "accept",
            ApplicationEvent.application_id.in_([a.id for a in apps] or [0]))
        .group_by(ApplicationEvent.application_id)).all()) if apps else {}
    users = dict(session.execute(select(AppUser.username, AppUser.id).where(
        AppUser.username.in_(list(accepted_by.values()) or [""]))).all())
    for app in apps:
        due, left = deadline(app, today)
        if left is None or left > margin:
            continue
        link = f"/applicationview/show/{app.id}"
        if left >= 0:
            title = _("Application %(number)s is due by %(date)s (%(left)d working days left).",
                      number=app.number, date=due.isoformat(), left=left)
            reviewer = users.get(accepted_by.get(app.id))
            key = f"appdue:{app.id}:{due}"
            if reviewer and app.status == "accepted":
                yield dict(kind="application_due", key=key, audience="user", user_id=reviewer,
                           title=title, link=link)
            else:
                region = app.region_code[:4] if app.status == "accepted" else "33"
                yield dict(kind="application_due", key=key, audience="police",
                           region_code=region, title=title, link=link)
        else:
            title = _("Application %(number)s is past its time limit (due %(date)s).",
                      number=app.number, date=due.isoformat())
            for region in (app.region_code[:4], "33"):
                yield dict(kind="application_overdue", key=f"appover:{app.id}:{due}:{region}",
                           audience="police", region_code=region, title=title, link=link)


def screening_sla(session, today):
    unit_days = int(_conf("SLA_UNIT_WORKING_DAYS"))
    police_days = int(_conf("SLA_POLICE_WORKING_DAYS"))
    oldest = dt.datetime.combine(today - dt.timedelta(days=unit_days), dt.time())
    cases = session.execute(
        select(IdentityCheck.id, IdentityCheck.state, IdentityCheck.waiting_since,
               IdentityCheck.unit_id, Unit.region_code, Person.name)
        .join(Unit, Unit.id == IdentityCheck.unit_id)
        .join(Person, Person.id == IdentityCheck.person_id)
        .where(IdentityCheck.state.in_(("failed", "returned", "police_review")),
               IdentityCheck.waiting_since < oldest)).all()
    case_text = _("The identity case of %(name)s has waited %(days)d working days.")
    for case_id, state, since, unit_id, region, name in cases:
        police = state == "police_review"
        waited = working_days_between(since.date(), today)
        if waited <= (police_days if police else unit_days):
            continue
        title = case_text % dict(name=name, days=waited)
        audience = "police" if police else "unit"
        yield dict(kind="screening_waiting", key=f"sla:case:{case_id}:{since:%Y%m%d%H%M%S}",
                   audience=audience, unit_id=unit_id, region_code=region, title=title,
                   link=f"/identitycheckview/show/{case_id}")
    alerts = session.execute(
        select(BackgroundAlert.id, BackgroundAlert.kind, BackgroundAlert.waiting_since,
               BackgroundAlert.unit_id, Unit.region_code, Person.name)
        .join(Unit, Unit.id == BackgroundAlert.unit_id)
        .join(Person, Person.id == BackgroundAlert.person_id)
        .where(BackgroundAlert.state == "open", BackgroundAlert.waiting_since < oldest)).all()
    alert_text = _("The background alert on %(name)s has waited %(days)d working days.")
    for alert_id, kind, since, unit_id, region, name in alerts:
        police = kind == "police"
        waited = working_days_between(since.date(), today)
        if waited <= (police_days if police else unit_days):
            continue
        title = alert_text % dict(name=name, days=waited)
        yield dict(kind="screening_waiting", key=f"sla:alert:{alert_id}:{since:%Y%m%d%H%M%S}",
                   audience="police" if police else "unit", unit_id=unit_id,
                   region_code=region, title=title, link=f"/backgroundalertview/show/{alert_id}")


def dispatched_unverified(session, today):
    """Guards on an active dispatch whose identity verification failed at the unit, or who
    hold no valid 保安员证 (a cross-check no peer system offers)."""
    failed = exists().where(IdentityCheck.person_id == Dispatch.person_id,
                            IdentityCheck.unit_id == Dispatch.unit_id,
                            IdentityCheck.state.in_(("failed", "returned", "police_review")))
    valid_card = exists().where(Certificate.person_id == Dispatch.person_id,
                                Certificate.kind == "guard", Certificate.status == "valid",
                                or_(Certificate.expires_on.is_(None),
                                    Certificate.expires_on >= today))
    rows = session.execute(
        select(Dispatch.id, Dispatch.unit_id, Unit.region_code, Person.id, Person.name,
               failed.label("failed"))
        .join(Unit, Unit.id == Dispatch.unit_id).join(Person, Person.id == Dispatch.person_id)
        .where(or_(Dispatch.end_date.is_(None), Dispatch.end_date >= today),
               Dispatch.start_date <= today, or_(failed, ~valid_card))).all()
    failed_text = _("%(name)s is dispatched although the identity verification failed.")
    card_text = _("%(name)s is dispatched without a valid guard certificate.")
    for dispatch_id, unit_id, region, person_id, name, is_failed in rows:
        reason = "identity" if is_failed else "card"
        title = (failed_text if is_failed else card_text) % {"name": name}
        yield from _unit_items("dispatch_unverified",
                               f"dispatch:{dispatch_id}:{reason}:{today:%Y%m}", unit_id, region,
                               title, f"/personview/show/{person_id}", police=True)


CHECKS = (("cert", certificates), ("annual_report", annual_reports),
          ("self_hire_filing", self_hire_filings), ("branch_filing", branch_filings),
          ("application", applications), ("screening_sla", screening_sla),
          ("dispatch", dispatched_unverified))


def scan(session, today=None) -> dict:
    """Run every check; add what is new. {check: (items due, items added, seconds)}, plus
    the whole time.
    The caller commits."""
    today = today or dt.date.today()
    counts = {}
    started = time.monotonic()
    added = []
    for name, check in CHECKS:
        began = time.monotonic()
        items = list(check(session, today) or ())
        counts[name] = (len(items), todos.add_many(session, items, added),
                        round(time.monotonic() - began, 2))
    if _conf("REMINDER_SMS"):
        counts["sms"] = text_units(session, added)
    counts["seconds"] = round(time.monotonic() - started, 2)
    return counts


def text_units(session, added) -> int:
    """The SMS version for unit contacts (REMINDER_SMS): one text per unit with new items,
    to its contact phone (else its principal's), through the outbox (app.services.sms)."""
    from .sms import gateway
    per_unit = {}
    for item in added:
        if item["audience"] == "unit" and item.get("unit_id"):
            per_unit[item["unit_id"]] = per_unit.get(item["unit_id"], 0) + 1
    if not per_unit:
        return 0
    from . import settings
    sent = 0
    ids = sorted(per_unit)
    for start in range(0, len(ids), 500):
        for unit_id, phone, principal in session.execute(
                select(Unit.id, Unit.contact_phone, Unit.principal_phone)
                .where(Unit.id.in_(ids[start:start + 500]))):
            number = phone or principal
            if number:
                gateway().send(session, number,
                               settings.text("sms.reminder", n=per_unit[unit_id]), "reminder")
                sent += 1
    return sent
