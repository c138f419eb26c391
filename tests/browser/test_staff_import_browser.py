"""A company clerk imports guards from Excel the way it is meant to be done: 人员管理 → 保安员 →
【下载导入模板】, fills the template (openpyxl, as Excel would) with good and bad rows,
【导入】 uploads it, reads the preview (each error at its column), downloads the report
(错误说明 column, the bad cell highlighted), corrects that file, uploads it again and imports."""
import datetime as dt
import io

import openpyxl
from playwright.sync_api import expect

from app.models import Employment, Person, PopulationRecord
from tests.helpers import fresh_id_number, unique_name


def _registered(live_app, n):
    """n people in the population registry, not yet in the system."""
    from app.extensions import db
    from app.services.idnumber import parse_id_number
    people = []
    with live_app.app_context():
        for _ in range(n):
            number = fresh_id_number(region="330102", year=1991)
            name = unique_name("浏览器导入")
            info = parse_id_number(number)
            db.session.add(PopulationRecord(id_number=number, name=name, gender=info.gender,
                                            birth_date=info.birth_date))
            people.append((number, name))
        db.session.commit()
    return people


def _fill(path, rows):
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    headers = [str(c.value or "").rstrip("*") for c in sheet[1]]
    for row in rows:
        sheet.append([row.get(h) for h in headers])
    book.save(path)


def test_clerk_imports_guards_from_excel(live_app, login_as, artifacts):
    (good_number, good_name), (bad_number, bad_name) = _registered(live_app, 2)
    page = login_as("company_hz")
    page.click("text=人员管理")
    page.click("ul.dropdown-menu a[href^='/guardlistview/']")
    page.wait_for_url("**/guardlistview/list/**")

    # 【下载导入模板】
    with page.expect_download() as info:
        page.click("#staff-import-template")
    template = artifacts / "import-template.xlsx"
    info.value.save_as(template)
    book = openpyxl.load_workbook(template)
    assert book.sheetnames == ["导入数据", "填写说明"]
    assert any(v.type == "list" for v in book.worksheets[0].data_validations.dataValidation)

    # a good row, and a row with a wrong education and a bad start date
    _fill(template, [
        {"身份证号码": good_number, "姓名": good_name, "文化程度": "高中",
         "职务": "门岗", "开始日期": dt.datetime(2024, 5, 1)},
        {"身份证号码": bad_number, "姓名": bad_name, "文化程度": "博士后",
         "职务": "巡逻", "开始日期": "2024-02-30"},
    ])

    # 【导入】: upload and check
    page.click("#staff-import")
    expect(page.locator("#import-form")).to_be_visible()
    page.set_input_files("#file", str(template))
    page.click("#import-check")
    expect(page.locator("#count-read")).to_have_text("2")
    expect(page.locator("#count-refused")).to_have_text("1")
    errors = page.locator("#import-rows tr.import-error")
    expect(errors).to_have_count(2)
    expect(page.locator("#import-rows")).to_contain_text("文化程度")
    expect(page.locator("#import-rows")).to_contain_text("请从下拉列表中选择")
    expect(page.locator("#import-rows")).to_contain_text("开始日期")
    page.screenshot(path=str(artifacts / "import-preview.png"), full_page=True)

    # the report: the uploaded sheet with 错误说明, the bad cells highlighted
    with page.expect_download() as info:
        page.click("#import-report")
    report_path = artifacts / "import-report.xlsx"
    info.value.save_as(report_path)
    report = openpyxl.load_workbook(report_path)
    sheet = report.worksheets[0]
    headers = [str(c.value or "").rstrip("*") for c in sheet[1]]
    assert headers[-1] == "错误说明"
    bad_row = next(r for r in range(2, sheet.max_row + 1)
                   if sheet.cell(row=r, column=headers.index("身份证号码") + 1).value
                   == bad_number)
    education = sheet.cell(row=bad_row, column=headers.index("文化程度") + 1)
    assert education.fill.fgColor.rgb.endswith("FFC7CE")
    assert "文化程度" in sheet.cell(row=bad_row, column=len(headers)).value

    # correct the report itself and upload it again; the good row is not imported yet
    education.value = "大专"
    sheet.cell(row=bad_row, column=headers.index("开始日期") + 1).value = dt.datetime(2024, 2, 28)
    fixed = artifacts / "import-fixed.xlsx"
    report.save(fixed)
    page.click("#import-again")
    page.set_input_files("#file", str(fixed))
    page.click("#import-check")
    expect(page.locator("#count-read")).to_have_text("2")
    expect(page.locator("#count-refused")).to_have_text("0")

    # 全部无误才导入 → confirm
    page.check("input[name=mode][value=all_or_nothing]")
    page.click("#import-run")
    expect(page.locator("#count-added")).to_have_text("2")
    expect(page.locator("#import-status")).to_have_text("已导入")
    page.screenshot(path=str(artifacts / "import-done.png"), full_page=True)

    from app.extensions import db
    with live_app.app_context():
        for number in (good_number, bad_number):
            person = db.session.query(Person).filter_by(id_number=number).one()
            assert db.session.query(Employment).filter_by(
                person_id=person.id, role="guard").one().end_date is None
