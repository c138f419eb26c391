"""People, employments (staff of units) and certificates, and the person's page: the
manual's tabs for the kind of person (保安员 / 兼职保安员 / 学员 / 教员: all of them; 其他人员:
basic information and work history only), each tab loading when it is shown."""
from dataclasses import dataclass

from flask import abort, url_for
from flask_appbuilder import expose, has_access
from flask_babel import lazy_gettext as _l
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget, DatePickerWidget
from flask_appbuilder.models.sqla.interface import SQLAInterface
from wtforms import BooleanField, DateField, StringField
from wtforms.validators import DataRequired, Optional

from app.models import Certificate, Employment, Person
from app.models.choices import (CERTIFICATE_KINDS, CERTIFICATE_STATUSES, EDUCATION_LEVELS,
                                EMPLOYMENT_ROLES)
from app.security.scope import current_scope, get_scoped, keyed_to_record
from app.services import changelog as changelog_service
from app.services import personnel, screening

from .base import InTabShowWidget, LazyTab, ScopedModelView
from .conduct import ConductRecordView
from .screening import PERSON_TABS  # 比对预警 tabs
from .person_records import (EquipmentIssueView, ExamResultView, PoliceAssistanceView,
                             SocialRelationView, TrainingRecordView, WorkExperienceView)
from .dispatch import DispatchView
from .register import may_print_certificate
from .forms import UploadsOnSave
from app.models.vocabulary import LABELS
from app.web.widgets import choice_field
from .lookup import LookupField, PersonByIdNumberField
from app.web.personnel import EmploymentAdd, confirm_registry, registry_confirmation
from app.web.uploads import stored_response, take_upload, upload_field


def _photo_field():
    return upload_field(_l("Photo"), images=True)


def registry_confirmed_field():
    return BooleanField(_l("I have checked the identity: save as entered"), description=_l(
        "Tick only after checking the identity document; the entry is then verified by the "
        "police."))


class RegistryConfirmedForm:
    """Generic add forms with the registry confirmation box: its value is kept for pre_add."""

    def process_form(self, form, is_created):
        super().process_form(form, is_created)
        if is_created:
            confirm_registry(form.registry_confirmed.data)


class EmploymentView(EmploymentAdd, RegistryConfirmedForm, ScopedModelView):
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
    add_columns = ["person", "registry_confirmed", "unit", "role", "position", "key_manager",
                   "start_date"]
    edit_columns = ["position", "key_manager", "start_date", "end_date", "end_reason"]
    search_columns = ["role", "position", "key_manager", "start_date", "end_date"]
    order_columns = ["start_date", "end_date", "role"]
    base_order = ("start_date", "desc")
    lookup_columns = {"unit": "unit"}
    own_unit_fields = ("unit",)
    choice_columns = {"role": EMPLOYMENT_ROLES}
    required_choices = ("role",)
    related_views = [DispatchView]  # 工作经历: each employment with its dispatches
    add_form_extra_fields = {
        "person": PersonByIdNumberField(_l("ID number"), validators=[DataRequired()]),
        "registry_confirmed": registry_confirmed_field(),
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
                    "expires_on", "status_label", "status_changed_on", "status_reason"]
    add_columns = ["person", "kind", "number", "level", "issuer", "issued_on", "expires_on",
                   "status"]
    # 吊销 / 注销: the status with its date and reason (rules.check_certificate).
    edit_columns = add_columns + ["status_changed_on", "status_reason"]
    description_columns = {"status_reason": _l("Needed when the certificate is revoked or "
                                               "cancelled; the date defaults to today.")}
    show_template = "personnel/certificate_show.html"
    search_columns = ["kind", "number", "status", "issued_on", "expires_on"]
    order_columns = ["number", "issued_on", "expires_on"]
    base_order = ("issued_on", "desc")
    lookup_columns = {"person": "person"}
    choice_columns = {"kind": CERTIFICATE_KINDS, "status": CERTIFICATE_STATUSES}
    required_choices = ("kind", "status")

    def may_print(self, pk) -> bool:
        """【电子证】 on the certificate's page (a valid guard certificate the user may
        print); the page was reached through the read scope, the row is in the session."""
        cert = self.datamodel.get(pk, self._base_filters)
        return cert is not None and may_print_certificate(self.datamodel.session, cert)


@dataclass(frozen=True)
class PersonTab:
    key: str              # the tab's anchor (a view's class name where the tab is one list)
    title: object
    panes: tuple = ()     # (list view class, heading or None), each filtered to the person
    body: str | None = None   # what the tab shows besides its lists: "show" | "change_log"


def _list_tab(view, title):
    return PersonTab(view.__name__, title, ((view, None),))


def person_tabs(profile: personnel.PersonProfile) -> list:
    """The tabs of a person's page in the manual's order and with its titles, for the kind
    of person (app.services.personnel.person_profile decides the kind)."""
    work = PersonTab("EmploymentView", _l("Work history"), (
        (EmploymentView, None), (DispatchView, _l("Dispatch records"))))
    if profile.kind == "other_staff":
        # 其他人员【详情】: basic information and work history.
        return [PersonTab("Home", _l("Personal information"), body="show"),
                PersonTab(work.key, work.title, work.panes[:1])]
    info = [(ExamResultView, _l("Exam information"))]         # synced from the exam system
    if profile.kind == "student" or profile.has_training:
        info.append((TrainingRecordView, _l("Training information")))
    if profile.kind == "instructor" or profile.has_work_experience:
        info.append((WorkExperienceView, _l("Earlier work experience")))
    return [PersonTab("Home", _l("Personal information"), tuple(info), body="show"),
            _list_tab(CertificateView, _l("Certificate information")),
            work,
            _list_tab(SocialRelationView, _l("Social relations")),
            _list_tab(EquipmentIssueView, _l("Personal equipment")),
            _list_tab(ConductRecordView, _l("Commendations, violations and complaints")),
            _list_tab(PoliceAssistanceView, _l("Assistance to the police")),
            *(_list_tab(view, view.list_title) for view in PERSON_TABS),  # 比对预警
            PersonTab("ChangeLog", _l("Change log"), body="change_log")]


class PersonView(UploadsOnSave, RegistryConfirmedForm, ScopedModelView):
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
    add_columns = ["id_number", "name", "registry_confirmed", "phone", "ethnicity", "education",
                   "household_address", "residence_address", "note", "photo_upload",
                   "employment_unit", "employment_role", "employment_position",
                   "employment_start"]
    edit_columns = ["id_number", "name", "phone", "ethnicity", "education",
                    "household_address", "residence_address", "note", "photo_upload"]
    search_columns = ["name", "id_number", "phone", "birth_date"]
    order_columns = ["name", "birth_date"]
    base_order = ("id", "desc")
    # Every list a person's page may show; `person_tabs` picks and orders them per person.
    related_views = [ExamResultView, CertificateView, EmploymentView, DispatchView,
                     SocialRelationView, EquipmentIssueView, ConductRecordView,
                     PoliceAssistanceView, TrainingRecordView, WorkExperienceView] + PERSON_TABS
    show_template = "person/show.html"
    show_widget = InTabShowWidget
    edit_template = "person/edit.html"   # the form alone: the tabs belong to the page
    own_unit_fields = ("employment_unit",)
    description_columns = {
        "id_number": _l("Gender, birth date and household region are read from the number."),
    }
    choice_columns = {"education": EDUCATION_LEVELS}
    method_permission_name = {**ScopedModelView.method_permission_name, "photo": "read"}
    edit_form_extra_fields = {"photo_upload": _photo_field()}
    add_form_extra_fields = {
        "photo_upload": _photo_field(),
        "employment_unit": LookupField(_l("Employing unit"), entity="unit"),
        "employment_role": choice_field(_l("Staff type"), EMPLOYMENT_ROLES, required=False),
        "employment_position": StringField(_l("Position"), widget=BS3TextFieldWidget()),
        "employment_start": DateField(_l("Start date"), validators=[Optional()],
                                      widget=DatePickerWidget()),
        "registry_confirmed": registry_confirmed_field(),
    }

    # ------------------------------------------------------------ the person's page

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        # Every read of the page is keyed to the person: the scope by subquery, no lookup
        # of a jurisdiction's unit ids (scope.keyed_to_record, docs/speed.md).
        with keyed_to_record(current_scope()):
            widgets = self._show(pk)   # through the read scope (404), then the person's tabs
            tabs = widgets["person_tabs"]
            change_log = None
            if any(entry["tab"].body == "change_log" for entry in tabs):
                change_log = changelog_service.for_record(self.datamodel.session, Person, pk,
                                                          current_scope())
            summary = self._summary(widgets["person"])   # the person _show found in scope
        self.update_redirect()   # 【编辑】 and the tabs' forms come back here
        return self.render_template(
            self.show_template, pk=pk, title=summary["person"].name, widgets=widgets,
            tabs=tabs, profile=widgets["person_profile"],
            can_edit=self.may_change(summary["person"]), change_log=change_log, **summary)

    def _get_related_views_widgets(self, item, orders=None, pages=None, page_sizes=None,
                                   widgets=None, **args):
        """FAB's hook for the related lists of show (and edit): only the tabs that fit the
        person are built, so the others are neither queried nor rendered."""
        widgets = widgets or {}
        widgets["related_views"] = []
        widgets["person"] = item
        if "edit" in widgets:
            return widgets          # the edit form shows no tabs
        registered = {type(view): view for view in self._related_views}
        sm = self.appbuilder.sm
        tabs = []
        profile = widgets["person_profile"] = personnel.person_profile(self.datamodel.session,
                                                                       item.id)
        for tab in person_tabs(profile):
            panes = []
            for view_class, heading in tab.panes:
                view = registered.get(view_class)
                if view is None or not sm.has_access("can_read", view.class_permission_name):
                    continue
                panes.append({"title": heading, "view": view, "widget": LazyTab(url_for(
                    f"{self.endpoint}.related_tab", pk=item.id, name=view_class.__name__))})
            if not panes and tab.body is None:
                continue            # a list tab the user may not read
            tabs.append({"tab": tab, "panes": panes})
        widgets["person_tabs"] = tabs
        return widgets

    def _tab_of(self, item, name):
        """The tab of the person's page that shows the list `name`, None if none does."""
        return next((tab for tab in person_tabs(personnel.person_profile(
            self.datamodel.session, item.id)) for view_class, _heading in tab.panes
            if view_class.__name__ == name), None)

    def tab_allowed(self, item, name):
        """A tab's own URL answers only for a list the person's page shows."""
        return self._tab_of(item, name) is not None

    def tab_anchor(self, item, name):
        return self._tab_of(item, name).key

    def take_uploads(self, item):   # stored only once the rest is valid
        take_upload("photo_upload",
                    lambda data, _name: personnel.set_photo(item, data, "photo_upload"))

    def _summary(self, person):
        """The photo and screening state at the top of 人员信息."""
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

    def pre_add(self, item):   # not the generic add: app.services.personnel.add_person
        # The employment fields are not columns of Person: the form set them on the item.
        spec = {key: getattr(item, f"employment_{key}", None)
                for key in ("unit", "role", "position", "start")}
        registry, confirmed = registry_confirmation(self.datamodel.session)
        personnel.add_person(self.datamodel.session, current_scope(), item, registry,
                             confirmed=confirmed, employment=spec, check=self.check_item)
        self.take_uploads(item)


# (view, menu name = permission name, label, icon, category, category label)
MENU = [
    (PersonView, "Person", _l("People"), "fa-user", "Personnel", _l("Personnel")),
    (EmploymentView, "Employment", _l("Staff"), "fa-id-badge", "Personnel", None),
    (CertificateView, "Certificate", _l("Certificates"), "fa-id-card", "Personnel", None),
]
