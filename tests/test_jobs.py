"""我的任务 with tasks eager in-process (no broker: the demo's default): the big export as a
job, its progress and download, only for its owner; failures; pruning; running twice.
The same against a real Redis and worker process: tests/test_worker.py."""
import io
import os
import zipfile

import pytest

from app.extensions import db
from app.models import Job
from app.services import jobs


@pytest.fixture
def low_threshold(app):
    old = app.config["EXPORT_JOB_THRESHOLD"]
    app.config["EXPORT_JOB_THRESHOLD"] = 2
    yield
    app.config["EXPORT_JOB_THRESHOLD"] = old


def _rows(data):
    """The sheet's rows as XML (constant-memory xlsxwriter writes strings inline)."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode("utf-8")
    return sheet.split("<row ")[1:]


def test_small_export_stays_inline(client_for):
    response = client_for("company_hz").get("/personview/export/")
    assert response.status_code == 200
    assert response.mimetype.endswith("sheet")


def test_big_export_runs_as_a_job_with_the_same_rows(app, client_for, low_threshold):
    client = client_for("company_hz")
    app.config["EXPORT_JOB_THRESHOLD"] = 10 ** 9
    inline = _rows(client.get("/personview/export/").data)
    app.config["EXPORT_JOB_THRESHOLD"] = 2
    response = client.get("/personview/export/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/jobs/")
    page = client.get("/jobs/").get_data(as_text=True)
    assert "我的任务" in page and "job-download" in page
    with app.app_context():
        job = db.session.query(Job).order_by(Job.id.desc()).first()
        assert job.state == "done" and job.kind == "export"
        assert job.done == job.total == len(inline) - 1
        assert job.expires_at > job.finished_at
    status = client.get(f"/jobs/{job.id}/status").json
    assert status["percent"] == 100 and status["download"] == f"/jobs/{job.id}/download"
    download = client.get(status["download"])
    assert download.status_code == 200
    assert _rows(download.data) == inline
    # someone else's job is as missing, the province admin included
    for other in ("company_nb", "admin"):
        assert client_for(other).get(f"/jobs/{job.id}/status").status_code == 404
        assert client_for(other).get(f"/jobs/{job.id}/download").status_code == 404
    assert client.get("/jobs/999999/status").status_code == 404
    # …and a 待办 for its owner, linking to 我的任务
    todos = client.get("/todos/").get_data(as_text=True)
    assert "已完成，可在“我的任务”中下载结果" in todos


def test_api_export_above_threshold_answers_202(api, low_threshold):
    response = api("admin").get("/api/v1/unit/export/")
    assert response.status_code == 202
    assert response.json["status"].startswith("/jobs/")


def test_failed_handler_marks_the_job_failed(app):
    def broken(job, params, progress):
        progress(1, 4, force=True)
        raise jobs.JobFailed("登记库无应答")
    jobs.register_kind("test_broken", broken)
    with app.app_context():
        from app.models import AppUser
        user = db.session.query(AppUser).filter_by(username="company_hz").one()
        job = jobs.submit("test_broken", user, {})
        job = db.session.get(Job, job.id)
        assert job.state == "failed" and job.error == "登记库无应答"
        assert job.done == 1 and job.total == 4


def test_run_twice_writes_one_result(app, tmp_path):
    calls = []

    def handler(job, params, progress):
        calls.append(job.id)
        path = tmp_path / f"r{len(calls)}.txt"
        path.write_text("x")
        return str(path), "r.txt"
    jobs.register_kind("test_once", handler)
    with app.app_context():
        from app.models import AppUser
        user = db.session.query(AppUser).filter_by(username="company_hz").one()
        job = jobs.submit("test_once", user, {})
        assert jobs.run(job.id) is None  # delivered again: done already, nothing runs
        assert calls == [job.id]
        # a job `running` with a fresh heartbeat belongs to a live worker: left alone
        row = db.session.get(Job, job.id)
        row.state = "running"
        row.heartbeat_at = row.finished_at
        from app.models.base import utcnow
        row.heartbeat_at = utcnow()
        db.session.commit()
        assert jobs.run(job.id) is None and calls == [job.id]


def test_prune_removes_expired_results(app, tmp_path):
    import datetime as dt
    from app.models.base import utcnow
    with app.app_context():
        from app.models import AppUser
        user = db.session.query(AppUser).filter_by(username="company_hz").one()
        path = tmp_path / "old.xlsx"
        path.write_bytes(b"x")
        job = Job(kind="export", user_id=user.id, state="done", params="{}",
                  result_path=str(path), finished_at=utcnow() - dt.timedelta(hours=1),
                  expires_at=utcnow() - dt.timedelta(minutes=1))
        db.session.add(job)
        db.session.commit()
        assert jobs.prune(db.session) >= 1
        db.session.commit()
        assert not os.path.exists(path)
        assert db.session.get(Job, job.id).result_path is None


def test_province_admin_sees_failed_jobs_and_retries_them(app, client_for):
    from tests.conftest import csrf_token
    state = {"fail": True}

    def flaky(job, params, progress):
        if state["fail"]:
            raise jobs.JobFailed("比对库暂不可用")
        progress(3, 3, force=True)
        return None
    jobs.register_kind("test_flaky", flaky)
    with app.app_context():
        from app.models import AppUser
        user = db.session.query(AppUser).filter_by(username="company_hz").one()
        job_id = jobs.submit("test_flaky", user, {}, title="重试测试").id
    admin = client_for("admin")
    page = admin.get("/ops/job/?flt0_0=failed").get_data(as_text=True)
    assert "比对库暂不可用" in page and "重试测试" in page
    for other in ("police_hz", "company_hz"):
        assert client_for(other).get("/ops/job/").status_code == 403
    state["fail"] = False
    response = admin.post("/ops/job/action/", data={
        "action": "retry", "rowid": [str(job_id)], "csrf_token": csrf_token(admin, "/")})
    assert response.status_code == 302
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert job.state == "done" and job.attempts == 2 and job.error is None
