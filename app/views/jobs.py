"""我的任务 (app.services.jobs): the signed-in user's own jobs with their progress (polled
every second by static/js/jobs.js), the download of a finished result. Another user's job,
or one that does not exist, answers 404 — whoever asks, the province admin included (he sees
failed jobs in 系统管理 → 任务)."""
import os

from flask import abort, g, jsonify, send_file
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.services import jobs
from app.web.display import format_time

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def job_json(job):
    return {"id": job.id, "state": job.state, "state_label": str(job.state_label),
            "done": job.done, "total": job.total, "percent": job.percent,
            "error": (job.error or "")[:300] if job.state == "failed" else "",
            "download": (f"/jobs/{job.id}/download" if job.state == "done"
                         and job.result_path else ""),
            "expired": job.state == "done" and not job.result_path}


class MyJobsView(BaseView):
    route_base = "/jobs"
    default_view = "list"
    class_permission_name = "MyJobs"
    base_permissions = ["can_read"]
    method_permission_name = {"list": "read", "status": "read", "download": "read"}

    def _own(self, pk):
        job = jobs.job_of(db.session, g.user.id, pk)
        if job is None:
            abort(404)
        return job

    @expose("/")
    @has_access
    def list(self):
        rows = jobs.jobs_of(db.session, g.user.id)
        return self.render_template("jobs/list.html", rows=rows, format_time=format_time,
                                    job_json=job_json)

    @expose("/<pk>/status")
    @has_access
    def status(self, pk):
        return jsonify(job_json(self._own(pk)))

    @expose("/<pk>/download")
    @has_access
    def download(self, pk):
        job = self._own(pk)
        if job.state != "done" or not job.result_path or not os.path.exists(job.result_path):
            abort(404, _("The result has expired and was removed."))
        return send_file(job.result_path, as_attachment=True, mimetype=XLSX,
                         download_name=job.result_name or os.path.basename(job.result_path))


MENU = [(MyJobsView, "MyJobs", _l("My jobs"), "fa-tasks", "System", _l("System"))]
