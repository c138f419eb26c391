"""待办 / 消息中心: what the system asks someone to look at — a reminder (certificate
expiring, filing due, application near its limit, screening case waiting, a guard
dispatched without valid papers) or a finished job. Kept apart from 通知公告
(app.models.notice: what the police publish).

A row addresses one audience:
  "user"    one account (user_id): a finished job, the reviewer in charge;
  "unit"    the users of the unit (unit_id) — whoever's scope holds the unit;
  "police"  the police whose jurisdiction holds region_code (a district, a city "3301" or
            the province "33"; the province admin sees all).
Who sees a "unit" or "police" row is decided by the one scope mechanism
(app.security.scope, `unit_or_region`); app.services.todos adds the audience. `key` makes
each reminder idempotent: one row per subject and period (docs/background.md)."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import (CheckConstraint, Column, DateTime, ForeignKey, Index, Integer, String,
                        Text)

from .authority import SYSTEM_RECORD
from .base import Model, choice_check, utcnow

TODO_AUDIENCES = {"user": _l("Me"), "unit": _l("Unit"), "police": _l("Police")}
TODO_KINDS = {
    "job_done": _l("Job finished"),
    "job_failed": _l("Job failed"),
    "cert_expiring": _l("Certificate expiring"),
    "cert_overdue": _l("Certificate expired"),
    "annual_report_due": _l("Annual data not filed"),
    "self_hire_filing_due": _l("Self-hiring filing due"),
    "branch_filing_due": _l("Branch filing due"),
    "application_due": _l("Application near its time limit"),
    "application_overdue": _l("Application past its time limit"),
    "screening_waiting": _l("Screening case waiting"),
    "dispatch_unverified": _l("Guard dispatched without valid papers"),
}


class Todo(Model):
    __tablename__ = "todo"
    __scope__ = ("unit_or_region", "unit_id", "region_code")
    __authority__ = SYSTEM_RECORD  # written by the system only

    id = Column(Integer, primary_key=True)
    kind = Column(String(30), nullable=False)
    key = Column(String(160), nullable=False, unique=True)  # subject and period
    audience = Column(String(10), nullable=False)
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"))
    unit_id = Column(Integer, ForeignKey("unit.id", ondelete="CASCADE"))
    region_code = Column(String(6))
    title = Column(String(300), nullable=False)
    link = Column(String(300))
    created_at = Column(DateTime, nullable=False, default=utcnow)

    __table_args__ = (
        Index("ix_todo_user", "user_id", "id"),
        Index("ix_todo_unit", "audience", "unit_id", "id"),
        Index("ix_todo_region", "audience", "region_code", "id"),
        CheckConstraint(choice_check("audience", TODO_AUDIENCES), name="ck_todo_audience"),
    )

    @property
    def kind_label(self):
        return str(TODO_KINDS.get(self.kind, self.kind))


class TodoRead(Model):
    """Who has read which 待办 (a unit's or the police's item is read per user)."""
    __tablename__ = "todo_read"
    __scope__ = ("admin_only",)
    __authority__ = SYSTEM_RECORD

    todo_id = Column(Integer, ForeignKey("todo.id", ondelete="CASCADE"), primary_key=True)
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True)
    read_at = Column(DateTime, nullable=False, default=utcnow)

    __table_args__ = (Index("ix_todo_read_user", "user_id", "todo_id"),)
