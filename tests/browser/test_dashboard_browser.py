"""统计分析 as a supervisor clicks it (issue 15): the dashboard of the police and of the
association draws its charts with the locally served ECharts under the CSP (no violation,
no script error), every chart has its table, and a click on a figure lands on a list of the
same count."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_csp import COLLECT


@pytest.fixture
def fresh_snapshot(live_app):
    from app.extensions import db
    from app.services import dashboard
    with live_app.app_context():
        dashboard.refresh(db.session)
        db.session.commit()


def _count_on_list(page):
    text = page.locator("body").inner_text()
    match = re.search(r"记录数\s*[:：]\s*(\d+)", text)
    return int(match.group(1)) if match else 0


@pytest.mark.parametrize("username,panel", [("police_hz", "staff"),
                                             ("association", "tiers"),
                                             ("police_sc", "certificates")])
def test_click_a_figure_and_land_on_its_list(fresh_snapshot, login_as, page, base_url,
                                             artifacts, username, panel):
    problems = []
    page.add_init_script(COLLECT)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    login_as(username)
    page.goto(f"{base_url}/")
    # "load", not "networkidle": a busy machine delays idleness, not the page (the charts
    # are drawn after the load event; expect() below waits for them).
    page.wait_for_load_state("load")
    # Charts drawn (ECharts renders SVG into each chart box), the table beside each.
    charts = page.locator(".dash-chart svg")
    expect(charts.first).to_be_visible()
    assert charts.count() >= 5
    assert page.locator("table.dash-table").count() >= charts.count()
    expect(page.locator("#dash-taken-at")).to_contain_text("数据截至")
    page.screenshot(path=str(artifacts / f"dashboard-{username}.png"), full_page=True)
    assert not problems and not page.evaluate("window.__violations")
    link = page.locator(f"#table-{panel} tbody a.dash-figure").filter(
        has_text=re.compile(r"^[1-9]\d*$")).first
    figure = int(link.inner_text())
    link.click()
    page.wait_for_url(re.compile(r"figure="))
    page.wait_for_load_state("load")
    assert "figure=" in page.url
    assert _count_on_list(page) == figure
    page.screenshot(path=str(artifacts / f"dashboard-{username}-list.png"), full_page=True)


def test_report_page_and_charts(fresh_snapshot, login_as, page, base_url):
    problems = []
    page.add_init_script(COLLECT)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    login_as("association")
    page.goto(f"{base_url}/stats/report/")
    page.wait_for_load_state("load")
    expect(page.locator("#table-staff")).to_contain_text("杭州市")
    # The charts follow the load event (the library is fetched then): all in one go.
    expect(page.locator(".dash-chart svg").first).to_be_visible()
    assert page.locator(".dash-chart svg").count() >= 3
    page.select_option("#report-region", "3301")
    page.click("form.stats-report-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    expect(page.locator("#table-staff")).to_contain_text("上城区")
    with page.expect_download() as download:
        page.click("#report-export")
    assert download.value.suggested_filename.endswith(".xlsx")
    assert not problems and not page.evaluate("window.__violations")
