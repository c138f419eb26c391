"""Excel import of staff (app/services/staff_import.py, docs/import.md): the template, each
rule of the 【新增】 form applied per row, duplicates in the file, the report, the two modes and
"nothing half-saved"."""
import datetime as dt
import io

import openpyxl
import pytest
from flask import current_app

from app.models import (AppUser, Certificate, ChangeLog, Employment, IdentityCheck, Person,
                        PopulationRecord, TrainingRecord)
from app.security.scope import OutOfScope, scope_for_user
from app.services import personnel, staff_import
from app.services.registry import get_registry
from app.services.staff_import import ImportRefused, StaffImport
from tests.helpers import fresh_id_number, unique_name
from tests.test_rules import unit_of


def scope_of(session, username):
    return scope_for_user(session.query(AppUser).filter_by(username=username).one())


def registered(session, gender="male", year=1990, region="330106"):
    number = fresh_id_number(gender, region=region, year=year)
    name = unique_name("导入")
    info = personnel.parse_id_number(number)
    session.add(PopulationRecord(id_number=number, name=name, gender=info.gender,
                                 birth_date=info.birth_date))
    session.flush()
    return number, name


def workbook(role, session, username, rows, unit=None, extra_headers=None):
    """The downloaded template filled with `rows` (dicts of column key → cell value) after
    its example rows — as a clerk fills it."""
    scope = scope_of(session, username)
    data = staff_import.template(role, scope, unit)
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    keys = [c.key for c in staff_import.columns(role, scope, unit)]
    for row in rows:
        sheet.append([row.get(k) for k in keys])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def command(session, username, role, data, unit=None):
    unit = unit or unit_of(session, username)
    return StaffImport(session, scope_of(session, username), unit=unit, role=role, data=data,
                       file_name="名单.xlsx", registry=get_registry(session, current_app.config),
                       config=current_app.config)


def guard_row(session, **kw):
    number, name = registered(session)
    return {"id_number": number, "name": name, "start_date": dt.date(2024, 5, 1),
            "education": "高中", "position": "门岗", **kw}


def errors_of(report):
    return {r.number: r.errors for r in report.rows if r.errors}


# ------------------------------------------------------------------ template

def test_template_has_dropdowns_instructions_and_ignored_examples(db_session):
    scope = scope_of(db_session, "company_hz")
    data = staff_import.template("guard", scope, unit_of(db_session, "company_hz"))
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert headers[:3] == ["序号", "身份证号码*", "姓名*"] and "开始日期*" in headers
    # a unit records driving licences, not the police's 保安员证
    assert "驾驶证编号" in "".join(headers) and not any("保安员证" in h for h in headers)
    lists = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation
             if v.type == "list"}
    education = headers.index("文化程度")
    assert any(openpyxl.utils.get_column_letter(education + 1) in ref and "高中" in f
               for ref, f in lists.items())
    assert any("是" in f and "否" in f for f in lists.values())   # 已核对身份
    assert sheet["A2"].value == "示例" and sheet["A3"].value == "示例"
    assert book.sheetnames[1] == "填写说明"
    # the examples are ignored: a template as downloaded has nothing to import
    with pytest.raises(ImportRefused, match="没有"):
        command(db_session, "company_hz", "guard", data).validate()


def test_templates_per_list(db_session):
    police = scope_of(db_session, "police_sc")
    school = unit_of(db_session, "school_hz")
    assert "cert_guard_number" in [c.key for c in staff_import.columns("guard", police)]
    student = [c.key for c in staff_import.columns("student", police, school)]
    assert "training_class" in student and "cert_driving_licence_number" not in student
    assert "work_employer" in [c.key for c in staff_import.columns("instructor", police)]
    assert "key_manager" in [c.key for c in staff_import.columns("other_staff", police)]
    tab = staff_import.columns(None, police, school)
    role = next(c for c in tab if c.key == "role")
    assert set(role.choices) == {"student", "instructor", "other_staff"}


# ------------------------------------------------------------------ rules per row

def test_validate_saves_nothing_and_reports_each_rule(db_session):
    ok = guard_row(db_session)
    bad_digit = guard_row(db_session)
    bad_digit["id_number"] = bad_digit["id_number"][:17] + (
        "0" if bad_digit["id_number"][17] != "0" else "1")
    young_number, young_name = registered(db_session, year=dt.date.today().year - 16)
    mismatch = guard_row(db_session, name="不是本人")
    confirmed = guard_row(db_session, name="登记不符", registry_confirmed="是")
    rows = [ok, bad_digit,
            {"id_number": young_number, "name": young_name, "start_date": dt.date.today()},
            mismatch, confirmed,
            guard_row(db_session, start_date="2024-13-45"),
            guard_row(db_session, education="博士后"),
            guard_row(db_session, start_date=None),
            dict(ok, name=ok["name"])]       # the same person twice in the file
    data = workbook("guard", db_session, "company_hz", rows)
    before = db_session.query(Employment).count()
    report = command(db_session, "company_hz", "guard", data).validate()
    assert db_session.query(Employment).count() == before
    assert db_session.query(Person).filter_by(id_number=ok["id_number"]).count() == 0
    errors = errors_of(report)
    first = 4   # rows 2–3 are the examples
    assert first not in errors and first + 4 not in errors          # ok, confirmed
    assert "校验" in errors[first + 1]["id_number"]
    assert "18" in errors[first + 2]["id_number"]
    assert "人口" in errors[first + 3]["name"]
    assert "日期" in errors[first + 5]["start_date"]
    assert "下拉" in errors[first + 6]["education"]
    assert "开始日期" in errors[first + 7]["start_date"]
    assert f"第{first}行" in errors[first + 8]["id_number"]
    assert report.counts == {"read": 9, "ok": 2, "refused": 7, "updates": 0, "added": 2}


def test_guard_employed_elsewhere_part_time_and_role_for_unit_kind(db_session):
    # a full-time guard of company_hz (added by hand)
    number, name = registered(db_session)
    personnel.add_staff(db_session, scope_of(db_session, "company_hz"),
                        unit=unit_of(db_session, "company_hz"), role="guard",
                        person={"id_number": number, "name": name},
                        start_date=dt.date(2024, 1, 1))
    db_session.flush()
    # …cannot be a full-time guard of the self-hiring unit, but part-time there
    rows = [{"id_number": number, "name": name, "start_date": dt.date(2024, 6, 1)}]
    report = command(db_session, "selfhire_hz", "guard",
                     workbook("guard", db_session, "selfhire_hz", rows)).validate()
    assert "专职保安员" in report.rows[0].errors["id_number"]
    report = command(db_session, "selfhire_hz", "part_time_guard",
                     workbook("part_time_guard", db_session, "selfhire_hz", rows)).validate()
    assert report.rows[0].status == "update" and not report.rows[0].errors
    # part-time with no full-time employment anywhere
    lone = guard_row(db_session)
    report = command(db_session, "selfhire_hz", "part_time_guard",
                     workbook("part_time_guard", db_session, "selfhire_hz", [lone])).validate()
    assert "专职" in report.rows[0].errors["id_number"]
    # the unit tab's 人员类别: a training school cannot employ guards
    school = unit_of(db_session, "school_hz")
    row = guard_row(db_session, role="保安员")
    data = workbook(None, db_session, "police_hz", [row], unit=school)
    report = command(db_session, "police_hz", None, data, unit=school).validate()
    assert "下拉" in report.rows[0].errors["role"]   # not among the school's kinds


def test_full_time_then_part_time_in_the_same_file_and_certificates_unique(db_session):
    # a certificate number twice in the file (the second names the first's row), or taken
    row = guard_row(db_session, cert_driving_licence_number=unique_name("驾"))
    dup_cert = guard_row(db_session,
                         cert_driving_licence_number=row["cert_driving_licence_number"])
    existing = db_session.query(Certificate).filter(
        Certificate.kind == "driving_licence").first()
    taken = guard_row(db_session, cert_driving_licence_number=existing.number) \
        if existing else None
    rows = [row, dup_cert] + ([taken] if taken else [])
    report = command(db_session, "company_hz", "guard",
                     workbook("guard", db_session, "company_hz", rows)).validate()
    errors = errors_of(report)
    assert "第4行" in errors[5]["cert_driving_licence_number"]
    if taken:
        assert "已被使用" in errors[6]["cert_driving_licence_number"]


def test_formulas_are_refused_never_evaluated(db_session):
    row = guard_row(db_session)
    row["name"] = '=CONCATENATE("张","三")'
    report = command(db_session, "company_hz", "guard",
                     workbook("guard", db_session, "company_hz", [row])).validate()
    assert "公式" in report.rows[0].errors["name"]


def test_file_checks(db_session, app):
    def refused(data, **config):
        limits = {**staff_import.settings(current_app.config), **config}
        with pytest.raises(ImportRefused) as info:
            staff_import.read_rows(data, staff_import.columns("guard", scope_of(
                db_session, "company_hz")), limits)
        return str(info.value)

    assert "Excel" in refused(b"%PDF-1.4 not a workbook")
    assert "Excel" in refused(b"PK\x03\x04garbage")
    buf = io.BytesIO()
    import zipfile
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/vbaProject.bin", "macro")
    assert "宏" in refused(buf.getvalue())
    rows = [guard_row(db_session) for _ in range(3)]
    data = workbook("guard", db_session, "company_hz", rows)
    assert "2" in refused(data, max_rows=2)
    assert "MB" in refused(data, max_bytes=1000)
    book = openpyxl.Workbook()
    book.active.append(["身份证号", "姓名"])
    out = io.BytesIO()
    book.save(out)
    assert "开始日期" in refused(out.getvalue())


# ------------------------------------------------------------------ saving

def test_run_valid_rows_saves_good_rows_with_screening_and_change_log(db_session):
    good = guard_row(db_session)
    bad = guard_row(db_session, start_date="昨天")
    data = workbook("guard", db_session, "company_hz", [good, bad])
    cmd = command(db_session, "company_hz", "guard", data)
    report = cmd.run("valid_rows")
    assert report.counts["added"] == 1 and report.counts["refused"] == 1
    person = db_session.query(Person).filter_by(id_number=good["id_number"]).one()
    emp = db_session.query(Employment).filter_by(person_id=person.id).one()
    assert emp.role == "guard" and emp.position == "门岗" and person.education == "senior"
    assert db_session.query(IdentityCheck).filter_by(person_id=person.id).count() == 1
    assert db_session.query(ChangeLog).filter(ChangeLog.entity == "employment",
                                              ChangeLog.entity_id == emp.id).count()
    assert db_session.query(Person).filter_by(id_number=bad["id_number"]).count() == 0
    user = db_session.query(AppUser).filter_by(username="company_hz").one()
    entry = cmd.log(user, mode="valid_rows")
    db_session.flush()
    assert (entry.rows_read, entry.rows_added, entry.rows_refused) == (2, 1, 1)
    assert entry.file_name == "名单.xlsx" and entry.status == "done"


def test_all_or_nothing_refuses_the_whole_file(db_session):
    good = guard_row(db_session)
    bad = guard_row(db_session, education="博士后")
    data = workbook("guard", db_session, "company_hz", [good, bad])
    with pytest.raises(ImportRefused, match="1"):
        command(db_session, "company_hz", "guard", data).run("all_or_nothing")
    db_session.rollback()
    assert db_session.query(Person).filter_by(id_number=good["id_number"]).count() == 0


def test_failure_part_way_saves_nothing(db_session, monkeypatch):
    """An unexpected error at the third row: the first two, already flushed, go with it."""
    rows = [guard_row(db_session) for _ in range(3)]
    db_session.commit()          # the registry entries stay; the import is what rolls back
    data = workbook("guard", db_session, "company_hz", rows)
    real = personnel.add_staff
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) % 3 == 0:   # every third add fails, retried or not
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(personnel, "add_staff", flaky)
    from app.web.transaction import atomic
    with pytest.raises(RuntimeError):
        with atomic(db_session):
            command(db_session, "company_hz", "guard", data).run("valid_rows")
    numbers = [r["id_number"] for r in rows]
    assert db_session.query(Person).filter(Person.id_number.in_(numbers)).count() == 0


def test_update_of_an_existing_person_fills_gaps(db_session):
    number, name = registered(db_session)
    personnel.add_staff(db_session, scope_of(db_session, "school_hz"),
                        unit=unit_of(db_session, "school_hz"), role="student",
                        person={"id_number": number, "name": name},
                        start_date=dt.date(2023, 1, 1))
    db_session.flush()
    row = {"id_number": number, "name": name, "phone": "13900001111",
           "start_date": dt.date(2024, 6, 1)}
    report = command(db_session, "company_hz", "guard",
                     workbook("guard", db_session, "company_hz", [row])).run()
    assert report.rows[0].status == "update" and report.counts["updates"] == 1
    assert db_session.query(Person).filter_by(id_number=number).one().phone == "13900001111"


def test_scope_unit_out_of_reach(db_session):
    data = workbook("guard", db_session, "company_hz", [guard_row(db_session)])
    with pytest.raises(OutOfScope):
        command(db_session, "company_hz", "guard", data,
                unit=unit_of(db_session, "company_nb")).validate()
    # a self-hiring unit imports into its client units
    client = unit_of(db_session, "client_hz")
    data = workbook("guard", db_session, "selfhire_hz", [guard_row(db_session)])
    report = command(db_session, "selfhire_hz", "guard", data, unit=client).validate()
    assert not errors_of(report)


def test_student_training_and_report_workbook(db_session):
    school = unit_of(db_session, "school_hz")
    number, name = registered(db_session, year=2004)
    rows = [{"id_number": number, "name": name, "start_date": dt.date(2024, 9, 1),
             "training_class": "秋季班", "training_start": dt.date(2024, 9, 1),
             "training_end": dt.date(2024, 8, 1), "training_hours": 80}]
    cmd = command(db_session, "school_hz", "student",
                  workbook("student", db_session, "school_hz", rows, unit=school), unit=school)
    report = cmd.validate()
    assert "结束日期" in report.rows[0].errors["training_end"]
    book = openpyxl.load_workbook(io.BytesIO(cmd.report_xlsx()))
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert headers[-1] == "错误说明"
    end = headers.index("培训结束日期") + 1
    cell = sheet.cell(row=2, column=end)
    assert cell.fill.fgColor.rgb.endswith("FFC7CE") and "结束日期" in cell.comment.text
    assert "培训结束日期" in sheet.cell(row=2, column=len(headers)).value
    # the corrected report imports
    sheet.cell(row=2, column=end).value = dt.datetime(2024, 12, 1)
    out = io.BytesIO()
    book.save(out)
    report = command(db_session, "school_hz", "student", out.getvalue(), unit=school).run()
    assert report.counts["added"] == 1
    person = db_session.query(Person).filter_by(id_number=number).one()
    record = db_session.query(TrainingRecord).filter_by(person_id=person.id).one()
    assert record.end_date == dt.date(2024, 12, 1) and record.class_name == "秋季班"


def test_people_are_screened_once_after_the_commit(db_session, monkeypatch):
    """Releasing each row's SAVEPOINT fires after_commit: the imported people must still be
    screened once, after the outer commit (not before it is durable)."""
    from app.services import screening
    calls = []
    monkeypatch.setattr(screening, "dispatch", lambda ids, inline=False: calls.append(ids))
    rows = [guard_row(db_session) for _ in range(2)]
    data = workbook("guard", db_session, "company_hz", rows)
    command(db_session, "company_hz", "guard", data).run("valid_rows")
    assert calls == []
    db_session.commit()
    numbers = [r["id_number"] for r in rows]
    ids = {p.id for p in db_session.query(Person).filter(Person.id_number.in_(numbers))}
    assert len(calls) == 1 and ids <= set(calls[0])


def test_a_refusal_after_the_flush_undoes_only_its_row(db_session, monkeypatch):
    """A staff-added hook refusing a row after its flush (a later check): the chunk is
    redone a SAVEPOINT per row, so only that row is undone and the others are saved."""
    from app.services.errors import RuleViolation as Refusal
    rows = [guard_row(db_session) for _ in range(3)]
    refused = rows[1]["id_number"]

    def hook(session, employment, result):
        if employment.person.id_number == refused:
            raise Refusal("id_number", "背景审查不通过")

    monkeypatch.setattr(personnel, "STAFF_ADDED_HOOKS", [hook])
    from app.services import screening
    calls = []
    monkeypatch.setattr(screening, "dispatch", lambda ids, inline=False: calls.append(ids))
    data = workbook("guard", db_session, "company_hz", rows)
    report = command(db_session, "company_hz", "guard", data).run("valid_rows")
    db_session.commit()
    assert report.counts["added"] == 2 and report.rows[1].errors == {
        "id_number": "背景审查不通过"}
    numbers = [r["id_number"] for r in rows]
    saved = {p.id_number for p in db_session.query(Person).filter(Person.id_number.in_(numbers))}
    assert saved == {rows[0]["id_number"], rows[2]["id_number"]}
    # the two saved guards are screened after the commit, though savepoints rolled back
    ids = {p.id for p in db_session.query(Person).filter(Person.id_number.in_(saved))}
    assert len(calls) == 1 and ids <= set(calls[0])


def test_a_chunk_is_flushed_once_and_a_refusal_at_its_flush_undoes_only_its_row(
        db_session, monkeypatch):
    """The rows of a chunk reach the database in one flush (a flush a row cost more than
    the inserts, docs/import.md). A row the database refuses at that flush (here a hook adds
    a certificate whose number an earlier row holds) sends the chunk back to a SAVEPOINT
    and a flush per row: only that row is refused."""
    from sqlalchemy import event

    flushes = []
    target = db_session()

    def counted(_session, _context):
        flushes.append(1)

    rows = [guard_row(db_session) for _ in range(3)]
    data = workbook("guard", db_session, "company_hz", rows)
    event.listen(target, "after_flush", counted)
    try:
        report = command(db_session, "company_hz", "guard", data).validate()
    finally:
        event.remove(target, "after_flush", counted)
    assert report.counts["ok"] == 3 and len(flushes) == 1

    number = unique_name("驾")
    rows = [guard_row(db_session, cert_driving_licence_number=number),
            guard_row(db_session), guard_row(db_session)]
    clashing = rows[1]["id_number"]

    def hook(session, employment, result):
        if employment.person.id_number == clashing:
            session.add(Certificate(person=employment.person, kind="driving_licence",
                                    number=number, status="valid"))

    monkeypatch.setattr(personnel, "STAFF_ADDED_HOOKS", [hook])
    data = workbook("guard", db_session, "company_hz", rows)
    report = command(db_session, "company_hz", "guard", data).run("valid_rows")
    assert report.counts["added"] == 2
    # shown at the first certificate number column (a company records no 保安员证)
    assert "已被使用" in report.rows[1].errors["cert_driving_licence_number"]
    numbers = [r["id_number"] for r in rows]
    saved = {p.id_number for p in db_session.query(Person).filter(Person.id_number.in_(numbers))}
    assert saved == {rows[0]["id_number"], rows[2]["id_number"]}
