"""A company clerk adds a guard the way the manual describes it: 人员管理 → 保安员 → 【新增】;
typing the ID number fills gender, birth date and household region at once; an invalid number
shows its reason at the field; a name that does not match the population registry is flagged
and needs an explicit confirmation; saving opens the guard's page with its tabs."""
from playwright.sync_api import expect

from app.models import Person
from seed.demo import REGISTRY_ONLY, demo_photo_png


def _registry_candidate(live_app):
    """A person of the demo registry who is not yet in the system (REGISTRY_ONLY)."""
    from app.extensions import db
    from app.models import PopulationRecord
    names = {name for _g, name, _r, _b in REGISTRY_ONLY}
    with live_app.app_context():
        row = (db.session.query(PopulationRecord).filter(PopulationRecord.name.in_(names))
               .filter(~PopulationRecord.id_number.in_(db.session.query(Person.id_number)))
               .order_by(PopulationRecord.id_number).first())
        return row.id_number, row.name, row.gender


def test_clerk_adds_a_guard_with_live_id_fill(live_app, login_as, base_url, artifacts):
    number, name, gender = _registry_candidate(live_app)
    page = login_as("company_hz")
    page.click("text=人员管理")
    page.click("ul.dropdown-menu a[href^='/guardlistview/']")
    page.wait_for_url("**/guardlistview/list/**")
    page.click("#staff-add")
    expect(page.locator("#staff-form")).to_be_visible()

    # An invalid number: the reason appears at the field before saving.
    page.fill("#id_number", number[:17] + ("0" if number[-1] != "0" else "1"))
    expect(page.locator("#id-number-feedback")).to_contain_text("校验位")
    expect(page.locator("#derived-gender")).to_have_value("")

    # The right number fills gender, birth date and household region at once.
    page.fill("#id_number", number)
    expect(page.locator("#derived-gender")).to_have_value("男" if gender == "male" else "女")
    expect(page.locator("#derived-birth")).to_have_value(
        f"{number[6:10]}-{number[10:12]}-{number[12:14]}")
    expect(page.locator("#derived-region")).not_to_have_value("")

    # A misspelt name is flagged against the population registry …
    page.fill("#name", name + "某")
    expect(page.locator("#registry-feedback")).to_contain_text("人口信息库")
    expect(page.locator("#registry-confirm-group")).to_be_visible()
    page.screenshot(path=str(artifacts / "staff-add-mismatch.png"), full_page=True)
    # … and the correct one clears the warning.
    page.fill("#name", name)
    expect(page.locator("#registry-feedback")).to_have_text("")
    expect(page.locator("#registry-confirm-group")).to_be_hidden()

    page.fill("#phone", "13912345678")
    page.fill("#position", "门岗")
    # 保安员证 are the police's to issue: a unit clerk is not offered the field.
    expect(page.locator("#cert_guard_number")).to_have_count(0)
    page.fill("#cert_driving_licence_number", "D-BROWSER-0001")
    # 照片: a file that is not an image is refused at the field, the entries stay.
    not_image = artifacts / "not-a-photo.png"
    not_image.write_bytes(b"%PDF-1.4 not an image")
    page.set_input_files("#photo", str(not_image))
    page.click("#staff-save")
    expect(page.locator("#group-photo")).to_contain_text("只能上传PNG或JPEG格式的图片")
    expect(page.locator("#name")).to_have_value(name)
    photo = artifacts / "guard-photo.png"
    photo.write_bytes(demo_photo_png(7))
    page.set_input_files("#photo", str(photo))
    page.screenshot(path=str(artifacts / "staff-add-filled.png"), full_page=True)
    page.click("#staff-save")
    page.wait_for_url("**/personview/show/**")
    expect(page.locator("body")).to_contain_text(name)
    # The photo shows on the guard's page, and identity verification has passed with it.
    expect(page.locator("#person-photo")).to_be_visible()
    assert page.eval_on_selector("#person-photo", "img => img.naturalWidth") == 90
    expect(page.locator(".screening-status")).to_contain_text("身份核验已通过")
    for tab in ("人员信息", "考试信息", "证件信息", "工作经历", "社会关系", "个人装备",
                "奖惩投诉", "协助公安工作情况", "变更记录"):
        expect(page.locator("body")).to_contain_text(tab)
    page.screenshot(path=str(artifacts / "guard-page.png"), full_page=True)

    # The new guard is in the clerk's list, found by the ID number.
    page.goto(f"{base_url}/guardlistview/list/?search={number}")
    expect(page.locator("table.table-bordered")).to_contain_text(name)
    page.screenshot(path=str(artifacts / "guard-list.png"), full_page=True)


def test_id_number_echoes_name_and_household_address(live_app, login_as, base_url, artifacts):
    """The manual: "在输入身份证号后会自动回显姓名、性别、出生日期和户籍地详址"; the look-up is
    then in the province admin's 系统管理 → 人口信息查询记录."""
    from app.extensions import db
    from app.models import PopulationRecord
    number, name, gender = _registry_candidate(live_app)
    with live_app.app_context():
        address = db.session.query(PopulationRecord.household_address).filter_by(
            id_number=number).scalar()
    assert address
    page = login_as("company_hz")
    page.goto(f"{base_url}/guardlistview/list/")
    page.click("#staff-add")
    page.fill("#id_number", number)
    expect(page.locator("#name")).to_have_value(name)
    expect(page.locator("#household_address")).to_have_value(address)
    expect(page.locator("#derived-gender")).to_have_value("男" if gender == "male" else "女")
    expect(page.locator("#derived-birth")).to_have_value(
        f"{number[6:10]}-{number[10:12]}-{number[12:14]}")
    # What the clerk typed is never overwritten by the echo.
    page.fill("#id_number", "")
    expect(page.locator("#name")).to_have_value("")
    page.fill("#household_address", "手写的地址")
    page.fill("#id_number", number)
    expect(page.locator("#name")).to_have_value(name)
    expect(page.locator("#household_address")).to_have_value("手写的地址")
    page.screenshot(path=str(artifacts / "staff-add-echo.png"), full_page=True)

    page.goto(f"{base_url}/logout/")
    admin = login_as("admin")
    admin.click("text=系统管理")
    admin.click("ul.dropdown-menu a[href^='/registrylookupview/']")
    admin.wait_for_url("**/registrylookupview/list/**")
    row = admin.locator("table tr", has_text=number).first
    expect(row).to_contain_text("company_hz")
    expect(row).to_contain_text("是")
