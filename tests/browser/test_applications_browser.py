"""A company licence the way the people involved click it: an applicant files it on the
public form, a Hangzhou city officer accepts it and passes the opinion up, the province
approves it, and the new company signs in with the texted one-time password, is made to
choose its own password, and sees its unit."""
import re

from playwright.sync_api import expect
from sqlalchemy import select

from app.models import SmsMessage
from app.services.application_items import ITEMS
from app.services.uscc import make_uscc


def test_company_licence_from_form_to_first_login(live_app, page, base_url, login_as,
                                                  artifacts, tmp_path):
    name = "浙江钱塘卫士保安服务有限公司"
    page.goto(f"{base_url}/apply/")
    page.click("text=普通保安服务公司设立许可")
    page.fill("#applicant_name", "陈立")
    page.fill("#applicant_phone", "13588889999")
    page.select_option("#region_code", "330102")
    for field, value in (("name", name), ("credit_code", make_uscc("330102", 777001)),
                         ("legal_representative", "陈立"), ("address", "杭州市上城区望江路8号"),
                         ("contact_phone", "13588889999"), ("registered_capital", "500")):
        page.fill(f"#f_{field}", value)
    for code, _label in ITEMS["company"].documents:
        path = tmp_path / f"{code}.pdf"
        path.write_bytes(b"%PDF-1.4 " + code.encode())
        page.set_input_files(f"#doc_{code}", str(path))
    page.screenshot(path=str(artifacts / "apply-form.png"), full_page=True)
    page.click("text=提交申请")
    number = page.locator("#application-number").inner_text()
    assert re.fullmatch(r"BA\d{13}", number)

    login_as("police_hz")
    page.goto(f"{base_url}/applications/desk/")
    page.screenshot(path=str(artifacts / "review-desk.png"), full_page=True)
    page.click(f"text={number}")
    expect(page.locator(".app-documents")).to_contain_text("公司章程")
    page.click("button:text-is('受理')")
    expect(page.locator(".app-summary")).to_contain_text("已受理")
    page.fill("#note", "材料齐全，符合设立条件，建议批准")
    page.click("button:text-is('报送省厅')")
    expect(page.locator(".app-summary")).to_contain_text("省厅审批中")
    expect(page.locator("button:text-is('批准')")).to_have_count(0)
    page.goto(f"{base_url}/logout/")

    login_as("admin")
    page.goto(f"{base_url}/applications/desk/")
    page.click(f"text={number}")
    page.screenshot(path=str(artifacts / "application-province.png"), full_page=True)
    page.click("button:text-is('批准')")
    expect(page.locator(".app-summary")).to_contain_text("已批准")
    expect(page.locator(".app-summary")).to_contain_text("许可证号")
    page.goto(f"{base_url}/smsoutboxview/list/")
    expect(page.locator("body")).to_contain_text("一次性密码")
    page.screenshot(path=str(artifacts / "sms-outbox.png"), full_page=True)
    page.goto(f"{base_url}/logout/")

    from app.extensions import db
    with live_app.app_context():
        body = db.session.execute(select(SmsMessage.body).where(
            SmsMessage.phone == "13588889999", SmsMessage.purpose == "account")).scalar_one()
    username = re.search(r"用户名：(\S+?)，", body).group(1)
    password = re.search(r"一次性密码：(\S+?)，", body).group(1)

    page.goto(f"{base_url}/login/")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r".*/password/change$"))
    page.goto(f"{base_url}/unitview/list/")
    page.wait_for_url(re.compile(r".*/password/change$"))
    page.fill("#old_password", password)
    page.fill("#new_password", "short")
    page.fill("#confirm_password", "short")
    page.click("button:has-text('修改密码')")
    expect(page.locator(".password-error")).to_contain_text("至少8位")
    page.screenshot(path=str(artifacts / "password-change.png"), full_page=True)
    page.fill("#old_password", password)
    page.fill("#new_password", "Qiantang#2026")
    page.fill("#confirm_password", "Qiantang#2026")
    page.click("button:has-text('修改密码')")
    page.wait_for_url(f"{base_url}/")
    page.goto(f"{base_url}/unitview/list/")
    expect(page.locator("table.table-bordered")).to_contain_text(name)


def _fill_company_form(page, base_url, name, credit_code, capital):
    page.goto(f"{base_url}/apply/")
    page.click("text=普通保安服务公司设立许可")
    page.fill("#applicant_name", "周敏")
    page.fill("#applicant_phone", "13577776666")
    page.select_option("#region_code", "330102")
    for field, value in (("name", name), ("credit_code", credit_code),
                         ("legal_representative", "周敏"), ("address", "杭州市上城区清泰街9号"),
                         ("contact_phone", "13577776666"), ("registered_capital", capital)):
        page.fill(f"#f_{field}", value)


def _documents(tmp_path):
    paths = {}
    for code, _label in ITEMS["company"].documents:
        paths[code] = tmp_path / f"{code}.pdf"
        paths[code].write_bytes(b"%PDF-1.4 " + code.encode())
    return paths


def test_public_form_keeps_its_files_after_an_error(live_app, page, base_url, artifacts,
                                                   tmp_path):
    """Issue 14 point 10 (and 9): a capital below 条例 Art. 8 and a missing phone are both
    marked at their fields at once; the six PDFs chosen stay, shown by name, and the
    corrected form is submitted without choosing them again."""
    name = "浙江清泰卫士保安服务有限公司"
    _fill_company_form(page, base_url, name, make_uscc("330102", 777002), "50")
    page.fill("#applicant_phone", "")
    paths = _documents(tmp_path)
    for code, path in paths.items():
        page.set_input_files(f"#doc_{code}", str(path))
    page.click("text=提交申请")
    expect(page.locator(".apply-error")).to_contain_text("申请未提交")
    expect(page.locator("#error-registered_capital")).to_contain_text("100万元")
    expect(page.locator("#error-applicant_phone")).to_contain_text("缺少")
    for code in paths:
        expect(page.locator(f"#kept-{code}")).to_contain_text(f"{code}.pdf")
    # the values typed are still there
    expect(page.locator("#f_name")).to_have_value(name)
    page.screenshot(path=str(artifacts / "apply-form-errors.png"), full_page=True)
    # replace one file, correct the two fields, submit
    replacement = tmp_path / "charter-v2.pdf"
    replacement.write_bytes(b"%PDF-1.4 charter v2")
    page.set_input_files("#doc_charter", str(replacement))
    page.fill("#applicant_phone", "13577776666")
    page.fill("#f_registered_capital", "300")
    page.click("text=提交申请")
    number = page.locator("#application-number").inner_text()
    assert re.fullmatch(r"BA\d{13}", number)

    from app.extensions import db
    from app.models import Application
    with live_app.app_context():
        app = db.session.execute(select(Application).where(Application.number == number)) \
            .scalar_one()
        assert {d.code: d.filename for d in app.documents} == {
            **{code: f"{code}.pdf" for code in paths}, "charter": "charter-v2.pdf"}


def test_approval_files_the_documents_on_the_new_unit(live_app, page, base_url, login_as,
                                                     artifacts, tmp_path):
    """Issue 14 point 2: approving 普通保安服务公司设立许可 with its six PDFs fills the new
    unit's 办事材料, read-only, with the item and the application number."""
    name = "浙江望江卫士保安服务有限公司"
    _fill_company_form(page, base_url, name, make_uscc("330102", 777003), "300")
    for code, path in _documents(tmp_path).items():
        page.set_input_files(f"#doc_{code}", str(path))
    page.click("text=提交申请")
    number = page.locator("#application-number").inner_text()

    login_as("police_hz")
    page.goto(f"{base_url}/applications/desk/")
    page.click(f"text={number}")
    expect(page.locator("#check-capital")).to_contain_text("符合")
    page.click("button[name=action][value=accept]")
    page.fill("#note", "材料齐全，建议批准")
    page.click("button[name=action][value=forward]")
    expect(page.locator(".app-summary")).to_contain_text("省厅审批中")
    page.goto(f"{base_url}/logout/")

    login_as("admin")
    page.goto(f"{base_url}/applications/desk/")
    page.click(f"text={number}")
    page.click("button[name=action][value=approve]")
    expect(page.locator(".app-summary")).to_contain_text("已批准")

    from app.extensions import db
    from app.models import Unit
    with live_app.app_context():
        unit_id = db.session.execute(select(Unit.id).where(Unit.name == name)).scalar_one()
    page.goto(f"{base_url}/unitview/show/{unit_id}")
    page.click("a[href='#tab-documents']")
    pane = page.locator("#tab-documents")
    with live_app.test_request_context():
        labels = [str(label) for _code, label in ITEMS["company"].documents]
    assert "公司章程" in labels
    for label in labels:
        expect(pane).to_contain_text(label)
    expect(pane).to_contain_text(f"普通保安服务公司设立许可 {number}")
    expect(pane).to_contain_text("charter.pdf")
    # read-only: no edit or delete on the rows the approval filed
    expect(pane.locator("a[href*='/unitdocumentview/edit/']")).to_have_count(0)
    page.screenshot(path=str(artifacts / "unit-documents-from-approval.png"), full_page=True)
