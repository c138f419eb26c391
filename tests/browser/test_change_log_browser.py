"""A police officer opens a company's 公司概况 and reads its 变更记录 in Chinese: who by real
name and role, the record by name, fields by their Chinese labels, times to the second; the
latest ten changes, and 【显示更多】 brings the older ones onto the page (issue 14, point 1)."""
import re

from playwright.sync_api import expect

from app.models import AppUser

ENGLISH_FIELD = re.compile(r"\b[a-z][a-z_]{2,}：")


def _unit_and_officer(live_app):
    from app.extensions import db
    with live_app.app_context():
        unit = db.session.query(AppUser).filter_by(username="company_hz").one().unit
        officer = db.session.query(AppUser).filter_by(username="police_hz").one()
        return unit.id, unit.name, officer.get_full_name()


def test_police_reads_the_unit_change_log_in_chinese(live_app, login_as, base_url, artifacts):
    unit_id, unit_name, officer = _unit_and_officer(live_app)
    page = login_as("police_hz")
    page.goto(f"{base_url}/unitview/show/{unit_id}")
    # The officer corrects the contact phone: 【编辑】, type, save.
    page.click("#edit-unit")
    page.wait_for_url(f"**/unitview/edit/{unit_id}**")
    page.fill("input[name=contact_phone]", "0571-86001234")
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_url(f"**/unitview/show/{unit_id}**")

    panel = page.locator("#tab-overview .change-log-panel")
    expect(panel).to_be_visible()
    headers = panel.locator("thead th").all_inner_texts()
    assert headers == ["时间", "操作人", "记录", "操作", "变更内容"], headers
    rows = panel.locator("tbody tr:not(.change-log-more-row)")
    expect(rows).to_have_count(10)
    first = rows.first.locator("td").all_inner_texts()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", first[0]), first
    assert first[1] == f"{officer}（市局民警）", first
    assert first[2] == f"单位：{unit_name}" and first[3] == "修改", first
    assert "联系电话：" in first[4] and "0571-86001234" in first[4], first
    text = panel.inner_text()
    assert "police_hz" not in text and not ENGLISH_FIELD.search(text)
    assert not re.search(r"(单位|人员)：\d", text) and "已核验信息" not in text
    panel.screenshot(path=str(artifacts / "unit-change-log.png"))

    # 【显示更多】: the next ten, older ones, in place of the button.
    panel.get_by_role("button", name="显示更多").click()
    expect(rows).to_have_count(20)
    older = rows.nth(10).locator("td").all_inner_texts()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", older[0]) and older[0] <= first[0]
    assert not ENGLISH_FIELD.search(panel.inner_text())
