"""A company clerk fixes a failed identity-verification case the way a clerk clicks it: the
home page shows what waits, the queue lists the case, 【处理】 opens the person's identity
fields, the corrected name is verified again and the case passes."""
from playwright.sync_api import expect

from app.models import AppUser, IdentityCheck, Person, PopulationRecord


def _failed_case(live_app, username):
    from app.extensions import db
    with live_app.app_context():
        unit = db.session.query(AppUser).filter_by(username=username).one().unit
        # The demo's registry-mismatch case (other browser tests may add unregistered guards,
        # whose cases fail too): the failed case of someone the registry knows.
        case = (db.session.query(IdentityCheck)
                .filter_by(unit_id=unit.id, state="failed")
                .join(Person, Person.id == IdentityCheck.person_id)
                .join(PopulationRecord, PopulationRecord.id_number == Person.id_number)
                .order_by(IdentityCheck.id).first())
        registered = db.session.query(PopulationRecord).filter_by(
            id_number=case.person.id_number).one().name
        return case.id, case.person.name, registered


def test_clerk_fixes_a_failed_identity_case(live_app, login_as, base_url, artifacts):
    case_id, entered, registered = _failed_case(live_app, "company_hz")
    page = login_as("company_hz")
    # Other browser tests may have added unregistered guards (their cases fail too).
    open_before = int(page.locator("#count-identity_open").inner_text())
    assert open_before >= 1
    page.screenshot(path=str(artifacts / "screening-home.png"), full_page=True)
    page.click("#count-identity_open")
    expect(page.locator("body")).to_contain_text("待办")
    listing = page.locator("table.table-bordered")
    row = listing.locator("tr", has_text=entered)
    expect(row).to_contain_text("核验不通过")
    expect(row).to_contain_text("姓名与人口信息库不一致")
    page.screenshot(path=str(artifacts / "screening-queue.png"), full_page=True)
    row.locator(f"a[href*='/show/{case_id}']").first.click()
    page.click("#action-resubmit")
    expect(page.locator(".screening-process")).to_contain_text("姓名与人口信息库不一致")
    page.fill("#name", registered)
    page.fill("#note", "按身份证原件更正姓名")
    page.screenshot(path=str(artifacts / "screening-process.png"), full_page=True)
    page.click("#resubmit")
    expect(page.locator("body")).to_contain_text("已提交核验：核验通过")
    history = page.locator(".screening-events")
    expect(history).to_contain_text("更正后重新提交")
    expect(history).to_contain_text(f"{entered} → {registered}")
    expect(history).to_contain_text("company_hz")
    page.screenshot(path=str(artifacts / "screening-passed.png"), full_page=True)
    page.goto(f"{base_url}/")
    expect(page.locator("#count-identity_open")).to_have_text(str(open_before - 1))


def test_police_review_and_person_tab(live_app, login_as, base_url, artifacts):
    from app.extensions import db
    with live_app.app_context():
        case = db.session.query(IdentityCheck).filter_by(state="police_review").first()
        case_id, person_id, name = case.id, case.person_id, case.person.name
    page = login_as("police_hz")
    page.click("#count-identity_open")
    page.locator("tr", has_text=name).locator(f"a[href*='/show/{case_id}']").first.click()
    expect(page.locator(".screening-actions")).to_contain_text("退回单位")
    page.locator("#action-return textarea").fill("请补充户籍证明复印件")
    page.screenshot(path=str(artifacts / "screening-police-review.png"), full_page=True)
    page.locator("#action-return button").click()
    expect(page.locator("table").first).to_contain_text("已退回单位")
    page.goto(f"{base_url}/personview/show/{person_id}")
    page.click("a[href='#IdentityCheckView']")
    expect(page.locator("#IdentityCheckView")).to_contain_text("已退回单位")
    page.screenshot(path=str(artifacts / "screening-person-tab.png"), full_page=True)


def test_clerk_uploads_the_missing_photo_in_the_queue_popup(live_app, login_as, base_url,
                                                            artifacts, tmp_path):
    """Issue 14 (8): 【处理】 on the queue row opens a popup with the finding's fields, the
    photo upload included; the message after resubmitting and the row's status agree."""
    from app.extensions import db
    from seed.demo import demo_photo_png
    from tests.test_screening import make_guard
    with live_app.app_context():
        unit = db.session.query(AppUser).filter_by(username="company_hz").one().unit
        person = make_guard(db.session, unit, photo=False)
        db.session.commit()
        name = person.name
        case = db.session.query(IdentityCheck).filter_by(person_id=person.id).one()
        case_id, state, reasons = case.id, case.state, case.reasons
        db.session.remove()
    assert (state, reasons) == ("failed", "未上传照片。")
    photo = tmp_path / "photo.png"
    photo.write_bytes(demo_photo_png(3))
    page = login_as("company_hz")
    page.click("#count-identity_open")
    expect(page.locator("#queue-tabs li.active")).to_contain_text("待单位处理")
    row = page.locator("table.table-bordered tr", has_text=name)
    expect(row).to_contain_text("未上传照片")
    # Resubmitted without the photo: it fails again, the message and the row say the same.
    row.locator(f"#process-{case_id}").click()
    popup = page.locator("#process-modal")
    expect(popup).to_be_visible()
    expect(popup.locator(".screening-process")).to_contain_text("未上传照片")
    expect(popup.locator("#process-no-photo")).to_be_visible()
    page.screenshot(path=str(artifacts / "screening-popup.png"), full_page=True)
    popup.locator("#resubmit").click()
    expect(page.locator("body")).to_contain_text("已提交核验：核验不通过，待单位处理（未上传照片。）")
    row = page.locator("table.table-bordered tr", has_text=name)
    expect(row).to_contain_text("核验不通过")
    # With the photo chosen in the popup: verified, passed, gone from the queue.
    row.locator(f"#process-{case_id}").click()
    expect(popup.locator("#photo")).to_be_visible()
    popup.locator("#photo").set_input_files(str(photo))
    popup.locator("#note").fill("补传本人照片")
    page.screenshot(path=str(artifacts / "screening-popup-photo.png"), full_page=True)
    popup.locator("#resubmit").click()
    expect(page.locator("body")).to_contain_text("已提交核验：核验通过")
    assert "/identityqueueview/list/" in page.url
    expect(page.locator("table.table-bordered tr", has_text=name)).to_have_count(0)
    page.screenshot(path=str(artifacts / "screening-popup-passed.png"), full_page=True)
    page.goto(f"{base_url}/identitycheckview/show/{case_id}")
    expect(page.locator("table").first).to_contain_text("核验通过")
    expect(page.locator(".screening-events")).to_contain_text("补传本人照片")
