"""The e-certificate and the public register the way the people involved use them: the unit
opens a guard's 电子保安员证 from 持证情况, a member of the public scans its QR code (the
code is decoded from the rendered page) and sees the live status; the police revoke the
certificate, and the same code reads 已吊销 on reload. Then the register's own forms."""
import io

from playwright.sync_api import expect
from sqlalchemy import select

from app.models import AppUser, Certificate


def _unit_of(live_app, username):
    from app.extensions import db
    with live_app.app_context():
        return db.session.execute(select(AppUser).filter_by(username=username)).scalar_one() \
            .unit_id


def _decode_qr(locator):
    """The text of the QR code in `locator`, read from a screenshot of it by zxing-cpp."""
    import zxingcpp
    from PIL import Image
    image = Image.open(io.BytesIO(locator.screenshot(scale="device")))
    codes = [r.text for r in zxingcpp.read_barcodes(image)
             if r.format == zxingcpp.BarcodeFormat.QRCode]
    assert len(codes) == 1, codes
    return codes[0]


def test_scan_an_e_certificate_then_revoke_it(live_app, browser, page, login_as, base_url,
                                               artifacts):
    unit = _unit_of(live_app, "company_hz")
    login_as("company_hz")
    page.goto(f"{base_url}/unitview/show/{unit}")
    page.click(".unit-tabs a:text-is('持证情况')")
    page.locator(".certificate-counts tr", has_text="保安员证").locator("a").click()
    page.wait_for_url("**/unitview/holders/**")
    expect(page.locator(".ecert-bulk-link").first).to_be_visible()
    row = page.locator("table.holders tbody tr").first
    name = row.locator("td").first.inner_text().strip()
    number = row.locator("td").nth(2).inner_text().strip()
    row.locator("a.ecert-link").click()
    page.wait_for_url("**/ecert/certificate/**")
    cert_id = page.url.rstrip("/").split("/")[-1]
    expect(page.locator("#ecert-card")).to_contain_text(name)
    expect(page.locator("#ecert-card")).to_contain_text(number)
    expect(page.locator("#ecert-card img")).to_be_visible()
    page.locator("#ecert-card").screenshot(path=str(artifacts / "ecert-card.png"))
    page.screenshot(path=str(artifacts / "ecert-page.png"), full_page=True)
    url = _decode_qr(page.locator("#ecert-qr svg"))
    assert url.startswith(f"{base_url}/verify/?t=")
    assert url == page.locator("#ecert-verify-url").inner_text().strip()

    # A member of the public scans it: no account, another browser.
    public = browser.new_context(locale="zh-CN").new_page()
    public.goto(url)
    expect(public.locator("#register-status")).to_have_text("有效")
    answer = public.locator("#register-answer")
    expect(answer).to_contain_text(number)
    expect(answer).to_contain_text(name[0] + "*")
    assert name not in answer.inner_text() or len(name) == 1
    public.screenshot(path=str(artifacts / "register-scan-valid.png"), full_page=True)

    # The police revoke the certificate (its edit form: status, reason).
    page.goto(f"{base_url}/logout/")
    login_as("police_hz")
    page.goto(f"{base_url}/certificateview/edit/{cert_id}")
    page.locator("#status + .select2-container").click()
    page.locator(".select2-results__option", has_text="吊销").click()
    page.fill("#status_reason", "违反保安服务管理条例，依法吊销")
    page.click("button[type=submit], input[type=submit]")
    expect(page.locator(".alert-success")).to_be_visible()

    public.reload()
    expect(public.locator("#register-status")).to_have_text("已吊销")
    public.screenshot(path=str(artifacts / "register-scan-revoked.png"), full_page=True)

    # The card is no longer printed.
    page.goto(f"{base_url}/logout/")
    login_as("company_hz")
    response = page.goto(f"{base_url}/ecert/certificate/{cert_id}")
    assert response.status == 409
    expect(page.locator(".error-page")).to_contain_text("已吊销")
    public.context.close()
    from app.extensions import db
    with live_app.app_context():
        cert = db.session.get(Certificate, int(cert_id))
        cert.status, cert.status_reason, cert.status_changed_on = "valid", None, None
        db.session.commit()


def test_the_register_from_the_login_page(live_app, page, base_url, artifacts):
    from app.extensions import db
    with live_app.app_context():
        cert = db.session.execute(select(Certificate).filter_by(status="revoked")).scalars() \
            .first()
        number, name = cert.number, cert.person.name
    page.goto(f"{base_url}/login/")
    page.click("#login-verify")
    page.wait_for_url("**/verify/")
    page.fill("#number", number)
    page.fill("#name", name)
    page.click("#certificate-submit")
    expect(page.locator("#register-status")).to_have_text("已吊销")
    expect(page.locator("#name")).to_have_value("")          # the name is not echoed
    page.screenshot(path=str(artifacts / "register-certificate.png"), full_page=True)
    page.fill("#number", number)
    page.fill("#name", name[::-1] + "某")
    page.click("#certificate-submit")
    expect(page.locator("#register-answer")).to_have_text("未查询到匹配的有效证件")
    page.fill("#q", "浙公保服20100012")
    page.click("#licence-submit")
    expect(page.locator("#register-status")).to_have_text("有效")
    expect(page.locator(".register-branches")).to_be_visible()
    page.screenshot(path=str(artifacts / "register-licence.png"), full_page=True)
