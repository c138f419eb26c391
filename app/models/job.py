"""我的任务: long work (a big export, an import) run by a Celery task (app.tasks) while the
user goes on working; the row holds its state and progress (rows done / total), the result
file when it is done, or the error. Only its owner sees it (app/views/jobs.py: another
user's job answers 404); the province admin sees failed ones in 系统管理 → 任务."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Column, DateTime, ForeignKey, Index, Integer, String, Text

from .authority import SYSTEM_RECORD
from .base import Model, choice_check, utcnow
from .choices import code_label

JOB_STATES = {"queued": _l("Queued"), "running": _l("Running"), "done": _l("Completed"),
              "failed": _l("Failed")}
JOB_KINDS = {"export": _l("Excel export"), "import": _l("Import")}


class Job(Model):
    __tablename__ = "job"
    # Owned by one user, not by a unit: the pages filter on user_id; nobody else's scope
    # reaches it (admin_only: the province admin's console).
    __scope__ = ("admin_only",)
    __authority__ = SYSTEM_RECORD

    id = Column(Integer, primary_key=True)
    kind = Column(String(30), nullable=False)
    title = Column(String(200), nullable=False, default="")
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False)
    state = Column(String(10), nullable=False, default="queued", server_default="queued")
    done = Column(Integer, nullable=False, default=0, server_default="0")
    total = Column(Integer)
    params = Column(Text, nullable=False, default="{}")
    result_path = Column(String(500))
    result_name = Column(String(200))
    error = Column(Text)
    attempts = Column(Integer, nullable=False, default=0, server_default="0")
    task_id = Column(String(64))
    created_at = Column(DateTime, nullable=False, default=utcnow)
    started_at = Column(DateTime)
    # Written with the progress: a job `running` with an old heartbeat lost its worker.
    heartbeat_at = Column(DateTime)
    finished_at = Column(DateTime)
    expires_at = Column(DateTime)

    __table_args__ = (
        Index("ix_job_user", "user_id", "created_at"),
        Index("ix_job_state", "state", "finished_at"),
        CheckConstraint(choice_check("state", JOB_STATES), name="ck_job_state"),
    )

    state_label = code_label("state", JOB_STATES)

    @property
    def kind_label(self):
        return str(JOB_KINDS.get(self.kind, self.kind))

    @property
    def percent(self) -> int:
        if self.state == "done":
            return 100
        if not self.total:
            return 0
        return min(100, int(self.done * 100 / self.total))
