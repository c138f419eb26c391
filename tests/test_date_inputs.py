"""Every date a clerk enters uses the one yyyy-mm-dd picker (FAB's DatePickerWidget, issue 14
point 16): 新增服务, 派驻 and 解除服务 had the browser's native date inputs, which look and read
differently from every other form."""
import re
from pathlib import Path

from tests.test_dispatch_workflow import new_service

ROOT = Path(__file__).resolve().parents[1]
NATIVE = re.compile(r'type="date"')


def _picker_for(html, field_id):
    """The picker markup around the input with this id."""
    return re.search(r'<div class="input-group date appbuilder_date[^"]*"[^>]*>\s*'
                     r'<span class="input-group-addon">.*?</span>\s*<input[^>]*\bid="'
                     + re.escape(field_id) + '"', html, re.S)


def test_service_dispatch_and_end_forms_use_the_picker(client_for, db_session):
    service = new_service(db_session, "company_hz")
    db_session.commit()
    client = client_for("company_hz")
    add = client.get("/servicedesk/add/").get_data(as_text=True)
    assert not NATIVE.search(add)
    assert _picker_for(add, "start_date") and _picker_for(add, "end_date")
    dispatch = client.get(f"/servicedesk/{service.id}/dispatch/").get_data(as_text=True)
    assert not NATIVE.search(dispatch) and _picker_for(dispatch, "start_date")
    detail = client.get(f"/servicedesk/{service.id}/").get_data(as_text=True)
    assert not NATIVE.search(detail) and _picker_for(detail, "service-end-date")


def test_no_form_offers_a_native_date_input():
    templates = [p for p in (ROOT / "app" / "templates").rglob("*.html")
                 if NATIVE.search(p.read_text(encoding="utf-8"))]
    code = [p for p in (ROOT / "app").rglob("*.py")
            if re.search(r"\bDateInput\b|type=[\"']date[\"']", p.read_text(encoding="utf-8"))]
    assert templates == [] and code == []
