"""The clerk's dispatch flow in a browser: create a service with the target autocomplete,
dispatch three guards at once, cancel one, end the service."""
import datetime as dt

from playwright.sync_api import expect

from app.models import AppUser, Dispatch, Service, ServiceTarget


def _prepare(live_app):
    """Three fresh active full-time guards of company_hz, and a registered tier-1 target."""
    from app.extensions import db
    from app.security.scope import scope_for_user
    from tests.test_rules import employ, new_person

    with live_app.app_context():
        session = db.session
        unit = session.query(AppUser).filter_by(username="company_hz").one().unit
        guards = []
        for _ in range(3):
            emp = employ(session, new_person(session), unit, start=dt.date(2023, 1, 1))
            guards.append(emp.person.name)
        session.commit()
        target = (session.query(ServiceTarget).join(ServiceTarget.category)
                  .filter_by(tier=1).order_by(ServiceTarget.name).first())
        return guards, target.name, target.address


def test_create_service_dispatch_three_cancel_one_end(live_app, login_as, base_url, artifacts):
    guards, target_name, target_address = _prepare(live_app)
    page = login_as("company_hz")
    page.on("dialog", lambda dialog: dialog.accept())

    # 服务（对象）单位 through the menu, then 【新增】.
    page.click("text=服务与派驻")
    page.click("ul.dropdown-menu >> text=服务（对象）单位")
    expect(page.locator("table.servicedesk-list")).to_be_visible()
    expect(page.locator("table.servicedesk-list .tier-badge").first).to_be_visible()
    page.screenshot(path=str(artifacts / "servicedesk-list.png"), full_page=True)
    page.click("#add-service")

    # Typing part of the full name suggests the registered target; choosing it fills its
    # details (read-only: they are saved as registered).
    page.fill("#target_name", target_name[:3])
    suggestion = page.locator("#target-suggestions a", has_text=target_name)
    expect(suggestion).to_be_visible()
    expect(suggestion.locator(".tier-red")).to_be_visible()
    page.screenshot(path=str(artifacts / "servicedesk-autocomplete.png"), full_page=True)
    suggestion.click()
    expect(page.locator("#target_name")).to_have_value(target_name)
    expect(page.locator("#target_address")).to_have_value(target_address or "")
    expect(page.locator("#target_address")).to_have_attribute("readonly", "")
    expect(page.locator("#target-status")).to_contain_text("已登记")
    page.fill("#contract_number", "HT-浏览器-1")
    page.fill("#start_date", "2025-01-01")
    page.click("#service-save")
    expect(page.locator("table.service-summary")).to_contain_text(target_name)
    expect(page.locator("table.service-summary .tier-red")).to_be_visible()
    service_id = int(page.url.rstrip("/").split("/")[-1])

    # 【派驻】 three guards at once through the searchable multi-select.
    page.click("#dispatch-guards")
    for name in guards:
        page.click(".select2-container")
        page.keyboard.type(name)
        option = page.locator(".select2-results__option", has_text=name)
        expect(option).to_be_visible()
        option.click()
    page.fill("#post", "大堂岗")
    page.screenshot(path=str(artifacts / "servicedesk-dispatch.png"), full_page=True)
    # A start date before the service period: nothing is saved, every guard is listed with
    # the reason, and the choices are kept.
    page.fill("#start_date", "2024-12-31")
    page.click("#dispatch-submit")
    refusals = page.locator(".dispatch-refusals li")
    expect(refusals).to_have_count(3)
    expect(refusals.first).to_contain_text("不在服务期限内")
    expect(page.locator("#employments option:checked")).to_have_count(3)
    page.screenshot(path=str(artifacts / "servicedesk-dispatch-refused.png"), full_page=True)
    page.fill("#start_date", "2025-01-02")
    page.click("#dispatch-submit")
    table = page.locator("table.dispatch-list")
    for name in guards:
        expect(table).to_contain_text(name)
    expect(page.locator(".alert-success")).to_contain_text("3")
    page.screenshot(path=str(artifacts / "servicedesk-detail.png"), full_page=True)

    # Cancel one dispatch; the other two stay.
    table.locator("tr", has_text=guards[0]).locator("button.cancel-dispatch").click()
    expect(page.locator(".alert-success")).to_contain_text("派驻已取消")
    expect(table.locator("button.cancel-dispatch")).to_have_count(2)

    # 【解除服务】 ends the service and the remaining dispatches.
    page.click("#end-service")
    expect(page.locator(".alert-success")).to_contain_text("服务已解除")
    expect(page.locator("table.service-summary")).to_contain_text("已结束")
    expect(table.locator("button.cancel-dispatch")).to_have_count(0)
    page.screenshot(path=str(artifacts / "servicedesk-ended.png"), full_page=True)

    from app.extensions import db
    with live_app.app_context():
        service = db.session.get(Service, service_id)
        assert service.status == "ended" and service.target.name == target_name
        dispatches = db.session.query(Dispatch).filter_by(service_id=service_id).all()
        assert len(dispatches) == 3 and all(d.end_date is not None for d in dispatches)
        assert sorted(d.end_reason for d in dispatches) == ["取消派驻", "服务已结束", "服务已结束"]


def test_picker_explains_and_asks_before_posting_an_unverified_guard(live_app, login_as,
                                                                     base_url, artifacts):
    """Issue 14 (11): a part-time guard searched in the picker is answered with the reason;
    a guard whose identity verification failed carries a badge, and 【派驻】 asks first."""
    from app.extensions import db
    from tests.test_rules import employ, new_person
    from tests.test_dispatch_workflow import new_service
    with live_app.app_context():
        session = db.session
        hz = session.query(AppUser).filter_by(username="company_hz").one().unit
        nb = session.query(AppUser).filter_by(username="company_nb").one().unit
        full_time = employ(session, new_person(session), nb, start=dt.date(2023, 1, 1))
        employ(session, full_time.person, hz, role="part_time_guard", start=dt.date(2023, 2, 1))
        unverified = employ(session, new_person(session), hz, start=dt.date(2023, 1, 1))
        session.commit()
        part_timer, guard = full_time.person.name, unverified.person.name
        service_id = new_service(session, "company_hz", start=dt.date(2024, 1, 1)).id
        session.commit()
        db.session.remove()
    page = login_as("company_hz")
    page.goto(f"{base_url}/servicedesk/{service_id}/dispatch/")
    page.click(".select2-container")
    page.keyboard.type(part_timer)
    reason = page.locator(".select2-results__option .guard-reason")
    expect(reason).to_contain_text("兼职保安员不能在此派驻")
    page.screenshot(path=str(artifacts / "dispatch-picker-reason.png"), full_page=True)
    page.keyboard.press("Escape")
    page.click(".select2-container")
    page.keyboard.type(guard)
    option = page.locator(".select2-results__option", has_text=guard)
    expect(option.locator(".guard-identity")).to_contain_text("核验不通过")
    option.click()
    expect(page.locator(".select2-selection .guard-identity")).to_be_visible()
    page.fill("#start_date", "2024-06-01")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.click("#dispatch-submit")
    assert asked and guard in asked[0]
    page.wait_for_timeout(500)
    with live_app.app_context():   # dismissed: not submitted
        assert db.session.query(Dispatch).filter_by(service_id=service_id).count() == 0
        db.session.remove()
    expect(page.locator("#dispatch-form")).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#dispatch-submit")
    expect(page.locator("table.dispatch-list")).to_contain_text(guard)
    page.screenshot(path=str(artifacts / "dispatch-picker-confirmed.png"), full_page=True)
