"""The person's page by kind of person: 其他人员【详情】 shows basic information and 工作经历
only; a school clerk adds an instructor with earlier work experience, shown in 人员信息."""
from playwright.sync_api import expect

from tests.helpers import fresh_id_number, unique_name


def _tab_titles(page):
    return [t.strip() for t in page.locator("ul.person-tabs > li > a").all_inner_texts()]


def test_other_staff_details_show_basic_information_and_work_history(login_as, base_url,
                                                                      artifacts):
    page = login_as("company_hz")
    page.goto(f"{base_url}/otherstafflistview/list/")
    page.locator("td.staff-actions a", has_text="详情").first.click()
    page.wait_for_url("**/personview/show/**")
    assert _tab_titles(page) == ["人员信息", "工作经历"]
    page.click("ul.person-tabs a[href='#EmploymentView']")
    expect(page.locator("#EmploymentView table").first).to_contain_text("杭州")
    expect(page.locator("#CertificateView")).to_have_count(0)
    page.screenshot(path=str(artifacts / "other-staff-details.png"), full_page=True)


def test_school_adds_an_instructor_with_earlier_work(login_as, base_url, artifacts):
    number, name = fresh_id_number("female", year=1976), unique_name("教员")
    page = login_as("school_hz")
    page.goto(f"{base_url}/instructorlistview/add")
    expect(page.locator("#training_class")).to_have_count(0)     # no training section
    page.fill("#id_number", number)
    page.fill("#name", name)
    expect(page.locator("#registry-confirm-group")).to_be_visible()  # not in the registry
    page.check("#registry_confirmed")
    page.fill("#work_employer", "杭州市公安局拱墅分局")
    page.fill("#work_position", "民警")
    for field, value in (("#work_start", "1998-07-01"), ("#work_end", "2016-02-29")):
        page.locator(field).press_sequentially(value)
        page.keyboard.press("Escape")          # close the date picker over the form
    expect(page.locator("#work_start")).to_have_value("1998-07-01")
    page.screenshot(path=str(artifacts / "instructor-add.png"), full_page=True)
    page.click("#staff-save")
    page.wait_for_url("**/personview/show/**")
    assert "培训信息" not in _tab_titles(page)
    home = page.locator("#Home")
    expect(home).to_contain_text(name)
    expect(home.locator("#pane-WorkExperienceView")).to_contain_text("杭州市公安局拱墅分局")
    expect(home.locator("#pane-TrainingRecordView")).to_have_count(0)
    page.screenshot(path=str(artifacts / "instructor-page.png"), full_page=True)
