"""Background work against a real Redis broker and a real Celery worker process (the
production entry point `celery -A app.tasks.worker worker`), started here: a big export as a
job through the worker; a worker killed in the middle of a job, restarted: the job ends
done, one result. Skips only when Redis is unreachable (CI has one: it fails there)."""
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import build_app, login
from tests.helpers import reachable_redis

ROOT = Path(__file__).resolve().parents[1]


def _redis():
    return reachable_redis(os.environ.get("TEST_CELERY_BROKER_URL", "redis://127.0.0.1:6379/5"))


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    from app.tasks import celery_app, init_celery
    url = _redis()
    tmp = tmp_path_factory.mktemp("worker")
    queue = f"test-{uuid.uuid4().hex[:10]}"
    settings = dict(CELERY_BROKER_URL=url, CELERY_QUEUE=queue, CELERY_VISIBILITY_TIMEOUT=3,
                    JOB_STALE_SECONDS=3, EXPORT_JOB_THRESHOLD=2,
                    CELERY_EXTRA_MODULES=["tests.worker_kinds"],
                    SMS_TRANSPORT="tests.worker_kinds:FileTransport")
    previous = celery_app.flask_app
    database = f"sqlite:///{tmp / 'worker.db'}"
    app = build_app(tmp, database_url=database, **settings)
    variables = {**os.environ, "DATABASE_URL": database, "INSTANCE_DIR": str(tmp),
                 "UPLOAD_ROOT": str(tmp / "uploads"), "CELERY_BROKER_URL": url,
                 "CELERY_QUEUE": queue, "CELERY_VISIBILITY_TIMEOUT": "3",
                 "JOB_STALE_SECONDS": "3", "CELERY_EXTRA_MODULES": "tests.worker_kinds",
                 "PYTHONPATH": str(ROOT),
                 "SMS_TRANSPORT": "tests.worker_kinds:FileTransport",
                 "TEST_SMS_LOG": str(tmp / "sms.log")}
    workers = []

    def start():
        log = open(tmp / f"worker-{len(workers)}.log", "w")
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "app.tasks.worker", "worker", "-Q", queue,
             "--pool=solo", "--without-gossip", "--without-mingle", "--without-heartbeat",
             "-l", "info"], cwd=ROOT, env=variables, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        workers.append(process)
        return process

    start.variables = variables
    yield app, start, tmp
    for process in workers:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
    import redis
    redis.Redis.from_url(url).delete(queue, "unacked", "unacked_index")
    if previous is not None:
        init_celery(previous)  # the session's app again: eager, as the other tests expect


def _job(app, job_id):
    from app.extensions import db
    from app.models import Job
    with app.app_context():
        job = db.session.get(Job, job_id)
        db.session.expunge(job)
        return job


def _wait(app, job_id, condition, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = _job(app, job_id)
        if condition(job):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} still {job.state} {job.done}/{job.total}")


def _stop(process):
    os.killpg(process.pid, signal.SIGTERM)  # warm shutdown
    process.wait(30)


def test_export_runs_on_the_worker(env):
    app, start, _tmp = env
    worker = start()
    client = login(app.test_client(), "company_hz")
    response = client.get("/personview/export/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/jobs/")
    from app.extensions import db
    from app.models import Job
    with app.app_context():
        job_id = db.session.query(Job.id).order_by(Job.id.desc()).first()[0]
    job = _wait(app, job_id, lambda j: j.state in ("done", "failed"))
    assert job.state == "done", job.error
    assert job.task_id  # went through the broker
    download = client.get(f"/jobs/{job_id}/download")
    assert download.status_code == 200 and download.data[:2] == b"PK"
    _stop(worker)


def test_sms_and_screening_run_on_the_worker(env):
    """The outbox row committed here is sent by the worker's transport (once); a person handed
    to screening is checked by the worker (the case leaves 核验中)."""
    app, start, tmp = env
    import uuid
    from app.extensions import db
    from app.models import IdentityCheck, SmsMessage
    from app.services import screening, sms
    worker = start()
    body = f"worker{uuid.uuid4().hex}"
    with app.app_context():
        message = sms.gateway().send(db.session, "13800000000", body, "decision")
        db.session.commit()
        message_id = message.id
        case = db.session.query(IdentityCheck).filter_by(state="passed").first()
        case.state = "pending"
        db.session.commit()
        case_id, person_id = case.id, case.person_id
    app.config["SCREENING_SYNC"] = False  # as in production: the queue, not this thread
    try:
        with app.app_context():
            screening.dispatch([person_id])
    finally:
        app.config["SCREENING_SYNC"] = True
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with app.app_context():
            sent = db.session.get(SmsMessage, message_id).status
            state = db.session.get(IdentityCheck, case_id).state
        if sent == "sent" and state != "pending":
            break
        time.sleep(0.2)
    assert sent == "sent" and state in ("passed", "failed"), (sent, state)
    assert (tmp / "sms.log").read_text(encoding="utf-8").count(body) == 1
    _stop(worker)
    logs = "".join(p.read_text() for p in tmp.glob("worker-*.log"))
    for task in ("app.tasks.sms.send_sms", "app.tasks.screening.screen_people"):
        assert re.search(rf"Task {re.escape(task)}\[[^\]]+\] succeeded", logs), task


def test_beat_sends_its_schedule_to_the_worker(env):
    """`celery -A app.tasks.worker beat` (the production command) with the app's schedule:
    every entry reaches the worker through Redis and runs there (each entry due once at
    start: tests.worker_kinds.FirstTickScheduler)."""
    from app.tasks.schedule import BEAT_SCHEDULE
    app, start, tmp = env
    worker = start()
    variables = {**os.environ, **start.variables}
    with open(tmp / "beat.log", "w") as log:
        beat = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "app.tasks.worker", "beat",
             "-S", "tests.worker_kinds:FirstTickScheduler", "-s", str(tmp / "beat-schedule"),
             "--max-interval", "1", "-l", "info"], cwd=ROOT, env=variables, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True)
    tasks = {entry["task"] for entry in BEAT_SCHEDULE.values()}
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            logs = "".join(p.read_text() for p in tmp.glob("worker-*.log"))
            done = {t for t in tasks if re.search(rf"Task {re.escape(t)}\[[^\]]+\] succeeded",
                                                  logs)}
            if done == tasks:
                break
            time.sleep(0.5)
    finally:
        _stop(beat)
        _stop(worker)
    sent = (tmp / "beat.log").read_text()
    assert all(f"Sending due task" in sent and task in sent for task in tasks), sent[-2000:]
    assert done == tasks, (tasks - done, logs[-3000:])


def test_a_killed_worker_loses_nothing_and_duplicates_nothing(env):
    app, start, tmp = env
    from app.extensions import db
    from app.models import AppUser, Todo
    from app.services import jobs
    import tests.worker_kinds  # noqa: F401  (the kind, in this process too)
    log = tmp / "finished.log"
    worker = start()
    with app.app_context():
        user = db.session.query(AppUser).filter_by(username="company_hz").one()
        job_id = jobs.submit("test_slow", user, {"rows": 40, "pause": 0.1,
                                                 "log": str(log)}).id
    _wait(app, job_id, lambda j: j.state == "running" and j.done >= 5, seconds=60)
    os.killpg(worker.pid, signal.SIGKILL)  # the machine dies mid-job
    worker.wait(10)
    killed_at = _job(app, job_id)
    assert killed_at.state == "running" and killed_at.done < 40
    time.sleep(4)  # past the visibility time-out and the job's stale heartbeat
    worker = start()
    job = _wait(app, job_id, lambda j: j.state in ("done", "failed"), seconds=90)
    assert job.state == "done" and job.done == job.total == 40
    assert job.attempts == 2
    assert log.read_text().split("\n").count("") == 1 and \
        len(log.read_text().splitlines()) == 1  # finished once
    results = list((tmp / "uploads" / "job-results").glob(f"slow-{job_id}-*.txt"))
    assert [str(p) for p in results] == [job.result_path]
    with app.app_context():
        assert db.session.query(Todo).filter(Todo.kind == "job_done",
                                             Todo.key.like(f"job:{job_id}:%")).count() == 1
    _stop(worker)
