"""The unit's page and the records a unit owns: tabs per unit kind in the manual's order,
uploads (type, size, scope), branch creation refused on every path, approval-only fields
with their automatic 单位变更, firearms, annual data, 持证情况."""
import io
import re
from decimal import Decimal

import pytest

from app.models import (AnnualReport, AppUser, Certificate, Employment, Incident, Inspection,
                        Unit, UnitAsset, UnitChange, UnitDocument)
from app.security.scope import SYSTEM
from app.services import rules, storage, unit_changes
from app.services.errors import RuleViolation
from seed.demo import demo_licence_png, demo_pdf
from tests.conftest import csrf_token
from tests.helpers import page_with_tabs, parameters, unique_name

PNG = demo_licence_png(8, 8)
PDF = demo_pdf()


class _Row(dict):
    __getattr__ = dict.get


def _plain(item):
    return _Row({c.key: getattr(item, c.key) for c in item.__table__.columns})


@pytest.fixture
def db(app):
    """Run `fn(session)` in its own app context and return plain values. (Requests must not
    run inside a test's app context: Flask would share `g` — user and scope — between them.)"""
    from app.extensions import db as _db

    def run(fn):
        with app.app_context():
            try:
                return fn(_db.session)
            finally:
                _db.session.rollback()
                _db.session.remove()
    return run


def _unit(db, username):
    return db(lambda s: _plain(s.query(AppUser).filter_by(username=username).one().unit))


def _tab_keys(html):
    return re.findall(r'<a href="#tab-([a-z]+)" data-toggle="tab">', html)


# ---------------------------------------------------------------- the unit page


@pytest.mark.parametrize("username,expected", [
    ("company_hz", ["overview", "documents", "services", "staff", "certificates", "investors",
                    "branches", "incidents", "conduct", "inspections", "assets", "events",
                    "annual", "filings", "changes", "credit"]),
    ("selfhire_hz", ["overview", "documents", "staff", "certificates", "clients", "incidents",
                     "conduct", "events", "changes", "credit"]),
    ("school_hz", ["overview", "documents", "staff", "investors", "conduct", "inspections",
                   "events", "annual", "changes", "credit"]),
])
def test_unit_page_has_the_manuals_tabs_in_order(client_for, db, username, expected):
    unit = _unit(db, username)
    html = page_with_tabs(client_for(username), f"/unitview/show/{unit.id}")
    assert _tab_keys(html) == expected
    first = {"company_hz": "公司概况", "selfhire_hz": "单位概况", "school_hz": "公司概况"}
    assert first[username] in html and "单位变更" in html


def test_tabs_list_only_the_units_own_records(client_for, db):
    hz, nb = _unit(db, "company_hz"), _unit(db, "company_nb")
    html = page_with_tabs(client_for("company_hz"), f"/unitview/show/{hz.id}")
    own = db(lambda s: _plain(s.query(Incident).filter_by(unit_id=hz.id).first()))
    assert own.title in html
    assert "分公司" in html and "杭州上城安保服务有限公司拱墅分公司" in html  # 分公司 tab
    # Sub-tabs: 表彰奖励 / 违法违规和处罚 / 投诉, 保安员 / 兼职保安员 / 其他人员 …
    for pane in ("pane-conduct-commendation", "pane-conduct-violation", "pane-conduct-complaint",
                 "pane-staff-guard", "pane-staff-part_time_guard", "pane-staff-other_staff",
                 "pane-assets-firearm", "pane-inspections-fire", "pane-investors-corporate"):
        assert f'id="{pane}"' in html, pane
    # Another unit's page is out of scope: 404, not an empty page.
    assert client_for("company_hz").get(f"/unitview/show/{nb.id}").status_code == 404


def test_certificate_holdings_count_active_staff_and_list_holders(client_for, db):
    hz = _unit(db, "company_hz")
    expected = db(lambda s: s.query(Certificate.person_id).distinct()
                  .join(Employment, Employment.person_id == Certificate.person_id)
                  .filter(Employment.unit_id == hz.id, Employment.end_date.is_(None),
                          Certificate.kind == "guard", Certificate.status == "valid").count())
    assert expected > 0
    client = client_for("company_hz")
    html = page_with_tabs(client, f"/unitview/show/{hz.id}")
    assert f'/unitview/holders/{hz.id}/guard">{expected}</a>' in html
    holders = client.get(f"/unitview/holders/{hz.id}/guard").get_data(as_text=True)
    assert f"共{expected}人" in holders
    nb = _unit(db, "company_nb")
    assert client.get(f"/unitview/holders/{nb.id}/guard").status_code == 404
    assert client.get(f"/unitview/holders/{hz.id}/nonsense").status_code == 404


def test_cross_province_filings_tab_lists_only_the_companys_own(client_for, api, db):
    """An approved 跨省备案 (demo data, through apply_effects) is on the company's page."""
    from app.models import CrossProvinceFiling
    hz, nb = _unit(db, "company_hz"), _unit(db, "company_nb")
    own = db(lambda s: _plain(s.query(CrossProvinceFiling).filter_by(unit_id=hz.id).first()))
    other = db(lambda s: _plain(s.query(CrossProvinceFiling).filter_by(unit_id=nb.id).first()))
    assert own and other
    client = client_for("company_hz")
    html = page_with_tabs(client, f"/unitview/show/{hz.id}")
    assert "跨省备案" in html and 'id="tab-filings"' in html
    assert f"/crossprovincefilingview/show/{own.id}" in html
    assert f"/crossprovincefilingview/show/{other.id}" not in html
    assert client.get(f"/crossprovincefilingview/show/{other.id}").status_code == 404
    caller = api("company_hz")
    assert caller.get(f"/api/v1/cross_province_filing/{own.id}").status_code == 200
    assert caller.get(f"/api/v1/cross_province_filing/{other.id}").status_code == 404
    # Written by the approval only: no edit or delete, on the page or through REST.
    assert caller.put(f"/api/v1/cross_province_filing/{own.id}",
                      json={"province": "江苏省"}).status_code in (403, 405)
    assert caller.delete(f"/api/v1/cross_province_filing/{own.id}").status_code in (403, 405)
    assert client.get(f"/crossprovincefilingview/edit/{own.id}").status_code in (302, 403, 404)
    assert db(lambda s: s.get(CrossProvinceFiling, own.id).province) == own.province
    # The association reads every company's filings.
    association = api("association")
    assert association.get(f"/api/v1/cross_province_filing/{other.id}").status_code == 200
    listed = client_for("association").get("/crossprovincefilingview/list/")
    assert listed.status_code == 200 and other.client_name in listed.get_data(as_text=True)


# ---------------------------------------------------------------- uploads


def _add_document(client, unit_id, data, name):
    return client.post("/unitdocumentview/add", data={
        "csrf_token": csrf_token(client, "/unitdocumentview/add"), "unit": str(unit_id),
        "title": unique_name("材料"), "filed_on": "2025-01-02",
        "upload": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_document_upload_checks_type_by_content(client_for, db):
    client, hz = client_for("company_hz"), _unit(db, "company_hz")
    before = db(lambda s: s.query(UnitDocument).count())
    # A text file named .pdf is refused at the field, in Chinese, and nothing is written.
    response = _add_document(client, hz.id, b"hello, not a pdf", "fake.pdf")
    assert response.status_code == 200
    assert "只能上传PDF文件或PNG/JPEG格式的图片" in response.get_data(as_text=True)
    assert db(lambda s: s.query(UnitDocument).count()) == before


def test_document_upload_size_limit(app, client_for, db):
    client, hz = client_for("company_hz"), _unit(db, "company_hz")
    before = db(lambda s: s.query(UnitDocument).count())
    with parameters(app, {"upload.max_file_kb": "1"}):
        response = _add_document(client, hz.id, PDF + b"0" * 2000, "big.pdf")
    assert "文件太大" in response.get_data(as_text=True)
    assert db(lambda s: s.query(UnitDocument).count()) == before


def test_document_is_served_only_within_scope(client_for, db):
    client, hz = client_for("company_hz"), _unit(db, "company_hz")
    response = _add_document(client, hz.id, PDF, "申请.pdf")
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    document = db(lambda s: _plain(s.query(UnitDocument).order_by(UnitDocument.id.desc()).first()))
    assert document.unit_id == hz.id and document.content_type == "application/pdf"
    assert document.file_key and "申请" not in document.file_key  # random key, not the name
    page = page_with_tabs(client, f"/unitview/show/{hz.id}")
    assert f'href="/unitdocumentview/download/{document.id}"' in page  # 办事材料 tab links it
    own = client.get(f"/unitdocumentview/download/{document.id}")
    assert own.status_code == 200 and own.data == PDF
    assert client_for("police_hz").get(f"/unitdocumentview/download/{document.id}").status_code \
        == 200
    for other in ("company_nb", "police_nb", "selfhire_hz"):
        assert client_for(other).get(
            f"/unitdocumentview/download/{document.id}").status_code == 404, other
    # The storage folder is outside the web root: no static URL reaches the key.
    assert client.get(f"/static/{document.file_key}").status_code == 404


def test_licence_image_is_served_only_within_scope(client_for, db):
    hz, nb = _unit(db, "company_hz"), _unit(db, "company_nb")
    response = client_for("company_hz").get(f"/unitview/licence/{hz.id}")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert client_for("company_hz").get(f"/unitview/licence/{nb.id}").status_code == 404
    assert client_for("police_nb").get(f"/unitview/licence/{hz.id}").status_code == 404
    page = page_with_tabs(client_for("company_hz"), f"/unitview/show/{hz.id}")
    assert "查看许可证" in page


def test_licence_upload_must_be_an_image(client_for, db):
    client, hz = client_for("police_hz"), _unit(db, "company_hz")
    before = hz.licence_image
    form = client.get(f"/unitview/edit/{hz.id}").get_data(as_text=True)
    assert 'name="licence_upload"' in form
    response = client.post(f"/unitview/edit/{hz.id}", data={
        **_unit_form(hz), "csrf_token": csrf_token(client, f"/unitview/edit/{hz.id}"),
        "licence_upload": (io.BytesIO(PDF), "licence.png")}, content_type="multipart/form-data")
    assert "只能上传PNG或JPEG格式的图片" in response.get_data(as_text=True)
    assert db(lambda s: s.get(Unit, hz.id).licence_image) == before


def test_storage_keys_are_random_and_checked(app):
    with app.app_context():
        store = storage.storage()
        key = store.put(PNG, "png")
        assert re.fullmatch(r"[0-9a-f]{32}\.png", key) and store.get(key) == PNG
        for bad in ("../config.py", "", ".hidden", "a/b"):
            with pytest.raises(FileNotFoundError):
                store.get(bad)
        assert storage.sniff(b"\xff\xd8\xff\xe0rest")[0] == "image/jpeg"
        with pytest.raises(RuleViolation):
            storage.check_upload(b"GIF89a....", "upload")


# ---------------------------------------------------------------- branches


def test_branch_cannot_be_created_by_hand(client_for, api, db):
    hz = _unit(db, "company_hz")
    name = unique_name("手工分公司")
    # REST, even for the province admin.
    response = api("admin").post("/api/v1/unit/", json={
        "name": name, "kind": "branch", "parent": hz.id, "region": "330105"})
    assert response.status_code == 400 and "kind" in response.json["message"]
    # The page form does not offer the kind, and a forged value is refused.
    client = client_for("admin")
    assert 'value="branch"' not in client.get("/unitview/add").get_data(as_text=True)
    client.post("/unitview/add", data={
        "csrf_token": csrf_token(client, "/unitview/add"), "name": name, "kind": "branch",
        "parent": str(hz.id), "region": "330105"})
    assert db(lambda s: s.query(Unit).filter_by(name=name).count()) == 0
    # The rule itself.
    def validate(s):
        parent = s.get(Unit, hz.id)
        with pytest.raises(RuleViolation) as excinfo:
            rules.validate(s, Unit(name=name, kind="branch", parent=parent,
                                   region_code="330105"), creating=True, scope=SYSTEM)
        return excinfo.value.field
    assert db(validate) == "kind"


# ---------------------------------------------------------------- approval-only fields


def _unit_form(unit):
    values = {"name": unit.name, "kind": unit.kind, "credit_code": unit.credit_code or "",
              "legal_representative": unit.legal_representative or "",
              "principal": unit.principal or "", "address": unit.address or "",
              "region": unit.region_code, "status": unit.status,
              "registered_capital": str(unit.registered_capital or ""),
              "licence_number": unit.licence_number or "",
              "licence_issued_on": str(unit.licence_issued_on or ""),
              "established_on": str(unit.established_on or ""), "grade": unit.grade or "",
              "business_scope": unit.business_scope or "",
              "contact_person": unit.contact_person or "",
              "contact_phone": unit.contact_phone or ""}
    if unit.armed_escort:
        values["armed_escort"] = "y"
    return values


def test_approval_only_fields_are_read_only_for_unit_users(client_for, api, db):
    hz = _unit(db, "company_hz")
    capital = hz.registered_capital
    client = client_for("company_hz")
    form = client.get(f"/unitview/edit/{hz.id}").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="registered_capital"[^>]*readonly', form)
    assert re.search(r'<input[^>]*id="legal_representative"[^>]*readonly', form)
    # A posted value for a locked field changes nothing; the other fields save.
    phone = "0571-88886666"
    response = client.post(f"/unitview/edit/{hz.id}", data={
        **_unit_form(hz), "registered_capital": "99999", "legal_representative": "冒名",
        "contact_phone": phone,
        "csrf_token": csrf_token(client, f"/unitview/edit/{hz.id}")})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    unit = _unit(db, "company_hz")
    assert unit.registered_capital == capital and unit.legal_representative != "冒名"
    assert unit.contact_phone == phone
    # REST: refused (403) with the reason, nothing changed.
    response = api("company_hz").put(f"/api/v1/unit/{hz.id}", json={"registered_capital": 1})
    assert response.status_code == 403
    assert "注册资本" in response.json["message"]
    assert _unit(db, "company_hz").registered_capital == capital


def test_police_change_writes_a_unit_change_record(client_for, api, db):
    hz = _unit(db, "company_hz")
    old = hz.registered_capital
    before = db(lambda s: s.query(UnitChange).filter_by(unit_id=hz.id).count())
    response = api("police_hz").put(f"/api/v1/unit/{hz.id}",
                                    json={"registered_capital": float(old) + 100})
    assert response.status_code == 200, response.get_data(as_text=True)
    change = db(lambda s: _plain(s.query(UnitChange).filter_by(
        unit_id=hz.id, field="registered_capital").order_by(UnitChange.id.desc()).first()))
    assert change is not None and change.approved_by == "police_hz"
    assert change.old_value == format(old.normalize(), "f")
    assert change.new_value == format((old + 100).normalize(), "f")
    # By page: the legal representative; the change shows on the 单位变更 tab.
    client = client_for("police_hz")
    unit = _unit(db, "company_hz")
    response = client.post(f"/unitview/edit/{hz.id}", data={
        **_unit_form(unit), "legal_representative": "新法人",
        "csrf_token": csrf_token(client, f"/unitview/edit/{hz.id}")})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert db(lambda s: s.query(UnitChange).filter_by(unit_id=hz.id).count()) == before + 2
    html = page_with_tabs(client_for("company_hz"), f"/unitview/show/{hz.id}")
    assert "新法人" in html
    # An unchanged save writes no change record; 单位变更 cannot be written by hand.
    api("police_hz").put(f"/api/v1/unit/{hz.id}", json={"contact_person": "王五"})
    assert db(lambda s: s.query(UnitChange).filter_by(unit_id=hz.id).count()) == before + 2
    response = api("police_hz").post("/api/v1/unit_change/", json={
        "unit": hz.id, "field": "x", "changed_on": "2025-01-01"})
    assert response.status_code in (403, 405)
    # Restore the demo value (itself recorded).
    assert api("police_hz").put(f"/api/v1/unit/{hz.id}", json={
        "registered_capital": float(old)}).status_code == 200


def test_pending_changes_ignore_equal_decimal_values(db):
    def pending(s):
        hz = s.query(AppUser).filter_by(username="company_hz").one().unit
        hz.registered_capital = hz.registered_capital.quantize(Decimal("1.0000"))
        same = unit_changes.pending_changes(s, hz)
        hz.registered_capital = hz.registered_capital + 1
        return same, unit_changes.pending_changes(s, hz)
    same, changed = db(pending)
    assert same == [] and [c[0] for c in changed] == ["registered_capital"]


# ---------------------------------------------------------------- records


def test_firearms_only_for_armed_escort_units_and_gun_numbers_unique(api, db):
    hz = _unit(db, "company_hz")
    assert not hz.armed_escort
    response = api("company_hz").post("/api/v1/unit_asset/", json={
        "unit": hz.id, "kind": "firearm", "name": "防暴枪", "gun_number": "X1"})
    assert response.status_code == 400 and "kind" in response.json["message"]
    armed = db(lambda s: _plain(s.query(Unit).filter_by(armed_escort=True).first()))
    taken = db(lambda s: s.query(UnitAsset).filter_by(kind="firearm").first().gun_number)
    response = api("admin").post("/api/v1/unit_asset/", json={
        "unit": armed.id, "kind": "firearm", "name": "防暴枪", "gun_number": taken})
    assert response.status_code == 400
    assert response.json["message"]["gun_number"] == ["该枪支号码已登记。"]
    response = api("admin").post("/api/v1/unit_asset/", json={
        "unit": armed.id, "kind": "firearm", "name": "防暴枪"})
    assert response.status_code == 400 and "gun_number" in response.json["message"]
    response = api("admin").post("/api/v1/unit_asset/", json={
        "unit": armed.id, "kind": "firearm", "name": "防暴枪", "gun_number": unique_name("G")})
    assert response.status_code == 201, response.get_data(as_text=True)


def test_one_annual_report_per_unit_and_year(api, db):
    hz = _unit(db, "company_hz")
    response = api("company_hz").post("/api/v1/annual_report/", json={
        "unit": hz.id, "year": 2024, "staff_count": 3})
    assert response.status_code == 400
    assert response.json["message"]["year"] == ["该年度的数据已经填报过了。"]
    # The 年审 result is the police's: a unit reporting its figures may not set it.
    response = api("company_hz").post("/api/v1/annual_report/", json={
        "unit": hz.id, "year": 2023, "staff_count": 3, "review_result": "合格"})
    assert response.status_code == 403, response.get_data(as_text=True)
    response = api("company_hz").post("/api/v1/annual_report/", json={
        "unit": hz.id, "year": 2023, "staff_count": 3})
    assert response.status_code == 201, response.get_data(as_text=True)
    # The demo's 2024 and 2025 reports, and this one.
    assert db(lambda s: s.query(AnnualReport).filter_by(unit_id=hz.id).count()) == 3


def test_records_cannot_be_filed_for_another_unit(api, client_for, db):
    nb = _unit(db, "company_nb")
    before = db(lambda s: s.query(Inspection).count())
    response = api("company_hz").post("/api/v1/inspection/", json={
        "unit": nb.id, "kind": "safety", "inspected_on": "2025-01-01"})
    assert response.status_code in (400, 404, 422)
    client = client_for("company_hz")
    client.post("/inspectionview/add", data={
        "csrf_token": csrf_token(client, "/inspectionview/add"), "unit": str(nb.id),
        "kind": "safety", "inspected_on": "2025-01-01"})
    assert db(lambda s: s.query(Inspection).count()) == before


def test_clerk_adds_an_inspection_from_the_unit_tab(client_for, db):
    hz = _unit(db, "company_hz")
    client = client_for("company_hz")
    inspector = unique_name("消防大队")
    url = f"/inspectionview/add?_flt_0_unit={hz.id}&_flt_0_kind=fire"
    response = client.post(url, data={
        "csrf_token": csrf_token(client, url), "kind": "fire", "inspected_on": "2025-03-04",
        "inspector": inspector, "result": "合格"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    row = db(lambda s: _plain(s.query(Inspection).filter_by(inspector=inspector).one()))
    assert row.unit_id == hz.id and row.kind == "fire"
    html = page_with_tabs(client, f"/unitview/show/{hz.id}")
    assert inspector in html



def test_tab_export_holds_the_units_rows_only(client_for, db):
    """Each tab's 【导出Excel】 exports that tab's rows: this unit's, of this sub-kind."""
    import zipfile
    hz = _unit(db, "company_hz")
    html = page_with_tabs(client_for("company_hz"), f"/unitview/show/{hz.id}")
    for pattern, model in ((r'href="(/incidentview/export/\?[^"]+)"', Incident),
                           (r'href="(/inspectionview/export/\?[^"]+kind=fire)"', Inspection)):
        link = re.search(pattern, html).group(1).replace("&amp;", "&")
        response = client_for("company_hz").get(link)
        assert response.status_code == 200
        with zipfile.ZipFile(io.BytesIO(response.data)) as book:
            sheet = book.read("xl/worksheets/sheet1.xml").decode("utf-8")

        def expected(s):
            query = s.query(model).filter_by(unit_id=hz.id)
            return (query.filter_by(kind="fire") if model is Inspection else query).count()
        assert sheet.count("<row ") - 1 == db(expected) > 0


def test_stored_file_is_removed_with_its_document(client_for, api, db, app):
    client, hz = client_for("company_hz"), _unit(db, "company_hz")
    assert _add_document(client, hz.id, PDF, "待删除.pdf").status_code == 302
    document = db(lambda s: _plain(s.query(UnitDocument).order_by(UnitDocument.id.desc())
                                   .first()))
    with app.app_context():
        path = storage.storage()._path(document.file_key)
    assert path.exists()
    # Replacing the file removes the old one once saved.
    url = f"/unitdocumentview/edit/{document.id}"
    response = client.post(url, data={
        "csrf_token": csrf_token(client, url), "title": document.title,
        "filed_on": "2025-01-02", "upload": (io.BytesIO(PNG), "扫描件.png")},
        content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    replaced = db(lambda s: _plain(s.get(UnitDocument, document.id)))
    assert replaced.content_type == "image/png" and not path.exists()
    with app.app_context():
        new_path = storage.storage()._path(replaced.file_key)
    assert api("company_hz").delete(f"/api/v1/unit_document/{document.id}").status_code == 200
    assert not new_path.exists()


def test_document_file_through_rest_is_checked_and_scoped(api, db):
    hz = _unit(db, "company_hz")
    created = api("company_hz").post("/api/v1/unit_document/", json={
        "unit": hz.id, "title": unique_name("接口材料"), "filed_on": "2025-02-03"})
    assert created.status_code == 201, created.get_data(as_text=True)
    pk = created.json["id"]
    url = f"/api/v1/unit_document/{pk}/file"
    bad = api("company_hz").put(url, data={"file": (io.BytesIO(b"MZ\x90\x00exe"), "a.pdf")},
                                content_type="multipart/form-data")
    assert bad.status_code == 400 and "file" in bad.json["message"]
    assert api("company_hz").get(url).status_code == 404  # nothing stored yet
    good = api("company_hz").put(url, data={"file": (io.BytesIO(PDF), "b.pdf")},
                                 content_type="multipart/form-data")
    assert good.status_code == 200, good.get_data(as_text=True)
    got = api("company_hz").get(url)
    assert got.status_code == 200 and got.data == PDF
    for other in ("company_nb", "police_nb"):
        assert api(other).get(url).status_code == 404
        assert api(other).put(url, data={"file": (io.BytesIO(PDF), "c.pdf")},
                              content_type="multipart/form-data").status_code == 404
    assert api("association").put(url, data={"file": (io.BytesIO(PDF), "c.pdf")},
                                  content_type="multipart/form-data").status_code in (401, 403)


# ---------------------------------------------------------------- 从业人员: 【详情】【新增】【离职】

def _pane(html, key):
    start = html.index(f'id="pane-{key}"')
    end = html.find('<div id="pane-', start + 1)
    return html[start:end if end > 0 else len(html)]


def test_staff_tab_resigns_a_guard_from_the_unit_page(client_for, db):
    from app.models import Dispatch
    hz = _unit(db, "company_hz")
    client = client_for("company_hz")
    pane = _pane(page_with_tabs(client, f"/unitview/show/{hz.id}"), "staff-guard")
    # A guard on the tab's first page who is on a dispatch (other tests add guards and
    # dispatches to this unit, so "the latest dispatch" need not be on the first page).
    listed = [int(pk) for pk in re.findall(r'href="/guardlistview/resign/(\d+)"', pane)]

    def pick(s):
        from app.models import Service
        from app.services import dispatch as workflow
        d = (s.query(Dispatch).filter(Dispatch.unit_id == hz.id, Dispatch.end_date.is_(None),
                                      Dispatch.employment_id.in_(listed))
             .order_by(Dispatch.id.desc()).first())
        if d is None:  # none of them is on a dispatch: post the first one listed
            import datetime as dt
            service = s.query(Service).filter_by(unit_id=hz.id, status="active",
                                                 end_date=None).first()
            d, = workflow.dispatch_guards(s, SYSTEM, service, [listed[0]], dt.date.today())
            s.commit()
        return d.id, d.employment_id, d.employment.person_id
    dispatch_id, emp_id, person_id = db(pick)
    assert f'href="/guardlistview/resign/{emp_id}"' in pane            # 【离职】
    assert f'href="/personview/show/{person_id}"' in pane              # 【详情】
    add = re.search(r'href="(/guardlistview/add[^"]*)"', pane)          # 【新增】
    assert add and "离职" in pane and "详情" in pane
    # 【新增】 is preset to the page's unit (the admin's own default would be none).
    nb = _unit(db, "company_nb")
    admin = client_for("admin")
    nb_pane = _pane(page_with_tabs(admin, f"/unitview/show/{nb.id}"), "staff-guard")
    nb_add = re.search(r'href="(/guardlistview/add[^"]*)"', nb_pane).group(1)
    form = admin.get(nb_add.replace("&amp;", "&")).get_data(as_text=True)
    assert f'<option value="{nb.id}" selected>' in form
    assert f'<option value="{nb.id}" selected>' not in admin.get(
        "/guardlistview/add").get_data(as_text=True)
    # Other staff sub-tab uses its own list (its 【新增】 is the other-staff form).
    assert "/otherstafflistview/add" in _pane(
        page_with_tabs(client, f"/unitview/show/{hz.id}"), "staff-other_staff")
    url = f"/guardlistview/resign/{emp_id}"
    response = client.post(url, data={"csrf_token": csrf_token(client, url),
                                      "end_date": "2026-01-01", "end_reason": "合同到期"})
    assert response.status_code == 302
    assert db(lambda s: s.get(Employment, emp_id).end_date is not None)
    assert db(lambda s: s.get(Dispatch, dispatch_id).end_date is not None)
    pane = _pane(page_with_tabs(client, f"/unitview/show/{hz.id}"), "staff-guard")
    assert f"/guardlistview/resign/{emp_id}" not in pane               # no longer listed


def test_staff_tab_offers_no_resign_on_a_branch_and_foreign_resign_is_404(client_for, db):
    branch = db(lambda s: _plain(s.query(Unit).filter_by(
        name="杭州上城安保服务有限公司拱墅分公司").one()))
    client = client_for("company_hz")
    html = page_with_tabs(client, f"/unitview/show/{branch.id}")
    emp_ids = db(lambda s: [e.id for e in s.query(Employment).filter_by(
        unit_id=branch.id, end_date=None)])
    assert emp_ids, "the demo branch needs staff for this test"
    assert "/guardlistview/resign/" not in html and "/otherstafflistview/resign/" not in html
    assert "/personview/show/" in html                                 # 【详情】 still there
    for emp_id in emp_ids:
        assert client.get(f"/guardlistview/resign/{emp_id}").status_code == 404
    nb_emp = db(lambda s: s.query(Employment).filter_by(
        unit_id=_unit(db, "company_nb").id, role="guard", end_date=None).first().id)
    assert client.get(f"/guardlistview/resign/{nb_emp}").status_code == 404


def test_unit_page_panes_load_on_their_own_url_within_scope(client_for, db):
    """The unit page renders its list tabs as placeholders; each pane's URL answers for a
    unit in scope only, and only for a pane the page has."""
    hz, nb = _unit(db, "company_hz"), _unit(db, "company_nb")
    client = client_for("company_hz")
    page = client.get(f"/unitview/show/{hz.id}").get_data(as_text=True)
    assert f'data-url="/unitview/show/{hz.id}/pane/staff-guard"' in page
    name = db(lambda s: s.query(Employment).filter_by(  # the newest: on the first page
        unit_id=hz.id, role="guard", end_date=None).order_by(
        Employment.start_date.desc(), Employment.id.desc()).first().person.name)
    pane = client.get(f"/unitview/show/{hz.id}/pane/staff-guard")
    assert pane.status_code == 200 and name in pane.get_data(as_text=True)
    assert client.get(f"/unitview/show/{nb.id}/pane/staff-guard").status_code == 404
    assert client.get(f"/unitview/show/{hz.id}/pane/no-such-pane").status_code == 404
