"""人员管理: person-centred staff lists (保安员, 兼职保安员, 其他人员, 学员, 教员) across the
user's scope, with 【新增】 (basic information, work information, certificates; the ID number
fills gender, birth date, household region and, from the population registry, the name and
household address as it is typed), 【详情】 (the person's page with
its tabs) and 【离职】. All writes go through app.services.personnel."""
import datetime as dt

from flask import abort, current_app, flash, g, jsonify, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.fieldwidgets import BS3TextAreaFieldWidget, BS3TextFieldWidget
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy.exc import IntegrityError
from wtforms import BooleanField, IntegerField
from wtforms.validators import DataRequired, NumberRange, Optional

from app.extensions import db
from app.models.vocabulary import LABELS
from app.web.widgets import choice_field
from app.models import Certificate, Employment, Unit
from app.models.authority import rule_for
from app.models.choices import EDUCATION_LEVELS
from app.security import authority
from app.security.scope import OutOfScope, current_scope, get_scoped
from app.services import personnel, rules
from app.services.errors import RuleViolation
from app.web.staff import role_filters
from app.web.navigation import return_url
from app.web.transaction import atomic
from app.web.uploads import upload_field, uploaded_file
from app.services.registry import get_registry, log_lookup
from app.web.limits import per_user_limit
from app.web.list_rows import PK_PLACEHOLDER, ListRows

from .base import ScopedListWidget, ScopedModelView
from .staff_import import IMPORT_PERMISSIONS, StaffImportMixin
from .forms import date_field, text_field
from .lookup import LookupField


# ------------------------------------------------------------------ the add form

class StaffForm(DynamicForm):
    # 基本信息
    id_number = text_field(_l("ID number"), 18, required=True)
    name = text_field(_l("Full name"), 50, required=True)
    registry_confirmed = BooleanField(_l("I have checked the identity: save as entered"))
    phone = text_field(_l("Phone"), 20)
    ethnicity = text_field(_l("Ethnicity"), 20)
    education = choice_field(_l("Education"), EDUCATION_LEVELS, required=False)
    household_address = text_field(_l("Household address"), 300)
    residence_address = text_field(_l("Residence address"), 300)
    photo = upload_field(_l("Photo"), images=True)
    # 工作信息
    unit = LookupField(_l("Employing unit"), entity="unit", validators=[DataRequired()])
    position = text_field(_l("Position"), 50)
    start_date = date_field(_l("Start date"), required=True)
    key_manager = BooleanField(_l("Key manager"))
    # 证件信息
    cert_guard_number = text_field(_l("Guard certificate number"), 50)
    cert_guard_issued_on = date_field(_l("Guard certificate issue date"))
    cert_firearm_permit_number = text_field(_l("Firearm permit number"), 50)
    cert_driving_licence_number = text_field(_l("Driving licence number"), 50)
    cert_driving_licence_level = text_field(_l("Driving class"), 20)
    cert_vocational_level_number = text_field(_l("Vocational level certificate number"), 50)
    cert_vocational_level_level = text_field(_l("Vocational level"), 20)
    cert_fire_control_number = text_field(_l("Fire-control certificate number"), 50)
    # 培训信息 (students)
    training_class = text_field(_l("Training class"), 100)
    training_start = date_field(_l("Training start"))
    training_end = date_field(_l("Training end"))
    training_hours = IntegerField(_l("Training hours"),
                                  validators=[Optional(), NumberRange(min=0, max=10000)],
                                  widget=BS3TextFieldWidget())
    training_result = text_field(_l("Training result"), 50)
    # 工作经历 (instructors: where they worked before)
    work_employer = text_field(_l("Former employer"), 200)
    work_position = text_field(_l("Position held"), 100)
    work_start = date_field(_l("Worked from"))
    work_end = date_field(_l("Worked until"))


CERT_KINDS = ("guard", "firearm_permit", "driving_licence", "vocational_level", "fire_control")
BASIC = ("id_number", "name", "registry_confirmed", "phone", "ethnicity", "education",
         "household_address", "residence_address", "photo")
NOT_PERSON_COLUMNS = ("registry_confirmed", "photo")
WORK = ("unit", "position", "start_date")
CERTS = ("cert_guard_number", "cert_guard_issued_on", "cert_firearm_permit_number",
         "cert_driving_licence_number", "cert_driving_licence_level",
         "cert_vocational_level_number", "cert_vocational_level_level",
         "cert_fire_control_number")
TRAINING = ("training_class", "training_start", "training_end", "training_hours",
            "training_result")
EXPERIENCE = ("work_employer", "work_position", "work_start", "work_end")


class ResignForm(DynamicForm):
    end_date = date_field(_l("Date of leaving"), required=True)
    end_reason = text_field(_l("Reason for leaving"), 200, required=True,
                            widget=BS3TextAreaFieldWidget())


# ------------------------------------------------------------------ the lists

class StaffRows(ListRows):
    """【详情】 (the person's page) and 【离职】 on rows the user may change; 主要管理人员
    carry a tag beside the name (the manual's 标签提示)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        ctx = self.context
        # Addresses and labels once per page (the routes take integer ids).
        self.person_url = url_for("PersonView.show", pk=PK_PLACEHOLDER)
        self.resign_url = url_for(ctx["resign_endpoint"], pk=PK_PLACEHOLDER)
        self.labels = escape(_("Detail")), escape(_("Leave"))
        self.tag = Markup(' <span class="label label-warning key-manager-tag">%s</span>') % _(
            "Key manager")

    def actions_cell(self, pk, writable):
        person = str(self.context["person_of"][pk])
        leave = (f' <a class="btn btn-xs btn-warning" '
                 f'href="{escape(self.resign_url.replace(PK_PLACEHOLDER, str(pk)))}">'
                 f'{self.labels[1]}</a>') if self.context["can_edit"] and writable else ""
        return (f'<td class="text-nowrap staff-actions"><a class="btn btn-xs btn-default" '
                f'href="{escape(self.person_url.replace(PK_PLACEHOLDER, person))}">'
                f'{self.labels[0]}</a>{leave}</td>')

    def cell_extra(self, pk, column):
        return self.tag if column == "person.name" and pk in self.context["key_managers"] \
            else ""


class StaffListWidget(ScopedListWidget):
    template = "staff/list_widget.html"
    rows_class = StaffRows


class StaffListView(StaffImportMixin, ScopedModelView):
    """An active-staff list of one role; subclasses set `role` and the titles."""
    datamodel = SQLAInterface(Employment)
    role = None
    label_columns = {**LABELS, "person.gender_label": _l("Gender"),
                     "person.birth_date": _l("Birth date"), "person.phone": _l("Phone")}
    list_columns = ["person.name", "person.id_number", "person.gender_label",
                    "person.birth_date", "unit.name", "position", "start_date"]
    show_columns = ["person", "person.id_number", "unit", "role_label", "position",
                    "key_manager", "start_date", "end_date", "end_reason"]
    edit_columns = ["position", "start_date"]
    search_columns = ["position", "start_date"]
    order_columns = ["start_date", "position"]
    base_order = ("start_date", "desc")
    list_template = "staff/list.html"
    list_widget = StaffListWidget
    method_permission_name = {**ScopedModelView.method_permission_name, "resign": "edit",
                              "add": "add", **IMPORT_PERMISSIONS}
    # which form sections the add page shows
    sections = ("basic", "work", "certificates")

    def _get_list_widget(self, **kwargs):
        widgets = super()._get_list_widget(**kwargs)
        widget = widgets["list"]
        session = self.datamodel.session
        # The page's rows are in the session's identity map: no query.
        rows = [session.get(Employment, pk) for pk in widget.template_args.get("pks") or []]
        widget.template_args["person_of"] = {row.id: row.person_id for row in rows}
        # 主要管理人员: a tag beside the name (the manual's 标签提示)
        widget.template_args["key_managers"] = {row.id for row in rows if row.key_manager}
        widget.template_args["resign_endpoint"] = f"{self.endpoint}.resign"
        return widgets

    # ------------------------------------------------------------ 【新增】

    @expose("/add", methods=["GET", "POST"])
    @has_access
    def add(self):
        form = StaffForm()
        if request.method == "GET":
            scope = current_scope()
            # 【新增】 from a unit page's staff tab carries the unit as a list filter.
            unit_id = request.args.get("_flt_0_unit", type=int)
            try:
                preset = get_scoped(db.session, Unit, unit_id, write=True) if unit_id else None
            except OutOfScope:
                preset = None
            if preset is not None:
                form.unit.data = preset
            elif scope.is_unit_user and scope.unit_id:
                form.unit.data = db.session.get(Unit, scope.unit_id)
            form.start_date.data = dt.date.today()
        elif form.validate_on_submit():
            try:
                with atomic(db.session):
                    employment = self._add_staff(form)
            except RuleViolation as violation:
                self._field_error(form, violation)
            except IntegrityError as exc:
                self._field_error(form, rules.violation_from_integrity_error(exc))
            else:
                flash(_("Added %(name)s.", name=employment.person.name), "success")
                # From a unit page's staff tab: back to that tab; else the person's page.
                return redirect(return_url()
                                or url_for("PersonView.show", pk=employment.person_id))
        return self.render_template(
            "staff/add.html", form=form, title=self.add_title, sections=self.sections,
            groups=self._groups(), check_url=url_for("StaffIdCheckView.check"),
            list_url=return_url() or url_for(f"{self.endpoint}.list"))

    def _groups(self):
        groups = [(_("Basic information"), BASIC), (_("Work information"), WORK + (
            ("key_manager",) if self.role == "other_staff" else ()))]
        if "certificates" in self.sections:
            groups.append((_("Certificates"), self._certificate_fields()))
        if "training" in self.sections:
            groups.append((_("Training information"), TRAINING))
        if "experience" in self.sections:
            groups.append((_("Work experience"), EXPERIENCE))
        return groups

    @staticmethod
    def _certificate_fields():
        """The certificate fields of the kinds the user records (a unit: not the 保安员证 or
        the firearm permit, which the police issue)."""
        author = authority.author_of(current_scope())
        kinds = [kind for kind in CERT_KINDS
                 if rule_for(Certificate, value=kind).allows(author, authority.CREATE)]
        return tuple(name for name in CERTS
                     if any(name.startswith(f"cert_{kind}_") for kind in kinds))

    def _add_staff(self, form):
        certificates = []
        if "certificates" in self.sections:
            for kind in CERT_KINDS:
                number = form[f"cert_{kind}_number"].data
                if number:
                    spec = {"kind": kind, "number": number.strip()}
                    if f"cert_{kind}_level" in form:
                        spec["level"] = form[f"cert_{kind}_level"].data or None
                    if f"cert_{kind}_issued_on" in form:
                        spec["issued_on"] = form[f"cert_{kind}_issued_on"].data
                    certificates.append(spec)
        person = {key: form[key].data for key in BASIC if key not in NOT_PERSON_COLUMNS}
        upload = uploaded_file(form.photo.name)
        photo = upload.read() if upload is not None else None
        training = earlier_work = None
        if "training" in self.sections:
            training = {"class_name": form.training_class.data,
                        "start_date": form.training_start.data,
                        "end_date": form.training_end.data, "hours": form.training_hours.data,
                        "result": form.training_result.data}
        if "experience" in self.sections:
            earlier_work = {"employer": form.work_employer.data,
                            "position": form.work_position.data,
                            "start_date": form.work_start.data, "end_date": form.work_end.data}
        session = db.session
        employment = personnel.add_staff(
            session, current_scope(), unit=form.unit.data, role=self.role, person=person,
            start_date=form.start_date.data, position=form.position.data,
            key_manager=form.key_manager.data, certificates=certificates,
            registry=get_registry(session, current_app.config),
            registry_confirmed=form.registry_confirmed.data, training=training,
            earlier_work=earlier_work, photo=photo)
        session.flush()
        return employment

    @staticmethod
    def _field_error(form, violation):
        name = {"person": "id_number", "role": "unit"}.get(violation.field, violation.field)
        if name and name.startswith("cert_") and name not in form:
            name = None
        target = form[name] if name and name in form else None
        if target is not None:
            target.errors = list(target.errors) + [violation.message]
        flash(violation.message, "danger")

    # ------------------------------------------------------------ 【离职】

    @expose("/resign/<int:pk>", methods=["GET", "POST"])
    @has_access
    def resign(self, pk):
        employment = get_scoped(db.session, Employment, pk, write=True)
        if employment.role != self.role or employment.end_date is not None:
            abort(404)
        form = ResignForm()
        if request.method == "GET":
            form.end_date.data = dt.date.today()
        elif form.validate_on_submit():
            try:
                with atomic(db.session):
                    personnel.resign(db.session, current_scope(), employment,
                                     form.end_date.data, form.end_reason.data)
            except RuleViolation as violation:
                self._field_error(form, violation)
            else:
                flash(_("%(name)s has left the unit.", name=employment.person.name), "success")
                return redirect(url_for(f"{self.endpoint}.list"))
        return self.render_template("staff/resign.html", form=form, employment=employment,
                                    title=_("Leave the unit"),
                                    list_url=url_for(f"{self.endpoint}.list"))


def _staff_view(class_name, role, permission, title, add_title, sections=None, extra=None):
    attrs = dict(role=role, class_permission_name=permission, base_filters=role_filters(role),
                 list_title=title, show_title=title, add_title=add_title,
                 edit_title=add_title, **(extra or {}))
    if sections:
        attrs["sections"] = sections
    return type(class_name, (StaffListView,), attrs)


GuardListView = _staff_view("GuardListView", "guard", "Guard", _l("Guards"), _l("Add guard"))
PartTimeGuardListView = _staff_view("PartTimeGuardListView", "part_time_guard", "PartTimeGuard",
                                    _l("Part-time guards"), _l("Add part-time guard"))
OtherStaffListView = _staff_view(
    "OtherStaffListView", "other_staff", "OtherStaff", _l("Other staff"), _l("Add other staff"),
    sections=("basic", "work"),
    extra={"list_columns": StaffListView.list_columns + ["key_manager"],
           "edit_columns": ["position", "key_manager", "start_date"]})
StudentListView = _staff_view("StudentListView", "student", "Student", _l("Students"),
                              _l("Add student"), sections=("basic", "work", "training"))
InstructorListView = _staff_view("InstructorListView", "instructor", "Instructor",
                                 _l("Instructors"), _l("Add instructor"),
                                 sections=("basic", "work", "certificates", "experience"))

STAFF_VIEWS = {view.role: view for view in (GuardListView, PartTimeGuardListView,
                                            OtherStaffListView, StudentListView,
                                            InstructorListView)}


# ------------------------------------------------------------------ live ID check

class StaffIdCheckView(BaseView):
    """JSON behind the add form: the decoded ID number, or the reason it is invalid; for a
    valid number the registered name and household address (echoed into the form), logged
    per look-up (系统管理 → 人口信息查询记录) and rate limited per user
    (REGISTRY_LOOKUP_RATE_LIMIT) so the form cannot harvest the registry; with a typed name,
    whether it matches the registry."""
    route_base = "/staff/idcheck"
    class_permission_name = "Person"
    method_permission_name = {"check": "add"}
    default_view = "check"
    limits = [per_user_limit("REGISTRY_LOOKUP_RATE_LIMIT")]

    @expose("/")
    @has_access
    def check(self):
        if not current_scope().writes:
            abort(404)
        id_number = request.args.get("id_number", "")[:30]
        name = request.args.get("name", "")[:50]
        session, user = db.session, g.user
        with atomic(session):
            result = personnel.check_id_number(
                id_number, name, get_registry(session, current_app.config),
                lookup_log=lambda number, found: log_lookup(
                    session, user.id, user.username, number, found))
        return jsonify(result)


# (view, menu name = permission name, label, icon, category, category label)
MENU = [
    (GuardListView, "Guard", _l("Guards"), "fa-user-shield", "Personnel", _l("Personnel")),
    (PartTimeGuardListView, "PartTimeGuard", _l("Part-time guards"), "fa-user-clock",
     "Personnel", None),
    (OtherStaffListView, "OtherStaff", _l("Other staff"), "fa-user-tie", "Personnel", None),
    (StudentListView, "Student", _l("Students"), "fa-user-graduate", "Personnel", None),
    (InstructorListView, "Instructor", _l("Instructors"), "fa-chalkboard-teacher", "Personnel",
     None),
]
NO_MENU = [StaffIdCheckView]
