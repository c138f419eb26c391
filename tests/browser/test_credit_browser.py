"""信用评价 as the police click it: the unit page's 信用评价 tab, 【重新计算】, the terms with
their links; then 信用评价排名, lowest first. The unit's clerk sees the tab without the button."""
from playwright.sync_api import expect

from app.models import AppUser


def _unit_of(live_app, username):
    from app.extensions import db
    with live_app.app_context():
        unit = db.session.query(AppUser).filter_by(username=username).one().unit
        return unit.id, unit.name


def test_police_recompute_and_rank(live_app, login_as, base_url, artifacts):
    unit_id, unit_name = _unit_of(live_app, "selfhire_hz")
    page = login_as("police_hz")
    page.goto(f"{base_url}/unitview/show/{unit_id}")
    page.click("a[href='#tab-credit']")
    page.locator("#credit-recompute").click()
    page.wait_for_url(f"**/unitview/show/{unit_id}**")
    page.click("a[href='#tab-credit']")
    year = page.locator("#tab-credit .credit-year").first
    expect(year).to_contain_text("年度")
    expect(year.locator(".credit-grade")).to_have_text("C")
    expect(year.locator(".credit-terms")).to_contain_text("无有效保安员证派驻")
    # A term's record opens from its link.
    link = year.locator(".credit-terms a").first
    link.click()
    page.wait_for_load_state()
    assert "/show/" in page.url
    page.screenshot(path=str(artifacts / "credit-record.png"))

    page.goto(f"{base_url}/credit/ranking/")
    rows = page.locator("table.credit-ranking tbody tr")
    expect(rows.first).to_be_visible()
    scores = [int(s) for s in page.locator("table.credit-ranking tbody tr td:nth-child(4)")
              .all_inner_texts()]
    assert scores == sorted(scores)
    expect(page.locator("table.credit-ranking")).to_contain_text(unit_name)
    page.screenshot(path=str(artifacts / "credit-ranking.png"))


def test_unit_sees_its_grade_without_the_button(live_app, login_as, base_url):
    unit_id, _name = _unit_of(live_app, "selfhire_hz")
    page = login_as("selfhire_hz")
    page.goto(f"{base_url}/unitview/show/{unit_id}")
    page.click("a[href='#tab-credit']")
    expect(page.locator("#tab-credit .credit-tab")).to_be_visible()
    expect(page.locator("#credit-recompute")).to_have_count(0)
