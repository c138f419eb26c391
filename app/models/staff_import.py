"""导入记录: one row per Excel import of staff (docs/import.md) — who, which file, into which
unit and list, the rows read / added / updated / refused. Written by the import service only;
the uploaded file is kept here for the clerk's 【确认导入】 and for the report download (the
report is the file with the stored errors beside the cells)."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import (Column, DateTime, ForeignKey, Index, Integer, LargeBinary, String,
                        Text)

from .authority import SYSTEM_RECORD
from .base import Model, utcnow
from .choices import code_label

IMPORT_STATUSES = {
    "checking": _l("Being checked"),
    "previewed": _l("Checked, awaiting confirmation"),
    "queued": _l("Queued"),
    "done": _l("Imported"),
    "refused": _l("Not imported"),
    "failed": _l("Failed"),
}
IMPORT_MODES = {
    "valid_rows": _l("Import only the rows without errors"),
    "all_or_nothing": _l("Import only if every row is without errors"),
}


class StaffImport(Model):
    __tablename__ = "staff_import"
    __authority__ = SYSTEM_RECORD   # written by the import service, never by hand
    __scope__ = ("admin_only",)     # the uploader reads their own through the import pages

    id = Column(Integer, primary_key=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    finished_at = Column(DateTime)
    user_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False)
    username = Column(String(100), nullable=False)
    unit_id = Column(Integer, ForeignKey("unit.id"), nullable=False)
    role = Column(String(20))            # None: the unit tab's template (a 人员类别 column)
    file_name = Column(String(200), nullable=False)
    status = Column(String(12), nullable=False, default="previewed")
    mode = Column(String(16))
    rows_read = Column(Integer, nullable=False, default=0)
    rows_ok = Column(Integer, nullable=False, default=0)
    rows_added = Column(Integer, nullable=False, default=0)
    rows_updated = Column(Integer, nullable=False, default=0)
    rows_refused = Column(Integer, nullable=False, default=0)
    content = Column(LargeBinary)        # the uploaded file (the report is built from it)
    preview = Column(Text)               # the validation report (JSON)
    message = Column(String(300))

    __table_args__ = (Index("ix_staff_import_user", "user_id", "created_at"),)

    status_label = code_label("status", IMPORT_STATUSES)
    mode_label = code_label("mode", IMPORT_MODES)
