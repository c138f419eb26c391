"""服务（对象）单位 and 派驻: the services of a unit with coloured tier labels and the actions
【派驻】【解除服务】【详情】; the 新增 service form with autocomplete over all service targets;
the 派驻 form with a searchable multi-select over the serving unit's active full-time guards;
the 详情 page where a single dispatch is cancelled; and the generic lists of service targets
(tiered by category), services and dispatches.

The pages are thin: rows come only through app.security.scope (404 outside scope) and every
change goes through app.services.dispatch.
"""
import datetime as dt
import functools

from flask import abort, flash, jsonify, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.fieldwidgets import Select2Widget
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import Optional

from app.extensions import db
from app.models.vocabulary import LABELS
from app.web.widgets import tier_badge, tier_choices
from app.models import Dispatch, Employment, Service, ServiceTarget, TargetCategory, Unit
from app.models.choices import SERVICE_STATUSES
from app.security.scope import current_scope, get_scoped, scope_clause
from app.services import dispatch as workflow
from app.services import screening
from app.services.errors import RuleViolation
from app.services.rules import SERVING_UNIT_KINDS
from app.web.display import person_label
from app.web.transaction import atomic

from .base import ScopedModelView
from .forms import date_field, text_field
from .lookup import LookupField

PAGE_SIZE = 20


def _date_arg(value):
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


class ServiceForm(DynamicForm):
    unit = LookupField(_l("Serving unit"), entity="unit", kinds=SERVING_UNIT_KINDS)
    target_name = text_field(_l("Full name of the service target"), 200, required=True)
    target_id = HiddenField()
    target_category = SelectField(_l("Category"), coerce=lambda v: int(v) if v else None,
                                  validators=[Optional()], widget=Select2Widget())
    target_address = text_field(LABELS["address"], 300)
    target_contact_person = text_field(LABELS["contact_person"], 50)
    target_contact_phone = text_field(LABELS["contact_phone"], 20)
    contract_number = text_field(_l("Contract number"), 50)
    start_date = date_field(LABELS["start_date"], required=True)
    end_date = date_field(LABELS["end_date"])
    note = TextAreaField(LABELS["note"], validators=[Optional()])


class ServiceDeskView(BaseView):
    """The unit's 服务（对象）单位 and their dispatches."""
    route_base = "/servicedesk"
    class_permission_name = "Service"
    method_permission_name = {
        "list": "read", "detail": "read", "targets": "read",
        "add": "add", "dispatch": "edit", "guards": "edit", "end_service": "edit",
        "end_dispatch": "edit",
    }
    default_view = "list"

    # ------------------------------------------------------------ helpers

    @property
    def session(self):
        return db.session

    def _can(self, verb, resource="Service"):
        return self.appbuilder.sm.has_access(f"can_{verb}", resource)

    def _writable(self, model, ids):
        if not ids:
            return set()
        return {pk for (pk,) in self.session.query(model.id).filter(
            model.id.in_(ids), scope_clause(model, current_scope(), write=True))}

    def _service(self, pk, write=False):
        return get_scoped(self.session, Service, pk, write=write)

    # ------------------------------------------------------------ list

    @expose("/list/")
    @has_access
    def list(self):
        scope = current_scope()
        query = (self.session.query(Service)
                 .join(ServiceTarget, Service.target_id == ServiceTarget.id)
                 .filter(scope_clause(Service, scope)))
        q = request.args.get("q", "").strip()[:100]
        status = request.args.get("status", "active")
        unit_id = request.args.get("unit", type=int)
        if q:
            query = query.filter(ServiceTarget.name.contains(q, autoescape=True))
        if status in SERVICE_STATUSES:
            query = query.filter(Service.status == status)
        unit = None
        if unit_id:
            unit = get_scoped(self.session, Unit, unit_id)
            query = query.filter(Service.unit_id == unit.id)
        total = query.count()
        page = max(request.args.get("page", 1, type=int), 1)
        services = (query.order_by(Service.start_date.desc(), Service.id.desc())
                    .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE).all())
        ids = [s.id for s in services]
        active_counts = dict(self.session.query(Dispatch.service_id, func.count(Dispatch.id))
                             .filter(Dispatch.service_id.in_(ids), Dispatch.end_date.is_(None))
                             .group_by(Dispatch.service_id).all()) if ids else {}
        return self.render_template(
            "dispatch/list.html", title=_("Service targets of the unit"), services=services,
            active_counts=active_counts, writable=self._writable(Service, ids), q=q,
            status=status, unit=unit, page=page, pages=max((total - 1) // PAGE_SIZE + 1, 1),
            total=total, statuses=SERVICE_STATUSES, tier_badge=tier_badge,
            can_add=self._can("add"), can_dispatch=self._can("add", "Dispatch"),
            can_end=self._can("edit"))

    # ------------------------------------------------------------ add

    def _serving_units(self):
        """Units the clerk may add services for (a unit user: own unit and, for a
        self-hiring unit, its client units)."""
        scope = current_scope()
        if not scope.is_unit_user:
            return None
        return (self.session.query(Unit).filter(Unit.id.in_(sorted(scope.write_units)),
                                                Unit.kind.in_(SERVING_UNIT_KINDS))
                .order_by(Unit.id).all())

    @expose("/add/", methods=["GET", "POST"])
    @has_access
    def add(self):
        form = ServiceForm()
        categories = self.session.query(TargetCategory).order_by(
            TargetCategory.sort_order, TargetCategory.name).all()
        form.target_category.choices = [("", "")] + [(c.id, c.name) for c in categories]
        own_units = self._serving_units()
        if request.method == "GET":
            preset = request.args.get("unit", type=int)
            if own_units:
                form.unit.data = next((u for u in own_units if u.id == preset), own_units[0])
            form.start_date.data = dt.date.today()
        elif form.validate():
            unit = form.unit.data
            target = workflow.TargetInput(
                name=form.target_name.data,
                target_id=int(form.target_id.data) if (form.target_id.data or "").isdigit()
                else None,
                category_id=form.target_category.data,
                details={"address": form.target_address.data,
                         "contact_person": form.target_contact_person.data,
                         "contact_phone": form.target_contact_phone.data})
            try:
                with atomic(self.session):
                    service = workflow.create_service(
                        self.session, current_scope(), unit, target, form.start_date.data,
                        form.end_date.data, form.contract_number.data, form.note.data)
            except RuleViolation as violation:
                field = form._fields.get(violation.field) or form._fields.get(
                    "target_name" if violation.field in ("name", "target") else "")
                if field is not None:
                    field.errors = list(field.errors) + [violation.message]
                flash(violation.message, "danger")
            else:
                flash(_("The service was added."), "success")
                return redirect(url_for(".detail", pk=service.id))
        return self.render_template(
            "dispatch/add.html", title=_("Add service target of the unit"), form=form,
            own_units=own_units, categories=categories, tier_badge=tier_badge)

    @expose("/targets/")
    @has_access
    def targets(self):
        rows = workflow.search_targets(self.session, current_scope(),
                                       request.args.get("q", ""), limit=10)
        return jsonify({"results": [{
            "id": t.id, "name": t.name, "category_id": t.category_id,
            "category": t.category.name, "tier": t.tier, "tier_label": t.tier_label,
            "colour": t.category.colour, "address": t.address or "",
            "contact_person": t.contact_person or "", "contact_phone": t.contact_phone or "",
        } for t in rows]})

    # ------------------------------------------------------------ detail

    @expose("/<int:pk>/")
    @has_access
    def detail(self, pk):
        service = self._service(pk)
        dispatches = (self.session.query(Dispatch).filter(Dispatch.service_id == service.id)
                      .order_by(Dispatch.end_date.isnot(None), Dispatch.start_date.desc(),
                                Dispatch.id.desc()).all())
        writable = bool(self._writable(Service, [service.id]))
        return self.render_template(
            "dispatch/detail.html", title=_("Service details"), service=service,
            dispatches=dispatches, writable=writable, tier_badge=tier_badge,
            person_label=functools.partial(person_label, scope=current_scope()),
            today=dt.date.today(),
            can_dispatch=writable and self._can("add", "Dispatch"),
            can_cancel=writable and self._can("edit", "Dispatch"),
            can_end=writable and self._can("edit"))

    @expose("/<int:pk>/end/", methods=["POST"])
    @has_access
    def end_service(self, pk):
        service = self._service(pk, write=True)
        end_date = _date_arg(request.form.get("end_date")) or dt.date.today()
        self._end(workflow.end_service, service, end_date, request.form.get("reason"),
                  done=_("The service and all its dispatches have ended."))
        return redirect(url_for(".detail", pk=pk))

    def _end(self, end, item, end_date, reason=None, *, done):
        """【解除服务】 or 取消派驻 through app.services.dispatch, with its outcome flashed."""
        try:
            with atomic(self.session):
                end(self.session, current_scope(), item, end_date, reason)
        except RuleViolation as violation:
            flash(violation.message, "danger")
        else:
            flash(done, "success")

    @expose("/dispatch/<int:pk>/end/", methods=["POST"])
    @has_access
    def end_dispatch(self, pk):
        if not self._can("edit", "Dispatch"):
            abort(404)
        item = get_scoped(self.session, Dispatch, pk, write=True)
        service_id = item.service_id
        self._end(workflow.end_dispatch, item, _date_arg(request.form.get("end_date")),
                  done=_("The dispatch was cancelled."))
        return redirect(url_for(".detail", pk=service_id))

    # ------------------------------------------------------------ dispatch

    @expose("/<int:pk>/dispatch/", methods=["GET", "POST"])
    @has_access
    def dispatch(self, pk):
        if not self._can("add", "Dispatch"):
            abort(404)
        service = self._service(pk, write=True)
        errors, reasons = {}, []
        chosen_ids = [v for v in request.form.getlist("employments") if v.isdigit()]
        start = _date_arg(request.form.get("start_date")) if request.method == "POST" \
            else max(dt.date.today(), service.start_date)
        post = request.form.get("post", "").strip()[:100]
        confirmed = "1" in request.form.getlist("confirm_unverified")
        unverified = []
        if request.method == "POST":
            if start is None:
                errors["start_date"] = _("Enter the start date.")
            else:
                try:
                    with atomic(self.session):
                        created = workflow.dispatch_guards(
                            self.session, current_scope(), service, chosen_ids, start, post,
                            unverified_confirmed=confirmed)
                except workflow.DispatchRefused as refused:
                    reasons = refused.reasons  # listed above the form, guard by guard
                except workflow.UnverifiedGuards as refused:
                    unverified = refused.guards  # the form asks to confirm, at the field
                    errors["confirm_unverified"] = refused.message
                except RuleViolation as violation:
                    errors[violation.field] = violation.message
                    flash(violation.message, "danger")
                else:
                    flash(_("%(n)s guards were dispatched.", n=len(created)), "success")
                    return redirect(url_for(".detail", pk=service.id))
        chosen = []
        if chosen_ids:
            chosen = self.session.query(Employment).filter(
                Employment.id.in_([int(v) for v in chosen_ids]),
                scope_clause(Employment, current_scope())).all()
        cases = screening.open_identity_cases(self.session, chosen)
        return self.render_template(
            "dispatch/dispatch.html", title=_("Dispatch guards"), service=service,
            errors=errors, reasons=reasons, chosen=chosen, start=start, post=post,
            unverified=unverified, tier_badge=tier_badge,
            identity={emp_id: _("Identity: %(state)s", state=case.state_label)
                      for emp_id, case in cases.items()},
            person_label=functools.partial(person_label, scope=current_scope()))

    @expose("/<int:pk>/guards/")
    @has_access
    def guards(self, pk):
        """The picker's options: the eligible guards (one already dispatched is shown, not
        offered; one not verified yet carries its case's state as a badge), and on the last
        page, for the searched text, why the people it names are not offered."""
        service = self._service(pk, write=True)
        page = max(request.args.get("page", 1, type=int), 1)
        q = request.args.get("q", "")[:50]
        rows, more = workflow.eligible_guards(self.session, service, q, limit=PAGE_SIZE,
                                              offset=(page - 1) * PAGE_SIZE)
        results, scope = [], current_scope()
        unverified = screening.open_identity_cases(self.session, [emp for emp, _a in rows])
        for emp, active in rows:
            results.append(self._guard_option(emp, scope, active, unverified.get(emp.id)))
        if not more:
            for emp, reason in workflow.ineligible_guards(self.session, scope, service, q):
                results.append({"id": f"why-{emp.id}", "disabled": True, "reason": True,
                                "text": f"{person_label(emp.person, scope)}：{reason}"})
            if not results:
                results.append({"id": "why", "disabled": True, "reason": True, "text": _(
                    "No active full-time guard of %(unit)s matches “%(q)s”.",
                    unit=service.unit.name, q=q.strip()) if q.strip() else _(
                    "%(unit)s has no active full-time guard to dispatch.",
                    unit=service.unit.name)})
        return jsonify({"results": results, "pagination": {"more": more}})

    @staticmethod
    def _guard_option(emp, scope, active=None, case=None):
        text = f"{person_label(emp.person, scope)} · {emp.unit.name}"
        item = {"id": emp.id, "text": text}
        if active is not None:
            item["text"] = text + " " + _("(dispatched to %(target)s)",
                                          target=active.service.target.name)
            item["disabled"] = True
        if case is not None:
            item["identity"] = _("Identity: %(state)s", state=case.state_label)
        return item


# ------------------------------------------------------------------ the generic lists

class DispatchView(ScopedModelView):
    datamodel = SQLAInterface(Dispatch)
    class_permission_name = "Dispatch"
    list_title = show_title = _l("Dispatches")
    add_title = _l("Add dispatch")
    edit_title = _l("Edit dispatch")
    label_columns = {**LABELS, "service.target.name": _l("Service target"),
                     "service.target.tier": _l("Tier"), "service.target.tier_label": _l("Tier")}
    list_columns = ["person.name", "unit.name", "service.target.name", "service.target.tier",
                    "post", "start_date", "end_date"]
    # Exports carry the tier as text.
    export_columns = ["person.name", "unit.name", "service.target.name",
                      "service.target.tier_label", "post", "start_date", "end_date"]
    formatters_columns = {"service.target.tier": tier_badge}
    show_columns = ["person", "unit", "service", "post", "start_date", "end_date",
                    "end_reason"]
    add_columns = ["service", "employment", "post", "start_date"]
    edit_columns = ["post", "start_date", "end_date", "end_reason"]
    search_columns = ["post", "start_date", "end_date"]
    order_columns = ["start_date", "end_date", "post"]
    base_order = ("start_date", "desc")
    lookup_columns = {"service": "service", "employment": "employment"}


class ServiceView(ScopedModelView):
    datamodel = SQLAInterface(Service)
    class_permission_name = "Service"
    list_title = show_title = _l("Service records")
    add_title = _l("Add service")
    edit_title = _l("Edit service")
    label_columns = {**LABELS, "target.tier": _l("Tier"), "target.tier_label": _l("Tier")}
    list_columns = ["unit.name", "target.name", "target.tier", "contract_number", "start_date",
                    "end_date", "status_label"]
    export_columns = ["unit.name", "target.name", "target.tier_label", "contract_number",
                      "start_date", "end_date", "status_label"]
    show_columns = ["unit", "target", "target.tier", "contract_number", "start_date",
                    "end_date", "status_label", "note"]
    add_columns = ["unit", "target", "contract_number", "start_date", "end_date", "note"]
    edit_columns = ["contract_number", "start_date", "end_date", "status", "note"]
    search_columns = ["contract_number", "status", "start_date", "end_date"]
    order_columns = ["start_date", "end_date", "status"]
    base_order = ("start_date", "desc")
    formatters_columns = {"target.tier": tier_badge}
    related_views = [DispatchView]
    lookup_columns = {"unit": ("unit", SERVING_UNIT_KINDS),
                      "target": "service_target"}
    own_unit_fields = ("unit",)
    choice_columns = {"status": SERVICE_STATUSES}
    required_choices = ("status",)


class ServiceTargetView(ScopedModelView):
    datamodel = SQLAInterface(ServiceTarget)
    class_permission_name = "ServiceTarget"
    list_title = show_title = _l("Service targets")
    add_title = _l("Add service target")
    edit_title = _l("Edit service target")
    label_columns = {**LABELS, "name": _l("Full name of the unit"),
                     "category.tier": _l("Tier"), "category.tier_label": _l("Tier")}
    list_columns = ["name", "category.name", "category.tier", "address", "contact_person",
                    "contact_phone"]
    export_columns = ["name", "category.name", "category.tier_label", "address",
                      "contact_person", "contact_phone"]
    show_columns = ["name", "category", "category.tier", "region", "address",
                    "contact_person", "contact_phone"]
    add_columns = ["name", "category", "region", "address", "contact_person", "contact_phone"]
    edit_columns = add_columns
    search_columns = ["name", "address"]
    order_columns = ["name"]
    base_order = ("name", "asc")
    formatters_columns = {"category.tier": tier_badge}
    related_views = [ServiceView]
    lookup_columns = {"region": "region"}


class TargetCategoryView(ScopedModelView):
    datamodel = SQLAInterface(TargetCategory)
    class_permission_name = "TargetCategory"
    list_title = show_title = _l("Service target categories")
    add_title = _l("Add category")
    edit_title = _l("Edit category")
    label_columns = {**LABELS, "name": _l("Category")}
    list_columns = ["name", "tier", "sort_order"]
    show_columns = add_columns = edit_columns = ["name", "tier", "sort_order"]
    search_columns = ["name", "tier"]
    base_order = ("sort_order", "asc")
    formatters_columns = {"tier": tier_badge}
    add_form_extra_fields = edit_form_extra_fields = {
        "tier": SelectField(_l("Tier"), coerce=int, choices=tier_choices,
                            widget=Select2Widget()),
    }


# (view, menu name = permission name, label, icon, category, category label)
MENU = [
    (ServiceDeskView, "ServiceDesk", _l("Service targets of the unit"), "fa-shield",
     "Services", _l("Services and dispatch")),
    (ServiceTargetView, "ServiceTarget", _l("Service targets"), "fa-flag", "Services",
     _l("Services and dispatch")),
    # every service of the scope, one row each (the menu's 服务（对象）单位 is ServiceDesk)
    (ServiceView, "Service", _l("Service records"), "fa-handshake", "Services", None),
    (DispatchView, "Dispatch", _l("Dispatches"), "fa-share-square", "Services", None),
    (TargetCategoryView, "TargetCategory", _l("Service target categories"), "fa-tags",
     "System", None),
]
