"""Person-owned records, each a tab on the person's page (社会关系, 个人装备, 协助公安工作情况,
考试信息, students' 培训信息, instructors' 工作经历): one shared base, scope "person"."""
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from app.models.vocabulary import LABELS
from app.models import (EquipmentIssue, ExamResult, PoliceAssistance, SocialRelation,
                        TrainingRecord, WorkExperience)

from .base import ScopedModelView

RECORD_LABELS = {
    **LABELS,
    "person": _l("Person"), "person.name": _l("Full name"),
    "relation": _l("Relationship"), "workplace": _l("Workplace"), "phone": _l("Phone"),
    "id_number": _l("ID number"), "note": _l("Note"),
    "item": _l("Equipment"), "quantity": _l("Quantity"), "issued_on": _l("Issued on"),
    "returned_on": _l("Returned on"),
    "occurred_on": _l("Date"), "title": _l("Title"), "description": _l("Description"),
    "police_unit": _l("Police unit"),
    "exam_date": _l("Exam date"), "score": _l("Score"), "passed": _l("Passed"),
    "source": _l("Exam batch"),
    "class_name": _l("Training class"), "start_date": _l("Start date"),
    "end_date": _l("End date"), "hours": _l("Training hours"), "result": _l("Training result"),
    "employer": _l("Employer"), "position": _l("Position"),
}


class PersonRecordView(ScopedModelView):
    """Base of the person tabs: the person is chosen by lookup (scoped), newest first."""
    label_columns = RECORD_LABELS
    lookup_columns = {"person": "person"}


def _record_view(name, model, permission, title, columns, order, search, **extra):
    attrs = dict(datamodel=SQLAInterface(model), class_permission_name=permission,
                 list_title=title, show_title=title, add_title=title, edit_title=title,
                 list_columns=["person.name"] + columns, show_columns=["person"] + columns,
                 add_columns=["person"] + columns, edit_columns=["person"] + columns,
                 search_columns=search, order_columns=[order], base_order=(order, "desc"),
                 **extra)
    return type(name, (PersonRecordView,), attrs)


SocialRelationView = _record_view(
    "SocialRelationView", SocialRelation, "SocialRelation", _l("Social relations"),
    ["relation", "name", "id_number", "phone", "workplace", "note"], "id",
    ["relation", "name"])
EquipmentIssueView = _record_view(
    "EquipmentIssueView", EquipmentIssue, "EquipmentIssue", _l("Personal equipment"),
    ["item", "quantity", "issued_on", "returned_on", "note"], "issued_on",
    ["item", "issued_on"])
PoliceAssistanceView = _record_view(
    "PoliceAssistanceView", PoliceAssistance, "PoliceAssistance",
    _l("Assistance to the police"), ["occurred_on", "title", "police_unit", "description"],
    "occurred_on", ["title", "occurred_on"])
ExamResultView = _record_view(
    "ExamResultView", ExamResult, "ExamResult", _l("Exam results"),
    ["exam_date", "score", "passed", "source"], "exam_date", ["exam_date", "passed"],
    base_permissions=["can_read", "can_export"])  # written by the exam system only
TrainingRecordView = _record_view(
    "TrainingRecordView", TrainingRecord, "TrainingRecord", _l("Training information"),
    ["class_name", "start_date", "end_date", "hours", "result"], "start_date",
    ["class_name", "start_date"])
WorkExperienceView = _record_view(
    "WorkExperienceView", WorkExperience, "WorkExperience", _l("Earlier work experience"),
    ["employer", "position", "start_date", "end_date", "note"], "start_date",
    ["employer", "start_date"])

VIEWS = [ExamResultView, SocialRelationView, EquipmentIssueView, PoliceAssistanceView,
         TrainingRecordView, WorkExperienceView]
MENU = []
NO_MENU = VIEWS
