"""【下载导入模板】 and 【导入】 of the staff lists (and of a unit's 从业人员 tab, whose sub-tabs
are these lists with the unit preset): upload → preview → confirm (docs/import.md). Mixed into
StaffListView; every route needs the list's `add` permission, the unit is taken through the
write scope (404 out of it) and add_staff decides each row as on 【新增】."""
import io
import json

from flask import abort, current_app, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.forms import DynamicForm
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import FileField, RadioField
from wtforms.validators import DataRequired

from app.extensions import db
from app.models.choices import EMPLOYMENT_ROLES
from app.models.staff_import import IMPORT_MODES
from app.security.scope import current_scope
from app.services import staff_import
from app.services.staff_import import ImportRefused
from app.web import staff_import as importing
from app.web.files import XLSX_MIMETYPE

from .lookup import LookupField

IMPORT_PERMISSIONS = {"import_template": "add", "import_upload": "add", "import_show": "add",
                      "import_report": "add", "import_confirm": "add"}
PREVIEW_ROWS = 500   # rows listed on the preview page (the report has them all)


class ImportUploadForm(DynamicForm):
    unit = LookupField(_l("Employing unit"), entity="unit", validators=[DataRequired()])
    file = FileField(_l("Excel file (.xlsx)"),
                     description=_l("The filled-in import template; at most 5,000 rows."))


class ImportConfirmForm(DynamicForm):
    mode = RadioField(_l("How to import"), choices=list(IMPORT_MODES.items()),
                      default="valid_rows", validators=[DataRequired()])


class StaffImportMixin:
    """The import routes of a staff list (StaffListView sets `role`)."""

    def _import_unit(self):
        unit_id = request.args.get("unit", type=int) or request.args.get("_flt_0_unit",
                                                                          type=int)
        return importing.target_unit(db.session, unit_id, current_scope())

    def _template_name(self, unit=None):
        label = str(EMPLOYMENT_ROLES[self.role])
        return f"{label}{_('Import template')}.xlsx"

    @expose("/import/template")
    @has_access
    def import_template(self):
        scope = current_scope()
        if not scope.writes:
            abort(404)
        unit = self._import_unit()
        data = staff_import.template(self.role, scope, unit)
        return send_file(io.BytesIO(data), as_attachment=True,
                         mimetype=XLSX_MIMETYPE,
                         download_name=self._template_name(unit))

    @expose("/import/", methods=["GET", "POST"])
    @has_access
    def import_upload(self):
        scope = current_scope()
        if not scope.writes:
            abort(404)
        form = ImportUploadForm()
        if request.method == "GET":
            form.unit.data = self._import_unit()
        else:
            unit_id = request.form.get("unit", type=int)
            if unit_id:   # a unit outside the write scope: 404, as everywhere
                importing.target_unit(db.session, unit_id, scope)
            if form.validate_on_submit():
                upload = request.files.get("file")
                limits = staff_import.settings(current_app.config)
                if upload is None or not upload.filename:
                    form.file.errors = [_("Choose the file to import.")]
                else:
                    data = upload.stream.read(limits["max_bytes"] + 1)
                    try:
                        entry, job = importing.check_upload(
                            db.session, g.user, form.unit.data, self.role, data,
                            upload.filename, background=True)
                    except ImportRefused as refusal:
                        form.file.errors = [str(refusal)]
                    else:
                        if job is not None:
                            flash(_("The file is long: it is checked in the background; "
                                    "follow the progress under My jobs, then come back "
                                    "here."), "info")
                        return redirect(url_for(f"{self.endpoint}.import_show",
                                                pk=entry.id))
        return self.render_template(
            "staff/import_upload.html", form=form,
            title=_("Import %(list)s", list=EMPLOYMENT_ROLES[self.role]),
            template_url=url_for(f"{self.endpoint}.import_template",
                                 unit=form.unit.data.id if form.unit.data else None),
            list_url=url_for(f"{self.endpoint}.list"))

    def _own_import(self, pk):
        entry = importing.import_of(db.session, g.user, pk)
        if entry.role != self.role:
            abort(404)
        return entry

    @expose("/import/<int:pk>")
    @has_access
    def import_show(self, pk):
        entry = self._own_import(pk)
        stored = json.loads(entry.preview or "{}")
        rows = stored.get("rows", [])
        problems = [r for r in rows if r["status"] != "ok"][:PREVIEW_ROWS]
        form = ImportConfirmForm()
        return self.render_template(
            "staff/import_preview.html", entry=entry, rows=problems,
            more=sum(1 for r in rows if r["status"] != "ok") > len(problems), form=form,
            as_job=importing.runs_as_job(entry),
            title=_("Import %(list)s", list=EMPLOYMENT_ROLES[self.role]),
            list_url=url_for(f"{self.endpoint}.list"),
            report_url=url_for(f"{self.endpoint}.import_report", pk=entry.id),
            confirm_url=url_for(f"{self.endpoint}.import_confirm", pk=entry.id),
            upload_url=url_for(f"{self.endpoint}.import_upload", unit=entry.unit_id))

    @expose("/import/<int:pk>/report")
    @has_access
    def import_report(self, pk):
        entry = self._own_import(pk)
        return send_file(io.BytesIO(importing.report_bytes(entry)), as_attachment=True,
                         mimetype=XLSX_MIMETYPE,
                         download_name=importing.report_name(entry))

    @expose("/import/<int:pk>/confirm", methods=["POST"])
    @has_access
    def import_confirm(self, pk):
        entry = self._own_import(pk)
        form = ImportConfirmForm()
        if not form.validate_on_submit():
            flash(_("Choose how to import."), "danger")
            return redirect(url_for(f"{self.endpoint}.import_show", pk=pk))
        try:
            job = importing.confirm(db.session, g.user, entry, form.mode.data)
        except ImportRefused as refusal:
            flash(str(refusal), "danger")
            return redirect(url_for(f"{self.endpoint}.import_show", pk=pk))
        if job is not None:
            flash(_("The import runs in the background; follow its progress under My jobs."),
                  "info")
            return redirect(url_for("MyJobsView.list"))
        entry = importing.import_of(db.session, g.user, pk)
        if entry.status == "done":
            flash(_("Imported: %(added)s rows added, %(refused)s rows refused.",
                    added=entry.rows_added, refused=entry.rows_refused), "success")
        else:
            flash(entry.message or _("Nothing was imported."), "danger")
        return redirect(url_for(f"{self.endpoint}.import_show", pk=pk))
