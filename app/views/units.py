"""Units of every kind, and the unit's page: one place with the manual's tabs per unit kind
(公司概况, 办事材料, 从业人员, 持证情况 …). Every tab is a list of a scoped view filtered to the
unit, paginated, with that view's own permissions; the page itself is reached through the
read scope (404 otherwise)."""
from dataclasses import dataclass, field

from flask import abort, request, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.urltools import get_order_args, get_page_args, get_page_size_args
from flask_babel import lazy_gettext as _l

from app.models.vocabulary import LABELS
from app.models import Unit
from app.models.unit import field_applies
from app.models.choices import (ASSET_KINDS, CERTIFICATE_KINDS, CONDUCT_KINDS,
                                INSPECTION_KINDS, INVESTOR_KINDS, UNIT_KINDS, UNIT_STATUSES,
                                EMPLOYMENT_ROLES, label)
from app.security.scope import current_scope, get_scoped, in_scope, keyed_to_record
from app.services import changelog as changelog_service
from app.services import storage, unit_pages
from app.web.display import display
from app.web.staff import StaffOfUnitFilter
from app.web.uploads import stored_response, take_upload, upload_field

from app.web.crud import METHOD_PERMISSIONS

from .base import LazyTab, ScopedModelView, in_tab
from .forms import UploadsOnSave
from .conduct import ConductRecordView
from .personnel import EmploymentView
from .register import bulk_files, may_print_licence
from .staff import STAFF_VIEWS
from .dispatch import ServiceView
from .unit_records import (AnnualReportView, CrossProvinceFilingView, IncidentView, InspectionView, InvestorView,
                           TemporaryEventView, UnitAssetView, UnitChangeView, UnitDocumentView)


@dataclass
class Tab:
    key: str
    title: object
    view: type | None = None                       # a scoped list view filtered to the unit
    column: str | None = None                      # the column the sub-tabs split on
    subtabs: tuple = ()                            # (value, title)
    where: dict = field(default_factory=dict)      # fixed extra filters
    views: dict = field(default_factory=dict)      # sub-tab value -> its own list view
    unit_filter: type | None = None                # how rows belong to the unit (default: fk)


def _subtabs(choices, keys=None):
    return tuple((key, choices[key]) for key in (keys or choices))


def _staff(kind):
    roles = (("student", "instructor", "other_staff") if kind == "training"
             else ("guard", "part_time_guard", "other_staff"))
    # Each sub-tab is the staff list of its role (【详情】【新增】【离职】 come with it).
    # A self-hiring unit's staff include its client units' (rules.staff_unit_ids_select).
    return Tab("staff", _l("Staff"), EmploymentView, "role", _subtabs(EMPLOYMENT_ROLES, roles),
               views={role: STAFF_VIEWS[role] for role in roles}, unit_filter=StaffOfUnitFilter)


def _conduct():
    return Tab("conduct", _l("Commendations, violations and complaints"), ConductRecordView,
               "kind", _subtabs(CONDUCT_KINDS))


def unit_tabs(unit):
    """The manual's tabs of a unit's page, in its order and names, by unit kind."""
    kind = unit.kind
    overview = Tab("overview", _l("Unit overview") if kind in ("self_hire", "client")
                   else _l("Company overview"))
    documents = Tab("documents", _l("Documents"), UnitDocumentView)
    certificates = Tab("certificates", _l("Certificate holdings"))
    incidents = Tab("incidents", _l("Incidents"), IncidentView)
    inspections = Tab("inspections", _l("Safety inspections"), InspectionView, "kind",
                      _subtabs(INSPECTION_KINDS))
    events = Tab("events", _l("Temporary events"), TemporaryEventView)
    annual = Tab("annual", _l("Annual data"), AnnualReportView)
    changes = Tab("changes", _l("Unit changes"), UnitChangeView)
    credit = Tab("credit", _l("Credit rating"))
    if kind in ("company", "branch"):
        tabs = [overview, documents, Tab("services", _l("Service (target) units"), ServiceView),
                _staff(kind), certificates,
                Tab("investors", _l("Investors"), InvestorView, "kind", _subtabs(INVESTOR_KINDS)),
                Tab("branches", _l("Branch companies"), UnitView, where={"kind": "branch"}),
                incidents, _conduct(), inspections,
                Tab("assets", _l("Equipment and materials"), UnitAssetView, "kind",
                    _subtabs(ASSET_KINDS)),
                events, annual, changes, credit]
        if kind == "company":  # 跨省备案 is filed by the company itself
            tabs.insert(tabs.index(changes), Tab("filings", _l("Cross-province filings"),
                                                 CrossProvinceFilingView))
        if kind == "branch":  # a branch has no branches of its own
            tabs = [t for t in tabs if t.key != "branches"]
        return tabs
    if kind in ("self_hire", "client"):
        tabs = [overview, documents, _staff(kind), certificates,
                Tab("clients", _l("Client units"), UnitView, where={"kind": "client"}),
                incidents, _conduct(), events, changes, credit]
        if kind == "client":  # graded with its self-hiring unit (docs/credit.md)
            tabs = [t for t in tabs if t.key not in ("clients", "credit")]
        return tabs
    return [overview, documents, _staff(kind),
            Tab("investors", _l("Investing persons"), InvestorView, "kind",
                _subtabs(INVESTOR_KINDS)),
            _conduct(), inspections, events, annual, changes, credit]


class UnitView(UploadsOnSave, ScopedModelView):
    datamodel = SQLAInterface(Unit)
    class_permission_name = "Unit"
    method_permission_name = {**METHOD_PERMISSIONS, "licence": "read", "holders": "read",
                              "pane": "read"}
    list_title = show_title = _l("Units")
    add_title = _l("Add unit")
    edit_title = _l("Edit unit")
    show_template = "unit/show.html"
    label_columns = {**LABELS, "name": _l("Unit name")}
    list_columns = ["name", "kind_label", "region.name", "credit_code", "legal_representative",
                    "contact_phone", "status_label"]
    show_fieldsets = [
        (_l("Overview"), {"fields": ["name", "kind_label", "parent", "credit_code",
                                     "legal_representative", "region", "address",
                                     "registered_capital", "established_on", "status_label"]}),
        (_l("Contacts"), {"fields": ["principal", "principal_phone", "contact_person",
                                     "contact_phone"]}),
        (_l("Licence and business"), {"fields": ["licence_number", "licence_issued_on",
                                                 "grade", "business_scope", "foreign_invested",
                                                 "armed_escort"]}),
        (_l("Training"), {"fields": ["training_capacity", "training_scope"]}),
    ]
    add_columns = ["name", "kind", "parent", "credit_code", "legal_representative", "principal",
                   "principal_phone", "contact_person", "contact_phone", "address", "region",
                   "registered_capital", "established_on", "licence_number",
                   "licence_issued_on", "licence_upload", "grade", "business_scope",
                   "foreign_invested", "armed_escort", "training_capacity", "training_scope"]
    edit_columns = add_columns + ["status"]
    search_columns = ["name", "kind", "credit_code", "region_code", "status",
                      "legal_representative", "parent"]
    order_columns = ["name", "kind", "region_code", "status"]
    base_order = ("name", "asc")
    lookup_columns = {"region": "region", "parent": ("unit", ("company", "self_hire"))}
    unit_text_label = _l("Parent unit name contains")
    choice_columns = {"kind": UNIT_KINDS, "status": UNIT_STATUSES}
    required_choices = ("kind", "status")
    # Branches come only from an approved branch filing, never from this form.
    choice_exclude_on_add = {"kind": ("branch",)}
    add_form_extra_fields = edit_form_extra_fields = {
        "licence_upload": upload_field(_l("Licence image"), images=True),
    }

    # ------------------------------------------------------------ forms

    def take_uploads(self, unit):
        def store(data, _name):
            unit.licence_image = storage.store_image(data, "licence_upload")
        take_upload("licence_upload", store)

    # ------------------------------------------------------------ the unit's page

    def _registered(self, view_class):
        if view_class is type(self):
            return self
        return next((v for v in self.appbuilder.baseviews if type(v) is view_class), None)

    def _tab_widget(self, unit, view, tab, value, key, build):
        """A list pane of the unit's page: its filters (this unit, the sub-kind) always, its
        list only when `build` (the pane's own URL); the page itself gets a placeholder that
        loads the list when the pane is shown."""
        fk = view.datamodel.get_related_fk(Unit)
        filters = view.datamodel.get_filters(view.search_columns)
        filters.add_filter_related_view(
            fk, tab.unit_filter or view.datamodel.FilterRelationOneToManyEqual, unit.id)
        where = dict(tab.where)
        if tab.column:
            where[tab.column] = value
        for column, wanted in where.items():
            # As a related-view filter, so that the tab's 【新增】 link carries the sub-kind.
            filters.add_filter_related_view(column, view.datamodel.FilterEqual, wanted)
        if not build:
            return dict(widget=LazyTab(url_for("UnitView.pane", pk=unit.id, key=key)),
                        filters=filters, view=view)
        name = type(view).__name__
        order = get_order_args().get(name) or ("", "")
        widget = view._get_view_widget(filters=filters, order_column=order[0],
                                       order_direction=order[1], page=get_page_args().get(name),
                                       page_size=get_page_size_args().get(name))
        # The pane's 【新增】 comes back to this pane (js/unit_tabs.js opens its tab).
        return dict(widget=in_tab(widget, url_for("UnitView.show", pk=unit.id)
                                  + f"#pane-{key}"),
                    filters=filters, view=view)

    def _tabs(self, unit, build=None):
        """The page's tabs; `build` names the one pane whose list is rendered (its URL)."""
        sm = self.appbuilder.sm
        tabs = []
        for tab in unit_tabs(unit):
            entry = {"tab": tab, "panes": []}
            if tab.view is not None:
                view = self._registered(tab.view)
                if view is None or not sm.has_access("can_read", view.class_permission_name):
                    continue
                values = tab.subtabs or ((None, tab.title),)
                for value, title in values:
                    pane_view = self._registered(tab.views[value]) if value in tab.views else view
                    if pane_view is None or not sm.has_access(
                            "can_read", pane_view.class_permission_name):
                        continue
                    key = f"{tab.key}-{value}" if value else tab.key
                    if build is not None and key != build:
                        continue
                    pane = self._tab_widget(unit, pane_view, tab, value, key, key == build)
                    pane.update(key=key, title=title)
                    entry["panes"].append(pane)
            elif tab.key == "credit":
                if not sm.has_access("can_read", "CreditGrade"):
                    continue
                entry["widget"] = LazyTab(url_for("CreditView.unit", pk=unit.id))
            elif tab.key == "certificates" and build is None:
                if not sm.has_access("can_read", "Certificate"):
                    continue
                entry["counts"] = [
                    (kind, label(CERTIFICATE_KINDS, kind), count) for kind, count in
                    unit_pages.certificate_counts(self.datamodel.session, unit.id,
                                                  current_scope())]
            tabs.append(entry)
        return tabs

    @expose("/show/<pk>/pane/<key>", methods=["GET"])
    @has_access
    def pane(self, pk, key):
        """One list pane of the unit's page, for a unit in scope (else 404). Its reads are
        keyed to the unit: the scope by subquery (scope.keyed_to_record)."""
        with keyed_to_record(current_scope()):
            unit = get_scoped(self.datamodel.session, Unit, pk)
            for entry in self._tabs(unit, build=key):
                for pane in entry["panes"]:
                    return pane["widget"](pk=unit.id)
        abort(404)

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        session = self.datamodel.session
        unit = get_scoped(session, Unit, pk)
        widgets = self._get_show_widget(unit.id, unit,
                                        show_fieldsets=self.overview_fieldsets(unit.kind))
        self.update_redirect()
        return self.render_template(
            self.show_template, pk=unit.id, unit=unit, title=unit.name, widgets=widgets,
            tabs=self._tabs(unit), can_edit=self._can("edit"),
            can_edit_unit=self._can("edit") and self._writable(unit),
            change_log=changelog_service.for_record(session, Unit, unit.id, current_scope()))

    def overview_fieldsets(self, kind):
        """公司概况's sections with the facts units of `kind` have (no 培训 on a company's
        page, no 等级 / 外资 / 押运 on a school's); a section left empty is not shown."""
        sections = []
        for title, spec in self.show_fieldsets:
            fields = [f for f in spec["fields"] if field_applies(f, kind)]
            if fields:
                sections.append((title, {**spec, "fields": fields}))
        return sections

    def _writable(self, unit):
        return in_scope(self.datamodel.session, unit, write=True)

    @expose("/licence/<pk>", methods=["GET"])
    @has_access
    def licence(self, pk):
        """The licence image, only for users whose scope covers the unit."""
        unit = get_scoped(self.datamodel.session, Unit, pk)
        try:
            data, content_type = storage.stored_image(unit.licence_image)
        except FileNotFoundError:
            abort(404)
        return stored_response(data, content_type)

    @expose("/holders/<pk>/<kind>", methods=["GET"])
    @has_access
    def holders(self, pk, kind):
        """持证情况: the active staff of the unit holding a valid certificate of `kind`."""
        if kind not in CERTIFICATE_KINDS:
            abort(404)
        session = self.datamodel.session
        unit = get_scoped(session, Unit, pk)
        try:
            page = max(int(request.args.get("page", 0)), 0)
        except ValueError:
            page = 0
        total, rows = unit_pages.certificate_holders(session, unit.id, kind, current_scope(),
                                                     page=page)
        files = bulk_files(session, unit) if kind == "guard" else 0
        return self.render_template(
            "unit/holders.html", unit=unit, kind=kind, kind_label=label(CERTIFICATE_KINDS, kind),
            total=total, rows=rows, page=page, page_size=50,
            title=label(CERTIFICATE_KINDS, kind), printable=files > 0,
            bulk_pages=range(files))

    def may_print_licence(self, unit) -> bool:
        """【许可证电子副本】 on the unit's page."""
        return may_print_licence(self.datamodel.session, unit)

    # ------------------------------------------------------------ client units
    # A client unit inherits the information of its self-hiring unit (shown on its page).
    inherited_fields = ("name", "credit_code", "legal_representative", "principal",
                        "principal_phone", "region", "address", "licence_number", "status_label")

    def inherited_overview(self, unit):
        """(label, value) rows of the parent self-hiring unit, for a client unit's page; the
        client unit was fetched through the read scope, its parent comes with it."""
        parent = unit.parent if unit.kind == "client" else None
        if parent is None:
            return []
        return [(self.label_columns.get(f, f), display(getattr(parent, f)))
                for f in self.inherited_fields]


# (view, menu name = permission name, label, icon, category, category label)
MENU = [(UnitView, "Unit", _l("Units"), "fa-building", "UnitManagement", _l("Unit management")),
        (CrossProvinceFilingView, "CrossProvinceFiling", _l("Cross-province filings"), "fa-map",
         "UnitManagement", _l("Unit management"))]
