"""系统管理 → 导出日志 shows each export's filters in words, 无 when there were none, never the
raw "{}" (issue 14, point 16)."""
import json

from app.models import ExportLog
from tests.helpers import data


def _last_log(app):
    with data(app) as s:
        row = s.query(ExportLog).order_by(ExportLog.id.desc()).first()
        return row.filters_display, row.filters


def test_page_export_logs_its_filters_in_words(app, client_for):
    client = client_for("police_sc")
    assert client.get("/personview/export/?_flt_0_name=张").status_code == 200
    shown, stored = _last_log(app)
    assert "张" in shown and "{" not in shown and "_flt" not in shown
    assert shown.startswith("姓名"), shown  # the column by its label, then the operator
    assert client.get("/personview/export/").status_code == 200
    assert _last_log(app)[0] == "无"
    # The base filters (scope, the list's role) are not the user's filters.
    assert client.get("/guardlistview/export/?search=张").status_code == 200
    assert _last_log(app)[0] == "查询 “张”"


def test_rest_export_logs_its_filters_in_words(app, api):
    response = api("admin").get("/api/v1/person/export/", query_string={
        "q": "(filters:!((col:name,opr:sw,value:李)))"})
    assert response.status_code == 200
    shown, _stored = _last_log(app)
    assert "李" in shown and shown.startswith("姓名") and "{" not in shown


def test_export_log_page_reads_none_not_braces(app, client_for):
    with data(app) as s:
        s.add(ExportLog(username="old_row", resource="Person", filters="{}", rows=1))
        s.add(ExportLog(username="old_row2", resource="Person", rows=1, filters=json.dumps(
            {"_flt_0_name": "王", "page_PersonView": "0"}, ensure_ascii=False)))
        s.commit()
    html = client_for("admin").get("/exportlogview/list/").get_data(as_text=True)
    assert "筛选条件" in html and "无" in html
    assert "{}" not in html and "page_PersonView" not in html and "_flt_0_name=王" in html
