"""比对预警 pages: the identity-verification queue (身份核验) and the background-check alerts
(背景审查), their actions, and the screening history. Thin: rows come through the scope, every
action goes to app.services.screening, which refuses what the role or the state does not allow.
"""
import functools

from flask import (abort, flash, has_request_context, jsonify, redirect, request,
                   url_for)
from flask_appbuilder import expose, has_access
from flask_appbuilder.models.sqla.filters import FilterInFunction
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import escape

from app.models.vocabulary import LABELS
from app.models import BackgroundAlert, IdentityCheck, ScreeningEvent
from app.models.screening import (ALERT_KINDS, ALERT_STATES, BACKGROUND_STATES,
                                  BACKGROUND_WAITING, IDENTITY_CLOSED, IDENTITY_OPEN,
                                  IDENTITY_STATES)
from app.security import authority
from app.security.scope import current_scope, get_scoped, scoped_counts_by
from app.services import screening
from app.services.errors import RuleViolation
from app.web.display import identity_changes
from app.web.uploads import uploaded_file
from app.web.transaction import atomic

from app.web.crud import METHOD_PERMISSIONS, READ_SCOPE
from app.web.list_rows import ListRows

from .base import ScopedListWidget, ScopedModelView

SCREENING_LABELS = {
    **LABELS,
    "person": _l("Person"), "person.name": _l("Full name"),
    "person.id_number": _l("ID number"), "unit": _l("Unit"), "unit.name": _l("Unit"),
    "state": _l("State"), "state_label": _l("State"), "reasons": _l("Findings"),
    "waited": _l("Waiting for"), "waiting_since": _l("Waiting since"),
    "closed_at": _l("Closed at"), "note": _l("Note"), "kind": _l("Alert kind"),
    "kind_label": _l("Alert kind"), "source_label": _l("Watch list"),
    "reason_text": _l("Alert reason"), "background_state_label": _l("Background check"),
    "last_error": _l("Last error"), "at": _l("Time"), "username": _l("User"),
    "action_label": _l("Action"), "from_state": _l("From"), "to_state": _l("To"),
    "before": _l("Before"), "after": _l("After"), "created_at": _l("Created at"),
    "background_state": _l("Background check"), "background_waited": _l("Waiting for"),
    "background_since": _l("Waiting since"),
}


class IdentityRows(ListRows):
    """The identity cases: 【详情】, and 【处理】 on the rows the unit resubmits — it opens the
    popup of the finding (js/screening.js); without scripts it is the full page."""

    def actions_cell(self, pk, writable):
        ctx = self.context
        cell = ['<td class="text-nowrap screening-row-actions"><center>',
                self.buttons.html(pk, True, False, False)]
        if pk in ctx["processable"]:
            endpoint, after = ctx["process_endpoint"], ctx["process_next"]
            cell.append(
                f' <a class="btn btn-xs btn-primary screening-process-open" '
                f'id="process-{escape(pk)}" '
                f'href="{escape(url_for(endpoint, pk=pk, next=after))}" '
                f'data-fragment="{escape(url_for(endpoint, pk=pk, next=after, fragment=1))}">'
                f'{escape(_("Handle"))}</a>')
        cell.append("</center></td>")
        return "".join(cell)


class IdentityListWidget(ScopedListWidget):
    rows_class = IdentityRows


class ScreeningBaseView(ScopedModelView):
    """Read the queue; change rows only through the actions of the state machine."""
    base_permissions = ["can_read", "can_export", "can_edit"]
    method_permission_name = {**METHOD_PERMISSIONS, "do": "edit", "process": "edit"}
    label_columns = SCREENING_LABELS
    show_template = "screening/show.html"
    base_order = ("waiting_since", "asc")
    order_columns = ["waiting_since", "state"]
    formatters_columns = {"reasons": lambda v: v or ""}
    base_filters = READ_SCOPE
    unit_text_column = "unit_id"  # the unit-name text box
    model = None
    canonical = None     # the endpoint of the full list, where actions return to
    actions_for = None   # (item, scope) → action names
    perform = None       # action name → service function
    action_labels: dict = {}

    def _item(self, pk, write):
        return get_scoped(self.datamodel.session, self.model, pk, write=write)

    def writable_pks(self, pks) -> set:
        return set()  # no edit buttons or checkboxes: the actions of a case's page only

    # The generic forms never change a case: cases are written by the state machine only
    # (docs/authority.md), so the one authority check refuses every edit (404 out of scope).
    @expose("/edit/<pk>", methods=["GET", "POST"])
    @has_access
    def edit(self, pk):
        authority.check(self.datamodel.session, self._item(pk, write=True), authority.CHANGE)
        abort(403)  # not reached while the declaration is SYSTEM_RECORD

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        item = self._item(pk, write=False)
        widgets = self._show(pk)
        scope = current_scope()
        events = sorted(item.events, key=lambda e: (e.at, e.id), reverse=True)
        return self.render_template(
            self.show_template, pk=pk, title=self.show_title, widgets=widgets,
            related_views=self._related_views, can_edit=False, item=item,
            events=events, identity_changes=functools.partial(identity_changes, scope=scope),
            actions=type(self).actions_for(item, scope),
            action_labels=self.action_labels, endpoint=self.canonical)

    @expose("/do/<pk>/<name>", methods=["POST"])
    @has_access
    def do(self, pk, name):
        if name not in self.perform:
            abort(404)
        item = self._item(pk, write=True)
        session = self.datamodel.session
        try:
            with atomic(session):
                self.run_action(session, item, name, request.form)
        except RuleViolation as violation:
            flash(violation.message, "danger")
        else:
            flash(str(self.action_labels[name]) + " ✓", "success")
        return redirect(url_for(f"{self.canonical}.show", pk=pk))

    def run_action(self, session, item, name, form):
        self.perform[name](session, item, current_scope(), form.get("note"))


class _IdentityViewBase(ScreeningBaseView):
    datamodel = SQLAInterface(IdentityCheck)
    model = IdentityCheck
    canonical = "IdentityCheckView"
    class_permission_name = "IdentityCheck"
    list_title = show_title = _l("Identity verification")
    list_columns = ["person.name", "person.id_number", "unit.name", "state_label", "reasons",
                    "background_state_label", "waited", "waiting_since"]
    show_columns = ["person", "person.id_number", "unit", "state_label", "reasons", "note",
                    "background_state_label", "last_error", "waiting_since", "closed_at"]
    search_columns = ["state", "waiting_since", "created_at"]
    choice_columns = {"state": IDENTITY_STATES}
    perform = {k: v for k, v in screening.IDENTITY_ACTIONS.items() if k != "resubmit"}
    actions_for = staticmethod(screening.identity_actions_for)
    action_labels = {"resubmit": _l("Handle"), "confirm": _l("Information correct, no action"),
                     "return": _l("Return to the unit"), "clear": _l("Pass")}

    list_widget = IdentityListWidget

    def _get_list_widget(self, **kwargs):
        """【处理】 on the rows the unit may resubmit: it opens the popup of the finding."""
        widgets = super()._get_list_widget(**kwargs)
        widget = widgets["list"]
        pks = widget.template_args.get("pks") or []
        scope, session = current_scope(), self.datamodel.session
        widget.template_args["processable"] = {
            pk for pk in pks
            if "resubmit" in screening.identity_actions_for(session.get(IdentityCheck, pk),
                                                            scope)}
        widget.template_args["process_endpoint"] = f"{self.canonical}.process"
        # Back to this list after 【处理】; a list shown inside another page (the person's
        # tab) goes back to the case's page instead.
        widget.template_args["process_next"] = (
            request.full_path.rstrip("?") if request.endpoint == f"{self.endpoint}.list"
            else None)
        return widgets

    @expose("/process/<pk>", methods=["GET", "POST"])
    @has_access
    def process(self, pk):
        """【处理】: correct the person's identity fields (the photo included) and resubmit
        the case. `fragment=1` answers the form alone (the popup of the queue and of the
        case's page); a popup's submit (XHR) is answered with the page to go back to, or the
        form again with the error at its field. The message says the state the
        resubmission led to: it is verified again before the answer."""
        item = self._item(pk, write=True)
        session = self.datamodel.session
        back = _local_path(request.values.get("next")) or url_for(f"{self.canonical}.show",
                                                                   pk=pk)
        values = {"name": item.person.name, "id_number": item.person.id_number, "note": ""}
        error = None
        xhr = request.headers.get("X-Requested-With") == "XMLHttpRequest"
        if request.method == "POST":
            values = {k: (request.form.get(k) or "").strip() for k in values}
            photo = uploaded_file("photo")
            try:
                with atomic(session):
                    screening.resubmit(session, item, current_scope(), name=values["name"],
                                       id_number=values["id_number"], note=values["note"],
                                       photo=photo.read() if photo is not None else None)
            except RuleViolation as violation:
                error = violation
                if not xhr:
                    flash(violation.message, "danger")
            else:
                session.refresh(item)
                level, text = screening.resubmit_outcome(item)
                flash(text, level)
                return jsonify({"redirect": back}) if xhr else redirect(back)
        context = dict(item=item, values=values, error=error, endpoint=self.canonical,
                       back=back, title=_l("Handle identity verification"))
        if xhr or request.args.get("fragment"):
            return self.render_template("screening/_process_form.html", **context), \
                (400 if error else 200)
        return self.render_template("screening/process.html", **context)


def _local_path(url):
    """`url` when it is a path of this site (never another host), else None."""
    url = (url or "").strip()
    return url if url.startswith("/") and not url.startswith(("//", "/\\")) else None


class IdentityCheckView(_IdentityViewBase):
    """Every case in scope (also the tab on the person's page)."""


class _AlertViewBase(ScreeningBaseView):
    datamodel = SQLAInterface(BackgroundAlert)
    model = BackgroundAlert
    canonical = "BackgroundAlertView"
    class_permission_name = "BackgroundAlert"
    list_title = show_title = _l("Background-check alerts")
    list_columns = ["person.name", "person.id_number", "unit.name", "kind_label",
                    "reason_text", "state_label", "waited", "waiting_since"]
    show_columns = ["person", "person.id_number", "unit", "kind_label", "source_label",
                    "reason_text", "state_label", "note", "waiting_since", "closed_at"]
    search_columns = ["state", "kind", "waiting_since", "created_at"]
    choice_columns = {"state": ALERT_STATES, "kind": ALERT_KINDS}
    perform = screening.ALERT_ACTIONS
    actions_for = staticmethod(screening.alert_actions_for)
    action_labels = {"sign": _l("Sign for"), "handle": _l("Handle")}


class BackgroundAlertView(_AlertViewBase):
    """Every alert in scope (also the tab on the person's page)."""


# 身份核验待办's tabs: whom an open case waits for. Police users start on 待民警处理, unit users
# on 待单位处理 (the cases the home page counts for each).
QUEUE_TABS = {
    "unit": (_l("Waiting for the unit"), ("failed", "returned")),
    "police": (_l("Waiting for the police"), ("police_review",)),
    "pending": (_l("Being verified"), ("pending",)),
    "all": (_l("All open"), IDENTITY_OPEN),
}


def queue_tab(scope=None):
    """The tab of the queue the request asks for, else the one of the user's role (the
    association, neither police nor unit, starts on all)."""
    asked = request.args.get("waiting") if has_request_context() else None
    if asked in QUEUE_TABS:
        return asked
    scope = scope or current_scope()
    if scope is not None and scope.is_police:
        return "police"
    return "unit" if scope is not None and scope.is_unit_user else "all"


# Separate classes, not subclasses of the full lists: FAB finds related views by class.
class IdentityQueueView(_IdentityViewBase):
    """The open cases only: the queue a clerk or an officer works through, in tabs by whom
    a case waits for."""
    list_title = _l("Identity verification to do")
    list_template = "screening/queue.html"
    base_filters = READ_SCOPE + [
        ["state", FilterInFunction, lambda: list(QUEUE_TABS[queue_tab()][1])]]

    def render_template(self, template, **kwargs):
        if template == self.list_template:
            scope, session = current_scope(), self.datamodel.session
            # The four badges from one count per open state.
            by_state = scoped_counts_by(session, IdentityCheck, scope, IdentityCheck.state,
                                        IdentityCheck.state.in_(IDENTITY_OPEN))
            kwargs["queue_tabs"] = [
                (key, label, sum(by_state.get(state, 0) for state in states))
                for key, (label, states) in QUEUE_TABS.items()]
            kwargs["queue_tab"] = queue_tab(scope)
        return super().render_template(template, **kwargs)


class BackgroundPendingView(_IdentityViewBase):
    """背景审查待完成: cases whose identity passed and whose background check has not finished
    (not run yet, or a watch list has not answered and it is retried), with how long each
    has waited; the date filter is the time the identity passed."""
    list_title = _l("Background checks pending")
    list_columns = ["person.name", "person.id_number", "unit.name", "background_state_label",
                    "last_error", "background_waited", "background_since"]
    label_columns = {**SCREENING_LABELS, "closed_at": _l("Identity passed at")}
    search_columns = ["background_state", "closed_at"]
    choice_columns = {"background_state": {k: v for k, v in BACKGROUND_STATES.items()
                                           if k in BACKGROUND_WAITING}}
    base_order = ("closed_at", "asc")
    order_columns = ["closed_at"]
    base_filters = READ_SCOPE + [
        ["state", FilterInFunction, lambda: list(IDENTITY_CLOSED)],
        ["background_state", FilterInFunction, lambda: list(BACKGROUND_WAITING)]]


class AlertQueueView(_AlertViewBase):
    list_title = _l("Background-check alerts to do")
    base_filters = READ_SCOPE + [
        ["state", FilterInFunction, lambda: ["open"]]]


class ScreeningEventView(ScopedModelView):
    """The screening history (a tab on the person's page; read-only)."""
    datamodel = SQLAInterface(ScreeningEvent)
    class_permission_name = "ScreeningEvent"
    base_permissions = ["can_read", "can_export"]
    list_title = show_title = _l("Screening history")
    label_columns = SCREENING_LABELS
    list_columns = ["at", "unit.name", "action_label", "username", "note"]
    show_columns = ["at", "person", "unit", "action_label", "username", "from_state",
                    "to_state", "note"]
    search_columns = ["at", "action", "username"]
    order_columns = ["at"]
    base_order = ("at", "desc")
    base_filters = READ_SCOPE
    unit_text_column = "unit_id"


# Related tabs on the person's page (比对预警; see app.views.personnel).
PERSON_TABS = [IdentityCheckView, BackgroundAlertView, ScreeningEventView]

MENU = [
    (IdentityQueueView, "IdentityQueue", _l("Identity verification to do"), "fa-id-card",
     "Screening", _l("Screening")),
    (AlertQueueView, "AlertQueue", _l("Background-check alerts to do"), "fa-bell",
     "Screening", None),
    (BackgroundPendingView, "BackgroundPending", _l("Background checks pending"),
     "fa-hourglass-half", "Screening", None),
    (IdentityCheckView, "IdentityCheck", _l("Identity verification"), "fa-id-card",
     "Screening", None),
    (BackgroundAlertView, "BackgroundAlert", _l("Background-check alerts"), "fa-bell",
     "Screening", None),
    (ScreeningEventView, "ScreeningEvent", _l("Screening history"), "fa-list", "Screening",
     None),
]
