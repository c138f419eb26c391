"""REST for the credit platform (浙江省信用平台): every unit's grade and terms for a period,
as JSON or Excel. Callers: the platform's API key (a gov_platform user, the key the
province admin issues under 平台密钥) or the province admin's JWT; anyone else 403, no
credentials 401. Each export lands in the export log. docs/credit.md."""
from flask import request
from flask_appbuilder.api import BaseApi, expose
from flask_babel import gettext as _
from flask_jwt_extended import current_user, verify_jwt_in_request

from app.extensions import db
from app.models import Unit
from app.models.credit import CreditGrade
from app.security.roles import PROVINCE_ADMIN
from app.services import credit
from app.services.export import log_export
from app.web.credit import send_grades_xlsx, year_arg
from app.web.transaction import atomic

from .applications import _platform_user
from .endpoints import operation

_YEAR = {"type": "integer", "minimum": 1990, "maximum": 2100}


def _caller():
    """(user, None) for the platform key or a province admin; (None, status) otherwise."""
    user = _platform_user()
    if user is not None:
        return user, None
    try:
        verify_jwt_in_request()
    except Exception:  # no token, or a bad one
        return None, 401
    user = current_user
    if user is None or not user.is_active:
        return None, 401
    if PROVINCE_ADMIN not in {role.name for role in user.roles}:
        return None, 403
    return user, None


class CreditExportApi(BaseApi):
    """GET /api/v1/credit_export/?year_from=&year_to=&format=json|xlsx"""
    resource_name = "credit_export"
    openapi_spec_tag = "Credit"

    @expose("/", methods=["GET"])
    @operation("get", "Credit grades of every unit for a period, with their terms", {
        200: {"description": "JSON {year_from, year_to, count, grades: [{unit_id, unit_name, "
                             "credit_code, region_code, year, score, grade, computed_at, "
                             "terms: [{term, category, count, points, rate, description}]}]}, "
                             "or an .xlsx file with format=xlsx"},
        400: "year_from after year_to",
        401: "No API key or token", 403: "Neither the platform nor the province admin"},
        parameters=[
            {"in": "query", "name": "year_from", "schema": _YEAR,
             "description": "First year (default: the latest graded year)"},
            {"in": "query", "name": "year_to", "schema": _YEAR,
             "description": "Last year (default: year_from)"},
            {"in": "query", "name": "format", "schema": {"type": "string",
                                                         "enum": ["json", "xlsx"]}}])
    def get(self):
        user, status = _caller()
        if user is None:
            return self.response_401() if status == 401 else self.response_403()
        session = db.session
        years = credit.latest_years(session)
        year_from = year_arg(request.args.get("year_from"),
                             years[0] if years else credit.default_year())
        year_to = year_arg(request.args.get("year_to"), year_from)
        if year_from > year_to:
            return self.response_400(message=_("The first year is after the last year."))
        filters = {"year_from": year_from, "year_to": year_to}
        if request.args.get("format") == "xlsx":
            grades = (session.query(CreditGrade).join(Unit, Unit.id == CreditGrade.unit_id)
                      .filter(CreditGrade.year >= year_from, CreditGrade.year <= year_to)
                      .order_by(CreditGrade.year, Unit.credit_code, Unit.id).yield_per(1000))
            return send_grades_xlsx(session, user, grades, _("Credit grades"),
                                    "credit-grades", "CreditExport", filters)
        grades = list(credit.platform_payload(session, year_from, year_to))
        with atomic(session):
            log_export(session, user.id, user.username, "CreditExport", filters, len(grades))
        return self.response(200, year_from=year_from, year_to=year_to, count=len(grades),
                             grades=grades)


RESOURCES = [CreditExportApi]
