"""政务网业务办理 pages: the police review desk, the application list, the SMS outbox, the
public applicant form and status lookup, and the forced first-login password change.
Rules and transitions live in app.services.applications; these views stay thin."""
import datetime as dt
import io

from flask import abort, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import limit
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models.vocabulary import LABELS
from app.models import Application, ApplicationDocument, AppUser, Region, SmsMessage
from app.models.application import STATUS_LABELS
from app.models.choices import EDUCATION_LEVELS
from app.security.scope import current_scope, get_scoped
from app.services import applications as service
from app.services.application_items import ITEMS
from app.services.errors import RuleViolation, RuleViolations
from app.services.passwords import check_strength, policy_text
from app.services.platform import create_platform_key, platform_keys, revoke_platform_key
from app.web.transaction import atomic
from app.web.uploads import DraftUploads, uploaded_files

from .base import ScopedModelView

EVENT_LABELS = {
    "submit": _l("Submitted"), "accept": _l("Accepted"), "forward": _l("City opinion passed up"),
    "approve": _l("Approved"), "reject": _l("Rejected"), "return": _l("Returned for correction"),
    "resubmit": _l("Corrected and resubmitted"), "withdraw": _l("Withdrawn"),
}


def item_title(code):
    item = ITEMS.get(code)
    return str(item.title) if item else code


CHOICE_LABELS = {**EDUCATION_LEVELS, "file": _l("Filing"),
                 "revoke": _l("Revocation of the filing"), "yes": _l("Yes"), "no": _l("No")}


def _shown(field, value):
    """A form value as the reviewer reads it: a choice by its label."""
    if field.kind == "choice" and value in field.choices:
        return str(CHOICE_LABELS.get(value, value))
    return value


DESK_PAGE_SIZE = 50



class ApplicationDeskView(BaseView):
    """审批工作台: the queue with deadlines, one application with its documents, form and
    history, and the actions its stage allows."""
    route_base = "/applications/desk"
    class_permission_name = "ApplicationDesk"
    method_permission_name = {"index": "read", "show": "read", "document": "read",
                              "act": "edit"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        scope = current_scope()
        status = request.args.get("status", "open")
        page = max(request.args.get("page", 0, type=int), 0)
        query = service.desk_query(db.session, scope, status)
        today = dt.date.today()
        if status in service.FINAL_STATUSES:
            # Decided applications have no clock: the newest first, a page from the database.
            total = query.count()
            rows = (query.order_by(Application.submitted_at.desc(), Application.id.desc())
                    .offset(page * DESK_PAGE_SIZE).limit(DESK_PAGE_SIZE).all())
            entries = [self._entry(app, today) for app in rows]
        else:
            # Open work is ordered by its deadline, which depends on the working-day
            # calendar: rank all of it (a desk's open work, not the archive) from the clock
            # columns alone, then load the page's applications.
            clocks = query.with_entities(
                Application.id, Application.status, Application.time_limit_days,
                Application.days_used, Application.clock_started_on,
                Application.submitted_at).all()
            total = len(clocks)
            page_ids = [row.id for row in sorted(
                clocks, key=lambda row: service.desk_order(row, today))[
                page * DESK_PAGE_SIZE:(page + 1) * DESK_PAGE_SIZE]]
            # The page's applications by key; their unit and region by key too (joined
            # eagerly, SQLite walked every unit and its region for the 50 rows: 9 ms).
            apps = {app.id: app for app in query.filter(Application.id.in_(page_ids)).options(
                selectinload(Application.unit), selectinload(Application.region)).all()
                } if page_ids else {}
            entries = [self._entry(apps[pk], today) for pk in page_ids]
        pages = max((total + DESK_PAGE_SIZE - 1) // DESK_PAGE_SIZE, 1)
        return self.render_template("applications/desk.html", entries=entries, status=status,
                                    statuses=STATUS_LABELS, total=total, page=page,
                                    pages=pages)

    @staticmethod
    def _entry(app, today):
        due, left = service.deadline(app, today)
        capital = service.capital_check(app.item, app.form)
        return dict(app=app, due=due, left=left, urgency=service.urgency(app, today),
                    item=item_title(app.item), status=STATUS_LABELS.get(app.status, app.status),
                    capital_refused=capital is not None and not capital[0])

    def _get(self, pk):
        return get_scoped(db.session, Application, pk)

    @expose("/<int:pk>")
    @has_access
    def show(self, pk):
        app = self._get(pk)
        item = ITEMS[app.item]
        due, left = service.deadline(app)
        fields = [(str(f.label), _shown(f, app.form.get(f.name))) for f in item.fields]
        doc_labels = dict(item.documents)
        actions = self._allowed_actions(app)
        return self.render_template(
            "applications/show.html", app=app, item=item, fields=fields, due=due, left=left,
            urgency=service.urgency(app), status=STATUS_LABELS.get(app.status, app.status),
            doc_labels=doc_labels, events=app.events, event_labels=EVENT_LABELS,
            actions=actions, item_title=item_title(app.item),
            capital=service.capital_check(app.item, app.form),
            missing_docs=[label for code, label in item.documents
                          if code not in {d.code for d in app.documents}])

    @staticmethod
    def _allowed_actions(app):
        labels = {"accept": _("Accept"), "forward": _("Pass opinion to the province"),
                  "approve": _("Approve"), "reject": _("Reject"),
                  "return": _("Return for correction")}
        return [(a, labels[a]) for a in service.allowed_actions(app, current_scope())]

    @expose("/<int:pk>/document/<int:doc_id>")
    @has_access
    def document(self, pk, doc_id):
        app = self._get(pk)
        doc = db.session.get(ApplicationDocument, doc_id)
        if doc is None or doc.application_id != app.id:
            abort(404)
        data = service.application_storage_open(doc.storage_key)
        return send_file(io.BytesIO(data), download_name=doc.filename, as_attachment=True,
                         mimetype=doc.content_type or "application/octet-stream")

    @expose("/<int:pk>/act", methods=["POST"])
    @has_access
    def act(self, pk):
        app = get_scoped(db.session, Application, pk, write=True)
        try:
            with atomic(db.session):
                service.act(db.session, app, request.form.get("action", ""), current_scope(),
                            g.user.username, note=request.form.get("note"))
            flash(_("Done: %(action)s.", action=service.action_label(
                request.form.get("action"))), "success")
        except RuleViolation as exc:
            flash(exc.message, "danger")
        return redirect(url_for(".show", pk=pk))


class ApplicationView(ScopedModelView):
    """Applications in the caller's scope (a unit its own, police their jurisdiction)."""
    datamodel = SQLAInterface(Application)
    class_permission_name = "Application"
    base_permissions = ["can_read", "can_export"]
    # Read-only: no add/edit/delete permission and no mass-delete action (which would
    # otherwise add can_delete to the declared permissions).
    exclude_route_methods = {"muldelete", "action", "action_post"}

    def muldelete(self, items):
        abort(404)
    list_title = show_title = _l("Applications")
    label_columns = {**LABELS, "number": _l("Application number"),
                     "item_label": _l("Item"), "status_label": _l("Status"),
                     "applicant_name": _l("Applicant"), "applicant_phone": _l("Phone"),
                     "submitted_at": _l("Submitted at"), "unit": _l("Unit"),
                     "region": _l("Jurisdiction"), "decision_reason": _l("Approval opinion"),
                     "result_note": _l("Result")}
    list_columns = ["number", "item_label", "applicant_name", "unit", "region",
                    "status_label", "submitted_at"]
    show_columns = ["number", "item_label", "applicant_name", "applicant_phone", "unit",
                    "region", "status_label", "submitted_at", "decision_reason",
                    "result_note"]
    search_columns = ["number", "item", "status", "applicant_name"]
    order_columns = ["number", "submitted_at"]
    base_order = ("submitted_at", "desc")
    lookup_columns = {"region": "region"}



class SmsOutboxView(ScopedModelView):
    datamodel = SQLAInterface(SmsMessage)
    class_permission_name = "SmsMessage"
    base_permissions = ["can_read"]
    exclude_route_methods = {"muldelete", "action", "action_post"}

    def muldelete(self, items):
        abort(404)
    list_title = show_title = _l("SMS outbox")
    label_columns = {"phone": _l("Phone"), "body": _l("Text"), "purpose_label": _l("Purpose"),
                     "purpose": _l("Purpose"), "created_at": _l("Created at"),
                     "status_label": _l("Status"), "sent_at": _l("Sent at"),
                     "attempts": _l("Attempts"), "last_error": _l("Last error")}
    list_columns = ["created_at", "phone", "purpose_label", "body", "status_label", "sent_at",
                    "attempts", "last_error"]
    formatters_columns = {column: (lambda value: value.strftime("%Y-%m-%d %H:%M:%S")
                                   if value else "") for column in ("created_at", "sent_at")}
    show_columns = list_columns
    search_columns = ["phone", "purpose", "status"]
    base_order = ("created_at", "desc")


class PlatformKeyView(BaseView):
    """The province admin issues and revokes the government-service platform's API keys."""
    route_base = "/applications/platform-keys"
    class_permission_name = "PlatformKey"
    method_permission_name = {"index": "read", "create": "add", "revoke": "delete"}
    default_view = "index"

    def _render(self, new_key=None):
        return self.render_template("applications/platform_keys.html", keys=platform_keys(),
                                    new_key=new_key)

    @expose("/")
    @has_access
    def index(self):
        return self._render()

    @expose("/create", methods=["POST"])
    @has_access
    def create(self):
        name = (request.form.get("name") or "").strip()[:100]
        if not name:
            flash(_("Enter a name for the key."), "danger")
            return redirect(url_for(".index"))
        created = create_platform_key(name)
        return self._render(new_key=created and created["key"])

    @expose("/<key_uuid>/revoke", methods=["POST"])
    @has_access
    def revoke(self, key_uuid):
        if not revoke_platform_key(key_uuid):
            abort(404)
        flash(_("The key has been revoked."), "success")
        return redirect(url_for(".index"))


# ------------------------------------------------------------------ public pages

def _uploads(item):
    return [service.Upload(code, upload.filename, upload.read(),
                           upload.mimetype or "application/octet-stream")
            for code, _label in item.documents for upload in uploaded_files(f"doc_{code}")]


def field_errors(violation):
    """{field: message} of a refusal: every field of a form checked whole, else its one."""
    return dict(getattr(violation, "errors", None) or {violation.field: violation.message})


class PublicApplicationView(BaseView):
    """Walk-in applicants: no login, CSRF-protected, rate-limited. A refused form comes back
    with every error at its field and the files chosen so far kept (drafts of this browser
    session), each replaceable."""
    route_base = "/apply"
    default_view = "index"

    @expose("/")
    def index(self):
        return self.render_template("applications/public_index.html", items=ITEMS.values())

    @expose("/<code>", methods=["GET", "POST"])
    # FAB applies a view's limits to its whole blueprint: 20 POSTs a minute per address over
    # every public applicant page (form, status lookup, withdrawal).
    @limit("20 per minute", methods=["POST"])
    def form(self, code):
        item = ITEMS.get(code)
        if item is None:
            abort(404)
        drafts = DraftUploads(f"apply:{code}", [f"doc_{c}" for c, _label in item.documents])
        errors, values = {}, dict(request.form) if request.method == "POST" else {}
        if request.method == "POST":
            form = {f.name: request.form.get(f.name, "") for f in item.fields}
            files = drafts.files()
            documents = [service.Upload(name[len("doc_"):], *files[name]) for name in files]
            try:
                with atomic(db.session):
                    app = service.submit(db.session, code, request.form.get("applicant_name"),
                                         request.form.get("applicant_phone"), form,
                                         documents,
                                         region_code=request.form.get("region_code") or None,
                                         unit_credit_code=request.form.get("unit_credit_code")
                                         or None, channel="web")
                    if drafts.errors:   # a file chosen again was refused: nothing is filed
                        raise RuleViolations(dict(drafts.errors))
                drafts.clear()
                return self.render_template("applications/public_done.html", app=app,
                                            item_title=item_title(code))
            except RuleViolation as exc:
                errors = {**field_errors(exc), **drafts.errors}
        regions = (db.session.query(Region).filter(Region.level == "county",
                                                   Region.code.like("33%"),
                                                   Region.end_year.is_(None))
                   .order_by(Region.code).all())
        fields = {"applicant_name", "applicant_phone", "unit_credit_code", "region_code",
                  *(f.name for f in item.fields), *(f"doc_{c}" for c, _l in item.documents)}
        return self.render_template(
            "applications/public_form.html", item=item, errors=errors, values=values,
            regions=regions, choice_labels=CHOICE_LABELS, kept=drafts.kept(),
            other_errors=[message for field, message in errors.items() if field not in fields])

    @expose("/status", methods=["GET", "POST"])
    def status(self):
        app, error = None, None
        if request.method == "POST":
            app = service.find_for_applicant(db.session, request.form.get("number"),
                                             request.form.get("phone"))
            if app is None:
                error = _("No application has this number and phone.")
            elif request.form.get("withdraw") or request.form.get("resubmit"):
                try:
                    with atomic(db.session):
                        if request.form.get("withdraw"):
                            service.withdraw(db.session, app)
                        else:
                            item = ITEMS[app.item]
                            service.resubmit(db.session, app, {
                                f.name: request.form.get(f.name) for f in item.fields
                                if f.name in request.form}, _uploads(item))
                except RuleViolation as exc:
                    error = exc.message
        return self.render_template(
            "applications/public_status.html", app=app, error=error,
            status=app and STATUS_LABELS.get(app.status, app.status),
            item_title=app and item_title(app.item), item=app and ITEMS[app.item],
            open_statuses=service.OPEN_STATUSES)


# ------------------------------------------------------------------ first-login password

class PasswordChangeView(BaseView):
    route_base = "/password"
    default_view = "change"

    @expose("/change", methods=["GET", "POST"])
    def change(self):
        if not current_user.is_authenticated:
            return redirect(self.appbuilder.get_url_for_login)
        error = error_field = None
        if request.method == "POST":
            sm = self.appbuilder.sm
            user = db.session.get(AppUser, current_user.id)
            new = request.form.get("new_password", "")
            try:
                with atomic(db.session):
                    if not _check(user, request.form.get("old_password", "")):
                        raise RuleViolation("old_password", _("The current password is wrong."))
                    if new != request.form.get("confirm_password", ""):
                        raise RuleViolation("confirm_password",
                                            _("The two new passwords differ."))
                    if _check(user, new):
                        raise RuleViolation("new_password", _("Choose a password different "
                                                              "from the current one."))
                    check_strength(new, user.username, field="new_password")
                    sm.reset_password(user.id, new)
                    user = db.session.get(AppUser, current_user.id)
                    user.must_change_password = False
                flash(_("Your password has been changed."), "success")
                return redirect(self.appbuilder.get_url_for_index)
            except RuleViolation as exc:
                error, error_field = exc.message, exc.field
        return self.render_template("applications/password_change.html", error=error,
                                    error_field=error_field, policy=policy_text())


def _check(user, password):
    from werkzeug.security import check_password_hash
    return bool(password) and check_password_hash(user.password, password)


_ALLOWED_WHILE_FORCED = ("PasswordChangeView.change", "AuthDBView.logout", "static",
                         "appbuilder.static")


def _jwt_user():
    """The user of a JWT-authenticated API call (FAB resolves it only inside @protect)."""
    if not request.headers.get("Authorization", "").lower().startswith("bearer ") \
            or request.path.startswith("/api/v1/security/"):
        return None
    from flask_jwt_extended import get_current_user, verify_jwt_in_request
    try:
        verified = verify_jwt_in_request(optional=True)
    except Exception:  # not a JWT (an API key) or invalid: @protect answers as usual
        return None
    # None: no token, or an OPTIONS request, which flask-jwt-extended does not verify (and
    # then get_current_user() raises).
    return None if verified is None else get_current_user()


def enforce_password_change():
    """Users with a one-time password reach nothing but the password change and logout,
    neither through the pages nor through the REST API."""
    user = current_user if current_user.is_authenticated else (
        _jwt_user() if request.path.startswith("/api/") else None)
    if user is None or not getattr(user, "must_change_password", False):
        return None
    endpoint = request.endpoint or ""
    if endpoint in _ALLOWED_WHILE_FORCED or endpoint.endswith(".static") \
            or request.path.startswith("/static/"):
        return None
    if request.path.startswith("/api/"):
        return {"message": _("Change your one-time password first.")}, 403
    return redirect(url_for("PasswordChangeView.change"))


MENU = [
    (ApplicationDeskView, "ApplicationDesk", _l("Review desk"), "fa-gavel", "Applications",
     _l("Government service applications")),
    (ApplicationView, "Application", _l("Applications"), "fa-file-text-o", "Applications",
     None),
    (PlatformKeyView, "PlatformKey", _l("Platform API keys"), "fa-key", "Applications", None),
    (SmsOutboxView, "SmsMessage", _l("SMS outbox"), "fa-envelope", "System", _l("System")),
]
NO_MENU = [PublicApplicationView, PasswordChangeView]
