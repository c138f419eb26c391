"""Smoke test the way a clerk clicks it: a company user logs in (Chinese UI), opens the
unit page and sees only the unit's own staff."""
from playwright.sync_api import expect

from app.models import AppUser, Employment


def _staff_names(live_app, username):
    from app.extensions import db
    with live_app.app_context():
        unit = db.session.query(AppUser).filter_by(username=username).one().unit
        rows = db.session.query(Employment).filter_by(unit_id=unit.id).all()
        return unit.name, {e.person.name for e in rows}


def test_company_clerk_sees_only_own_staff(live_app, login_as, base_url, artifacts):
    own_unit, own_staff = _staff_names(live_app, "company_hz")
    _other_unit, other_staff = _staff_names(live_app, "company_nb")
    only_other = other_staff - own_staff
    assert own_staff and only_other

    page = login_as("company_hz")
    expect(page.locator("body")).to_contain_text("保安服务监管信息系统")
    page.click("text=单位管理")
    page.click("ul.dropdown-menu >> text=单位")
    listing = page.locator("table.table-bordered")
    expect(listing).to_contain_text(own_unit)
    listing.locator("tr", has_text=own_unit).locator("a[href*='/unitview/show/']").first.click()
    expect(page.locator("#tab-overview")).to_contain_text(own_unit)
    page.screenshot(path=str(artifacts / "unit-page.png"), full_page=True)
    page.click("a[href='#tab-staff']")
    staff_table = page.locator("#pane-staff-guard table")
    expect(staff_table).to_be_visible()
    text = staff_table.inner_text()
    visible_page_names = [name for name in own_staff if name in text]
    assert visible_page_names, "the staff tab lists the unit's own staff"
    assert not [name for name in only_other if name in text]
    # The whole UI is Chinese: no English navigation labels.
    nav = page.locator(".navbar").inner_text()
    for english in ("List", "Security", "Logout", "Units", "People"):
        assert english not in nav, english
