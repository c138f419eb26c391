"""The Excel import of staff as the pages (app/views/staff_import.py) and REST
(app/api/staff.py) run it (docs/import.md): check an upload into an import log row, confirm
it — synchronously, or above IMPORT_JOB_THRESHOLD rows as a job of 我的任务 with its progress —
and build the report. The rules are app.services.staff_import's (those of 【新增】)."""
import json

from flask import current_app
from flask_babel import gettext as _

from app.extensions import db
from app.models import AppUser, StaffImport as ImportLog, Unit
from app.models.base import utcnow
from app.security.scope import OutOfScope, get_scoped, in_scope, scope_for_user
from app.services import jobs, staff_import
from app.services.registry import get_registry
from app.services.staff_import import ImportRefused, StaffImport
from app.web.transaction import atomic

JOB_KIND = "import"   # app.models.job.JOB_KINDS: 导入


def target_unit(session, unit_id, scope):
    """The unit imported into: the one asked for, within the user's write scope (404 else),
    or a unit user's own unit."""
    if unit_id:
        return get_scoped(session, Unit, unit_id, write=True)
    if scope.is_unit_user and scope.unit_id:
        return session.get(Unit, scope.unit_id)
    return None


def command(session, user, unit, role, data, file_name):
    return StaffImport(session, scope_for_user(user), unit=unit, role=role, data=data,
                       file_name=file_name, registry=get_registry(session, current_app.config),
                       config=current_app.config)


def check_upload(session, user, unit, role, data, file_name, background=False):
    """Validate the upload (nothing saved) and log it as `previewed` with its report; with
    `background`, a file above IMPORT_JOB_THRESHOLD rows is logged as `checking` and checked
    by a job (returned) whose progress 我的任务 shows. File-level refusals (ImportRefused) and
    OutOfScope propagate; nothing is logged then. Returns (log row, job or None)."""
    cmd = command(session, user, unit, role, data, file_name)
    if background:
        rows = len(staff_import.read_rows(data, cmd.cols, cmd.limits).rows)
        if rows > cmd.limits["job_threshold"]:
            if unit is None or not in_scope(session, unit, write=True,
                                             scope=scope_for_user(user)):
                raise OutOfScope()
            with atomic(session):
                entry = ImportLog(user_id=user.id, username=user.username, unit_id=unit.id,
                                  role=role, file_name=cmd.file_name, status="checking",
                                  rows_read=rows, content=data)
                session.add(entry)
            job = jobs.submit(JOB_KIND, user, {"import_id": entry.id, "phase": "check"},
                              title=f"{_('Check import file')}：{entry.file_name}",
                              total=rows)
            return session.get(ImportLog, entry.id), job
    cmd.validate()
    with atomic(session):
        entry = cmd.log(user, status="previewed")
        entry.content = data
    return entry, None


def check_stored(session, import_id, progress=None):
    """The check of a long upload, in a job: as check_upload, with progress."""
    entry = session.get(ImportLog, import_id)
    user = session.get(AppUser, entry.user_id)
    unit = session.get(Unit, entry.unit_id)
    cmd = command(session, user, unit, entry.role, entry.content, entry.file_name)
    try:
        cmd.validate(progress)
    except ImportRefused as refusal:
        with atomic(session):
            entry = session.get(ImportLog, import_id)
            entry.status, entry.message, entry.finished_at = "failed", str(refusal), utcnow()
        return entry
    with atomic(session):
        entry = session.get(ImportLog, import_id)
        _record(entry, cmd, "previewed")
        entry.finished_at = None
    return session.get(ImportLog, import_id)


def import_of(session, user, import_id) -> ImportLog:
    """The user's own import (another's is as missing)."""
    entry = session.get(ImportLog, import_id)
    if entry is None or entry.user_id != user.id:
        raise OutOfScope()
    return entry


def runs_as_job(entry) -> bool:
    return entry.rows_read > staff_import.settings(current_app.config)["job_threshold"]


def confirm(session, user, entry, mode):
    """【确认导入】: run the import in `mode`. Above the threshold a job (returned; its page
    shows the progress), else synchronously (None). Either way execute() does the work."""
    if mode not in staff_import.MODES:
        raise ImportRefused(str(_("Choose how to import.")))
    if entry.status not in ("previewed", "refused"):
        raise ImportRefused(str(_("This file has already been imported.")))
    with atomic(session):
        entry.mode, entry.status, entry.message = mode, "queued", None
    if runs_as_job(entry):
        return jobs.submit(JOB_KIND, user, {"import_id": entry.id, "mode": mode},
                           title=f"{_('Import staff')}：{entry.file_name}",
                           total=entry.rows_read)
    execute(session, entry.id, mode)
    return None


def execute(session, import_id, mode, progress=None):
    """The import of log row `import_id` as its uploader, in one transaction: every row
    saved or none (all_or_nothing), or the rows without errors; the row's counts and
    status follow. The job seam: the job handler and the synchronous path both call this."""
    entry = session.get(ImportLog, import_id)
    user = session.get(AppUser, entry.user_id)
    unit = session.get(Unit, entry.unit_id)
    cmd = command(session, user, unit, entry.role, entry.content, entry.file_name)
    try:
        with atomic(session):
            report = cmd.run(mode, progress)
            _record(entry, cmd, "done")
    except ImportRefused as refusal:
        with atomic(session):
            entry = session.get(ImportLog, import_id)
            _record(entry, cmd, "refused", str(refusal))
    except Exception:
        with atomic(session):   # nothing of the rows was saved (rolled back above)
            entry = session.get(ImportLog, import_id)
            entry.status, entry.finished_at = "failed", utcnow()
            entry.message = _("The import failed; nothing was saved. Try again later.")
        raise
    return session.get(ImportLog, import_id)


def _record(entry, cmd, status, message=None):
    report = cmd.report
    if report is not None:
        counts = report.counts
        entry.rows_read, entry.rows_ok = counts["read"], counts["ok"]
        entry.rows_refused = counts["refused"]
        entry.rows_added = counts["added"] if status == "done" else 0
        entry.rows_updated = sum(1 for r in report.rows if r.added and r.status == "update") \
            if status == "done" else 0
        entry.preview = json.dumps(cmd.as_json(), ensure_ascii=False)
    entry.status, entry.message, entry.finished_at = status, message, utcnow()


def run_import_job(job, params, progress):
    """The job handler (我的任务): the check of a long upload (phase "check") or the import,
    with the job's progress; the report workbook is its result file."""
    import os
    session = db.session
    # SQLite has one writer: the progress row cannot be written beside the import's open
    # transaction (it would wait for the lock each time), so there the bar moves at the end.
    step = progress if db.engine.dialect.name != "sqlite" else None
    if params.get("phase") == "check":
        entry = check_stored(session, params["import_id"], step)
    else:
        entry = execute(session, params["import_id"], params["mode"], step)
    progress(entry.rows_read, entry.rows_read, force=True)
    path = os.path.join(jobs.result_dir(current_app), f"import-{entry.id}-{job.id}.xlsx")
    with open(path, "wb") as out:
        out.write(report_bytes(entry))
    return path, report_name(entry)


jobs.register_kind(JOB_KIND, run_import_job)


def columns_of(entry):
    user = db.session.get(AppUser, entry.user_id)
    unit = db.session.get(Unit, entry.unit_id)
    return staff_import.columns(entry.role, scope_for_user(user), unit)


def report_bytes(entry) -> bytes:
    return staff_import.stored_report(entry.content, columns_of(entry), entry.preview,
                                      staff_import.settings(current_app.config))


def report_name(entry) -> str:
    stem = entry.file_name.rsplit(".", 1)[0]
    return f"{stem}-{_('Error description')}.xlsx"


def report_json(entry) -> dict:
    stored = json.loads(entry.preview or "{}")
    return {"id": entry.id, "status": entry.status, "status_label": entry.status_label,
            "mode": entry.mode, "file_name": entry.file_name, "message": entry.message,
            "rows_read": entry.rows_read, "rows_ok": entry.rows_ok,
            "rows_added": entry.rows_added, "rows_updated": entry.rows_updated,
            "rows_refused": entry.rows_refused, "rows": stored.get("rows", [])}
