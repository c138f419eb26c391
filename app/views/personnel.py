"""People, employments (staff of units) and certificates."""
from flask import abort, g, request
from flask_appbuilder import expose, has_access
from flask_wtf.file import FileField
from flask_babel import lazy_gettext as _l
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget, DatePickerWidget
from flask_appbuilder.models.sqla.interface import SQLAInterface
from wtforms import DateField, StringField
from wtforms.validators import DataRequired, Optional

from app.models import Certificate, Employment, Person
from app.models.choices import (CERTIFICATE_KINDS, CERTIFICATE_STATUSES, EDUCATION_LEVELS,
                                EMPLOYMENT_ROLES)
from app.security.scope import current_scope, get_scoped
from app.services import personnel, screening
from app.services.errors import RuleViolation

from .base import ScopedModelView
from .unit_records import stored_response
from .conduct import ConductRecordView
from .screening import PERSON_TABS  # 比对预警 tabs (issue 6)
from .person_records import (EquipmentIssueView, ExamResultView, PoliceAssistanceView,
                             SocialRelationView, TrainingRecordView, WorkExperienceView)
from .services import DispatchView
from app.labels import LABELS, choice_field
from .lookup import LookupField, PersonByIdNumberField


def _photo_field():
    return FileField(_l("Photo"), description=_l("PNG or JPEG; at most 10 MB."))


class EmploymentView(ScopedModelView):
    datamodel = SQLAInterface(Employment)
    class_permission_name = "Employment"
    list_title = show_title = _l("Staff")
    add_title = _l("Add staff")
    edit_title = _l("Edit staff")
    label_columns = LABELS
    list_columns = ["person.name", "person.id_number", "unit.name", "role_label", "position",
                    "key_manager", "start_date", "end_date"]
    show_columns = ["person", "person.id_number", "unit", "role_label", "position",
                    "key_manager", "start_date", "end_date", "end_reason"]
    add_columns = ["person", "unit", "role", "position", "key_manager", "start_date"]
    edit_columns = ["position", "key_manager", "start_date", "end_date", "end_reason"]
    search_columns = ["role", "position", "key_manager", "start_date", "end_date"]
    order_columns = ["start_date", "end_date", "role"]
    base_order = ("start_date", "desc")
    lookup_columns = {"unit": "unit"}
    own_unit_fields = ("unit",)
    choice_columns = {"role": EMPLOYMENT_ROLES}
    required_choices = ("role",)
    related_views = [DispatchView]  # 工作经历: each employment with its dispatches

    def pre_add(self, item):
        super().pre_add(item)
        personnel.staff_added(self.datamodel.session, item)
    add_form_extra_fields = {
        "person": PersonByIdNumberField(_l("ID number"), validators=[DataRequired()]),
    }


class CertificateView(ScopedModelView):
    datamodel = SQLAInterface(Certificate)
    class_permission_name = "Certificate"
    list_title = show_title = _l("Certificates")
    add_title = _l("Add certificate")
    edit_title = _l("Edit certificate")
    label_columns = LABELS
    list_columns = ["person.name", "kind_label", "number", "level", "issued_on", "expires_on",
                    "status_label"]
    show_columns = ["person", "kind_label", "number", "level", "issuer", "issued_on",
                    "expires_on", "status_label"]
    add_columns = ["person", "kind", "number", "level", "issuer", "issued_on", "expires_on",
                   "status"]
    edit_columns = add_columns
    search_columns = ["kind", "number", "status", "issued_on", "expires_on"]
    order_columns = ["number", "issued_on", "expires_on"]
    base_order = ("issued_on", "desc")
    lookup_columns = {"person": "person"}
    choice_columns = {"kind": CERTIFICATE_KINDS, "status": CERTIFICATE_STATUSES}
    required_choices = ("kind", "status")


class PersonView(ScopedModelView):
    datamodel = SQLAInterface(Person)
    class_permission_name = "Person"
    list_title = show_title = _l("People")
    add_title = _l("Add person")
    edit_title = _l("Edit person")
    label_columns = {**LABELS, "name": _l("Full name"),
                     "employment_unit": _l("Employing unit"),
                     "employment_role": _l("Staff type"),
                     "employment_start": _l("Start date"),
                     "employment_position": _l("Position")}
    list_columns = ["name", "id_number", "gender_label", "birth_date", "phone",
                    "household_address"]
    show_fieldsets = [
        (_l("Basic information"), {"fields": [
            "name", "id_number", "gender_label", "birth_date", "ethnicity", "education_label",
            "phone", "household_region_code", "household_address", "residence_address",
            "note"]}),
    ]
    add_columns = ["id_number", "name", "phone", "ethnicity", "education", "household_address",
                   "residence_address", "note", "photo_upload", "employment_unit", "employment_role",
                   "employment_position", "employment_start"]
    edit_columns = ["id_number", "name", "phone", "ethnicity", "education",
                    "household_address", "residence_address", "note", "photo_upload"]
    search_columns = ["name", "id_number", "phone", "birth_date"]
    order_columns = ["name", "birth_date"]
    base_order = ("id", "desc")
    # The person's page as tabs: 考试信息, 证件信息, 工作经历 (latest first, then the
    # dispatches with the target's coloured tier), 社会关系, 个人装备, 奖惩投诉, 协助公安工作情况,
    # students' 培训信息 and instructors' earlier work, then 比对预警; the change log closes it.
    related_views = [ExamResultView, CertificateView, EmploymentView, DispatchView,
                     SocialRelationView, EquipmentIssueView, ConductRecordView,
                     PoliceAssistanceView, TrainingRecordView, WorkExperienceView] + PERSON_TABS
    own_unit_fields = ("employment_unit",)
    description_columns = {
        "id_number": _l("Gender, birth date and household region are read from the number."),
    }
    choice_columns = {"education": EDUCATION_LEVELS}
    show_template = "personnel/person_show.html"
    method_permission_name = {**ScopedModelView.method_permission_name, "photo": "read"}
    edit_form_extra_fields = {"photo_upload": _photo_field()}
    add_form_extra_fields = {
        "photo_upload": _photo_field(),
        "employment_unit": LookupField(_l("Employing unit"), entity="unit"),
        "employment_role": choice_field(_l("Staff type"), EMPLOYMENT_ROLES, required=False),
        "employment_position": StringField(_l("Position"), widget=BS3TextFieldWidget()),
        "employment_start": DateField(_l("Start date"), validators=[Optional()],
                                      widget=DatePickerWidget()),
    }

    def process_form(self, form, is_created):
        # The employment fields are not columns of Person: keep them for pre_add.
        if is_created:
            g.new_employment = {key: form[f"employment_{key}"].data
                                for key in ("unit", "role", "position", "start")}

    def _take_photo(self, item):
        upload = request.files.get("photo_upload")
        if upload is not None and upload.filename:
            personnel.set_photo(item, upload.read(), "photo_upload")

    def pre_update(self, item):
        super().pre_update(item)
        self._take_photo(item)   # stored only once the rest is valid

    def show_context(self, pk):
        person = get_scoped(self.datamodel.session, Person, pk)
        return {"person": person,
                "screening_status": screening.person_status(self.datamodel.session, person.id,
                                                            current_scope())}

    @expose("/photo/<pk>", methods=["GET"])
    @has_access
    def photo(self, pk):
        """照片: only for users whose scope covers the person (404 otherwise)."""
        person = get_scoped(self.datamodel.session, Person, pk)
        try:
            data, content_type = personnel.photo_of(person)
        except FileNotFoundError:
            abort(404)
        return stored_response(data, content_type)

    def pre_add(self, item):
        self._pre_add(item)
        self._take_photo(item)   # stored only once the rest is valid

    def _pre_add(self, item):
        spec = getattr(g, "new_employment", None) or {}
        if spec.get("unit") is not None or current_scope().is_unit_user:
            # Unit clerks add people as their staff: person and employment in one save.
            if spec.get("unit") is None:
                raise RuleViolation("employment_unit", _l("Choose the employing unit."))
            if not spec.get("role"):
                raise RuleViolation("employment_role", _l("Choose the staff type."))
            if spec.get("start") is None:
                raise RuleViolation("employment_start", _l("Enter the start date."))
            super().pre_add(item)
            employment = Employment(person=item, unit=spec["unit"], role=spec["role"],
                                    position=spec.get("position"),
                                    start_date=spec["start"])
            try:
                self.check_item(employment, creating=True)
            except RuleViolation as violation:
                field = {"unit": "employment_unit", "role": "employment_role",
                         "start_date": "employment_start"}.get(violation.field, "id_number")
                raise RuleViolation(field, violation.message)
            personnel.staff_added(self.datamodel.session, employment)
        else:
            super().pre_add(item)


# (view, menu name = permission name, label, icon, category, category label)
MENU = [
    (PersonView, "Person", _l("People"), "fa-user", "Personnel", _l("Personnel")),
    (EmploymentView, "Employment", _l("Staff"), "fa-id-badge", "Personnel", None),
    (CertificateView, "Certificate", _l("Certificates"), "fa-id-card", "Personnel", None),
]
