"""比对预警 (screening): identity verification cases, background-check alerts and the events
of both, plus the local watch-list table that stands in for the police lists in demo mode.

An identity case belongs to a person at a unit (one case per person and unit, reused when the
person is screened again); alerts belong to the same person and unit. Workflows live in
app.services.screening."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import (CheckConstraint, Column, DateTime, ForeignKey, Index, Integer, String,
                        Text, UniqueConstraint)
from sqlalchemy.orm import relationship
from sqlalchemy.sql import func

from .authority import SYSTEM_RECORD
from .base import Model, TimestampMixin, choice_check, utcnow
from .choices import GENDERS, code_label, label

IDENTITY_STATES = {
    "pending": _l("Pending verification"),
    "passed": _l("Verified"),
    "failed": _l("Verification failed, unit to handle"),
    "police_review": _l("Awaiting police review"),
    "returned": _l("Returned to the unit"),
    "cleared": _l("Passed by the police"),
}
IDENTITY_OPEN = ("pending", "failed", "police_review", "returned")
IDENTITY_CLOSED = ("passed", "cleared")
ALERT_KINDS = {
    "unit_attention": _l("Unit attention"),
    "police": _l("Contact the police"),
}
ALERT_STATES = {
    "open": _l("Open"),
    "signed": _l("Signed for"),
    "closed": _l("Handled by the police"),
}
BACKGROUND_STATES = {
    "not_run": _l("Not run"),
    "pending": _l("Pending"),
    "done": _l("Done"),
}
# A background check not finished yet: not run (identity just passed) or an adapter has not
# answered (retried in the background and by `flask screening-run-pending`).
BACKGROUND_WAITING = ("not_run", "pending")
WATCH_LISTS = {
    "criminal_record": _l("Criminal records"),
    "drug_control": _l("Drug control"),
    "wanted_persons": _l("Wanted persons"),
    "revoked_certificates": _l("Revoked guard certificates"),
    "public_order": _l("Public-order penalties"),
}
# Reason codes; the Art. 17 reasons (docs/rules.md#screening) and wanted persons need the police.
ALERT_REASONS = {
    "reeducation": (_l("Ever subjected to custody and education (收容教育)"), "police"),
    "compulsory_rehab": (_l("Ever in compulsory isolated drug rehabilitation"), "police"),
    "labour_reeducation": (_l("Ever subjected to re-education through labour"), "police"),
    "detention_3": (_l("Administrative detention three or more times"), "police"),
    "intentional_crime": (_l("Criminally punished for an intentional crime"), "police"),
    "revoked_recent": (_l("Guard certificate revoked less than three years ago"), "police"),
    "revoked_twice": (_l("Guard certificate revoked twice"), "police"),
    "wanted": (_l("Listed as a wanted person"), "police"),
    "drug_use": (_l("Drug use on record"), "unit_attention"),
    "detention": (_l("Administrative detention on record (fewer than three times)"),
                  "unit_attention"),
    "negligent_crime": (_l("Punished for a negligent crime"), "unit_attention"),
    "revoked_old": (_l("Guard certificate revoked three or more years ago"), "unit_attention"),
    "public_order_fine": (_l("Public-order fine on record"), "unit_attention"),
}
SCREENING_ACTIONS = {
    "created": _l("Screening started"),
    "verified": _l("Verified against the registry"),
    "failed": _l("Verification failed"),
    "pending": _l("Registry unavailable, will retry"),
    "resubmitted": _l("Corrected and resubmitted"),
    "confirmed": _l("Unit confirmed the information is correct"),
    "returned": _l("Returned to the unit"),
    "cleared": _l("Passed by the police"),
    "alert": _l("Background-check alert raised"),
    "background_pending": _l("Watch list unavailable, will retry"),
    "signed": _l("Unit signed for the alert"),
    "handled": _l("Police handled the alert"),
}


def waited(since, now=None) -> str:
    """How long an item has waited, for the queues: 3天5小时 / 4小时 / 不足1小时."""
    if since is None:
        return ""
    delta = (now or utcnow()) - since
    days, hours = delta.days, delta.seconds // 3600
    if days:
        return _("%(days)d d %(hours)d h", days=days, hours=hours)
    if hours:
        return _("%(hours)d h", hours=hours)
    return _("under 1 h")


class _QueueItem:
    """What a case and an alert share in the queues: how long an open one has waited, and
    the unit and person the change log files it under."""

    @property
    def waited(self):
        return waited(self.waiting_since) if self.is_open else ""

    def audit_owner(self):
        return self.unit_id, self.person_id


class IdentityCheck(_QueueItem, TimestampMixin, Model):
    __tablename__ = "identity_check"
    __scope__ = ("unit", "unit_id")
    __authority__ = SYSTEM_RECORD  # changed only by the state machine's actions
    __audited__ = True
    __audit_exclude__ = ("fingerprint",)  # a digest: nothing a reader of the change log can use

    id = Column(Integer, primary_key=True)
    person_id = Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False)
    unit_id = Column(Integer, ForeignKey("unit.id"), nullable=False)
    employment_id = Column(Integer, ForeignKey("employment.id", ondelete="SET NULL"))
    state = Column(String(16), nullable=False, default="pending", server_default="pending")
    reasons = Column(Text)                   # one finding per line, in Chinese
    fingerprint = Column(String(200))        # identity values last verified
    note = Column(Text)                      # the last note or reason given by unit/police
    attempts = Column(Integer, nullable=False, default=0, server_default="0")
    last_error = Column(String(300))
    background_state = Column(String(10), nullable=False, default="not_run",
                              server_default="not_run")
    waiting_since = Column(DateTime, nullable=False, default=utcnow, server_default=func.now())
    closed_at = Column(DateTime)

    person = relationship("Person", lazy="joined", innerjoin=True)
    unit = relationship("Unit", lazy="joined", innerjoin=True)
    employment = relationship("Employment")

    __table_args__ = (
        CheckConstraint(choice_check("state", IDENTITY_STATES), name="ck_identity_check_state"),
        CheckConstraint(choice_check("background_state", BACKGROUND_STATES),
                        name="ck_identity_check_background_state"),
        UniqueConstraint("person_id", "unit_id", name="uq_identity_check_person_unit"),
        Index("ix_identity_check_queue", "unit_id", "state", "waiting_since"),
        Index("ix_identity_check_state", "state", "waiting_since"),
        # The queue's tab badges count the open cases by state in a jurisdiction: from the
        # index alone (ix_identity_check_state made SQLite read each open case's row).
        Index("ix_identity_check_state_unit", "state", "unit_id"),
        # 背景审查待完成: the few cases whose background check has not finished.
        Index("ix_identity_check_background", "background_state", "unit_id", "state"),
    )

    state_label = code_label("state", IDENTITY_STATES)

    background_state_label = code_label("background_state", BACKGROUND_STATES)

    @property
    def is_open(self):
        return self.state in IDENTITY_OPEN

    @property
    def background_waiting(self):
        return self.state in IDENTITY_CLOSED and self.background_state in BACKGROUND_WAITING

    @property
    def background_since(self):
        """Since when the background check waits: the identity passed (closed_at), or the
        person became an active guard again later (waiting_since)."""
        if not self.background_waiting:
            return None
        return max(t for t in (self.closed_at, self.waiting_since) if t is not None)

    @property
    def background_waited(self):
        return waited(self.background_since) if self.background_waiting else ""


    def __str__(self):
        return f"{self.person.name if self.person else ''} · {self.state_label}"


class BackgroundAlert(_QueueItem, TimestampMixin, Model):
    __tablename__ = "background_alert"
    __scope__ = ("unit", "unit_id")
    __authority__ = SYSTEM_RECORD  # changed only by the state machine's actions
    __audited__ = True

    id = Column(Integer, primary_key=True)
    person_id = Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False)
    unit_id = Column(Integer, ForeignKey("unit.id"), nullable=False)
    identity_check_id = Column(Integer, ForeignKey("identity_check.id", ondelete="CASCADE"))
    kind = Column(String(16), nullable=False)
    source = Column(String(24), nullable=False)
    reason_code = Column(String(24), nullable=False)
    reason_text = Column(String(300), nullable=False)
    state = Column(String(10), nullable=False, default="open", server_default="open")
    note = Column(Text)                      # the police's handling note, or the unit's
    waiting_since = Column(DateTime, nullable=False, default=utcnow, server_default=func.now())
    closed_at = Column(DateTime)

    person = relationship("Person", lazy="joined", innerjoin=True)
    unit = relationship("Unit", lazy="joined", innerjoin=True)

    __table_args__ = (
        CheckConstraint(choice_check("kind", ALERT_KINDS), name="ck_background_alert_kind"),
        CheckConstraint(choice_check("state", ALERT_STATES), name="ck_background_alert_state"),
        CheckConstraint(choice_check("source", WATCH_LISTS), name="ck_background_alert_source"),
        # Idempotent screening: one alert per person, unit and finding.
        UniqueConstraint("person_id", "unit_id", "source", "reason_code",
                         name="uq_background_alert_finding"),
        Index("ix_background_alert_queue", "unit_id", "state", "kind", "waiting_since"),
        Index("ix_background_alert_state", "state", "kind", "waiting_since"),
    )

    kind_label = code_label("kind", ALERT_KINDS)

    state_label = code_label("state", ALERT_STATES)

    source_label = code_label("source", WATCH_LISTS, dictionary="watch_list")

    @property
    def is_open(self):
        return self.state == "open"


    def __str__(self):
        return f"{self.person.name if self.person else ''} · {self.reason_text}"


class ScreeningEvent(Model):
    """One step of a case or an alert: who, when, what, note, before and after values."""
    __tablename__ = "screening_event"
    __scope__ = ("unit", "unit_id")
    __authority__ = SYSTEM_RECORD  # changed only by the state machine's actions

    id = Column(Integer, primary_key=True)
    unit_id = Column(Integer, ForeignKey("unit.id"), nullable=False)
    person_id = Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False)
    identity_check_id = Column(Integer, ForeignKey("identity_check.id", ondelete="CASCADE"))
    alert_id = Column(Integer, ForeignKey("background_alert.id", ondelete="CASCADE"))
    at = Column(DateTime, nullable=False, default=utcnow)
    user_id = Column(Integer)
    username = Column(String(100), nullable=False)
    action = Column(String(20), nullable=False)
    from_state = Column(String(16))
    to_state = Column(String(16))
    note = Column(Text)
    before = Column(Text)        # identity values before a correction, "field: value" lines
    after = Column(Text)

    unit = relationship("Unit", lazy="joined", innerjoin=True)
    person = relationship("Person", lazy="joined", innerjoin=True)
    identity_check = relationship("IdentityCheck", backref="events")
    alert = relationship("BackgroundAlert", backref="events")

    __table_args__ = (
        CheckConstraint(choice_check("action", SCREENING_ACTIONS),
                        name="ck_screening_event_action"),
        Index("ix_screening_event_case", "identity_check_id", "at"),
        Index("ix_screening_event_alert", "alert_id", "at"),
        Index("ix_screening_event_person", "person_id", "at"),
        Index("ix_screening_event_unit", "unit_id", "at"),
    )

    action_label = code_label("action", SCREENING_ACTIONS)

    @property
    def changed_fields(self):
        """(field, before, after) of the identity fields a correction changed, genders
        labelled; app/web/display.py labels the fields and masks ID numbers."""
        def parse(text):
            return dict(line.split(": ", 1) for line in (text or "").splitlines()
                        if ": " in line)
        old, new = parse(self.before), parse(self.after)
        rows = []
        for field in new:
            if old.get(field) == new[field]:
                continue
            values = [old.get(field, ""), new[field]]
            if field == "gender":
                values = [label(GENDERS, v) if v else "" for v in values]
            rows.append((field, *values))
        return rows

    def __str__(self):
        return str(self.action_label)


class WatchListEntry(Model):
    """Local stand-in for the police watch lists (demo mode, tests); production plugs real
    adapters in through app.services.watchlists."""
    __tablename__ = "watch_list_entry"
    __scope__ = ("admin_only",)
    __authority__ = SYSTEM_RECORD

    id = Column(Integer, primary_key=True)
    source = Column(String(24), nullable=False)
    id_number = Column(String(18), nullable=False)
    reason_code = Column(String(24), nullable=False)
    detail = Column(String(300))

    __table_args__ = (
        CheckConstraint(choice_check("source", WATCH_LISTS), name="ck_watch_list_entry_source"),
        Index("ix_watch_list_entry_number", "id_number", "source"),
    )
