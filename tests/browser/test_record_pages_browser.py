"""A clerk edits a guard from the person's page (【编辑】, then back on the page with the change),
and a record added from a unit page's sub-tab brings the clerk back to that sub-tab."""
import re

from playwright.sync_api import expect

from tests.browser.test_unit_page import _own_unit, _type_date
from tests.helpers import unique_name


def test_clerk_edits_a_guard_from_the_persons_page(login_as, base_url, artifacts):
    page = login_as("company_hz")
    page.goto(f"{base_url}/guardlistview/list/")
    # A guard of the clerk's own unit (the row offers 【离职】), not one of a branch's.
    own = page.locator("td.staff-actions", has=page.locator("a", has_text="离职")).first
    own.locator("a", has_text="详情").click()
    page.wait_for_url("**/personview/show/**")
    person_url = page.url
    name = page.locator(".panel-title .record-title").inner_text().strip()
    expect(page.locator("ul.person-tabs")).to_contain_text("人员信息")
    assert name and name != "人员"
    expect(page.locator(".fa-arrow-left")).to_have_count(1)   # one ←, above the tabs
    page.screenshot(path=str(artifacts / "person-page-edit-button.png"), full_page=True)

    page.click("#edit-person")
    page.wait_for_url("**/personview/edit/**")
    expect(page.locator("input#name")).to_have_value(name)
    note = unique_name("浏览器编辑备注")
    page.fill("textarea#note, input#note", note)
    page.fill("input#phone", "13800001111")
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_url(re.compile(re.escape(person_url.split("#")[0]) + r"(#.*)?$"))
    expect(page.locator(".alert-success", has_text="记录已修改")).to_be_visible()
    expect(page.locator("#Home")).to_contain_text(note)
    expect(page.locator("#Home")).to_contain_text("13800001111")
    page.screenshot(path=str(artifacts / "person-page-after-edit.png"), full_page=True)


def test_adding_from_a_sub_tab_returns_to_the_sub_tab(live_app, login_as, base_url):
    unit_id, _name = _own_unit(live_app, "company_hz")
    page = login_as("company_hz")
    page.goto(f"{base_url}/unitview/show/{unit_id}")
    page.click("a[href='#tab-inspections']")
    page.click("#tab-inspections a[href='#pane-inspections-fire']")
    page.locator("#pane-inspections-fire a[href*='/inspectionview/add']").click()
    page.wait_for_url("**/inspectionview/add**")
    # Not the tab remembered in this browser tab: the form itself says where to return.
    page.evaluate("() => sessionStorage.clear()")
    _type_date(page, "inspected_on", "2025-06-07")
    inspector = unique_name("返回标签检查人")
    page.fill("input[name=inspector]", inspector)
    page.fill("input[name=result]", "合格")
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_url(f"**/unitview/show/{unit_id}#pane-inspections-fire")
    expect(page.locator("#tab-inspections")).to_be_visible()
    expect(page.locator("#tab-overview")).to_be_hidden()
    expect(page.locator("#pane-inspections-fire")).to_contain_text(inspector)
