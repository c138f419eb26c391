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
    page.click("button:has-text('【受理】')")
    expect(page.locator(".app-summary")).to_contain_text("已受理")
    page.fill("#note", "材料齐全，符合设立条件，建议批准")
    page.click("button:has-text('【报送省厅】')")
    expect(page.locator(".app-summary")).to_contain_text("省厅审批中")
    expect(page.locator("button:has-text('【批准】')")).to_have_count(0)
    page.goto(f"{base_url}/logout/")

    login_as("admin")
    page.goto(f"{base_url}/applications/desk/")
    page.click(f"text={number}")
    page.screenshot(path=str(artifacts / "application-province.png"), full_page=True)
    page.click("button:has-text('【批准】')")
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
