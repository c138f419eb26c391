"""Benchmark of background work (docs/background.md): the daily reminder scan over the
synthetic province, and the 100,000-row export as a job against the same export inline.

    BENCH_DB_SUFFIX=_i16 python -m tests.bench_background --db both [--worker]

Uses the cached data set of tests.bench (bench-results/cache/, PostgreSQL bench_<people>).
The job is timed from the request to the finished file: eager (in-process, as without a
broker) and, with --worker, on a real Celery worker through Redis (PostgreSQL only: the
worker is another process on the same database). Writes bench-results/BACKGROUND.md."""
import argparse
import datetime as dt
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from sqlalchemy import func, select

from tests import bench

ROOT = Path(__file__).resolve().parents[1]


def _counts(app):
    from app.extensions import db
    from app.models import Certificate, Dispatch, Person
    with app.app_context():
        s = db.session
        return {"people": s.query(func.count(Person.id)).scalar(),
                "certificates": s.query(func.count(Certificate.id)).scalar(),
                "dispatches": s.query(func.count(Dispatch.id)).scalar()}


def scan(app):
    from app.extensions import db
    from app.models import Todo
    from app.services import reminders
    out = []
    with app.app_context():
        db.session.query(Todo).filter(Todo.kind != "job_done").delete()  # a first scan
        db.session.commit()
        for label in ("first scan", "second scan (idempotent)"):
            started = time.perf_counter()
            counts = reminders.scan(db.session)
            db.session.commit()
            seconds = time.perf_counter() - started
            out.append((label, seconds, counts))
            print(f"reminders {label}: {seconds:.1f} s {counts}", flush=True)
    return out


def _birth(app, rows):
    from app.extensions import db
    from app.models import Person
    with app.app_context():
        return db.session.execute(select(Person.birth_date).order_by(
            Person.birth_date.desc()).offset(rows - 1).limit(1)).scalar()


def _rows_of(data):
    import io
    import zipfile
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return book.read("xl/worksheets/sheet1.xml").decode().count("<row ") - 1


def export_as_job(app, client, url, wait_worker=False):
    """Seconds from the request to the downloaded file, and its rows."""
    from app.extensions import db
    from app.models import Job
    started = time.perf_counter()
    response = client.get(url)
    assert response.status_code == 302, response.status_code
    with app.app_context():
        job_id = db.session.query(func.max(Job.id)).scalar()
    while True:
        with app.app_context():
            job = db.session.get(Job, job_id)
            state, error = job.state, job.error
        if state in ("done", "failed"):
            break
        time.sleep(0.1)
    assert state == "done", error
    data = client.get(f"/jobs/{job_id}/download").data
    return time.perf_counter() - started, _rows_of(data)


def start_worker(url, broker, queue):
    env = {**os.environ, "DATABASE_URL": url, "CELERY_BROKER_URL": broker,
           "CELERY_QUEUE": queue, "PYTHONPATH": str(ROOT)}
    log = open(ROOT / "bench-results" / "worker.log", "w")
    return subprocess.Popen([sys.executable, "-m", "celery", "-A", "app.tasks.worker", "worker",
                             "-Q", queue, "--pool=solo", "--without-gossip", "--without-mingle",
                             "-l", "warning"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)


def exports(app, kind, rows, worker):
    birth = _birth(app, rows)
    url = f"/personview/export/?_flt_1_birth_date={birth - dt.timedelta(days=1)}"
    admin = bench.login(app, "admin")
    out = {}
    app.config["EXPORT_JOB_THRESHOLD"] = 10 ** 9
    seconds, got, _growth = bench.measure_export(admin, birth - dt.timedelta(days=1))
    out["inline"] = (seconds, got)
    print(f"[{kind}] export inline: {got} rows in {seconds:.1f} s", flush=True)
    app.config["EXPORT_JOB_THRESHOLD"] = 20_000
    out["job (eager, in-process)"] = export_as_job(app, admin, url)
    print(f"[{kind}] export as job, eager: {out['job (eager, in-process)']}", flush=True)
    if worker and kind == "postgresql":
        from app.tasks import init_celery
        broker, queue = "redis://127.0.0.1:6379/5", f"bench-{uuid.uuid4().hex[:8]}"
        process = start_worker(app.config["SQLALCHEMY_DATABASE_URI"], broker, queue)
        app.config.update(CELERY_BROKER_URL=broker, CELERY_QUEUE=queue)
        init_celery(app)
        try:
            time.sleep(8)  # the worker boots (imports, app factory)
            out["job (Celery worker, Redis)"] = export_as_job(app, admin, url)
            print(f"[{kind}] export as job, worker: {out['job (Celery worker, Redis)']}",
                  flush=True)
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(30)
            app.config.update(CELERY_BROKER_URL="")
            init_celery(app)
    return out


def report(runs, people):
    load = open("/proc/loadavg").read().split()[:3]
    lines = ["# Background work benchmark", "",
             f"Synthetic province of {people:,} people (tests.bench's cached data set). "
             f"`python -m tests.bench_background`, {dt.datetime.now():%Y-%m-%d %H:%M}, "
             f"load average at the end {' '.join(load)} (2 cores shared with other "
             "sessions).", ""]
    for run in runs:
        lines += [f"## {run['kind']}", "",
                  "Data: " + ", ".join(f"{v:,} {k}" for k, v in run["counts"].items()), "",
                  "| Reminder scan | seconds | items due / new (seconds) per check |", "|---|---|---|"]
        for label, seconds, counts in run["scan"]:
            detail = "; ".join(f"{k} {v[0]:,}/{v[1]:,} ({v[2]:.1f} s)"
                               for k, v in counts.items() if k != "seconds")
            lines.append(f"| {label} | {seconds:.1f} | {detail} |")
        lines += ["", "| 100k-row export | seconds | rows | ratio to inline |", "|---|---|---|---|"]
        inline = run["exports"]["inline"][0]
        for label, (seconds, rows) in run["exports"].items():
            lines.append(f"| {label} | {seconds:.1f} | {rows:,} | {seconds / inline:.2f}× |")
        lines.append("")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=300_000)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--worker", action="store_true")
    parser.add_argument("--out", default=str(ROOT / "bench-results" / "BACKGROUND.md"))
    args = parser.parse_args(argv)
    kinds = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    runs = []
    for kind in kinds:
        app = bench.build_app(kind, args.people)
        runs.append(dict(kind=kind, counts=_counts(app), scan=scan(app),
                         exports=exports(app, kind, args.rows, args.worker)))
    text = report(runs, args.people)
    Path(args.out).write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    sys.exit(main())
