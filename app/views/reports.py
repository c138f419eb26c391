"""统计报表: the association's and the police's standard tables for a year and a region of
their scope, on the page (each table also a chart) and as an Excel file with native charts,
logged like every export (app.services.reports, docs/dashboard.md)."""
import datetime as dt

from flask import abort, g, request
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.security.scope import OutOfScope, current_scope
from app.services import reports
from app.services.export import log_export
from app.web.display import masks
from app.web.files import send_temporary
from app.web.transaction import atomic


def _year():
    this_year = dt.date.today().year
    year = request.args.get("year", this_year, type=int)
    return year if this_year - 10 <= year <= this_year else this_year


class StatsReportView(BaseView):
    route_base = "/stats/report"
    class_permission_name = "StatsReport"
    method_permission_name = {"index": "read", "export": "export"}
    default_view = "index"

    def _build(self):
        scope = current_scope()
        if scope.denied or scope.is_unit_user:
            abort(404)
        year = _year()
        try:
            region, snapshot, tables = reports.build(db.session, scope, year,
                                                     request.args.get("region"))
        except OutOfScope:
            abort(404)
        return scope, year, region, snapshot, tables

    @expose("/")
    @has_access
    def index(self):
        scope, year, region, snapshot, tables = self._build()
        this_year = dt.date.today().year
        return self.render_template(
            "stats/report.html", title=_("Statistical reports"), tables=tables, year=year,
            years=list(range(this_year, this_year - 11, -1)), region=region,
            regions=reports.regions_for(db.session, scope),
            taken_at=snapshot.taken_at if snapshot is not None else None,
            can_export=self.appbuilder.sm.has_access("can_export", "StatsReport"))

    @expose("/export/")
    @has_access
    def export(self):
        scope, year, region, _snapshot, tables = self._build()
        title = _("Statistical report %(year)s, region %(region)s", year=year, region=region)
        path, count = reports.write_xlsx(tables, title, mask=masks(scope))
        with atomic(db.session):
            log_export(db.session, g.user.id, g.user.username, "StatsReport",
                       {"conditions": [
                           {"column": "year", "label": _("Year"), "operator": "",
                            "value": str(year)},
                           {"column": "region", "label": _("Region"), "operator": "",
                            "value": region}]}, count)
        return send_temporary(path, f"statistics-{year}-{region}.xlsx")


MENU = [(StatsReportView, "StatsReport", _l("Statistical reports"), "fa-bar-chart",
         "Statistics", _l("Statistics"))]
