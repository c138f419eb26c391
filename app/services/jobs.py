"""我的任务: long work run off the request (docs/background.md, "Jobs").

A kind of work registers its handler once: `register_kind("export", handler)`; `submit(kind,
user, params)` writes the Job row (queued) and hands its id to the task queue (app.tasks
installs `set_enqueue`: Celery, eager in-process when no broker is configured). The task
calls `run(job_id)`, which
- claims the job (queued → running) in its own transaction; a job already done or failed
  is left alone, so a task delivered twice (acks_late after a lost worker) does nothing;
- calls `handler(job, params, progress)` in a session of its own: the handler reads with
  `session_of(job)`, calls `progress(done, total)` as it goes (written in a short
  transaction of its own, at most every PROGRESS_SECONDS, so the user's page moves), and
  returns (path of the result file, download name) or None;
- stores done / failed with the result or the error, and tells the owner (a 待办 item,
  when app.services.todos is there).
A job interrupted by a killed worker is still `running` when its task is delivered again:
it starts over (the result file is written anew, under a name of its own), so one result.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import time
import traceback

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from app.extensions import db
from app.models.base import utcnow
from app.models.job import Job

log = logging.getLogger(__name__)

PROGRESS_SECONDS = 0.5
_HANDLERS: dict = {}
_ENQUEUE = None          # set by app.tasks: enqueue(job_id) -> task id
_FINISHED_HOOKS = []     # called (session, job) when a job ends: 待办 notices


class JobFailed(Exception):
    """A handler's failure with a message for the user (no traceback shown)."""


def register_kind(kind: str, handler) -> None:
    _HANDLERS[kind] = handler


def set_enqueue(enqueue) -> None:
    global _ENQUEUE
    _ENQUEUE = enqueue


def on_finished(hook) -> None:
    if hook not in _FINISHED_HOOKS:
        _FINISHED_HOOKS.append(hook)


def session_of(job) -> Session:
    return object_session(job)


def submit(kind: str, user, params: dict | None = None, title: str = "",
           total: int | None = None) -> Job:
    """A new job of `kind` for `user` (AppUser or id), committed and enqueued. The caller's
    session is not touched: the job is written in a session of its own, so a request can
    submit in the middle of its own work."""
    if kind not in _HANDLERS:
        raise KeyError(f"no handler registered for job kind {kind!r}")
    user_id = getattr(user, "id", user)
    with Session(bind=db.engine) as session:
        job = Job(kind=kind, user_id=user_id, title=title[:200], state="queued", total=total,
                  params=json.dumps(params or {}, ensure_ascii=False, default=str))
        session.add(job)
        session.commit()
        job_id = job.id
    try:
        task_id = _ENQUEUE(job_id) if _ENQUEUE else run(job_id)
    except Exception as exc:  # the broker is unreachable: failed, the admin may retry it
        log.exception("job %s not queued", job_id)
        task_id = None
        with Session(bind=db.engine) as session:
            job = session.get(Job, job_id)
            if job.state == "queued":
                job.state, job.finished_at = "failed", utcnow()
                job.error = f"not queued: {exc}"[:2000]
                session.commit()
    with Session(bind=db.engine, expire_on_commit=False) as session:
        job = session.get(Job, job_id)
        if isinstance(task_id, str) and job.task_id is None:
            job.task_id = task_id
            session.commit()
        session.expunge(job)
    return job


def _progress_writer(job_id):
    last = [0.0]

    def progress(done: int, total: int | None = None, force: bool = False):
        now = time.monotonic()
        if not force and now - last[0] < PROGRESS_SECONDS:
            return
        last[0] = now
        values = {"done": int(done), "heartbeat_at": utcnow()}
        if total is not None:
            values["total"] = int(total)
        with db.engine.connect() as conn:
            # SQLite: the handler's open read holds the file's shared lock (rollback
            # journal), so the commit would wait the default 5 s: skip this write instead.
            sqlite = conn.dialect.name == "sqlite"
            try:
                if sqlite:
                    conn.exec_driver_sql("PRAGMA busy_timeout = 20")
                conn.execute(Job.__table__.update().where(Job.id == job_id).values(**values))
                conn.commit()
            except Exception:  # busy: the next call writes
                conn.rollback()
                log.debug("progress of job %s not written", job_id, exc_info=True)
            finally:
                if sqlite:
                    conn.exec_driver_sql("PRAGMA busy_timeout = 5000")
    return progress


def result_hours() -> float:
    from flask import current_app
    return float(current_app.config.get("JOB_RESULT_HOURS", 24))


def run(job_id: int):
    """The task body (app.tasks.jobs.run_job). Safe to run twice."""
    with Session(bind=db.engine) as session:
        job = session.get(Job, job_id, with_for_update=True)
        if job is None or job.state in ("done", "failed") or _alive(job):
            session.rollback()
            return None
        job.state, job.started_at = "running", utcnow()
        job.heartbeat_at = job.started_at
        job.attempts = (job.attempts or 0) + 1
        job.done, job.error = 0, None
        session.commit()
        handler = _HANDLERS[job.kind]
        params = json.loads(job.params or "{}")
        progress = _progress_writer(job_id)
        try:
            result = handler(job, params, progress)
        except Exception as exc:
            session.rollback()
            job = session.get(Job, job_id)
            job.state, job.finished_at = "failed", utcnow()
            job.error = (str(exc) if isinstance(exc, JobFailed)
                         else traceback.format_exc(limit=5))[-2000:]
            _finished(session, job)
            session.commit()
            log.warning("job %s failed: %s", job_id, exc)
            return None
        session.rollback()  # the handler's reads end here; the result is written fresh
        job = session.get(Job, job_id)
        if job.state != "running":  # finished meanwhile by another delivery
            if result and result[0] and result[0] != job.result_path:
                _remove(result[0])
            return None
        if result:
            job.result_path, job.result_name = result
        job.state, job.finished_at = "done", utcnow()
        job.expires_at = job.finished_at + dt.timedelta(hours=result_hours())
        if job.total is None or job.done < job.total:
            job.done = job.total if job.total is not None else job.done
        _finished(session, job)
        session.commit()
        return job_id


def _alive(job) -> bool:
    """A running job whose worker wrote progress lately: another delivery is at work on it
    (the broker redelivers an unacknowledged task after its visibility time-out)."""
    from flask import current_app
    if job.state != "running" or job.heartbeat_at is None:
        return False
    stale = float(current_app.config.get("JOB_STALE_SECONDS", 120))
    return utcnow() - job.heartbeat_at < dt.timedelta(seconds=stale)


def _finished(session, job):
    """The owner's 待办: the job finished (with its link to 我的任务) or failed."""
    from flask_babel import gettext as _
    from . import todos
    if job.state == "done":
        title = _("%(job)s finished: the result can be downloaded under My jobs.",
                  job=job.title or job.kind_label)
    else:
        title = _("%(job)s failed.", job=job.title or job.kind_label)
    with session.begin_nested():
        todos.add(session, kind=f"job_{job.state}", key=f"job:{job.id}:{job.attempts}",
                  audience="user", user_id=job.user_id, title=title, link="/jobs/")
    for hook in _FINISHED_HOOKS:
        try:
            with session.begin_nested():
                hook(session, job)
        except Exception:
            log.exception("job %s: finished hook failed", job.id)


def retry(session, job) -> Job:
    """A failed job queued again (the province admin's 【重试】). The caller commits, then
    `enqueue_again(job.id)`."""
    job.state, job.error, job.done, job.finished_at = "queued", None, 0, None
    return job


def enqueue_again(job_id):
    return _ENQUEUE(job_id) if _ENQUEUE else run(job_id)


def _remove(path):
    try:
        if path and os.path.exists(path):
            os.remove(path)
    except OSError:
        log.warning("could not remove %s", path)


def prune(session, now=None) -> int:
    """Remove the result files of jobs past their expiry, and the rows of jobs finished
    longer ago than twice the keeping time (beat: hourly)."""
    now = now or utcnow()
    expired = session.execute(select(Job).where(
        Job.expires_at.isnot(None), Job.expires_at <= now,
        Job.result_path.isnot(None))).scalars().all()
    for job in expired:
        _remove(job.result_path)
        job.result_path = None
    old = now - dt.timedelta(hours=2 * result_hours())
    stale = session.execute(select(Job).where(Job.finished_at.isnot(None),
                                              Job.finished_at < old)).scalars().all()
    for job in stale:
        _remove(job.result_path)
        session.delete(job)
    return len(expired) + len(stale)


def jobs_of(session, user_id, limit=50):
    return session.execute(select(Job).where(Job.user_id == user_id)
                           .order_by(Job.id.desc()).limit(limit)).scalars().all()


def job_of(session, user_id, job_id):
    """The user's own job, or None (another user's job is as missing: 404)."""
    try:
        job_id = int(job_id)
    except (TypeError, ValueError):
        return None
    return session.execute(select(Job).where(Job.id == job_id, Job.user_id == user_id)
                           ).scalar_one_or_none()


def result_dir(app) -> str:
    path = os.path.join(app.config["UPLOAD_ROOT"], "job-results")
    os.makedirs(path, exist_ok=True)
    return path
