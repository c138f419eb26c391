"""REST for applications: the scoped list (`application`), intake from the provincial
government-service platform (API key of a `gov_platform` user) and the applicant's status
lookup by application number + phone."""
import base64
import binascii

from flask import current_app, request
from flask_appbuilder.api import BaseApi, expose
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import limit
from flask_babel import gettext as _

from app.extensions import db
from app.models import Application
from app.security.roles import GOV_PLATFORM
from app.services import applications as service
from app.services.errors import RuleViolation
from app.web.transaction import atomic

from .base import ScopedModelRestApi
from .endpoints import answers, operation


class ApplicationApi(ScopedModelRestApi):
    resource_name = "application"
    class_permission_name = "Application"
    datamodel = SQLAInterface(Application)
    base_permissions = ["can_read", "can_export"]
    list_columns = ["id", "number", "item", "status", "applicant_name", "region.code",
                    "unit.id", "unit.name", "submitted_at", "decision"]
    show_columns = list_columns + ["form", "decision_reason", "correction_note",
                                   "result_note", "time_limit_days", "days_used"]
    search_columns = ["number", "item", "status", "region"]
    order_columns = ["id", "number", "submitted_at"]


def _status_payload(app):
    due, left = service.deadline(app)
    return {"number": app.number, "item": app.item, "status": app.status,
            "correction_note": app.correction_note if app.status == "returned" else None,
            "decision": app.decision, "decision_reason": app.decision_reason,
            "result_note": app.result_note,
            "due_date": due.isoformat() if due else None, "working_days_left": left,
            "history": [{"at": e.at.isoformat(timespec="seconds"), "action": e.action,
                         "to_status": e.to_status} for e in app.events]}


def _platform_user():
    sm = current_app.appbuilder.sm
    key = sm.extract_api_key_from_request()
    user = sm.validate_api_key(key) if key else None
    if user is None or GOV_PLATFORM not in {r.name for r in user.roles}:
        return None
    return user


def _documents(payload):
    """documents: [{code, filename, content_type, content_base64}]"""
    uploads = []
    for doc in payload.get("documents") or []:
        try:
            content = base64.b64decode(doc.get("content_base64") or "", validate=True)
        except (binascii.Error, ValueError, AttributeError):
            raise RuleViolation("documents", _("A document is not valid base64."))
        uploads.append(service.Upload(str(doc.get("code") or ""),
                                      str(doc.get("filename") or "document"), content,
                                      str(doc.get("content_type") or
                                          "application/octet-stream")))
    return uploads


class ApplicationIntakeApi(BaseApi):
    """POST /api/v1/application_intake/ with `Authorization: Bearer <API key>`."""
    resource_name = "application_intake"
    openapi_spec_tag = "Applications"

    @expose("/", methods=["POST"])
    def post(self):
        if _platform_user() is None:
            return self.response_401()
        payload = request.get_json(silent=True)
        if not isinstance(payload, dict):
            return self.response_400(message=_("Send the application as JSON."))
        try:
            with atomic(db.session):
                app = service.submit(db.session, payload.get("item"),
                                     payload.get("applicant_name"),
                                     payload.get("applicant_phone"), payload.get("form") or {},
                                     _documents(payload), region_code=payload.get("region_code"),
                                     unit_credit_code=payload.get("unit_credit_code"),
                                     channel="platform")
        except RuleViolation as exc:
            return self.response_400(message=exc.as_dict())
        return self.response(201, number=app.number, status=app.status)

    @expose("/<number>/resubmit", methods=["POST"])
    @operation("post", "Resubmit a returned application with corrections",
               answers("Its status"), path={"number": "string"})
    def resubmit(self, number):
        if _platform_user() is None:
            return self.response_401()
        payload = request.get_json(silent=True) or {}
        app = service.find_for_applicant(db.session, number, payload.get("applicant_phone"))
        if app is None:
            return self.response_404()
        try:
            with atomic(db.session):
                service.resubmit(db.session, app, payload.get("form") or {},
                                 _documents(payload))
        except RuleViolation as exc:
            return self.response_400(message=exc.as_dict())
        return self.response(200, **_status_payload(app))


class ApplicationStatusApi(BaseApi):
    """POST /api/v1/application_status/ {number, phone}: public, rate-limited."""
    resource_name = "application_status"
    openapi_spec_tag = "Applications"

    @expose("/", methods=["POST"])
    @limit("20 per minute")
    def post(self):
        payload = request.get_json(silent=True) or {}
        app = service.find_for_applicant(db.session, payload.get("number"),
                                         payload.get("phone"))
        if app is None:
            return self.response_404()
        return self.response(200, **_status_payload(app))


RESOURCES = [ApplicationApi, ApplicationIntakeApi, ApplicationStatusApi]
