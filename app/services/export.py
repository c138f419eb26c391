"""Excel exports: the rows a user can see under the current filters, written with xlsxwriter
in constant-memory mode (memory stays flat however many rows), each export logged."""
import datetime as dt
import decimal
import json
import os
import tempfile

import xlsxwriter
from flask_babel import gettext as _

from app.models import ExportLog

from app.services.privacy import mask_value

from .idnumber import mask_id_number
from .oplog import append


def cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (int, float)):
        return value
    return str(value)


def resolve(obj, path: str):
    """Value of a dotted attribute path ("unit.name") on an object; None along the way stops."""
    for part in path.split("."):
        if obj is None:
            return None
        obj = getattr(obj, part)
    return obj() if callable(obj) else obj


def write_xlsx(rows, headers, sheet_title="Sheet1", directory=None,
               mask=False) -> tuple[str, int]:
    """Write header + rows to a temporary .xlsx file; returns (path, row count). With `mask`
    (a scope that masks ID numbers) every cell goes through the one value masking of
    app.services.privacy: the file is zipped, so the response hook cannot read it."""
    fd, path = tempfile.mkstemp(suffix=".xlsx", dir=directory)
    os.close(fd)
    # Stored text is data, never a formula or a link: a description "=HYPERLINK(…)" or
    # "http://…" must reach Excel as the text typed (CSV/formula injection).
    workbook = xlsxwriter.Workbook(path, {"constant_memory": True, "tmpdir": directory,
                                          "strings_to_formulas": False,
                                          "strings_to_urls": False,
                                          "strings_to_numbers": False,
                                          "nan_inf_to_errors": True})
    sheet = workbook.add_worksheet(str(sheet_title)[:31] or "Sheet1")
    header_format = workbook.add_format({"bold": True, "bg_color": "#DDEBF7"})
    for col, header in enumerate(headers):
        sheet.write_string(0, col, mask_value(str(header)) if mask else str(header),
                           header_format)
    sheet.freeze_panes(1, 0)
    count = 0
    write_string, write_number = sheet.write_string, sheet.write_number
    for row in rows:
        count += 1
        for col, value in enumerate(row):
            if value.__class__ is not str:   # most cells are text already: no conversion
                value = cell(value)
                if mask:
                    value = mask_value(value)
                if not isinstance(value, str):
                    write_number(count, col, value)
                    continue
            elif mask:
                value = mask_value(value)
            write_string(count, col, value)
    workbook.close()
    return path, count


def rows_from_items(items, columns, masked_columns=()):
    """Row tuples from ORM items, masking ID-number columns when asked."""
    for item in items:
        row = []
        for column in columns:
            value = resolve(item, column)
            if column in masked_columns:
                value = mask_id_number(value)
            row.append(value)
        yield row


def log_export(session, user_id, username, resource, filters, rows):
    """The export log's row, appended to its hash chain (app.services.oplog) in the
    export's transaction."""
    append(session.connection(), ExportLog, dict(
        user_id=user_id, username=username or "", resource=resource,
        filters=json.dumps(filters, ensure_ascii=False, default=str), rows=rows))
