"""A company clerk opens 公司概况, views the licence image, adds an inspection and an incident
from the unit page's tabs, and sees them listed there."""
from playwright.sync_api import expect

from app.models import AppUser


def _own_unit(live_app, username):
    from app.extensions import db
    with live_app.app_context():
        unit = db.session.query(AppUser).filter_by(username=username).one().unit
        return unit.id, unit.name


def _type_date(page, name, value):
    """Type a date as a clerk does and close the date picker."""
    field = page.locator(f"input[name={name}]")
    field.click()
    field.press_sequentially(value)
    page.keyboard.press("Escape")
    page.locator("body").click(position={"x": 5, "y": 300})
    assert field.input_value() == value


def test_company_clerk_uses_the_unit_page(live_app, login_as, base_url, artifacts):
    unit_id, unit_name = _own_unit(live_app, "company_hz")
    page = login_as("company_hz")
    page.goto(f"{base_url}/unitview/show/{unit_id}")
    expect(page.locator("ul.unit-tabs")).to_contain_text("公司概况")
    expect(page.locator("#tab-overview")).to_contain_text(unit_name)

    # 【查看许可证】 opens the licence image in a viewer.
    page.click("#view-licence")
    image = page.locator("#licence-image")
    expect(image).to_be_visible()
    page.wait_for_function(
        "() => { const i = document.querySelector('#licence-image');"
        " return i && i.complete && i.naturalWidth > 0; }")
    page.wait_for_timeout(500)  # the modal fades in
    page.screenshot(path=str(artifacts / "unit-licence.png"))
    page.click("#licence-modal button.close")
    expect(image).to_be_hidden()

    # 安全检查 → 【新增】
    page.click("a[href='#tab-inspections']")
    page.click("#tab-inspections a[href='#pane-inspections-fire']")
    page.locator("#pane-inspections-fire a[href*='/inspectionview/add']").click()
    page.wait_for_url("**/inspectionview/add**")
    # The sub-tab's kind (消防信息) is preset.
    assert page.eval_on_selector("select[name=kind]", "el => el.value") == "fire"
    _type_date(page, "inspected_on", "2025-05-06")
    page.fill("input[name=inspector]", "上城公安分局治安大队浏览器测试")
    page.fill("input[name=result]", "合格")
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_url(f"**/unitview/show/{unit_id}**")
    page.click("a[href='#tab-inspections']")
    page.click("#tab-inspections a[href='#pane-inspections-fire']")
    expect(page.locator("#pane-inspections-fire")).to_contain_text("上城公安分局治安大队浏览器测试")

    # 发案记录 → 【新增】
    page.click("a[href='#tab-incidents']")
    page.locator("#tab-incidents a[href*='/incidentview/add']").click()
    page.wait_for_url("**/incidentview/add**")
    _type_date(page, "occurred_on", "2025-05-07")
    page.fill("input[name=title]", "浏览器测试发案：车棚电动车被盗")
    page.fill("input[name=place]", "东门车棚")
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_url(f"**/unitview/show/{unit_id}**")
    page.click("a[href='#tab-incidents']")
    expect(page.locator("#tab-incidents")).to_contain_text("浏览器测试发案：车棚电动车被盗")
    page.screenshot(path=str(artifacts / "unit-incidents.png"), full_page=True)

    # 【编辑】: approval-only fields are shown read-only to the clerk.
    page.click("a[href='#tab-overview']")
    page.click("#edit-unit")
    page.wait_for_url("**/unitview/edit/**")
    expect(page.locator("input#registered_capital")).to_have_attribute("readonly", "")
    expect(page.locator("input#legal_representative")).to_have_attribute("readonly", "")
    page.screenshot(path=str(artifacts / "unit-edit-clerk.png"), full_page=True)
