"""REST resources of 人员管理: the per-role staff lists, the person-owned records, and the
exam system's result sync."""
import datetime as dt

from flask import current_app, g, request
from flask_appbuilder.api import BaseApi, expose, protect, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _

from app.extensions import db
from app.models import (EquipmentIssue, ExamResult, PoliceAssistance, SocialRelation,
                        TrainingRecord, WorkExperience)
from app.security.scope import OutOfScope, current_scope
from app.services import personnel, staff_import
from app.services.errors import RuleViolation
from app.services.staff_import import ImportRefused
from app.web import staff_import as importing
from app.web.staff import role_filters
from app.web.transaction import atomic

from .base import ScopedModelRestApi
from .endpoints import operation
from .personnel import EmploymentApi


class StaffImportEndpoint:
    """POST /api/v1/<staff list>/import (multipart `file`, `unit_id`; `dry_run=1` checks only;
    `mode` valid_rows | all_or_nothing): the Excel import of the list's page with the same
    checks (docs/import.md), answering the report as JSON. Scoped like the page: a unit
    outside the write scope answers 404; long files run synchronously here."""

    @expose("/import", methods=["POST"])
    @protect()
    @safe
    @operation("post", "Import staff from an Excel file (the list's import template)",
               {200: "The report: counts and each refused row's errors by column",
                400: "The file was refused (type, size, rows, columns) or, with "
                     "all_or_nothing, a row had errors (nothing saved)",
                404: "The unit is outside the caller's scope"}, body="file")
    def import_staff(self):
        session, user, scope = db.session, g.user, current_scope()
        if not scope.writes:
            return self.response_404()
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            return self.response_400(message={"file": [_("Choose the file to import.")]})
        limits = staff_import.settings(current_app.config)
        data = upload.stream.read(limits["max_bytes"] + 1)
        try:
            unit = importing.target_unit(session, request.form.get("unit_id", type=int), scope)
            if unit is None:
                return self.response_400(message={"unit_id": [_("Choose the unit.")]})
            entry, _job = importing.check_upload(session, user, unit, self.import_role, data,
                                                 upload.filename)
            if request.form.get("dry_run") not in ("1", "true"):
                importing.execute(session, entry.id,
                                  request.form.get("mode") or "valid_rows")
                entry = importing.import_of(session, user, entry.id)
        except OutOfScope:
            return self.response_404()
        except ImportRefused as refusal:
            return self.response_400(message={"file": [str(refusal)]})
        except RuleViolation as violation:
            return self.response_400(message=violation.as_dict())
        answer = importing.report_json(entry)
        if entry.status == "refused":
            return self.response(400, message=entry.message, result=answer)
        return self.response(200, result=answer)


def _staff_api(class_name, resource, permission, role):
    """Active staff of one role, searchable like the page (`?search=…&unit=…`), with the
    Excel import."""
    return type(class_name, (StaffImportEndpoint, EmploymentApi), dict(
        resource_name=resource, class_permission_name=permission,
        base_filters=role_filters(role), datamodel=SQLAInterface(
            EmploymentApi.datamodel.obj), import_role=role,
        method_permission_name={**EmploymentApi.method_permission_name,
                                "import_staff": "add"},
        include_route_methods={"get", "get_list", "put", "info", "export_xlsx",
                               "import_staff"}))


GuardApi = _staff_api("GuardApi", "guard", "Guard", "guard")
PartTimeGuardApi = _staff_api("PartTimeGuardApi", "part_time_guard", "PartTimeGuard",
                              "part_time_guard")
OtherStaffApi = _staff_api("OtherStaffApi", "other_staff", "OtherStaff", "other_staff")
StudentApi = _staff_api("StudentApi", "student", "Student", "student")
InstructorApi = _staff_api("InstructorApi", "instructor", "Instructor", "instructor")


def _record_api(class_name, model, resource, permission, columns, order, read_only=False):
    attrs = dict(resource_name=resource, class_permission_name=permission,
                 datamodel=SQLAInterface(model),
                 list_columns=["id", "person.id", "person.name"] + columns,
                 show_columns=["id", "person.id", "person.name"] + columns,
                 add_columns=["person"] + columns, edit_columns=["person"] + columns,
                 search_columns=["person"] + [c for c in columns if c != "note"][:2],
                 order_columns=["id", order])
    if read_only:
        attrs["include_route_methods"] = {"get", "get_list", "info", "export_xlsx"}
        attrs["base_permissions"] = ["can_read", "can_export"]
    return type(class_name, (ScopedModelRestApi,), attrs)


SocialRelationApi = _record_api("SocialRelationApi", SocialRelation, "social_relation",
                                "SocialRelation", ["relation", "name", "id_number", "phone",
                                                   "workplace", "note"], "name")
EquipmentIssueApi = _record_api("EquipmentIssueApi", EquipmentIssue, "equipment_issue",
                                "EquipmentIssue", ["item", "quantity", "issued_on",
                                                   "returned_on", "note"], "issued_on")
PoliceAssistanceApi = _record_api("PoliceAssistanceApi", PoliceAssistance, "police_assistance",
                                  "PoliceAssistance", ["occurred_on", "title", "police_unit",
                                                       "description"], "occurred_on")
ExamResultApi = _record_api("ExamResultApi", ExamResult, "exam_result", "ExamResult",
                            ["exam_date", "score", "passed", "source"], "exam_date",
                            read_only=True)
TrainingRecordApi = _record_api("TrainingRecordApi", TrainingRecord, "training_record",
                                "TrainingRecord", ["class_name", "start_date", "end_date",
                                                   "hours", "result"], "start_date")
WorkExperienceApi = _record_api("WorkExperienceApi", WorkExperience, "work_experience",
                                "WorkExperience", ["employer", "position", "start_date",
                                                   "end_date", "note"], "start_date")


class ExamSyncApi(BaseApi):
    """POST /api/v1/exam_sync/ — the exam system (JWT of an account with the role
    `exam_system`) posts one result or a list of results:
    {"id_number", "exam_date": "YYYY-MM-DD", "score", "passed"[, "batch",
    "certificate_number"]}. Idempotent: the same result twice changes nothing."""
    resource_name = "exam_sync"
    class_permission_name = "ExamSync"
    method_permission_name = {"post": "post"}
    allow_browser_login = False

    @expose("/", methods=["POST"])
    @protect()
    @safe
    @operation("post", "Post exam results",
               {200: "Each result with whether it changed anything",
                400: "A result was refused (nothing saved)"}, body="json")
    def post(self):
        if not request.is_json:
            return self.response_400(message=_("The request body must be JSON."))
        payload = request.json
        items = payload if isinstance(payload, list) else [payload]
        if not items or not all(isinstance(i, dict) for i in items):
            return self.response_400(message=_("The request body must be JSON."))
        session = db.session
        answers = []
        try:
            with atomic(session):
                for index, item in enumerate(items):
                    answers.append(self._sync(session, item))
        except RuleViolation as violation:
            return self.response_400(message={"index": index, **violation.as_dict()})
        return self.response(200, result=answers)

    @staticmethod
    def _sync(session, item):
        try:
            exam_date = dt.date.fromisoformat(str(item.get("exam_date", "")))
        except ValueError:
            raise RuleViolation("exam_date", _("Enter the exam date."))
        if "score" not in item or "passed" not in item:
            raise RuleViolation("score", _("The score must be a number."))
        result, changed = personnel.sync_exam_result(
            session, item.get("id_number"), exam_date, item.get("score"),
            item.get("passed") is True, source=item.get("batch"),
            certificate_number=item.get("certificate_number"))
        return {"id": result.id, "person_id": result.person_id, "changed": changed}


RESOURCES = [GuardApi, PartTimeGuardApi, OtherStaffApi, StudentApi, InstructorApi,
             SocialRelationApi, EquipmentIssueApi, PoliceAssistanceApi, ExamResultApi,
             TrainingRecordApi, WorkExperienceApi, ExamSyncApi]
