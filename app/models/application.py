"""政务网业务办理: applications for the ten items, their documents, their history, the SMS
outbox and the cross-province filings that an approved filing writes on a company."""
from sqlalchemy import (JSON, CheckConstraint, Column, Date, DateTime, ForeignKey, Index,
                        Integer, String, Text)
from sqlalchemy.orm import relationship

from flask_babel import lazy_gettext as _l

from .authority import SYSTEM_RECORD
from .base import Model, TimestampMixin, choice_check, utcnow
from .choices import code_label

# The ten items by code (their forms and rules: app/services/application_items.py).
ITEM_TITLES = {
    "company": _l("Licence to establish a security company"),
    "company_foreign": _l("Licence to establish a foreign-invested security company"),
    "training": _l("Approval to establish a training school (ordinary procedure)"),
    "training_promise":
        _l("Approval to establish a training school (notification and commitment)"),
    "guard_certificate": _l("Guard certificate issuance"),
    "self_hire": _l("Self-hiring unit filing or revocation"),
    "client": _l("Client unit filing"),
    "branch": _l("Branch filing of a security company"),
    "cross_province": _l("Cross-province security service filing"),
    "commendation": _l("Commendation of outstanding units and guards"),
    "legal_rep_change": _l("Change of the legal representative of a security company"),
}
STATUS_LABELS = {
    "submitted": _l("Submitted"), "accepted": _l("Accepted, under city review"),
    "province_review": _l("Under provincial review"), "returned": _l("Returned for correction"),
    "approved": _l("Approved"), "rejected": _l("Rejected"), "withdrawn": _l("Withdrawn"),
}
APPLICATION_STATUSES = tuple(STATUS_LABELS)


class Application(TimestampMixin, Model):
    __tablename__ = "application"
    # Police by the jurisdiction the application names, a unit by the unit it concerns.
    __scope__ = ("unit_or_region", "unit_id", "region_code")
    __authority__ = SYSTEM_RECORD  # the review desk's workflow, never a generic form

    id = Column(Integer, primary_key=True)
    number = Column(String(20), nullable=False, unique=True)     # BA2026112700001
    item = Column(String(32), nullable=False)                     # application_items.ITEMS
    applicant_name = Column(String(100), nullable=False)
    applicant_phone = Column(String(20), nullable=False)
    unit_id = Column(Integer, ForeignKey("unit.id"))              # the existing unit concerned
    region_code = Column(String(6), ForeignKey("region.code"), nullable=False)
    form = Column(JSON, nullable=False, default=dict)
    status = Column(String(20), nullable=False, default="submitted", server_default="submitted")
    returned_from = Column(String(20))          # the status a 补正 resumes to
    correction_note = Column(Text)              # what the applicant must correct
    channel = Column(String(10), nullable=False, default="web", server_default="web")
    submitted_at = Column(DateTime, nullable=False, default=utcnow)
    time_limit_days = Column(Integer, nullable=False)   # statutory limit, working days
    days_used = Column(Integer, nullable=False, default=0, server_default="0")
    clock_started_on = Column(Date)             # NULL while the clock is paused or stopped
    decision = Column(String(10))               # approved / rejected
    decision_reason = Column(Text)
    decided_at = Column(DateTime)
    decided_by = Column(String(64))
    result_unit_id = Column(Integer, ForeignKey("unit.id"))   # unit created by the approval
    result_note = Column(Text)                  # licence / certificate number issued …

    unit = relationship("Unit", foreign_keys=[unit_id], lazy="joined")
    result_unit = relationship("Unit", foreign_keys=[result_unit_id])
    region = relationship("Region", lazy="joined")
    documents = relationship("ApplicationDocument", back_populates="application",
                             cascade="all, delete-orphan", order_by="ApplicationDocument.id")
    events = relationship("ApplicationEvent", back_populates="application",
                          cascade="all, delete-orphan", order_by="ApplicationEvent.id")

    __table_args__ = (
        CheckConstraint(choice_check("status", dict.fromkeys(APPLICATION_STATUSES)),
                        name="ck_application_status"),
        CheckConstraint("decision IS NULL OR decision IN ('approved', 'rejected')",
                        name="ck_application_decision"),
        CheckConstraint("status <> 'rejected' OR decision_reason IS NOT NULL",
                        name="ck_application_reject_reason"),
        CheckConstraint("time_limit_days > 0 AND days_used >= 0", name="ck_application_days"),
        Index("ix_application_region_status", "region_code", "status"),
        Index("ix_application_unit", "unit_id"),
        Index("ix_application_phone", "applicant_phone"),
    )

    # Titles are data (application_item, the console's 办事事项); ITEM_TITLES stands in
    # before the data is there.
    item_label = code_label("item", ITEM_TITLES, dictionary="application_item")

    status_label = code_label("status", STATUS_LABELS)

    def __str__(self):
        return self.number or ""


class ApplicationDocument(TimestampMixin, Model):
    __tablename__ = "application_document"
    __authority__ = SYSTEM_RECORD
    __scope__ = ("admin_only",)   # reached only through its (scoped) application

    id = Column(Integer, primary_key=True)
    application_id = Column(Integer, ForeignKey("application.id", ondelete="CASCADE"),
                            nullable=False)
    code = Column(String(40), nullable=False)        # the checklist entry it satisfies
    filename = Column(String(200), nullable=False)
    content_type = Column(String(100))
    size = Column(Integer, nullable=False, default=0)
    storage_key = Column(String(300), nullable=False)

    application = relationship("Application", back_populates="documents")

    __table_args__ = (Index("ix_application_document_app", "application_id"),)


class ApplicationEvent(Model):
    __tablename__ = "application_event"
    __authority__ = SYSTEM_RECORD
    __scope__ = ("admin_only",)   # reached only through its (scoped) application

    id = Column(Integer, primary_key=True)
    application_id = Column(Integer, ForeignKey("application.id", ondelete="CASCADE"),
                            nullable=False)
    at = Column(DateTime, nullable=False, default=utcnow)
    actor = Column(String(64), nullable=False)
    action = Column(String(20), nullable=False)
    from_status = Column(String(20))
    to_status = Column(String(20))
    note = Column(Text)

    application = relationship("Application", back_populates="events")

    __table_args__ = (Index("ix_application_event_app", "application_id", "at"),)


SMS_PURPOSES = {"account": _l("Account notice"), "decision": _l("Decision notice"),
                "return": _l("Correction notice")}
SMS_STATUSES = {"queued": _l("In the outbox"), "sent": _l("Sent"), "failed": _l("Failed")}


class SmsMessage(Model):
    """The SMS outbox: every text the system sends (the default gateway only records it)."""
    __tablename__ = "sms_message"
    __authority__ = SYSTEM_RECORD
    __scope__ = ("admin_only",)

    id = Column(Integer, primary_key=True)
    phone = Column(String(20), nullable=False)
    body = Column(Text, nullable=False)
    purpose = Column(String(20), nullable=False)
    application_id = Column(Integer, ForeignKey("application.id", ondelete="SET NULL"))
    created_at = Column(DateTime, nullable=False, default=utcnow)
    status = Column(String(10), nullable=False, default="queued", server_default="queued")
    # Sending (app.services.sms, app.tasks.sms): attempts made, the last refusal, when sent.
    attempts = Column(Integer, nullable=False, default=0, server_default="0")
    last_error = Column(String(300))
    sent_at = Column(DateTime)

    __table_args__ = (Index("ix_sms_message_phone", "phone", "created_at"),
                      Index("ix_sms_message_status", "status", "created_at"))

    purpose_label = code_label("purpose", SMS_PURPOSES)

    status_label = code_label("status", SMS_STATUSES)


class CrossProvinceFiling(TimestampMixin, Model):
    """跨省提供保安服务备案, written on the company by an approved filing."""
    __tablename__ = "cross_province_filing"
    __authority__ = SYSTEM_RECORD
    __scope__ = ("unit", "unit_id")
    __audited__ = True

    id = Column(Integer, primary_key=True)
    unit_id = Column(Integer, ForeignKey("unit.id", ondelete="CASCADE"), nullable=False)
    application_id = Column(Integer, ForeignKey("application.id", ondelete="SET NULL"))
    province = Column(String(50), nullable=False)
    client_name = Column(String(200), nullable=False)
    start_date = Column(Date, nullable=False)
    end_date = Column(Date)

    unit = relationship("Unit")
    application = relationship("Application")

    __table_args__ = (
        CheckConstraint("end_date IS NULL OR end_date >= start_date",
                        name="ck_cross_province_filing_dates"),
        Index("ix_cross_province_filing_unit", "unit_id"),
    )

    def audit_owner(self):
        return self.unit_id, None
