"""Excel import of staff (docs/import.md): the template, and the import command.

Every row is added through `personnel.add_staff` — the 【新增】 form's own path — so the rules are
the form's, in one place: ID number (check digit, date, region), the population-registry
comparison, age, one active full-time guard employment, part-time needs full-time elsewhere,
the role allowed for the unit's kind, certificate numbers unique, authority over certificate
kinds. The import adds only what is about the file: cell types (dates, dropdown codes,
formulas refused), required columns, duplicates inside the file.

    command = StaffImport(session, scope, unit=unit, role="guard", data=xlsx, ...)
    report = command.validate()           # nothing saved (every row tried, then rolled back)
    report = command.run("valid_rows")    # flushes; the caller commits once (or rolls back)

The outcome is that of a SAVEPOINT per row: a refused row is undone alone (rows go a chunk
to a SAVEPOINT and a flush; a file names each person and certificate number once, so no
row's rules depend on another's, docs/import.md). `run("all_or_nothing")` raises
ImportRefused when any row is refused, and any error part-way propagates: the caller's
rollback leaves nothing half-saved. Identity verification and the change log follow from the
session events every add triggers.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.models import (Certificate, ChangeLog, Employment, IdentityCheck, Person,
                        ScreeningEvent, StaffImport as ImportLog, TrainingRecord,
                        WorkExperience)
from app.models.authority import rule_for
from app.models.base import utcnow
from app.models.choices import EDUCATION_LEVELS, EMPLOYMENT_ROLES, ROLES_BY_UNIT_KIND
from app.security import authority
from app.security.authority import AuthorityViolation
from app.security.scope import OutOfScope

from . import personnel, rules, screening
from .errors import RuleViolation
from .idnumber import IdNumberError, parse_id_number
from .registry import Prefetched

MAX_BYTES = 5 * 1024 * 1024       # IMPORT_MAX_BYTES
MAX_ROWS = 5000                   # IMPORT_MAX_ROWS
JOB_THRESHOLD = 500               # IMPORT_JOB_THRESHOLD: more rows run as a job
EXAMPLE_MARK = "示例"              # column A of the template's example rows: ignored
MODES = ("valid_rows", "all_or_nothing")
ZIP_MAGIC = b"PK\x03\x04"

YES_NO = {True: _l("Yes"), False: _l("No")}
DRIVING_CLASSES = ("A1", "A2", "A3", "B1", "B2", "C1", "C2", "C3", "C4", "C5", "D", "E", "F",
                   "M", "N", "P")
VOCATIONAL_LEVELS = ("五级/初级工", "四级/中级工", "三级/高级工", "二级/技师", "一级/高级技师")


@dataclass(frozen=True)
class Col:
    key: str
    label: object
    kind: str = "text"           # text | date | choice | bool | int | list
    required: bool = False
    width: int = 14
    choices: dict | tuple | None = None   # choice: {code: label}; list: suggested values


NUMBER_COL = Col("seq", _l("No."), width=8)
BASIC = (
    Col("id_number", _l("ID number"), required=True, width=22),
    Col("name", _l("Full name"), required=True),
    Col("registry_confirmed", _l("Identity checked against the document"), "bool", width=16),
    Col("phone", _l("Phone"), width=15),
    Col("ethnicity", _l("Ethnicity"), width=10),
    Col("education", _l("Education"), "choice", choices=EDUCATION_LEVELS),
    Col("household_address", _l("Household address"), width=30),
    Col("residence_address", _l("Residence address"), width=30),
)
ROLE_COL = Col("role", _l("Staff type"), "choice", required=True, choices=EMPLOYMENT_ROLES)
WORK = (
    Col("position", _l("Position")),
    Col("start_date", _l("Start date"), "date", required=True, width=13),
)
KEY_MANAGER = Col("key_manager", _l("Key manager"), "bool", width=12)
CERTIFICATES = {   # kind → its columns (a user sees the kinds they may record)
    "guard": (Col("cert_guard_number", _l("Guard certificate number"), width=18),
              Col("cert_guard_issued_on", _l("Guard certificate issue date"), "date")),
    "firearm_permit": (Col("cert_firearm_permit_number", _l("Firearm permit number"),
                           width=18),),
    "driving_licence": (Col("cert_driving_licence_number", _l("Driving licence number"),
                            width=20),
                        Col("cert_driving_licence_level", _l("Driving class"), "list",
                            choices=DRIVING_CLASSES)),
    "vocational_level": (Col("cert_vocational_level_number",
                             _l("Vocational level certificate number"), width=20),
                         Col("cert_vocational_level_level", _l("Vocational level"), "list",
                             choices=VOCATIONAL_LEVELS)),
    "fire_control": (Col("cert_fire_control_number", _l("Fire-control certificate number"),
                         width=20),),
}
TRAINING = (
    Col("training_class", _l("Training class"), width=18),
    Col("training_start", _l("Training start"), "date"),
    Col("training_end", _l("Training end"), "date"),
    Col("training_hours", _l("Training hours"), "int"),
    Col("training_result", _l("Training result")),
)
EXPERIENCE = (
    Col("work_employer", _l("Former employer"), width=24),
    Col("work_position", _l("Position held")),
    Col("work_start", _l("Worked from"), "date"),
    Col("work_end", _l("Worked until"), "date"),
)
# Which sections each list's template has (as the 【新增】 page of the list).
SECTIONS = {
    "guard": ("certificates",),
    "part_time_guard": ("certificates",),
    "other_staff": ("key_manager",),
    "student": ("training",),
    "instructor": ("certificates", "experience"),
    None: ("role", "key_manager", "certificates"),   # the unit's 从业人员 tab
}
# RuleViolation fields of add_staff → the column showing them.
FIELD_COLUMN = {"person": "id_number", "start": "start_date", "end_date": "start_date",
                "training_end": "training_end", "work_employer": "work_employer",
                "work_start": "work_start", "work_end": "work_end"}


# What the rows of an import create (and load): dropped from the session after each chunk.
_DROPPED = (Person, Employment, Certificate, ChangeLog, IdentityCheck, ScreeningEvent,
            TrainingRecord, WorkExperience)
CHUNK = 100   # rows per SAVEPOINT (a refusal at a flush redoes its chunk row by row)


class _Redo(Exception):
    """A chunk must be redone a row at a time (an error at or after a flush)."""


class ImportRefused(Exception):
    """The file cannot be imported (its type, size, rows, headers; or, with
    all_or_nothing, a row was refused). str(e) is Chinese, fit for the clerk."""


def settings(config) -> dict:
    return {"max_bytes": int(config.get("IMPORT_MAX_BYTES", MAX_BYTES)),
            "max_rows": int(config.get("IMPORT_MAX_ROWS", MAX_ROWS)),
            "job_threshold": int(config.get("IMPORT_JOB_THRESHOLD", JOB_THRESHOLD))}


def certificate_kinds(scope) -> list:
    """The certificate kinds the user records (a unit: not the police's 保安员证 or permit)."""
    author = authority.author_of(scope)
    return [kind for kind in CERTIFICATES
            if rule_for(Certificate, value=kind).allows(author, authority.CREATE)]


def columns(role, scope, unit=None) -> list[Col]:
    """The template's columns for `role` (None: the unit tab, with a 人员类别 column)."""
    sections = SECTIONS[role]
    cols = [NUMBER_COL, *BASIC]
    if "role" in sections:
        allowed = ROLES_BY_UNIT_KIND.get(unit.kind, ()) if unit is not None else EMPLOYMENT_ROLES
        cols.append(Col("role", ROLE_COL.label, "choice", required=True,
                        choices={r: EMPLOYMENT_ROLES[r] for r in allowed}))
    cols.extend(WORK)
    if "key_manager" in sections:
        cols.append(KEY_MANAGER)
    if "certificates" in sections:
        for kind in certificate_kinds(scope):
            cols.extend(CERTIFICATES[kind])
    if "training" in sections:
        cols.extend(TRAINING)
    if "experience" in sections:
        cols.extend(EXPERIENCE)
    return cols


def header_text(col: Col) -> str:
    return f"{col.label}*" if col.required else str(col.label)


# ------------------------------------------------------------------ writing workbooks

def _sheet_formats(book):
    return {
        "header": book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1,
                                   "text_wrap": True, "valign": "vcenter"}),
        "required": book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1,
                                     "font_color": "#C00000", "text_wrap": True,
                                     "valign": "vcenter"}),
        "text": book.add_format({"num_format": "@"}),
        "date": book.add_format({"num_format": "yyyy-mm-dd"}),
        "example": book.add_format({"font_color": "#808080", "italic": True,
                                    "num_format": "@"}),
        "example_date": book.add_format({"font_color": "#808080", "italic": True,
                                         "num_format": "yyyy-mm-dd"}),
        "bad": book.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006",
                                "num_format": "@"}),
        "bad_date": book.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006",
                                     "num_format": "yyyy-mm-dd"}),
        "note": book.add_format({"font_color": "#9C0006", "text_wrap": True}),
    }


def _validate_column(sheet, index, col: Col, last_row):
    """The dropdown (data validation) of a coded column, a date or number check else."""
    first = 1
    if col.kind in ("choice", "bool", "list"):
        values = ([str(v) for v in col.choices.values()] if col.kind == "choice"
                  else [str(v) for v in YES_NO.values()] if col.kind == "bool"
                  else list(col.choices))
        sheet.data_validation(first, index, last_row, index, {
            "validate": "list", "source": values,
            # 准驾车型 and 等级 suggest the usual values; other text is accepted (as the form)
            "error_type": "warning" if col.kind == "list" else "stop",
            "error_title": _("Choose from the list"),
            "error_message": _("Choose a value from the dropdown list.")})
    elif col.kind == "date":
        sheet.data_validation(first, index, last_row, index, {
            "validate": "date", "criteria": "between",
            "minimum": dt.date(1900, 1, 1), "maximum": dt.date(2100, 12, 31),
            "error_title": _("Date"),
            "error_message": _("Enter a date such as 2024-05-01.")})
    elif col.kind == "int":
        sheet.data_validation(first, index, last_row, index, {
            "validate": "integer", "criteria": ">=", "value": 0,
            "error_message": _("Enter a whole number of zero or more.")})


def _write_headers(book, sheet, cols, fmt, last_row, extra=()):
    sheet.freeze_panes(1, 0)
    sheet.set_row(0, 32)
    for index, col in enumerate(cols):
        if col is None:
            continue
        sheet.write_string(0, index, header_text(col), fmt["required" if col.required
                                                            else "header"])
        sheet.set_column(index, index, col.width, fmt["date" if col.kind == "date"
                                                     else "text"])
        _validate_column(sheet, index, col, last_row)
    for offset, (title, width) in enumerate(extra):
        index = len(cols) + offset
        sheet.write_string(0, index, title, fmt["required"])
        sheet.set_column(index, index, width)


def _cell_text(col, value):
    if value is None:
        return ""
    if col is not None and col.kind == "bool" and isinstance(value, bool):
        return str(YES_NO[value])
    if col is not None and col.kind == "choice" and value in col.choices:
        return str(col.choices[value])
    return value


def _write_cell(sheet, row, index, col, value, fmt, style="text"):
    value = _cell_text(col, value)
    if isinstance(value, (dt.date, dt.datetime)):
        sheet.write_datetime(row, index, value, fmt[style + "_date" if style != "text"
                                                   else "date"])
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        sheet.write_number(row, index, value, None if style == "text" else fmt[style])
    elif value in ("", None):
        if style != "text":
            sheet.write_blank(row, index, None, fmt[style])
    else:
        sheet.write_string(row, index, str(value), fmt[style] if style != "text" else None)


def _examples(cols, role):
    """Two example rows (ignored by the import): a made-up, well-formed identity."""
    base = {"seq": EXAMPLE_MARK, "id_number": "330102199003070013", "name": "张三",
            "registry_confirmed": False, "phone": "13800000000", "ethnicity": "汉族",
            "education": "senior", "household_address": "浙江省杭州市上城区示例路1号",
            "residence_address": "浙江省杭州市上城区示例路1号",
            "role": role or "guard", "position": "门岗", "start_date": dt.date(2024, 5, 1),
            "key_manager": False, "cert_driving_licence_number": "330102199003070013",
            "cert_driving_licence_level": "C1", "training_class": "2024年第一期初任培训班",
            "training_start": dt.date(2024, 5, 1), "training_end": dt.date(2024, 5, 31),
            "training_hours": 120, "training_result": "合格",
            "work_employer": "某某保安服务有限公司", "work_position": "教官",
            "work_start": dt.date(2018, 3, 1), "work_end": dt.date(2023, 12, 31)}
    second = dict(base, id_number="33010219920615002X", name="李四", education="college",
                  registry_confirmed=True, position="巡逻", key_manager=True,
                  cert_driving_licence_number="", cert_driving_licence_level="")
    return [base, second]


def template(role, scope, unit=None) -> bytes:
    """【下载导入模板】: the import sheet (Chinese headers, required columns marked *, a dropdown
    for every coded field, dates formatted, ID numbers as text), two example rows marked 示例
    in column A that the import ignores, and an instructions sheet."""
    import xlsxwriter

    cols = columns(role, scope, unit)
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    fmt = _sheet_formats(book)
    sheet = book.add_worksheet(_("Import data"))
    _write_headers(book, sheet, cols, fmt, MAX_ROWS + 10)
    for r, example in enumerate(_examples(cols, role), start=1):
        for index, col in enumerate(cols):
            _write_cell(sheet, r, index, col, example.get(col.key), fmt, "example")
    _instructions(book, cols, role, unit)
    book.close()
    return out.getvalue()


def _instructions(book, cols, role, unit):
    sheet = book.add_worksheet(_("Instructions"))
    bold = book.add_format({"bold": True})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 1, 90)
    title = str(EMPLOYMENT_ROLES[role]) if role else _("Staff")
    lines = [
        (_("Import template"), title + (f"（{unit.name}）" if unit is not None else "")),
        (_("How to fill in"), _(
            "Fill one person per row on the first sheet, from row 4 on (or overwrite the "
            "examples). Rows whose first column reads 示例 are examples and are not imported.")),
        (_("Required columns"), _("Columns whose title ends with * must be filled in.")),
        (_("Dropdowns"), _("Coded columns have a dropdown list: choose a value from it.")),
        (_("Dates"), _("Enter dates as dates (e.g. 2024-05-01).")),
        (_("ID numbers"), _("Enter ID numbers as text (18 characters); gender, birth date and "
                            "household region are taken from the ID number.")),
        (_("Formulas"), _("Formulas are not calculated: a cell holding a formula is refused. "
                          "Paste values only.")),
        (_("Identity check"), _(
            "If the name does not match the population registry, check the identity document "
            "and choose 是 in the column of the identity check to save it as entered.")),
        (_("Limits"), _("At most %(rows)s rows and %(mb)s MB per file.", rows=MAX_ROWS,
                        mb=MAX_BYTES // (1024 * 1024))),
        (_("After uploading"), _(
            "The system checks every row with the rules of the add form and shows a preview; "
            "download the report to see each error beside its cell, correct the file and "
            "upload it again.")),
    ]
    for r, (head, text) in enumerate(lines):
        sheet.write_string(r, 0, str(head), bold)
        sheet.write_string(r, 1, str(text), wrap)
    r = len(lines) + 1
    sheet.write_string(r, 0, _("Column"), bold)
    sheet.write_string(r, 1, _("Allowed values"), bold)
    for col in cols:
        if col.kind in ("choice", "bool", "list"):
            r += 1
            values = (col.choices.values() if col.kind == "choice" else YES_NO.values()
                      if col.kind == "bool" else col.choices)
            sheet.write_string(r, 0, str(col.label))
            sheet.write_string(r, 1, "、".join(str(v) for v in values), wrap)


# ------------------------------------------------------------------ reading

@dataclass
class Row:
    number: int                    # the sheet's row number (1-based, as Excel shows it)
    cells: list                    # raw values in the sheet's column order
    values: dict = field(default_factory=dict)     # key → parsed value
    errors: dict = field(default_factory=dict)     # key ("" = the row) → Chinese message
    status: str = "ok"             # ok | update | error
    added: bool = False
    id_number: str | None = None   # normalised, once the number parsed

    def error(self, key, message):
        self.errors.setdefault(key or "", str(message))
        self.status = "error"

    def as_json(self, labels):
        return {"row": self.number, "status": self.status,
                "name": self.values.get("name") or "",
                "errors": [{"column": str(labels.get(k, "")), "field": k or None,
                            "message": m} for k, m in self.errors.items()]}


@dataclass
class Report:
    file_errors: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    headers: list = field(default_factory=list)      # the sheet's header texts
    keys: list = field(default_factory=list)         # column key per header (None: unknown)
    saved: bool = False

    @property
    def counts(self):
        read = len(self.rows)
        refused = sum(1 for r in self.rows if r.status == "error")
        return {"read": read, "ok": read - refused, "refused": refused,
                "updates": sum(1 for r in self.rows if r.status == "update"),
                "added": sum(1 for r in self.rows if r.added)}

    def as_json(self, cols):
        labels = {c.key: c.label for c in cols}
        return {"file_errors": self.file_errors, "counts": self.counts, "saved": self.saved,
                "rows": [r.as_json(labels) for r in self.rows]}


_SPACE = re.compile(r"\s+")


def _header_key(text, by_header):
    text = _SPACE.sub("", str(text or "")).rstrip("*＊")
    return by_header.get(text)


def check_file(data: bytes, limits: dict):
    """Type by content: an .xlsx is a zip holding xl/workbook.xml; macros refused."""
    if len(data) > limits["max_bytes"]:
        raise ImportRefused(_("The file is larger than %(mb)s MB.",
                              mb=limits["max_bytes"] // (1024 * 1024)))
    if not data.startswith(ZIP_MAGIC):
        raise ImportRefused(_("The file is not an Excel workbook (.xlsx); use the template."))
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except zipfile.BadZipFile:
        raise ImportRefused(_("The file is not an Excel workbook (.xlsx); use the template."))
    if "xl/workbook.xml" not in names:
        raise ImportRefused(_("The file is not an Excel workbook (.xlsx); use the template."))
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise ImportRefused(_("The workbook contains macros; save it as .xlsx without "
                              "macros."))


def read_rows(data: bytes, cols, limits: dict) -> Report:
    """The first sheet: the header row maps columns by their titles (order free, unknown
    columns ignored), then each non-empty row that is not an example. Read-only mode, formulas
    kept as formulas (never evaluated)."""
    import openpyxl

    check_file(data, limits)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False,
                                      keep_vba=False, keep_links=False)
    except Exception:
        raise ImportRefused(_("The workbook cannot be read; save it again as .xlsx."))
    report = Report()
    try:
        sheet = book.worksheets[0]
        by_header = {_SPACE.sub("", str(c.label)): c.key for c in cols}
        rows = sheet.iter_rows()
        header = next(rows, None)
        if header is None:
            raise ImportRefused(_("The first sheet is empty."))
        report.headers = [c.value for c in header]
        report.keys = [_header_key(h, by_header) for h in report.headers]
        missing = [str(c.label) for c in cols if c.required and c.key not in report.keys]
        if missing:
            raise ImportRefused(_("Columns missing: %(columns)s. Use the template.",
                                  columns="、".join(missing)))
        for number, cells in enumerate(rows, start=2):
            values = [(c.value, getattr(c, "data_type", None)) for c in cells]
            if all(v in (None, "") or (isinstance(v, str) and not v.strip())
                   for v, _t in values):
                continue
            first = values[0][0] if values else None
            if isinstance(first, str) and first.strip() == EXAMPLE_MARK:
                continue
            if len(report.rows) >= limits["max_rows"]:
                raise ImportRefused(_("The file has more than %(rows)s rows; split it.",
                                      rows=limits["max_rows"]))
            report.rows.append(Row(number, values))
    finally:
        book.close()
    if not report.rows:
        raise ImportRefused(_("The file has no rows to import."))
    return report


_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def _parse_date(value):
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        from openpyxl.utils.datetime import from_excel
        if 1 <= value <= 73050:   # 1900 … 2100 as an Excel serial number
            return from_excel(value).date()
        raise ValueError
    text = str(value).strip()
    match = _DATE_TEXT.match(text)
    if match:
        return dt.date(*map(int, match.groups()))
    if re.fullmatch(r"\d{8}", text):
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    raise ValueError


def _parse(col: Col, value, data_type, row: Row):
    """A cell's value for its column, or an error at the cell (None for empty)."""
    if data_type == "f" or (isinstance(value, str) and value.startswith("=")):
        row.error(col.key, _("This cell holds a formula; formulas are not calculated. "
                             "Enter the value itself."))
        return None
    if value is None or (isinstance(value, str) and not value.strip()):
        if col.required:
            row.error(col.key, _("Required: fill in %(column)s.", column=col.label))
        return None
    if col.kind == "date":
        try:
            return _parse_date(value)
        except (ValueError, OverflowError):
            row.error(col.key, _("Enter a date such as 2024-05-01."))
            return None
    if col.kind == "int":
        try:
            number = float(value)
            if number < 0 or number != int(number):
                raise ValueError
            return int(number)
        except (TypeError, ValueError):
            row.error(col.key, _("Enter a whole number of zero or more."))
            return None
    if isinstance(value, float) and value == int(value):
        value = int(value)
    text = _SPACE.sub(" ", str(value)).strip()
    if col.key == "id_number" and isinstance(value, (int, float)):
        row.error(col.key, _("Enter the ID number as text: a number cell loses its last "
                             "digits."))
        return None
    if col.kind == "bool":
        if text in (str(YES_NO[True]), "Y", "y", "1", "TRUE", "True", "true", "是的"):
            return True
        if text in (str(YES_NO[False]), "N", "n", "0", "FALSE", "False", "false"):
            return False
        row.error(col.key, _("Choose 是 or 否."))
        return None
    if col.kind == "choice":
        by_label = {str(v): k for k, v in col.choices.items()}
        code = by_label.get(text) or (text if text in col.choices else None)
        if code is None:
            row.error(col.key, _("Choose a value from the dropdown list."))
        return code
    return text


# ------------------------------------------------------------------ the command

def open_transaction(session):
    """pysqlite (legacy transaction control) begins a transaction only before a write: a
    SAVEPOINT outside one starts its own, and its RELEASE commits the rows before a later
    failure could undo them. Begin explicitly first (PostgreSQL is in one already)."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        if not connection.connection.dbapi_connection.in_transaction:
            connection.exec_driver_sql("BEGIN")


class StaffImport:
    """Import staff from an uploaded workbook into `unit` as `role` (None: the unit tab's
    template, each row naming its 人员类别). `scope` decides as on the add form: add_staff
    refuses a unit out of the user's write scope (OutOfScope → the caller's 404)."""

    def __init__(self, session, scope, *, unit, role, data: bytes, file_name: str,
                 registry=None, config=None):
        self.session, self.scope, self.unit, self.role = session, scope, unit, role
        self.data, self.file_name = data, (file_name or "import.xlsx")[:200]
        self._registry = registry   # batched per file in _go (Prefetched)
        self.registry = registry
        self.limits = settings(config or {})
        self.cols = columns(role, scope, unit)
        self.report: Report | None = None

    # -------------------------------------------------------------- public

    def validate(self, progress=None) -> Report:
        """Read the file and try every row; nothing is saved: the tries run in a SAVEPOINT
        rolled back at the end, with screening suspended (no case opens for a try)."""
        open_transaction(self.session)
        outer = self.session.begin_nested()
        try:
            with screening.suspended(self.session):
                return self._go(progress)
        finally:
            outer.rollback()

    def run(self, mode="valid_rows", progress=None) -> Report:
        """Validate and save in the caller's transaction (the caller commits). With
        all_or_nothing any refused row raises ImportRefused: the caller rolls back."""
        if mode not in MODES:
            raise RuleViolation("mode", _("Choose how to import."))
        report = self._go(progress)
        counts = report.counts
        if counts["refused"] and mode == "all_or_nothing":
            raise ImportRefused(_("%(n)s rows have errors: nothing was imported.",
                                  n=counts["refused"]))
        report.saved = True
        return report

    def log(self, user, mode=None, status=None) -> ImportLog:
        """The import log row (导入记录) of this file, with the counts of its report."""
        counts = self.report.counts if self.report else {}
        entry = ImportLog(user_id=user.id, username=user.username, unit_id=self.unit.id,
                          role=self.role, file_name=self.file_name, mode=mode,
                          status=status or ("done" if self.report and self.report.saved
                                            else "previewed"),
                          rows_read=counts.get("read", 0), rows_ok=counts.get("ok", 0),
                          rows_added=counts.get("added", 0),
                          rows_updated=sum(1 for r in self.report.rows
                                           if r.added and r.status == "update")
                          if self.report else 0,
                          rows_refused=counts.get("refused", 0),
                          preview=json.dumps(self.report.as_json(self.cols),
                                             ensure_ascii=False) if self.report else None)
        if entry.status in ("done", "refused"):
            entry.finished_at = utcnow()
        self.session.add(entry)
        return entry

    def as_json(self):
        return self.report.as_json(self.cols)

    # -------------------------------------------------------------- the rows

    def _go(self, progress):
        # every row goes to this unit: its scope is checked once, not by each add_staff
        personnel.check_unit(self.session, self.scope, self.unit)
        open_transaction(self.session)
        report = self.report = read_rows(self.data, self.cols, self.limits)
        by_key = {c.key: c for c in self.cols}
        seen_ids, seen_certs = {}, {}
        total = len(report.rows)
        for row in report.rows:
            for index, key in enumerate(report.keys):
                if key is None or key == "seq":
                    continue
                value, data_type = row.cells[index] if index < len(row.cells) else (None, None)
                row.values[key] = _parse(by_key[key], value, data_type, row)
            self._duplicates(row, seen_ids, seen_certs)
        self._people = self._people_registered(seen_ids)
        self._registered = {n for n, pk in self._people.items() if pk is not None}
        # the registry answers for the whole file in one batch; add_staff asks it per row
        self._registry = (Prefetched(self.registry, seen_ids) if self.registry is not None
                          else None)
        done = 0
        for start in range(0, total, CHUNK):
            chunk = report.rows[start:start + CHUNK]
            self._add_chunk([row for row in chunk if row.status != "error"])
            # Each new employment is appended to the unit's unloaded `employments` backref
            # as a pending mutation that every later flush walks again (quadratic over a
            # long file); the rows are flushed, so the pending list can go.
            if inspect(self.unit).persistent:
                self.session.expire(self.unit, ["employments"])
            self._let_go()
            done += len(chunk)
            if progress is not None:
                progress(done, total)
        return report

    def _add_chunk(self, rows):
        """The rows of a chunk in one SAVEPOINT and one flush. The rows of a file are about
        distinct people and certificate numbers (duplicates are refused first), so no row's
        rules read what another row of the chunk writes: they can wait for one flush (a
        flush a row cost more than the inserts, docs/import.md). A row refused before
        anything of it reached the session or the database (add_staff drops its own objects
        then) needs no rollback; anything else — a refusal leaving objects behind (a
        staff-added hook), an error at a flush — rolls the chunk back and redoes it a
        SAVEPOINT and a flush per row, so the outcome is that of one SAVEPOINT per row."""
        session = self.session
        flushes = [0]

        def counted(_session, _context):
            flushes[0] += 1

        # the Session itself (a scoped_session is a registry of them)
        target = session if isinstance(session, Session) else session()
        noticed = screening.people_noticed(session)
        chunk = session.begin_nested()
        event.listen(target, "after_flush", counted)
        try:
            for row in rows:
                before, pending = flushes[0], len(session.new)
                try:
                    self._add_staff(row, flush=False)
                except (RuleViolation, AuthorityViolation) as violation:
                    if flushes[0] != before or len(session.new) != pending:
                        raise _Redo()
                    self._refuse(row, violation)
                except OutOfScope:
                    raise
                except Exception:
                    raise _Redo()
            try:
                session.flush()
            except Exception:
                raise _Redo()
        except _Redo:
            event.remove(target, "after_flush", counted)
            with screening.held_for_outer_commit(session, restore=noticed):
                chunk.rollback()
            for row in rows:
                row.errors.clear()
                row.status, row.added = "ok", False
            for row in rows:
                self._add(row)
            return
        except BaseException:
            event.remove(target, "after_flush", counted)
            with screening.held_for_outer_commit(session, restore=noticed):
                chunk.rollback()
            raise
        event.remove(target, "after_flush", counted)
        with screening.held_for_outer_commit(session):
            chunk.commit()
        for row in rows:
            if row.status != "error":
                row.added = True
                row.status = "update" if row.id_number in self._registered else "ok"

    def _let_go(self):
        """Drop the flushed rows' objects from the session after each chunk: their rows are
        in the transaction, nothing reads them again, and a session holding a whole file's
        people, employments, cases and change-log rows makes every later flush and garbage
        collection slower (the import grew quadratic without this)."""
        session = self.session
        if session.new or session.dirty or session.deleted:
            return
        for obj in list(session.identity_map.values()):
            if isinstance(obj, _DROPPED) and obj is not self.unit:
                session.expunge(obj)

    def _people_registered(self, numbers) -> dict:
        """{ID number: person id, or None} for the file's numbers: who is already in the
        system (the preview's "updates an existing person"; add_staff's look-up of the
        person, handed to it), in a few queries rather than one a row."""
        numbers = list(numbers)
        found = dict.fromkeys(numbers)
        for start in range(0, len(numbers), 500):
            found.update(self.session.execute(select(Person.id_number, Person.id).where(
                Person.id_number.in_(numbers[start:start + 500]))).all())
        return found

    def _duplicates(self, row, seen_ids, seen_certs):
        number = row.values.get("id_number")
        if number and "id_number" not in row.errors:
            try:
                number = row.id_number = parse_id_number(number).number
            except IdNumberError as exc:
                row.error("id_number", str(exc))
                return
            if number in seen_ids:
                row.error("id_number", _("The same ID number is in row %(row)s of this file.",
                                         row=seen_ids[number]))
            else:
                seen_ids[number] = row.number
        for kind in CERTIFICATES:
            key = f"cert_{kind}_number"
            cert = row.values.get(key)
            if not cert:
                continue
            if (kind, cert) in seen_certs:
                row.error(key, _("The same certificate number is in row %(row)s of this "
                                 "file.", row=seen_certs[(kind, cert)]))
            else:
                seen_certs[(kind, cert)] = row.number

    def _refuse(self, row, violation):
        field_name = getattr(violation, "field", None)
        message = getattr(violation, "message", None) or str(violation)
        row.error(self._column(field_name), message)

    def _add(self, row):
        """One row in a SAVEPOINT of its own (the fallback of _add_chunk)."""
        session = self.session
        noticed = screening.people_noticed(session)
        savepoint = session.begin_nested()

        def undo():
            with screening.held_for_outer_commit(session, restore=noticed):
                savepoint.rollback()
        try:
            self._add_staff(row)
        except (RuleViolation, AuthorityViolation) as violation:
            undo()
            self._refuse(row, violation)
            return
        except IntegrityError as exc:
            undo()
            self._refuse(row, rules.violation_from_integrity_error(exc))
            return
        except BaseException:
            undo()
            raise
        with screening.held_for_outer_commit(session):
            savepoint.commit()
        row.added = True
        row.status = "update" if row.id_number in self._registered else "ok"

    def _add_staff(self, row, flush=True):
        v = row.values
        role = self.role or v.get("role")
        certificates = []
        for kind in CERTIFICATES:
            if v.get(f"cert_{kind}_number"):
                certificates.append({"kind": kind, "number": v[f"cert_{kind}_number"],
                                     "level": v.get(f"cert_{kind}_level"),
                                     "issued_on": v.get(f"cert_{kind}_issued_on")})
        person = {k: v.get(k) for k in ("id_number", "name", "phone", "ethnicity",
                                        "education", "household_address",
                                        "residence_address")}
        training = earlier = None
        if "training" in SECTIONS[self.role]:
            training = {"class_name": v.get("training_class"),
                        "start_date": v.get("training_start"),
                        "end_date": v.get("training_end"), "hours": v.get("training_hours"),
                        "result": v.get("training_result")}
        if "experience" in SECTIONS[self.role]:
            earlier = {"employer": v.get("work_employer"), "position": v.get("work_position"),
                       "start_date": v.get("work_start"), "end_date": v.get("work_end")}
        session = self.session
        personnel.add_staff(
            session, self.scope, unit=self.unit, role=role, person=person,
            start_date=v.get("start_date"), position=v.get("position"),
            key_manager=bool(v.get("key_manager")), certificates=certificates,
            registry=self._registry, registry_confirmed=bool(v.get("registry_confirmed")),
            training=training, earlier_work=earlier, people=self._people, flush=flush,
            unit_checked=True)
        if flush:
            session.flush()   # what the staff-added hooks added, refused at this row

    def _column(self, field_name):
        keys = [c.key for c in self.cols]   # in the template's order: the first certificate
        key = FIELD_COLUMN.get(field_name, field_name)
        if key == "role" and "role" not in keys:
            return ""
        if key in ("number",) or (key and key.startswith("cert_") and key not in keys):
            return next((k for k in keys if k.startswith("cert_") and k.endswith("_number")),
                        "")
        return key if key in keys else ""

    # -------------------------------------------------------------- the report

    def report_xlsx(self) -> bytes:
        """The uploaded sheet as read, with a 错误说明 column and the refused cells
        highlighted (each with its message as a comment); the clerk corrects this file and
        uploads it again (the 错误说明 column is ignored on upload)."""
        return report_workbook(self.report, self.cols)


def report_workbook(report: Report, cols) -> bytes:
    import xlsxwriter

    by_key = {c.key: c for c in cols}
    sheet_cols = [by_key.get(k) if k else None for k in report.keys]
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    fmt = _sheet_formats(book)
    sheet = book.add_worksheet(_("Import data"))
    last = len(report.rows) + 10
    _write_headers(book, sheet, sheet_cols, fmt, last,
                   extra=[(_("Error description"), 60)])
    for index, (key, title) in enumerate(zip(report.keys, report.headers)):
        if key is None:
            sheet.write(0, index, title, fmt["header"])
    note_col = len(report.keys)
    for r, row in enumerate(report.rows, start=1):
        for index, (value, _t) in enumerate(row.cells[:len(report.keys)]):
            key = report.keys[index]
            col = sheet_cols[index]
            bad = key in row.errors if key else False
            shown = value
            if col is not None and key in row.values and row.values[key] is not None \
                    and col.kind in ("date",):
                shown = row.values[key]
            _write_cell(sheet, r, index, col, shown, fmt, "bad" if bad else "text")
            if bad:
                sheet.write_comment(r, index, row.errors[key])
        for index, key in enumerate(report.keys):
            if key and key in row.errors and index >= len(row.cells):
                sheet.write_blank(r, index, None, fmt["bad"])
        if row.errors:
            labels = {c.key: str(c.label) for c in cols}
            text = "；".join(f"{labels[k]}：{m}" if k in labels else m
                            for k, m in row.errors.items())
            sheet.write_string(r, note_col, text, fmt["note"])
    book.close()
    return out.getvalue()


def stored_report(data: bytes, cols, preview: str, limits: dict) -> bytes:
    """The report workbook of an import already checked: the file read again, each row's
    errors from the stored validation (JSON), no rule run again."""
    report = read_rows(data, cols, limits)
    stored = json.loads(preview or "{}")
    errors = {r["row"]: r for r in stored.get("rows", [])}
    for row in report.rows:
        entry = errors.get(row.number)
        if entry is None:
            continue
        row.status = entry["status"]
        for error in entry["errors"]:
            row.errors[error["field"] or ""] = error["message"]
    return report_workbook(report, cols)
