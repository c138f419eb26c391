"""Searchable relation fields for big tables.

No form lists a big table in a dropdown: a relation to units, people, employments, services
or targets is a select2 box that asks `/lookup/<entity>/?q=` as the clerk types. The endpoint
and the field both read through the scope mechanism, so a clerk can neither see nor submit a
row outside their scope (a tampered id fails validation at the field).
"""
from dataclasses import dataclass, field
from typing import Callable

from flask import current_app, jsonify, request
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import and_, or_
from wtforms import Field
from wtforms.validators import ValidationError

from app.extensions import db
from app.models import Employment, Person, Region, Service, ServiceTarget, Unit
from app.security.scope import current_scope, is_shared, scope_clause
from app.services.idnumber import IdNumberError, parse_id_number
from app.services.search import starts_with as prefix_match
from app.web.display import person_label

PAGE = 20


def starts_with(column, text):
    return prefix_match(column, text, db.engine.dialect.name)


def _person_label(person):
    return person_label(person, current_scope())


@dataclass
class Lookup:
    model: type
    search: Callable            # q → SQL condition
    label: Callable             # row → text
    order: Callable             # model → order column
    extra: Callable = None      # request args → extra SQL condition
    joins: tuple = field(default_factory=tuple)


def _unit_extra(args):
    kinds = [k for k in args.get("kind", "").split(",") if k]
    return Unit.kind.in_(kinds) if kinds else None


LOOKUPS = {
    "unit": Lookup(
        Unit,
        search=lambda q: or_(Unit.name.contains(q), Unit.credit_code == q.upper()),
        label=lambda u: f"{u.name}（{u.kind_label}）",
        order=lambda: Unit.name, extra=_unit_extra),
    "region": Lookup(
        Region,
        search=lambda q: or_(starts_with(Region.code, q), Region.name.contains(q)),
        label=lambda r: f"{r.code} {r.name}",
        order=lambda: Region.code,
        # Jurisdictions are current Zhejiang regions.
        extra=lambda args: and_(starts_with(Region.code, "33"), Region.end_year.is_(None))),
    "person": Lookup(
        Person,
        search=lambda q: Person.id_number == q.upper() if len(q) >= 15
        else starts_with(Person.name, q),
        label=_person_label, order=lambda: Person.name),
    "employment": Lookup(
        Employment,
        search=lambda q: Employment.person_id.in_(
            db.session.query(Person.id).filter(
                Person.id_number == q.upper() if len(q) >= 15 else starts_with(Person.name, q))),
        label=lambda e: f"{_person_label(e.person)} · {e.unit.name} · {e.role_label}",
        order=lambda: Employment.id,
        extra=lambda args: Employment.end_date.is_(None)),
    "service": Lookup(
        Service,
        search=lambda q: Service.target_id.in_(
            db.session.query(ServiceTarget.id).filter(ServiceTarget.name.contains(q))),
        label=str, order=lambda: Service.id,
        extra=lambda args: Service.status == "active"),
    "service_target": Lookup(
        ServiceTarget,
        search=lambda q: ServiceTarget.name.contains(q),
        label=lambda t: f"{t.name}（{t.category.name}）",
        order=lambda: ServiceTarget.name),
}


def _selectable(model):
    # Shared reference rows are picked by anyone who reads them; owned rows only by those
    # who may write them (you attach records to your own units and staff only).
    return scope_clause(model, write=not is_shared(model))


def lookup_query(entity, q="", args=None):
    spec = LOOKUPS[entity]
    query = db.session.query(spec.model).filter(_selectable(spec.model))
    if spec.extra is not None:
        extra = spec.extra(args or {})
        if extra is not None:
            query = query.filter(extra)
    if q:
        query = query.filter(spec.search(q))
    return query


class LookupView(BaseView):
    route_base = "/lookup"
    class_permission_name = "Lookup"
    method_permission_name = {"search": "read"}
    default_view = "search"

    @expose("/<entity>/")
    @has_access
    def search(self, entity):
        if entity not in LOOKUPS:
            return jsonify({"results": []}), 404
        spec = LOOKUPS[entity]
        q = request.args.get("q", "").strip()[:50]
        page = max(request.args.get("page", 1, type=int), 1)
        rows = (lookup_query(entity, q, request.args).order_by(spec.order())
                .offset((page - 1) * PAGE).limit(PAGE + 1).all())
        return jsonify({
            "results": [{"id": r.id if entity != "region" else r.code, "text": spec.label(r)}
                        for r in rows[:PAGE]],
            "pagination": {"more": len(rows) > PAGE},
        })


class LookupWidget:
    def __call__(self, field, **kwargs):
        attrs = {
            "id": field.id, "name": field.name, "class": "form-control scoped-lookup",
            "data-url": field.url(),
            "data-placeholder": str(_l("Type to search")),
        }
        html = ["<select " + " ".join(f'{k}="{escape(v)}"' for k, v in attrs.items()) + ">"]
        html.append('<option value=""></option>')
        if field.data is not None:
            html.append(f'<option value="{escape(field.key_of(field.data))}" selected>'
                        f'{escape(LOOKUPS[field.entity].label(field.data))}</option>')
        html.append("</select>")
        return Markup("".join(html))


class LookupField(Field):
    """A relation field whose choices come from `/lookup/<entity>/`, checked against scope."""
    widget = LookupWidget()

    def __init__(self, label=None, validators=None, entity=None, kinds=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.entity = entity
        self.kinds = kinds
        self._invalid = False

    def url(self):
        base = current_app.url_for("LookupView.search", entity=self.entity)
        return base + (f"?kind={','.join(self.kinds)}" if self.kinds else "")

    @staticmethod
    def key_of(obj):
        return obj.code if isinstance(obj, Region) else obj.id

    def _value(self):
        return str(self.key_of(self.data)) if self.data is not None else ""

    def process_formdata(self, valuelist):
        raw = (valuelist[0] if valuelist else "").strip()
        self.data, self._invalid = None, False
        if not raw:
            return
        spec = LOOKUPS[self.entity]
        key_col = spec.model.code if spec.model is Region else spec.model.id
        args = {"kind": ",".join(self.kinds)} if self.kinds else {}
        if spec.model is not Region and not raw.isdigit():
            self._invalid = True
            return
        key = raw if spec.model is Region else int(raw)
        self.data = lookup_query(self.entity, "", args).filter(key_col == key).one_or_none()
        self._invalid = self.data is None

    def pre_validate(self, form):
        if self._invalid:
            raise ValidationError(_l("This choice does not exist or is outside your scope."))


class PersonByIdNumberField(Field):
    """Chooses a person by the full 18-digit ID number (any person in the province).

    Employing someone who already works elsewhere must be possible, but nobody may browse
    people outside their scope: knowing the full number is what grants the link.
    """

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self._error = None

    def widget(self, field, **kwargs):
        value = field.data.id_number if field.data is not None else (field.raw or "")
        placeholder = escape(_l("18-digit ID number"))
        return Markup(f'<input type="text" class="form-control" id="{escape(field.id)}" '
                      f'name="{escape(field.name)}" value="{escape(value)}" maxlength="18" '
                      f'placeholder="{placeholder}">')

    def process_data(self, value):
        self.data, self.raw = value, None

    def process_formdata(self, valuelist):
        self.raw = (valuelist[0] if valuelist else "").strip()
        self.data, self._error = None, None
        if not self.raw:
            return
        try:
            number = parse_id_number(self.raw).number
        except IdNumberError as exc:
            self._error = str(exc)
            return
        self.data = db.session.query(Person).filter(Person.id_number == number).one_or_none()
        if self.data is None:
            self._error = str(_l("No person with this ID number is registered yet; add the "
                                 "person first."))

    def pre_validate(self, form):
        if self._error:
            raise ValidationError(self._error)
