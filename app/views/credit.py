"""信用评价 pages: the ranking per city / district (lowest score first, with export) for the
police and the association, and the police's 【重新计算】 of one unit (from the unit page's
信用评价 tab, app/templates/unit/show.html). docs/credit.md."""
import re

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _, lazy_gettext as _l

from app.models import Region, Unit
from app.security.authority import author_of
from app.models.authority import POLICE
from app.security.scope import current_scope, get_scoped
from app.services import credit
from app.web.credit import send_grades_xlsx, year_arg
from app.web.transaction import atomic

PAGE_SIZE = 50
# Where a term's records are shown: table → (view endpoint, permission name).
RECORD_PAGES = {
    "conduct_record": ("ConductRecordView.show", "ConductRecord"),
    "incident": ("IncidentView.show", "Incident"),
    "inspection": ("InspectionView.show", "Inspection"),
    "annual_report": ("AnnualReportView.show", "AnnualReport"),
    "dispatch": ("DispatchView.show", "Dispatch"),
    "background_alert": ("BackgroundAlertView.show", "BackgroundAlert"),
    "application": ("ApplicationView.show", "Application"),
}


def _session():
    from app.extensions import db
    return db.session


def term_links(appbuilder, term: dict):
    """[(label, url)] of a term's records the user may open (its page's own permission)."""
    table = credit.CATEGORY_TABLES.get(term.get("category"), credit.TERMS.get(term["term"]))
    page = RECORD_PAGES.get(table)
    if page is None or not appbuilder.sm.has_access("can_read", page[1]):
        return []
    return [(f"#{pk}", url_for(page[0], pk=pk)) for pk in term.get("ids", [])]


def credit_tab(appbuilder, unit):
    """The 信用评价 tab of a unit's page: the grades by year (newest first), each term in
    words with links; None when the user may not read grades."""
    if not appbuilder.sm.has_access("can_read", "CreditGrade"):
        return None
    grades = credit.grades_of_unit(_session(), unit.id)
    return {
        "grades": [{"grade": g, "terms": [(credit.describe(t), term_links(appbuilder, t))
                                          for t in g.terms or []]} for g in grades],
        "may_recompute": (unit.kind in credit.GRADED_KINDS
                          and appbuilder.sm.has_access("can_edit", "CreditGrade")
                          and author_of(current_scope()) == POLICE),
    }


class CreditView(BaseView):
    """A unit's 信用评价 tab (loaded when shown) and the police's 【重新计算】."""
    route_base = "/credit"
    class_permission_name = "CreditGrade"
    method_permission_name = {"unit": "read", "recompute": "edit"}

    @expose("/unit/<pk>")
    @has_access
    def unit(self, pk):
        """The tab's content, for a unit in the read scope (else 404)."""
        unit = get_scoped(_session(), Unit, pk)
        return self.render_template("credit/unit_tab.html", unit=unit,
                                    **credit_tab(self.appbuilder, unit))

    @expose("/recompute/<pk>", methods=["POST"])
    @has_access
    def recompute(self, pk):
        session = _session()
        scope = current_scope()
        # Only the police (of the unit's jurisdiction: the write scope) recompute; a unit
        # reads its grade and changes none of its inputs (docs/authority.md).
        if author_of(scope) != POLICE:
            abort(403)
        unit = get_scoped(session, Unit, pk, write=True)
        if unit.kind not in credit.GRADED_KINDS:
            abort(404)
        with atomic(session):
            credit.recompute(session, unit_ids=[unit.id])
        flash(_("The credit grade has been recomputed."), "success")
        return redirect(url_for("UnitView.show", pk=unit.id) + "#tab-credit")


def _regions(scope):
    """The cities and districts a ranking may be narrowed to (those of the jurisdiction)."""
    query = _session().query(Region).filter(Region.level.in_(("city", "county")),
                                            Region.end_year.is_(None),
                                            Region.code.like("33%"))
    if scope.region_prefix:
        query = query.filter(Region.code.like(f"{scope.region_prefix}%"))
    return query.order_by(Region.code).all()


class CreditRankingView(BaseView):
    """信用评价排名: the grades of a year in the user's scope, lowest score first."""
    route_base = "/credit/ranking"
    class_permission_name = "CreditRanking"
    method_permission_name = {"index": "read", "export": "export"}
    default_view = "index"

    def _query(self):
        scope = current_scope()
        session = _session()
        years = credit.latest_years(session)
        year = year_arg(request.args.get("year"), years[0] if years else credit.default_year())
        region = request.args.get("region") or ""
        if not re.fullmatch(r"33\d{2}(\d{2})?", region):
            region = ""
        query = credit.ranking_query(session, year, scope, region or None)
        return query, year, region, years

    @expose("/")
    @has_access
    def index(self):
        query, year, region, years = self._query()
        try:
            page = max(int(request.args.get("page", 0)), 0)
        except ValueError:
            page = 0
        total = query.count()
        rows = query.offset(page * PAGE_SIZE).limit(PAGE_SIZE).all()
        return self.render_template(
            "credit/ranking.html", title=_("Credit ranking"), rows=rows, total=total,
            page=page, page_size=PAGE_SIZE, year=year, years=years, region=region,
            regions=_regions(current_scope()), offset=page * PAGE_SIZE,
            describe=credit.describe,
            may_export=self.appbuilder.sm.has_access("can_export", "CreditRanking"))

    @expose("/export")
    @has_access
    def export(self):
        query, year, region, _years = self._query()
        return send_grades_xlsx(_session(), g.user, query.yield_per(1000),
                                _("Credit ranking"), _("Credit ranking"), "CreditRanking",
                                {"year": year, "region": region})


MENU = [(CreditRankingView, "CreditRanking", _l("Credit ranking"), "fa-line-chart",
         "UnitManagement", None)]
NO_MENU = [CreditView]
