"""The import pages and REST (app/views/staff_import.py, app/api/staff.py): upload → preview →
report → confirm, the job above the threshold, scope (404), and the association kept out."""
import io

import openpyxl
import pytest

from app.models import Employment, Job, Person, StaffImport as ImportLog
from app.models import Unit
from tests.conftest import csrf_token
from tests.test_staff_import import guard_row, workbook
from tests.test_rules import unit_of


def _upload(client, base, data, unit_id, name="名单.xlsx"):
    token = csrf_token(client, f"{base}/import/?unit={unit_id}")
    return client.post(f"{base}/import/?unit={unit_id}", data={
        "csrf_token": token, "unit": str(unit_id), "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data")


def _rows(app, n_good=1, n_bad=1, username="company_hz"):
    from app.extensions import db
    with app.app_context():
        good = [guard_row(db.session) for _ in range(n_good)]
        bad = [guard_row(db.session, education="博士后") for _ in range(n_bad)]
        data = workbook("guard", db.session, username, good + bad)
        unit_id = unit_of(db.session, username).id
        db.session.commit()
    return good, bad, data, unit_id


def test_list_offers_template_and_import(client_for):
    page = client_for("company_hz").get("/guardlistview/list/").get_data(as_text=True)
    assert "下载导入模板" in page and 'id="staff-import"' in page
    response = client_for("company_hz").get("/guardlistview/import/template")
    assert response.status_code == 200 and response.data.startswith(b"PK")
    assert "attachment" in response.headers["Content-Disposition"]


def test_upload_preview_report_confirm(app, client_for):
    client = client_for("company_hz")
    good, bad, data, unit_id = _rows(app)
    response = _upload(client, "/guardlistview", data, unit_id)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    preview_url = response.headers["Location"]
    page = client.get(preview_url).get_data(as_text=True)
    assert "文化程度" in page and "请从下拉列表中选择" in page and 'id="count-refused">1<' in page
    report = client.get(preview_url.rstrip("/") + "/report")
    sheet = openpyxl.load_workbook(io.BytesIO(report.data)).worksheets[0]
    assert sheet.cell(row=1, column=sheet.max_column).value == "错误说明"
    token = csrf_token(client, preview_url)
    done = client.post(preview_url.rstrip("/") + "/confirm",
                       data={"csrf_token": token, "mode": "valid_rows"})
    assert done.status_code == 302
    page = client.get(preview_url).get_data(as_text=True)
    assert 'id="count-added">1<' in page
    from app.extensions import db
    with app.app_context():
        assert db.session.query(Person).filter_by(id_number=good[0]["id_number"]).count() == 1
        assert db.session.query(Person).filter_by(id_number=bad[0]["id_number"]).count() == 0
        entry = db.session.query(ImportLog).order_by(ImportLog.id.desc()).first()
        assert (entry.status, entry.rows_read, entry.rows_added, entry.rows_refused,
                entry.username) == ("done", 2, 1, 1, "company_hz")
    # a second confirmation does nothing
    again = client.post(preview_url.rstrip("/") + "/confirm",
                        data={"csrf_token": token, "mode": "valid_rows"})
    assert again.status_code == 302
    with app.app_context():
        assert db.session.query(Person).filter_by(id_number=good[0]["id_number"]).count() == 1


def test_all_or_nothing_page(app, client_for):
    client = client_for("company_hz")
    good, bad, data, unit_id = _rows(app)
    preview_url = _upload(client, "/guardlistview", data, unit_id).headers["Location"]
    token = csrf_token(client, preview_url)
    client.post(preview_url.rstrip("/") + "/confirm",
                data={"csrf_token": token, "mode": "all_or_nothing"})
    page = client.get(preview_url).get_data(as_text=True)
    assert "未导入任何数据" in page and "未导入" in page
    from app.extensions import db
    with app.app_context():
        assert db.session.query(Person).filter_by(id_number=good[0]["id_number"]).count() == 0


def test_long_file_runs_as_a_job(app, client_for):
    client = client_for("company_hz")
    good, bad, data, unit_id = _rows(app, n_good=3, n_bad=0)
    app.config["IMPORT_JOB_THRESHOLD"] = 2
    try:
        preview_url = _upload(client, "/guardlistview", data, unit_id).headers["Location"]
        assert "我的任务" in client.get(preview_url).get_data(as_text=True)
        token = csrf_token(client, preview_url)
        response = client.post(preview_url.rstrip("/") + "/confirm",
                               data={"csrf_token": token, "mode": "valid_rows"})
        assert response.headers["Location"].endswith("/jobs/")
    finally:
        app.config["IMPORT_JOB_THRESHOLD"] = 500
    from app.extensions import db
    with app.app_context():
        check, job = db.session.query(Job).order_by(Job.id.desc()).limit(2).all()[::-1]
        # the upload's check ran as a job too, its report the result
        assert check.kind == "import" and check.state == "done" and check.result_path
        assert "校验" in check.title
        assert job.kind == "import" and job.state == "done" and job.total == 3
        assert job.done == 3 and job.result_path
        numbers = [r["id_number"] for r in good]
        assert db.session.query(Person).filter(Person.id_number.in_(numbers)).count() == 3
    download = client.get(f"/jobs/{job.id}/download")
    assert download.status_code == 200 and download.data.startswith(b"PK")


def test_bad_file_is_refused_at_the_field(app, client_for):
    client = client_for("company_hz")
    from app.extensions import db
    with app.app_context():
        unit_id = unit_of(db.session, "company_hz").id
    response = _upload(client, "/guardlistview", b"%PDF-1.4 fake", unit_id, "x.xlsx")
    assert response.status_code == 200
    assert "不是 Excel 工作簿" in response.get_data(as_text=True)


def test_scope_of_the_pages(app, client_for):
    good, bad, data, _unit = _rows(app)
    from app.extensions import db
    with app.app_context():
        foreign = unit_of(db.session, "company_nb").id
        client_unit = unit_of(db.session, "client_hz").id
    # another unit: 404, nothing logged
    before = _count_imports(app)
    assert _upload(client_for("company_hz"), "/guardlistview", data, foreign).status_code == 404
    assert client_for("company_hz").get(
        f"/guardlistview/import/template?unit={foreign}").status_code == 404
    assert _count_imports(app) == before
    # a self-hiring unit into its client unit
    response = _upload(client_for("selfhire_hz"), "/guardlistview", data, client_unit)
    assert response.status_code == 302
    # someone else's import: 404
    assert client_for("company_hz").get(response.headers["Location"]).status_code == 404
    # the association may add nobody
    for url in ("/guardlistview/import/", "/guardlistview/import/template"):
        assert client_for("association").get(url).status_code in (302, 403, 404)


def _count_imports(app):
    from app.extensions import db
    with app.app_context():
        return db.session.query(ImportLog).count()


# ------------------------------------------------------------------ REST

def test_rest_import_answers_the_report(app, api):
    good, bad, data, unit_id = _rows(app)
    caller = api("company_hz")
    checked = caller.post("/api/v1/guard/import", data={
        "file": (io.BytesIO(data), "名单.xlsx"), "unit_id": str(unit_id), "dry_run": "1"},
        content_type="multipart/form-data")
    assert checked.status_code == 200, checked.get_data(as_text=True)
    body = checked.json["result"]
    assert body["status"] == "previewed" and body["rows_refused"] == 1
    error = next(r for r in body["rows"] if r["status"] == "error")
    assert error["errors"][0]["column"] == "文化程度"
    from app.extensions import db
    with app.app_context():
        assert db.session.query(Person).filter_by(id_number=good[0]["id_number"]).count() == 0
    saved = caller.post("/api/v1/guard/import", data={
        "file": (io.BytesIO(data), "名单.xlsx"), "unit_id": str(unit_id),
        "mode": "valid_rows"}, content_type="multipart/form-data")
    assert saved.status_code == 200 and saved.json["result"]["rows_added"] == 1
    good2, bad2, data2, _unit = _rows(app)
    whole = caller.post("/api/v1/guard/import", data={
        "file": (io.BytesIO(data2), "名单.xlsx"), "unit_id": str(unit_id),
        "mode": "all_or_nothing"}, content_type="multipart/form-data")
    assert whole.status_code == 400 and "未导入" in whole.json["message"]
    assert whole.json["result"]["rows_added"] == 0
    with app.app_context():
        assert db.session.query(Person).filter_by(id_number=good2[0]["id_number"]).count() == 0
    refused = caller.post("/api/v1/guard/import", data={
        "file": (io.BytesIO(b"not excel"), "x.xlsx"), "unit_id": str(unit_id)},
        content_type="multipart/form-data")
    assert refused.status_code == 400 and "Excel" in refused.get_data(as_text=True)


def test_rest_import_scope(app, api):
    good, bad, data, _unit = _rows(app)
    from app.extensions import db
    with app.app_context():
        foreign = unit_of(db.session, "company_nb").id
    response = api("company_hz").post("/api/v1/guard/import", data={
        "file": (io.BytesIO(data), "名单.xlsx"), "unit_id": str(foreign)},
        content_type="multipart/form-data")
    assert response.status_code == 404
    response = api("association").post("/api/v1/guard/import", data={
        "file": (io.BytesIO(data), "名单.xlsx")}, content_type="multipart/form-data")
    assert response.status_code in (401, 403, 404)


def test_unit_staff_tab_offers_template_and_import_for_the_unit(app, client_for):
    """从业人员 of a unit's page: each sub-tab's 【下载导入模板】【导入】 carry the unit."""
    import re

    from tests.helpers import page_with_tabs
    from app.extensions import db
    with app.app_context():
        unit_id = unit_of(db.session, "company_hz").id
    client = client_for("company_hz")
    html = page_with_tabs(client, f"/unitview/show/{unit_id}")
    links = re.findall(r'class="btn btn-sm btn-default staff-import-template" href="([^"]+)"',
                       html)
    assert links and all(f"_flt_0_unit={unit_id}" in link for link in links)
    import html as html_lib
    response = client.get(html_lib.unescape(links[0]))
    assert response.status_code == 200 and response.data.startswith(b"PK")
    upload = re.search(r'class="btn btn-sm btn-primary staff-import" href="([^"]+)"', html)
    page = client.get(html_lib.unescape(upload.group(1))).get_data(as_text=True)
    assert f'value="{unit_id}"' in page
