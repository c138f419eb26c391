"""变更记录 reads in Chinese (issue 14, point 1): the unit overview's panel, the person's
变更记录 tab, 系统管理 → 变更记录 and its export, and 单位变更's 审批单位. Every record type
and field by its Chinese label, related records by name, files as 照片已更换 / 文件已上传：…
(never the storage key), digests never shown, times to the second, the actor by real name
and role, and the record panels paged (the latest ten, then 【显示更多】)."""
import html as html_lib
import io
import re

from flask_babel import force_locale

from app.models import AppUser, ChangeLog, Employment, Person, UnitChange, UnitDocument
from app.models.audit import audited_models
from app.models.vocabulary import ENTITY_LABELS, field_label
from app.services.audit import audited_columns
from app.services.privacy import mask_identity_values
from seed.demo import demo_pdf, demo_photo_png
from tests.conftest import csrf_token
from tests.helpers import data, unique_name
from tests.test_masking import _texts
from tests.test_screening import make_guard
from tests.test_screening_photo import _edit_form

CJK = re.compile(r"[\u4e00-\u9fff]")
SECONDS = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
MICROSECONDS = re.compile(r"\d{2}:\d{2}:\d{2}\.\d")
DIGEST = re.compile(r"\b[0-9a-f]{32,}\b")
ENGLISH_FIELD = re.compile(r"\b[a-z][a-z_]{2,}：")
TAG = re.compile(r"<[^>]+>")


def _user(session, username):
    return session.query(AppUser).filter_by(username=username).one()


def _panel(page):
    """The change-log panel of a record page (its HTML)."""
    start = page.index("change-log-panel")
    return page[start:page.index("</table>", start)]


def _text(fragment):
    return html_lib.unescape(TAG.sub(" ", fragment))


def _rows(fragment):
    """(time, actor, record, action, changes) of each event row of a panel or a next page."""
    rows = re.findall(r'<tr><td class="text-nowrap">(.*?)</td><td class="change-actor"[^>]*>'
                      r'(.*?)</td>\s*<td>(.*?)</td><td class="text-nowrap">(.*?)</td>\s*'
                      r'<td>(.*?)</td></tr>', fragment, flags=re.S)
    return [tuple(_text(cell).strip() for cell in row) for row in rows]


def _assert_readable(fragment, *account_names):
    rows = _rows(fragment)
    assert rows, fragment[:2000]
    text = _text(fragment)
    for at, actor, record, _action, _changes in rows:
        assert SECONDS.match(at), at
        assert actor not in account_names and CJK.search(actor), actor
        assert not re.search(r"#\d", record) or "已删除" in text, record
    assert not MICROSECONDS.search(text)
    assert not ENGLISH_FIELD.search(text), ENGLISH_FIELD.findall(text)
    assert not re.search(r"(?<![\u4e00-\u9fff])(单位|人员)：\s*\d", text)  # a bare id
    assert "已核验信息" not in text and not DIGEST.search(text)


# ------------------------------------------------------------------ the catalog

def test_every_audited_field_has_a_chinese_label(app):
    """Each record type the change log writes, and each column it audits, has a label with
    a Chinese translation in the catalog."""
    missing = []
    with app.test_request_context(), force_locale("zh_CN"):
        for table, model in sorted(audited_models().items()):
            if not CJK.search(str(ENTITY_LABELS.get(table, table))):
                missing.append(table)
            for attr in audited_columns(model):
                if attr.key != "id" and not CJK.search(str(field_label(attr.key, table))):
                    missing.append(f"{table}.{attr.key}")
    assert not missing, missing


def test_digests_are_not_written_to_the_change_log(app, db_session):
    assert not db_session.query(ChangeLog).filter_by(entity="identity_check",
                                                     field="fingerprint").count()


# ------------------------------------------------------------------ the unit overview

def _add_guard(client, unit_id, number):
    return client.post("/personview/add", data={
        "csrf_token": csrf_token(client, "/personview/add"), "id_number": number,
        "name": unique_name("张"), "phone": "13800000000", "employment_unit": str(unit_id),
        "employment_role": "guard", "employment_start": "2024-05-01",
        "registry_confirmed": "y"})


def test_unit_overview_change_log_reads_in_chinese_and_pages(app, client_for, api, db_session):
    from tests.helpers import fresh_id_number
    company = _user(db_session, "company_hz")
    police = _user(db_session, "police_hz")
    unit = company.unit
    clerk = client_for("company_hz")
    number = fresh_id_number("female", year=1991)
    assert _add_guard(clerk, unit.id, number).status_code == 302
    response = clerk.post("/unitdocumentview/add", data={
        "csrf_token": csrf_token(clerk, "/unitdocumentview/add"), "unit": str(unit.id),
        "title": "保安服务合同", "filed_on": "2025-03-01",
        "upload": (io.BytesIO(demo_pdf()), "合同.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with data(app) as s:
        person_name = s.query(Person).filter_by(id_number=number).one().name
        key = s.query(UnitDocument).filter_by(unit_id=unit.id, title="保安服务合同").one().file_key
    assert api("police_hz").put(f"/api/v1/unit/{unit.id}", json={
        "contact_phone": "0571-87654321"}).status_code == 200
    officer = client_for("police_hz")
    page = officer.get(f"/unitview/show/{unit.id}").get_data(as_text=True)
    panel = _panel(page)
    _assert_readable(panel, "police_hz", "company_hz")
    rows, text = _rows(panel), _text(panel)
    # Who: real name and role, the login only as the tooltip of the name.
    assert rows[0][1] == f"{police.get_full_name()}（市局民警）"
    assert f"{company.get_full_name()}（保安服务公司用户）" in {row[1] for row in rows}
    # What: the record by name, related records by name, the file by its name.
    assert rows[0][2] == f"单位：{unit.name}" and "0571-87654321" in rows[0][4]
    assert "联系电话" in rows[0][4]
    assert f"从业记录：{person_name} · {unit.name}" in text
    assert f"单位： {unit.name}" in text and f"人员： {person_name}（" in text
    assert "文件已上传：合同.pdf" in text and key not in page
    assert "办事材料：保安服务合同" in text
    # Paged: the latest ten events, then 【显示更多】 for the older ones.
    assert len(rows) == 10
    more = re.search(r'class="btn btn-default btn-xs change-log-more"\s+data-url="([^"]+)"', panel)
    assert more and "显示更多" in panel
    older = officer.get(html_lib.unescape(more.group(1)))
    assert older.status_code == 200
    next_rows = _rows(older.get_data(as_text=True))
    assert len(next_rows) == 10 and next_rows[0][0] <= rows[-1][0]
    _assert_readable(older.get_data(as_text=True), "police_hz", "company_hz")
    # Another city's officer cannot page through this unit's history.
    assert client_for("police_nb").get(html_lib.unescape(more.group(1))).status_code == 404


def test_unit_overview_queries_do_not_grow_with_its_history(client_for, api, db_session,
                                                            count_queries):
    unit = _user(db_session, "company_hz").unit
    officer = client_for("police_hz")
    _response, before = count_queries(officer, f"/unitview/show/{unit.id}")
    for phone in ("0571-80000001", "0571-80000002", "0571-80000003"):
        assert api("police_hz").put(f"/api/v1/unit/{unit.id}", json={
            "contact_phone": phone}).status_code == 200
    response, after = count_queries(officer, f"/unitview/show/{unit.id}")
    assert "0571-80000003" in _panel(response.get_data(as_text=True))
    assert after == before


# ------------------------------------------------------------------ the person's 变更记录

def _upload_photos(app, clerk, seeds):
    """A new guard of company_hz without a photo, then the clerk uploads one per seed on
    the person's edit page; (person id, the storage keys)."""
    with data(app) as s:
        person = make_guard(s, _user(s, "company_hz").unit, photo=False)
        s.commit()
        person_id = person.id
    keys = []
    for seed in seeds:
        _html, form = _edit_form(clerk, person_id)
        response = clerk.post(f"/personview/edit/{person_id}", data={
            **form, "photo_upload": (io.BytesIO(demo_photo_png(seed)), "me.png")},
            content_type="multipart/form-data")
        assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
        with data(app) as s:
            keys.append(s.get(Person, person_id).photo)
    return person_id, keys


def test_person_change_log_says_photo_replaced_and_hides_the_digest(app, client_for):
    clerk = client_for("company_hz")
    person_id, keys = _upload_photos(app, clerk, (6, 7))
    page = clerk.get(f"/personview/show/{person_id}").get_data(as_text=True)
    panel = _panel(page)
    _assert_readable(panel, "company_hz")
    text = _text(panel)
    assert "照片已上传" in text and "照片已更换" in text
    assert not any(key in page for key in keys)
    assert "身份核验：" in text  # the case the photo passed, by the person's name


# ------------------------------------------------------------------ 系统管理 → 变更记录

def test_system_change_log_list_and_export_read_in_chinese(app, client_for):
    _person_id, (key,) = _upload_photos(app, client_for("company_hz"), (9,))
    with data(app) as s:
        clerk_name = _user(s, "company_hz").get_full_name()
    admin = client_for("admin")
    whole = admin.get("/changelogview/list/?psize_ChangeLogView=100").get_data(as_text=True)
    page = whole[whole.index("table-bordered table-hover"):]  # the list, not the search form
    page = page[:page.index("</table>")]
    text = _text(page)
    for header in ("时间", "操作人", "记录", "字段", "原值", "新值"):
        assert f">{header}<" in page.replace(" ", "") or header in text
    assert f"{clerk_name}（保安服务公司用户）" in text and "照片已上传" in text
    assert key not in whole and not MICROSECONDS.search(text)
    # The account shows only as the value of 录入账号, never as who made a change.
    for row in re.findall(r"<tr>.*?</tr>", page, flags=re.S):
        assert "<td>company_hz</td>" not in row or "录入账号" in row, row
    assert "已核验信息" not in text and not DIGEST.search(text)
    export = admin.get("/changelogview/export/")
    assert export.status_code == 200
    book = "".join(_texts(export))
    assert "照片已上传" in book and f"{clerk_name}（保安服务公司用户）" in book
    assert key not in book and not MICROSECONDS.search(book)


# ------------------------------------------------------------------ 单位变更's 审批单位

def test_unit_change_names_the_approving_officer(app, client_for, api, db_session):
    unit = _user(db_session, "company_hz").unit
    police = _user(db_session, "police_hz")
    response = api("police_hz").put(f"/api/v1/unit/{unit.id}", json={
        "registered_capital": float(unit.registered_capital) + 7})
    assert response.status_code == 200, response.get_data(as_text=True)
    with data(app) as s:
        assert s.query(UnitChange).filter_by(unit_id=unit.id).order_by(
            UnitChange.id.desc()).first().field == "registered_capital"
    page = client_for("police_hz").get(
        "/unitchangeview/list/?psize_UnitChangeView=100").get_data(as_text=True)
    assert f"{police.get_full_name()}（市局民警）" in page
    assert not re.search(r"<td>\s*police_hz\s*</td>", page)
    export = client_for("police_hz").get("/unitchangeview/export/")
    assert f"{police.get_full_name()}（市局民警）" in "".join(_texts(export))


# ------------------------------------------------------------------ REST

def test_rest_change_log_carries_the_words_beside_the_codes(app, client_for, api):
    """`/api/v1/change_log/`: each row also in the pages' words (record type, field, action,
    who, the record and the values by name); labels Chinese; masked for the association."""
    _person_id, (key,) = _upload_photos(app, client_for("company_hz"), (11,))
    with data(app) as s:
        clerk_name = _user(s, "company_hz").get_full_name()
    body = api("admin").get("/api/v1/change_log/", query_string={
        "q": "(order_column:id,order_direction:desc,page_size:50)"}).json
    assert body["label_columns"]["actor_name"] == "操作人"
    photo = next(row for row in body["result"] if row["field"] == "photo")
    assert photo["entity_label"] == "人员" and photo["field_label"] == "照片"
    assert photo["action_label"] in ("修改", "新增")
    assert photo["actor_name"] == f"{clerk_name}（保安服务公司用户）"
    assert CJK.search(photo["record_name"])
    masked = api("association").get("/api/v1/change_log/", query_string={
        "q": "(filters:!((col:field,opr:eq,value:id_number)),page_size:20)"})
    assert masked.status_code == 200
    text = masked.get_data(as_text=True)
    assert '"id_number"' in text  # rows of ID-number changes, each value masked
    assert mask_identity_values(text) == text
