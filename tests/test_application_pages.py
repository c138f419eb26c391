"""政务网业务办理 over HTTP: platform intake with an API key, the public form and status lookup,
the review desk by level, the scoped `application` resource, the SMS outbox, and a new
company signing in with the texted one-time password (forced password change)."""
import base64
import re

import pytest
from sqlalchemy import select

from app.models import Application, AppUser, SmsMessage
from app.services.application_items import ITEMS
from app.services.uscc import make_uscc
from tests.conftest import csrf_token, login
from tests.helpers import parameters, unique_name

_n = iter(range(950_001, 999_999))


def company_form():
    return {"name": unique_name("浙江测试保安服务有限公司"), "credit_code": make_uscc("330102", next(_n)),
            "legal_representative": "张三", "address": "杭州市上城区解放路1号",
            "contact_phone": "13900000001", "registered_capital": "300"}


def encoded_docs(code, skip=()):
    return [{"code": c, "filename": f"{c}.pdf", "content_type": "application/pdf",
             "content_base64": base64.b64encode(b"%PDF-1.4 " + c.encode()).decode()}
            for c, _l in ITEMS[code].documents if c not in skip]


@pytest.fixture(scope="module")
def platform_key(app):
    with app.app_context():
        from app.services.platform import create_platform_key
        return create_platform_key("test")["key"]


def intake(app, key, **payload):
    body = {"item": "company", "applicant_name": "申请人乙", "applicant_phone": "13700000000",
            "region_code": "330102", "form": company_form(), "documents": encoded_docs("company")}
    body.update(payload)
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return app.test_client().post("/api/v1/application_intake/", json=body, headers=headers)


def app_row(app, number):
    from app.extensions import db
    with app.app_context():
        row = db.session.execute(select(Application).where(Application.number == number)) \
            .scalar_one()
        db.session.expunge(row)
        return row


def test_platform_intake_needs_its_api_key(app, platform_key, api):
    assert intake(app, None).status_code == 401
    assert intake(app, "sst_not-a-key").status_code == 401
    jwt = api("admin").headers["Authorization"].split()[1]
    assert intake(app, jwt).status_code == 401        # a person's login is not the platform
    response = intake(app, platform_key)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert re.fullmatch(r"BA\d{13}", response.json["number"])
    assert response.json["status"] == "submitted"


def test_platform_intake_lists_what_is_missing(app, platform_key):
    form = company_form()
    del form["legal_representative"]
    response = intake(app, platform_key, form=form,
                      documents=encoded_docs("company", skip=("premises",)))
    assert response.status_code == 400
    message = str(response.json["message"])
    assert "法定代表人" in message and "经营场所证明" in message


def test_public_form_and_status_lookup(app):
    client = app.test_client()
    page = client.get("/apply/cross_province")
    assert page.status_code == 200 and "跨省" in page.get_data(as_text=True)
    from app.extensions import db
    with app.app_context():
        code = db.session.execute(select(AppUser).where(AppUser.username == "company_hz")) \
            .scalar_one().unit.credit_code
    data = {"csrf_token": csrf_token(client, "/apply/cross_province"),
            "applicant_name": "申请人丙", "applicant_phone": "13600000000",
            "unit_credit_code": code, "province": "江苏省", "client_name": "南京某银行",
            "start_date": "2026-12-01"}
    refused = client.post("/apply/cross_province", data=data)
    text = refused.get_data(as_text=True)
    assert "缺少" in text and "保安服务合同" in text and "备案表" in text
    import io
    files = {f"doc_{c}": (io.BytesIO(b"%PDF-1.4 x"), f"{c}.pdf") for c, _l in
             ITEMS["cross_province"].documents}
    done = client.post("/apply/cross_province", data={**data, **files},
                       content_type="multipart/form-data")
    number = re.search(r'id="application-number">(BA\d+)<', done.get_data(as_text=True)).group(1)
    # without the CSRF token nothing is accepted
    assert client.post("/apply/cross_province", data={**data, "csrf_token": ""}).status_code \
        == 400
    status = client.post("/apply/status", data={"csrf_token": csrf_token(client, "/apply/status"),
                                                "number": number, "phone": "13600000000"})
    assert "已提交" in status.get_data(as_text=True)
    wrong = client.post("/apply/status", data={"csrf_token": csrf_token(client, "/apply/status"),
                                               "number": number, "phone": "13600000001"})
    assert "没有与该申请编号和手机号对应的申请" in wrong.get_data(as_text=True)
    api = app.test_client().post("/api/v1/application_status/",
                                 json={"number": number, "phone": "13600000000"})
    assert api.status_code == 200 and api.json["status"] == "submitted"
    assert app.test_client().post("/api/v1/application_status/",
                                  json={"number": number, "phone": "1"}).status_code == 404


def _act(client, pk, action, note=""):
    return client.post(f"/applications/desk/{pk}/act", data={
        "csrf_token": csrf_token(client, f"/applications/desk/{pk}"), "action": action,
        "note": note})


def test_desk_by_level_and_jurisdiction_then_company_signs_in(app, platform_key, client_for):
    number = intake(app, platform_key).json["number"]
    pk = app_row(app, number).id
    hz, nb, company = client_for("police_hz"), client_for("police_nb"), client_for("company_hz")
    desk = hz.get("/applications/desk/").get_data(as_text=True)
    assert number in desk
    assert nb.get(f"/applications/desk/{pk}").status_code == 404
    assert number not in nb.get("/applications/desk/").get_data(as_text=True)
    assert company.get("/applications/desk/").status_code in (302, 403)
    assert _act(nb, pk, "accept").status_code == 404
    show = hz.get(f"/applications/desk/{pk}").get_data(as_text=True)
    # The button reads 受理: the manual's 【】 mark a button, they are not its text.
    assert re.search(r'value="accept"[^>]*>受理</button>', show) and "公司章程" in show
    _act(hz, pk, "accept")
    assert app_row(app, number).status == "accepted"
    # the city cannot approve a licence; the refusal shows and nothing changes
    refused = hz.get(_act(hz, pk, "approve").headers["Location"]).get_data(as_text=True)
    assert "省公安厅" in refused and app_row(app, number).status == "accepted"
    _act(hz, pk, "forward", "材料齐全，同意设立")
    assert app_row(app, number).status == "province_review"
    admin = client_for("admin")
    assert number in admin.get("/applications/desk/").get_data(as_text=True)
    _act(admin, pk, "approve")
    row = app_row(app, number)
    assert row.status == "approved" and row.result_unit_id

    from app.extensions import db
    with app.app_context():
        body = db.session.execute(select(SmsMessage.body).where(
            SmsMessage.application_id == pk, SmsMessage.purpose == "account")).scalar_one()
    username = re.search(r"用户名：(\S+?)，", body).group(1)
    password = re.search(r"一次性密码：(\S+?)，", body).group(1)
    assert "SMS outbox" not in admin.get("/smsoutboxview/list/").get_data(as_text=True) \
        and username in admin.get("/smsoutboxview/list/").get_data(as_text=True)
    assert hz.get("/smsoutboxview/list/").status_code in (302, 403)

    token = app.test_client().post("/api/v1/security/login", json={
        "username": username, "password": password, "provider": "db"}).json["access_token"]
    refused = app.test_client().get("/api/v1/unit/",
                                    headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 403 and "一次性密码" in refused.json["message"]
    client = login(app.test_client(), username, password)
    forced = client.get("/unitview/list/")
    assert forced.status_code == 302 and "/password/change" in forced.headers["Location"]
    form = {"csrf_token": csrf_token(client, "/password/change"), "old_password": password}
    weak = client.post("/password/change", data={**form, "new_password": "abc12345",
                                                 "confirm_password": "abc12345"})
    assert "至少8位" in weak.get_data(as_text=True)
    assert client.get("/unitview/list/").status_code == 302
    done = client.post("/password/change", data={**form, "new_password": "Xin!Mima2026",
                                                 "confirm_password": "Xin!Mima2026"})
    assert done.status_code == 302
    units = client.get("/unitview/list/")
    assert units.status_code == 200 and row.form["name"] in units.get_data(as_text=True)
    login(app.test_client(), username, "Xin!Mima2026")
    # the password change revoked the token issued under the one-time password
    assert app.test_client().get("/api/v1/unit/", headers={
        "Authorization": f"Bearer {token}"}).status_code == 401
    token = app.test_client().post("/api/v1/security/login", json={
        "username": username, "password": "Xin!Mima2026", "provider": "db"}).json["access_token"]
    assert app.test_client().get("/api/v1/unit/", headers={
        "Authorization": f"Bearer {token}"}).status_code == 200


def test_application_resource_is_scoped(app, platform_key, api):
    number = intake(app, platform_key, item="cross_province", form={
        "province": "安徽省", "client_name": "合肥某银行", "start_date": "2026-12-01"},
        documents=encoded_docs("cross_province"), region_code=None,
        unit_credit_code=None)
    assert number.status_code == 400                     # needs the unit concerned
    from app.extensions import db
    with app.app_context():
        code = db.session.execute(select(AppUser).where(AppUser.username == "company_hz")) \
            .scalar_one().unit.credit_code
    number = intake(app, platform_key, item="cross_province", form={
        "province": "安徽省", "client_name": "合肥某银行", "start_date": "2026-12-01"},
        documents=encoded_docs("cross_province"), unit_credit_code=code).json["number"]
    pk = app_row(app, number).id

    def listed(user):
        response = api(user).get("/api/v1/application/?q=(page_size:100,order_column:id,"
                                 "order_direction:desc)")
        assert response.status_code == 200
        return {row["number"] for row in response.json["result"]}

    assert number in listed("company_hz") and number in listed("police_hz")
    assert number not in listed("company_nb") and number not in listed("police_nb")
    assert api("company_nb").get(f"/api/v1/application/{pk}").status_code == 404
    assert api("company_hz").get(f"/api/v1/application/{pk}").status_code == 200
    assert api("company_hz").put(f"/api/v1/application/{pk}", json={}).status_code in (
        403, 404, 405)


def test_desk_puts_overdue_and_nearly_due_first(app, client_for):
    import datetime as dt

    from app.extensions import db
    from app.security.scope import scope_for_user
    from app.services import applications as service
    from app.services.application_items import working_days_between
    today = dt.date.today()

    def started(days):
        day = today
        while working_days_between(day, today) < days:
            day -= dt.timedelta(days=1)
        return day

    with app.app_context():
        session = db.session
        police = session.execute(select(AppUser).where(AppUser.username == "police_hz")) \
            .scalar_one()
        code = session.execute(select(AppUser).where(AppUser.username == "company_hz")) \
            .scalar_one().unit.credit_code
        numbers = {}
        for label, worked in (("fresh", 1), ("soon", 13), ("overdue", 20)):
            row = service.submit(session, "cross_province", "申请人丁", "13500000000", {
                "province": "上海市", "client_name": f"客户{label}", "start_date": "2026-12-01"},
                [service.Upload(c, f"{c}.pdf", b"%PDF-1.4 x") for c, _l in
                 ITEMS["cross_province"].documents], unit_credit_code=code)
            service.act(session, row, "accept", scope_for_user(police), "police_hz")
            row.clock_started_on = started(worked)
            numbers[label] = row.number
        session.commit()
    html = client_for("police_hz").get("/applications/desk/").get_data(as_text=True)
    positions = {label: html.index(number) for label, number in numbers.items()}
    assert positions["overdue"] < positions["soon"] < positions["fresh"]
    rows = re.findall(r'<tr class="(\w*)" data-urgency="(\w*)">\s*<td><a href="[^"]+">(BA\d+)<',
                      html)
    urgency = {number: (css, data) for css, data, number in rows}
    assert urgency[numbers["overdue"]] == ("danger", "overdue")
    assert urgency[numbers["soon"]] == ("warning", "due_soon")
    assert urgency[numbers["fresh"]] == ("", "")


def test_province_admin_issues_and_revokes_platform_keys(app, client_for):
    admin = client_for("admin")
    assert client_for("police_hz").get("/applications/platform-keys/").status_code in (302, 403)
    page = admin.post("/applications/platform-keys/create", data={
        "csrf_token": csrf_token(admin, "/applications/platform-keys/"), "name": "浙里办"})
    key = re.search(r'<code id="new-key">(\S+)</code>', page.get_data(as_text=True)).group(1)
    assert intake(app, key).status_code == 201
    from app.extensions import db
    with app.app_context():
        from app.services.platform import platform_keys
        uuid = next(k.uuid for k in platform_keys() if k.name == "浙里办")
        db.session.remove()
    admin.post(f"/applications/platform-keys/{uuid}/revoke", data={
        "csrf_token": csrf_token(admin, "/applications/platform-keys/")})
    assert intake(app, key).status_code == 401


def test_public_pages_are_rate_limited(app):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.9.9.9"
    token = csrf_token(client, "/apply/status")
    codes = [client.post("/apply/status", data={"csrf_token": token, "number": "BA1",
                                                "phone": "1"}).status_code
             for _ in range(21)]
    assert codes[:20] == [200] * 20 and codes[20] == 429


def test_returned_application_is_corrected_on_the_public_page(app, platform_key, client_for):
    import io
    number = intake(app, platform_key).json["number"]
    pk = app_row(app, number).id
    hz = client_for("police_hz")
    _act(hz, pk, "accept")
    _act(hz, pk, "return", "公司章程未盖章，请重新上传")
    client = app.test_client()
    data = {"csrf_token": csrf_token(client, "/apply/status"), "number": number,
            "phone": "13700000000"}
    page = client.post("/apply/status", data=data).get_data(as_text=True)
    assert "退回补正" in page and "公司章程未盖章，请重新上传" in page
    client.post("/apply/status", data={**data, "resubmit": "1", "address": "杭州市上城区新地址9号",
                                       "doc_charter": (io.BytesIO(b"%PDF-1.4 stamped"),
                                                       "charter.pdf")},
                content_type="multipart/form-data")
    row = app_row(app, number)
    assert row.status == "accepted" and row.form["address"] == "杭州市上城区新地址9号"
    assert row.correction_note is None and row.clock_started_on is not None


def test_city_desk_filters_other_states(app, platform_key, client_for):
    number = intake(app, platform_key).json["number"]
    pk = app_row(app, number).id
    hz = client_for("police_hz")
    _act(hz, pk, "return", "请补充经营场所证明")
    assert number not in hz.get("/applications/desk/").get_data(as_text=True)
    assert number in hz.get("/applications/desk/?status=returned").get_data(as_text=True)
    assert number not in client_for("police_nb").get(
        "/applications/desk/?status=returned").get_data(as_text=True)


def test_read_only_pages_offer_no_delete(app, client_for):
    from app.extensions import db
    with app.app_context():
        message = SmsMessage(phone="13100000000", body="测试", purpose="decision")
        db.session.add(message)
        db.session.commit()
        pk = message.id
        row_pk = db.session.query(Application.id).order_by(Application.id).first()[0]
    admin = client_for("admin")
    listing = admin.get("/smsoutboxview/list/").get_data(as_text=True)
    assert "审批结果通知" in listing and "fa-trash" not in listing
    token = csrf_token(admin, "/")
    for url in (f"/smsoutboxview/delete/{pk}", f"/applicationview/delete/{row_pk}"):
        assert admin.post(url, data={"csrf_token": token}).status_code in (302, 403, 404)
    with app.app_context():
        assert db.session.get(SmsMessage, pk) is not None
        assert db.session.get(Application, row_pk) is not None


def test_desk_pages_hold_every_application_once(app, client_for, monkeypatch):
    """The desk shows a page at a time: walking the pages lists each application of the
    desk exactly once, in the desk's order, for open work and for decided applications."""
    from app.views import applications as desk
    monkeypatch.setattr(desk, "DESK_PAGE_SIZE", 2)
    client = client_for("admin")
    for status in ("open", "approved"):
        first = client.get(f"/applications/desk/?status={status}").get_data(as_text=True)
        total = int(re.search(r"(\d+) 个申请", first).group(1))
        seen = []
        for page in range(total // 2 + 1):
            html = client.get(f"/applications/desk/?status={status}&page={page}") \
                .get_data(as_text=True)
            seen += re.findall(r'<td><a href="[^"]+">(BA\d+)</a>', html)
        assert len(seen) == len(set(seen)) == total, status


# ------------------------------------------------------------------ issue 14

def _pdf(name):
    import io
    return (io.BytesIO(b"%PDF-1.4 " + name.encode()), f"{name}.pdf")


def test_public_form_shows_every_error_at_its_field_and_keeps_the_files(app):
    """Point 10: all errors at once, each at its field; the files chosen are kept (by name)
    across the failed submit and used when the corrected form is sent without them."""
    client = app.test_client()
    form = company_form()
    data = {"csrf_token": csrf_token(client, "/apply/company"), "applicant_name": "",
            "applicant_phone": "139", "region_code": "330102",
            **{**form, "registered_capital": "50", "credit_code": "123"}}
    files = {f"doc_{c}": _pdf(c) for c, _l in ITEMS["company"].documents if c != "charter"}
    files["doc_premises"] = (__import__("io").BytesIO(b"not a pdf"), "premises.txt")
    refused = client.post("/apply/company", data={**data, **files},
                          content_type="multipart/form-data")
    html = refused.get_data(as_text=True)
    for field in ("applicant_name", "applicant_phone", "credit_code", "registered_capital",
                  "doc_charter", "doc_premises"):
        assert f'id="error-{field}"' in html, field
    assert re.search(r'id="error-registered_capital">[^<]*100万元', html)
    assert re.search(r'id="error-doc_premises">[^<]*PDF', html)
    assert "已上传：application_form.pdf" in html and "已上传：managers.pdf" in html
    assert 'id="kept-premises"' not in html and 'id="kept-charter"' not in html
    # correct the fields, send only the two files missing: the kept ones go with them
    done = client.post("/apply/company", data={
        **data, "csrf_token": csrf_token(client, "/apply/company"),
        "applicant_name": "申请人戊", "applicant_phone": "13700000001",
        "registered_capital": "300", "credit_code": form["credit_code"],
        "doc_charter": _pdf("charter"), "doc_premises": _pdf("premises")},
        content_type="multipart/form-data")
    number = re.search(r'id="application-number">(BA\d+)<', done.get_data(as_text=True))
    assert number, done.get_data(as_text=True)[:2000]
    row = app_row(app, number.group(1))
    from app.extensions import db
    from app.models import ApplicationDocument
    with app.app_context():
        names = {d.code: d.filename for d in db.session.query(ApplicationDocument)
                 .filter_by(application_id=row.id)}
    assert names == {c: f"{c}.pdf" for c, _l in ITEMS["company"].documents}
    # once filed, nothing is kept for the next application
    assert "已上传" not in client.get("/apply/company").get_data(as_text=True)


def test_kept_files_expire(app):
    import time

    from app.services import storage
    client = app.test_client()
    client.post("/apply/company", data={"csrf_token": csrf_token(client, "/apply/company"),
                                        "doc_charter": _pdf("charter")},
                content_type="multipart/form-data")
    with client.session_transaction() as session:
        key = session["upload_drafts"]["apply:company"]["doc_charter"]["key"]
    with app.app_context():
        path = storage.draft_storage()._path(key)
        assert path.exists()
        old = time.time() - storage.draft_max_age() - 60
        __import__("os").utime(path, (old, old))
    page = client.post("/apply/company", data={"csrf_token": csrf_token(client,
                                                                        "/apply/company")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert 'id="kept-charter"' not in page and 'id="error-doc_charter"' in page
    with app.app_context():
        storage.purge_drafts()
        assert not path.exists()


def test_desk_shows_the_capital_rule_to_the_city(app, platform_key, client_for):
    """Point 9: the city's review desk shows Art. 8's result for the application."""
    number = intake(app, platform_key).json["number"]
    pk = app_row(app, number).id
    page = client_for("police_hz").get(f"/applications/desk/{pk}").get_data(as_text=True)
    assert re.search(r'id="check-capital">.*?符合.*?注册资本300万元', page, re.S)
    # an application that came in before the check (50万) is marked for the reviewer
    from app.extensions import db
    from app.models import Application
    with app.app_context():
        row = db.session.get(Application, pk)
        row.form = {**row.form, "registered_capital": "50"}
        db.session.commit()
    page = client_for("police_hz").get(f"/applications/desk/{pk}").get_data(as_text=True)
    assert re.search(r'id="check-capital">.*?不符合.*?100万元', page, re.S)
    desk = client_for("police_hz").get("/applications/desk/").get_data(as_text=True)
    assert re.search(number + r'</a></td>\s*<td>[^<]+<span class="label label-danger '
                     r'capital-refused">注册资本不符合条例第八条', desk)
    refused = intake(app, platform_key, form={**company_form(), "registered_capital": "50"})
    assert refused.status_code == 400
    assert "100万元" in refused.json["message"]["registered_capital"][0]


def test_login_page_links_the_public_pages(app):
    """Point 10: applicants find /apply/ and the status query from the login page."""
    html = app.test_client().get("/login/").get_data(as_text=True)
    assert re.search(r'id="login-apply" href="/apply/"', html)
    assert re.search(r'id="login-status" href="/apply/status"', html)


def test_approval_opinion_and_navbar_name(app, platform_key, client_for):
    """Point 16: 审批意见 (not 变更原因) for a decision; the navbar name on one line with the
    whole name in its title."""
    number = intake(app, platform_key).json["number"]
    pk = app_row(app, number).id
    hz, admin = client_for("police_hz"), client_for("admin")
    _act(hz, pk, "accept")
    _act(hz, pk, "forward", "同意")
    _act(admin, pk, "reject", "注册资本证明与营业执照不符")
    page = hz.get(f"/applications/desk/{pk}").get_data(as_text=True)
    assert re.search(r"<th>审批意见</th><td>注册资本证明与营业执照不符", page)
    assert "变更原因" not in page
    shown = hz.get(f"/applicationview/show/{pk}").get_data(as_text=True)
    assert "审批意见" in shown and "变更原因" not in shown
    assert re.search(r'class="dropdown-toggle navbar-user"[^>]*title="[^"]+（police_hz）"', page)
    assert 'class="navbar-user-name"' in page


def test_drafts_are_capped_but_the_file_still_counts(app, platform_key):
    """With the drafts folder full a file is not kept, yet the submit it came with uses it."""
    from app.services import storage
    client = app.test_client()
    form = company_form()
    data = {"csrf_token": csrf_token(client, "/apply/company"), "applicant_name": "申请人己",
            "applicant_phone": "13700000002", "region_code": "330102", **form}
    files = {f"doc_{c}": _pdf(c) for c, _l in ITEMS["company"].documents}
    with parameters(app, {"upload.drafts_max_mb": "1"}):
        with app.app_context():  # 1 MB of drafts is full: nothing more is kept
            assert storage.put_draft(b"%PDF-1.4 " + b"x" * 1024 * 1024, "doc")[0] is None
        done = client.post("/apply/company", data={**data, **files},
                           content_type="multipart/form-data")
    assert re.search(r'id="application-number">(BA\d+)<', done.get_data(as_text=True))
