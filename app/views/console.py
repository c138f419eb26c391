"""The province admin's 系统管理 console on Flask-Admin, at /ops/ beside the FAB pages
(docs/console.md): 参数 and 字典, the application item catalogue and the working-day
calendar, the append-only logs, 在线用户 with 【强制下线】, the notices published, and the
background jobs (任务) with their errors and 【重试】.

Flask-Admin views over system tables only — never over unit-scoped data, which stays behind
the one scope mechanism of the FAB pages. Every view is the province admin's alone
(`ConsoleAccess`): anonymous users go to the sign-in page, every other role gets 403. Forms
carry Flask-WTF's CSRF token (the app's CSRFProtect checks every POST); Flask-Admin's
templates print this request's CSP nonce (hygiene.csp_nonce)."""
import datetime as dt
import os

from flask import abort, after_this_request, current_app, flash, g, redirect, request, \
    send_file, url_for
from flask_admin import Admin, AdminIndexView, expose
from flask_admin.actions import action
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.filters import FilterEqual
from flask_admin.theme import Bootstrap4Theme
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from sqlalchemy import func, inspect, select
from wtforms import SelectField, TextAreaField

from app.extensions import db
from app.models import (Announcement, AnnouncementRead, ApplicationItem, AppUser, CalendarDay,
                        DictItem, ExportLog, LoginLog, OperationLog, RegistryLookup, Setting,
                        SmsMessage, TargetCategory, UserSession)
from app.models.base import utcnow
from app.models.application import SMS_PURPOSES, SMS_STATUSES
from app.models.job import JOB_KINDS, JOB_STATES, Job
from app.models.choices import TIER_COLOURS
from app.models.notice import AUDIENCE_KINDS
from app.models.vocabulary import RESOURCE_LABELS
from app.security.roles import PROVINCE_ADMIN, ROLE_LABELS
from app.services import jobs, sessions, settings, sms
from app.services.errors import RuleViolation
from app.services.export import log_export, write_xlsx
from app.web.display import format_time
from app.web.hygiene import csp_nonce
from app.web.transaction import atomic
from app.web.widgets import tier_badge, tier_choices

DICTIONARY_LABELS = {"target_tier": _l("Service target tiers"),
                     "watch_list": _l("Watch lists")}
LOGIN_REASONS = {"ok": _l("Succeeded"), "locked": _l("Locked"),
                 "unknown_user": _l("Unknown user name"), "inactive": _l("Account disabled"),
                 "wrong_password": _l("Wrong password"),
                 "unknown_user+locked": _l("Unknown user name; now locked"),
                 "inactive+locked": _l("Account disabled; now locked"),
                 "wrong_password+locked": _l("Wrong password; now locked")}
RESULTS = {"ok": _l("Done"), "refused": _l("Refused"), "error": _l("Error")}
CHANNELS = {"form": _l("Browser"), "api": _l("API (JWT)")}
EVENTS = {"login": _l("Sign-in"), "logout": _l("Sign-out")}
DECIDERS = {"city": _l("City decides"), "province": _l("Province decides")}
CALENDAR_KINDS = {"holiday": _l("Public holiday (off)"),
                  "workday": _l("Adjusted working day (weekend worked)")}


def is_province_admin(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active
                and any(role.name == PROVINCE_ADMIN for role in user.roles))


class ConsoleAccess:
    """The province admin only: anonymous → the sign-in page, anyone else → 403."""

    def is_accessible(self):
        return is_province_admin(current_user)

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for(f"{current_app.appbuilder.sm.auth_view.endpoint}.login",
                                    next=request.full_path))
        abort(403)


class ConsoleForm(FlaskForm):
    """Flask-WTF's form: the CSRF token the app's CSRFProtect checks on every POST."""


def _words(mapping):
    return lambda _view, _context, model, name: str(mapping.get(getattr(model, name),
                                                                getattr(model, name) or ""))


def _time(_view, _context, model, name):
    return format_time(getattr(model, name))


class ConsoleView(ConsoleAccess, ModelView):
    form_base_class = ConsoleForm
    can_set_page_size = True
    page_size = 20
    can_delete = False
    details_modal = False
    column_display_pk = False
    column_type_formatters = {**ModelView.column_type_formatters}


class LogView(ConsoleView):
    """A log: read, search, filter and export (xlsx, itself logged); never written or
    removed from any page."""
    can_create = can_edit = can_delete = False
    can_view_details = True
    can_export = True
    export_types = ["xlsx"]
    export_max_rows = 200_000
    column_default_sort = ("id", True)
    resource_name = None

    def _export_tablib(self, export_type, return_url):
        count, data = self._export_data()
        columns = self._export_columns
        rows = ([self.get_export_value(row, name) for name, _label in columns] for row in data)
        path, written = write_xlsx(rows, [str(label) for _name, label in columns],
                                   sheet_title=str(self.name))
        with atomic(db.session):
            log_export(db.session, current_user.id, current_user.username,
                       self.resource_name or self.endpoint, dict(request.args), written)

        @after_this_request
        def _remove(response):
            try:
                os.remove(path)
            except OSError:
                pass
            return response
        return send_file(path, as_attachment=True,
                         download_name=f"{self.name}.xlsx",
                         mimetype="application/vnd.openxmlformats-officedocument"
                                  ".spreadsheetml.sheet")


class LoginLogView(LogView):
    resource_name = "LoginLog"
    column_list = ["at", "username", "event", "channel", "success", "reason", "ip",
                   "user_agent"]
    column_labels = {"at": _l("Time"), "username": _l("User name"), "event": _l("Event"),
                     "channel": _l("Channel"), "success": _l("Success"),
                     "reason": _l("Outcome"), "ip": _l("Address"),
                     "user_agent": _l("Browser"), "user_id": _l("User id"),
                     "prev_hash": _l("Hash of the previous row"), "hash": _l("Hash")}
    column_searchable_list = ["username", "ip"]
    column_filters = ["at", "username", "success",
                      FilterEqual(LoginLog.reason, _l("Outcome"), options=list(
                          (k, str(v)) for k, v in LOGIN_REASONS.items())),
                      FilterEqual(LoginLog.channel, _l("Channel"), options=list(
                          (k, str(v)) for k, v in CHANNELS.items()))]
    column_formatters = {"at": _time, "reason": _words(LOGIN_REASONS),
                         "channel": _words(CHANNELS), "event": _words(EVENTS)}
    column_formatters_export = {"at": _time, "reason": _words(LOGIN_REASONS),
                                "channel": _words(CHANNELS), "event": _words(EVENTS)}


class OperationLogView(LogView):
    resource_name = "OperationLog"
    column_list = ["at", "username", "role", "method", "resource", "record", "result",
                   "reason", "duration_ms", "ip"]
    column_details_list = column_list + ["path", "endpoint", "status", "detail", "prev_hash",
                                         "hash"]
    column_labels = {"at": _l("Time"), "username": _l("User name"), "role": _l("Role"),
                     "method": _l("Method"), "resource": _l("Resource"),
                     "record": _l("Record"), "result": _l("Result"), "reason": _l("Reason"),
                     "duration_ms": _l("Duration (ms)"), "ip": _l("Address"),
                     "path": _l("Address requested"), "endpoint": _l("View"),
                     "status": _l("HTTP status"), "detail": _l("What changed"),
                     "prev_hash": _l("Hash of the previous row"), "hash": _l("Hash")}
    column_searchable_list = ["username", "path", "resource", "record"]
    column_filters = ["at", "username", "status",
                      FilterEqual(OperationLog.result, _l("Result"), options=list(
                          (k, str(v)) for k, v in RESULTS.items())),
                      FilterEqual(OperationLog.method, _l("Method"), options=[
                          (m, m) for m in ("POST", "PUT", "PATCH", "DELETE")])]
    column_formatters = {"at": _time, "result": _words(RESULTS), "role": _words(ROLE_LABELS),
                         "resource": _words(RESOURCE_LABELS)}
    column_formatters_export = column_formatters


class ExportLogView(LogView):
    resource_name = "ExportLog"
    column_list = ["at", "username", "resource", "rows", "filters"]
    column_labels = {"at": _l("Time"), "username": _l("User name"),
                     "resource": _l("Resource"), "rows": _l("Rows"), "filters": _l("Filters"),
                     "prev_hash": _l("Hash of the previous row"), "hash": _l("Hash")}
    column_searchable_list = ["username", "resource"]
    column_filters = ["at", "username", "resource"]
    column_formatters = {"at": _time, "resource": lambda v, c, m, n: m.resource_label,
                         "filters": lambda v, c, m, n: m.filters_display}
    column_formatters_export = column_formatters


class RegistryLookupView(LogView):
    resource_name = "RegistryLookup"
    column_list = ["at", "username", "id_number", "found"]
    column_labels = {"at": _l("Time"), "username": _l("User name"),
                     "id_number": _l("ID number"), "found": _l("Found in the registry"),
                     "prev_hash": _l("Hash of the previous row"), "hash": _l("Hash")}
    column_searchable_list = ["username", "id_number"]
    column_filters = ["at", "username", "found"]
    column_formatters = {"at": _time}
    column_formatters_export = column_formatters


class SettingView(ConsoleView):
    """参数: each declared parameter's value, checked by its declaration."""
    can_create = can_delete = False
    column_list = ["key", "label", "value", "updated_at", "updated_by"]
    column_labels = {"key": _l("Key"), "label": _l("Parameter"), "value": _l("Value"),
                     "updated_at": _l("Changed at"), "updated_by": _l("Changed by"),
                     "description": _l("Description")}
    column_searchable_list = ["key", "value"]
    column_default_sort = "key"
    form_columns = ["value"]
    form_overrides = {"value": TextAreaField}
    column_formatters = {
        "label": lambda v, c, m, n: str(settings.PARAMS[m.key].label)
        if m.key in settings.PARAMS else m.key,
        "updated_at": _time}

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        param = settings.PARAMS.get(getattr(obj, "key", None))
        if param is not None:
            form.value.label.text = str(param.label)
            hint = [str(param.description)] if param.description else []
            if param.placeholders:
                hint.append(_("Values: %(names)s", names="、".join(
                    "{%s}" % p for p in param.placeholders)))
            hint.append(_("Default: %(value)s", value=param.default_text or _("(empty)")))
            form.value.description = " ".join(hint)
        return form

    def validate_form(self, form):
        if not super().validate_form(form):
            return False
        row = self.get_one(request.args.get("id"))
        param = settings.PARAMS.get(getattr(row, "key", None))
        if param is None:
            form.value.errors = [_("Unknown parameter.")]
            return False
        try:
            form.value.data = param.dump(param.parse(form.value.data))
        except RuleViolation as exc:
            form.value.errors = [exc.message]
            return False
        return True

    def on_model_change(self, form, model, is_created):
        old = inspect(model).attrs.value.history.deleted
        model.updated_at = utcnow()
        model.updated_by = current_user.username
        g.oplog_detail = f"{model.key}: {old[0] if old else ''} → {model.value}"


def _dictionary_check(dict_type, value):
    value = (value or "").strip()
    if dict_type == "target_tier" and value not in TIER_COLOURS:
        raise RuleViolation("value", _("Choose one of the colours: %(colours)s",
                                       colours=", ".join(TIER_COLOURS)))
    if dict_type == "watch_list" and value != "local" and (
            ":" not in value or not all(p.replace("_", "").replace(".", "").isalnum()
                                        for p in value.split(":", 1))):
        raise RuleViolation("value", _('Write "local" or the adapter as package.module:Class.'))
    return value


class DictItemView(ConsoleView):
    """字典: the entries' labels, values (a tier's colour, a watch list's adapter) and
    switches; the codes are fixed by the code that uses them."""
    can_create = can_delete = False
    column_list = ["dict_type", "code", "label", "value", "active", "sort_order"]
    column_labels = {"dict_type": _l("Dictionary"), "code": _l("Code"), "label": _l("Label"),
                     "value": _l("Value"), "active": _l("In use"),
                     "sort_order": _l("Order")}
    column_filters = [FilterEqual(DictItem.dict_type, _l("Dictionary"), options=list(
        (k, str(v)) for k, v in DICTIONARY_LABELS.items()))]
    column_searchable_list = ["code", "label"]
    column_default_sort = [("dict_type", False), ("sort_order", False)]
    form_columns = ["label", "value", "active", "sort_order"]
    column_formatters = {"dict_type": _words(DICTIONARY_LABELS),
                         "value": lambda v, c, m, n: tier_badge(int(m.code))
                         if m.dict_type == "target_tier" else m.value}
    column_descriptions = {"value": _l("A tier's colour (red, orange, yellow, green, blue, "
                                       "grey); a watch list's adapter (local or "
                                       "package.module:Class).")}

    def validate_form(self, form):
        if not super().validate_form(form):
            return False
        if request.method == "POST" and "value" in form:
            row = self.get_one(request.args.get("id"))
            try:
                form.value.data = _dictionary_check(row.dict_type, form.value.data)
            except RuleViolation as exc:
                form.value.errors = [exc.message]
                return False
        return True

    def on_model_change(self, form, model, is_created):
        g.oplog_detail = f"{model.dict_type}.{model.code}: {model.label} / {model.value} / " \
                         f"{'on' if model.active else 'off'}"


class TargetCategoryView(ConsoleView):
    """服务对象类别: category → tier (colour from the tier dictionary)."""
    can_delete = True  # a category in use is kept by its foreign key
    column_list = ["name", "tier", "sort_order"]
    column_labels = {"name": _l("Category"), "tier": _l("Tier"), "sort_order": _l("Order")}
    column_searchable_list = ["name"]
    column_default_sort = "sort_order"
    form_columns = ["name", "tier", "sort_order"]
    form_overrides = {"tier": SelectField}
    form_args = {"tier": {"coerce": int, "choices": tier_choices}}
    column_formatters = {"tier": lambda v, c, m, n: tier_badge(m.tier)}

    def on_model_change(self, form, model, is_created):
        g.oplog_detail = f"{model.name}: {model.tier}"

    def handle_view_exception(self, exc):
        from sqlalchemy.exc import IntegrityError
        if isinstance(exc, IntegrityError):
            flash(_("A category used by service targets cannot be removed, and names are "
                    "unique."), "error")
            return True
        return super().handle_view_exception(exc)


class ApplicationItemView(ConsoleView):
    """办事事项: each item's title, competent level, time limit and documents."""
    can_create = can_delete = False
    column_list = ["code", "title", "decider", "time_limit", "documents", "sort_order"]
    column_labels = {"code": _l("Code"), "title": _l("Item"), "decider": _l("Competent level"),
                     "time_limit": _l("Statutory time limit (working days)"),
                     "documents": _l("Required documents"), "sort_order": _l("Order")}
    column_searchable_list = ["code", "title"]
    column_default_sort = "sort_order"
    form_columns = ["title", "decider", "time_limit", "documents", "sort_order"]
    form_overrides = {"decider": SelectField, "documents": TextAreaField}
    form_args = {"decider": {"choices": [(k, v) for k, v in DECIDERS.items()]},
                 "documents": {"description": _l('One document per line: the code, a space '
                                                 'and the name, e.g. "photo 照片". Codes of '
                                                 'documents already filed keep their files.')}}
    column_formatters = {"decider": _words(DECIDERS),
                         "documents": lambda v, c, m, n: Markup("<br>").join(
                             escape(line) for line in (m.documents or "").splitlines())}

    def validate_form(self, form):
        if not super().validate_form(form):
            return False
        if request.method == "POST" and "documents" in form:
            try:
                documents = settings.parse_documents(form.documents.data)
            except RuleViolation as exc:
                form.documents.errors = [exc.message]
                return False
            form.documents.data = "\n".join(f"{code} {label}" for code, label in documents)
            if not form.time_limit.data or form.time_limit.data < 1:
                form.time_limit.errors = [_("At least %(n)d.", n=1)]
                return False
        return True

    def on_model_change(self, form, model, is_created):
        g.oplog_detail = f"{model.code}: {model.title} / {model.decider} / {model.time_limit}"


class CalendarDayView(ConsoleView):
    """工作日历: public holidays on weekdays and weekend days worked, per year."""
    can_delete = True
    column_list = ["day", "kind", "note"]
    column_labels = {"day": _l("Date"), "kind": _l("Kind"), "note": _l("Note")}
    column_filters = ["day", FilterEqual(CalendarDay.kind, _l("Kind"), options=list(
        (k, str(v)) for k, v in CALENDAR_KINDS.items()))]
    column_searchable_list = ["note"]
    column_default_sort = ("day", True)
    form_columns = ["day", "kind", "note"]
    form_overrides = {"kind": SelectField}
    form_args = {"kind": {"choices": [(k, v) for k, v in CALENDAR_KINDS.items()]}}
    column_formatters = {"kind": _words(CALENDAR_KINDS)}

    def validate_form(self, form):
        if not super().validate_form(form):
            return False
        if request.method == "POST" and "day" in form and form.day.data:
            weekend = form.day.data.weekday() >= 5
            if form.kind.data == "workday" and not weekend:
                form.kind.errors = [_("An adjusted working day is a Saturday or Sunday.")]
                return False
        return True

    def on_model_change(self, form, model, is_created):
        g.oplog_detail = f"{model.day}: {model.kind} {model.note or ''}"

    def on_model_delete(self, model):
        g.oplog_detail = f"{model.day}: {model.kind} removed"

    def get_one(self, id):
        """The key is a date: the URL's text is parsed (SQLite takes no text for a Date)."""
        try:
            return db.session.get(CalendarDay, dt.date.fromisoformat(str(id)))
        except ValueError:
            return None


class OnlineUserView(ConsoleView):
    """在线用户: open sign-in sessions used within the idle timeout; 【强制下线】 ends them."""
    can_create = can_edit = can_delete = False
    column_list = ["user", "role", "channel", "ip", "created_at", "last_seen_at", "user_agent"]
    column_labels = {"user": _l("User"), "role": _l("Role"), "channel": _l("Channel"),
                     "ip": _l("Address"), "created_at": _l("Signed in at"),
                     "last_seen_at": _l("Last seen"), "user_agent": _l("Browser")}
    column_sortable_list = ["created_at", "last_seen_at"]
    column_default_sort = ("last_seen_at", True)
    column_searchable_list = ["ip"]
    column_formatters = {
        "user": lambda v, c, m, n: _user_label(m.user_id),
        "role": lambda v, c, m, n: _role_label(m.user_id),
        "channel": _words(CHANNELS), "created_at": _time, "last_seen_at": _time}

    def get_query(self):
        return super().get_query().where(*sessions.online_clause())

    def get_count_query(self):
        return super().get_count_query().where(*sessions.online_clause())

    @action("force_out", _l("Force sign-out"),
            _l("End the selected sessions now? Their users must sign in again."))
    def force_out(self, ids):
        ended = [sid for sid in ids if sessions.force_out(sid)]
        g.oplog_detail = "forced out: " + ", ".join(
            f"{_user_label(row.user_id)}" for row in db.session.query(UserSession)
            .filter(UserSession.id.in_(ended)))
        flash(_("%(n)d sessions ended.", n=len(ended)), "success")


def _user(user_id):
    cache = g.setdefault("console_users", {})
    if user_id not in cache:
        cache[user_id] = db.session.get(AppUser, user_id)
    return cache[user_id]


def _user_label(user_id):
    user = _user(user_id)
    return f"{user.get_full_name()}（{user.username}）" if user else str(user_id)


def _role_label(user_id):
    user = _user(user_id)
    return "、".join(str(ROLE_LABELS.get(r.name, r.name)) for r in user.roles) if user else ""


class AnnouncementConsoleView(ConsoleView):
    """通知公告 as published (province and cities), with how many have read each; publishing
    and the readers of one notice are on the police's FAB page (AnnouncementView)."""
    can_create = can_edit = can_delete = False
    column_list = ["published_at", "title", "publisher_name", "target_region", "target_kind",
                   "reads"]
    column_labels = {"published_at": _l("Published at"), "title": _l("Title"),
                     "publisher_name": _l("Publisher"), "target_region": _l("Region addressed"),
                     "target_kind": _l("Units addressed"), "reads": _l("Read by")}
    column_searchable_list = ["title", "publisher_name", "target_region"]
    column_default_sort = ("published_at", True)
    column_formatters = {
        "published_at": _time, "target_kind": _words(AUDIENCE_KINDS),
        "reads": lambda v, c, m, n: Markup('<a href="{}">{}</a>').format(
            url_for("AnnouncementView.show", pk=m.id), _reads(m.id))}


def _reads(announcement_id):
    return db.session.execute(select(func.count()).where(
        AnnouncementRead.announcement_id == announcement_id)).scalar()


class JobConsoleView(ConsoleView):
    """任务: every background job (app.services.jobs), failed ones first, with its error;
    【重试】 queues a failed job again (its owner finds it under 我的任务 as before)."""
    can_create = can_edit = can_delete = False
    can_view_details = True
    column_list = ["created_at", "kind", "title", "user_id", "state", "done", "total",
                   "attempts", "error", "finished_at"]
    column_details_list = column_list
    column_labels = {"created_at": _l("Submitted at"), "kind": _l("Kind"), "title": _l("Title"),
                     "user_id": _l("User"), "state": _l("State"), "done": _l("Rows done"),
                     "total": _l("Total rows"), "attempts": _l("Attempts"),
                     "error": _l("Last error"), "finished_at": _l("Finished at")}
    column_filters = [FilterEqual(Job.state, _l("State"), options=[
        (k, str(v)) for k, v in JOB_STATES.items()])]
    column_sortable_list = ["created_at", "finished_at", "state"]
    column_default_sort = [("state", False), ("id", True)]
    column_formatters = {
        "created_at": _time, "finished_at": _time, "kind": _words(JOB_KINDS),
        "state": _words(JOB_STATES), "user_id": lambda v, c, m, n: _user_label(m.user_id),
        "error": lambda v, c, m, n: (m.error or "")[-300:]}

    @action("retry", _l("Retry"), _l("Queue the selected failed jobs again?"))
    def retry(self, ids):
        retried = []
        for job in db.session.query(Job).filter(Job.id.in_([int(i) for i in ids]),
                                                Job.state == "failed"):
            jobs.retry(db.session, job)
            retried.append(job.id)
        db.session.commit()
        for job_id in retried:
            jobs.enqueue_again(job_id)
        g.oplog_detail = "jobs retried: " + ", ".join(map(str, retried))
        flash(_("%(n)d jobs queued again.", n=len(retried)), "success")


class SmsConsoleView(ConsoleView):
    """短信发件箱: every text with its state (待发送 / 已发送 / 失败) and last error;
    【重发】 queues failed texts again (app.services.sms.resend)."""
    can_create = can_edit = can_delete = False
    can_view_details = True
    # not the text: an account notice carries a first password (the FAB outbox shows it)
    column_list = ["created_at", "phone", "purpose", "status", "attempts", "last_error",
                   "sent_at"]
    column_details_list = column_list
    column_labels = {"created_at": _l("Created at"), "phone": _l("Phone"),
                     "purpose": _l("Purpose"), "status": _l("Status"),
                     "attempts": _l("Attempts"), "last_error": _l("Last error"),
                     "sent_at": _l("Sent at")}
    column_filters = [FilterEqual(SmsMessage.status, _l("Status"), options=[
        (k, str(v)) for k, v in SMS_STATUSES.items()])]
    column_searchable_list = ["phone"]
    column_sortable_list = ["created_at", "status"]
    column_default_sort = ("id", True)
    column_formatters = {"created_at": _time, "sent_at": _time,
                         "purpose": _words(SMS_PURPOSES), "status": _words(SMS_STATUSES)}

    @action("resend", _l("Resend"), _l("Send the selected failed texts again?"))
    def resend(self, ids):
        resent = []
        with atomic(db.session):
            for message in db.session.query(SmsMessage).filter(
                    SmsMessage.id.in_([int(i) for i in ids]), SmsMessage.status == "failed"):
                sms.resend(db.session, message)
                resent.append(message.id)
        g.oplog_detail = "sms resent: " + ", ".join(map(str, resent))
        flash(_("%(n)d texts queued again.", n=len(resent)), "success")


class ConsoleIndex(ConsoleAccess, AdminIndexView):
    @expose("/")
    def index(self):
        return self.render("console/index.html")


# (view class, model, name, category, endpoint); the endpoint is the URL: /ops/<endpoint>/
VIEWS = [
    (SettingView, Setting, _l("Parameters"), _l("Dictionaries and parameters"), "setting"),
    (DictItemView, DictItem, _l("Dictionaries"), _l("Dictionaries and parameters"), "dictionary"),
    (TargetCategoryView, TargetCategory, _l("Service target categories"),
     _l("Dictionaries and parameters"), "target_category"),
    (ApplicationItemView, ApplicationItem, _l("Application items"),
     _l("Dictionaries and parameters"), "application_item"),
    (CalendarDayView, CalendarDay, _l("Working-day calendar"),
     _l("Dictionaries and parameters"), "calendar"),
    (LoginLogView, LoginLog, _l("Login log"), _l("Logs"), "login_log"),
    (OperationLogView, OperationLog, _l("Operation log"), _l("Logs"), "operation_log"),
    (ExportLogView, ExportLog, _l("Export log"), _l("Logs"), "export_log"),
    (RegistryLookupView, RegistryLookup, _l("Population registry look-ups"), _l("Logs"),
     "registry_lookup"),
    (OnlineUserView, UserSession, _l("Online users"), None, "online"),
    (AnnouncementConsoleView, Announcement, _l("Notices"), None, "announcement"),
    (JobConsoleView, Job, _l("Jobs"), None, "job"),
    (SmsConsoleView, SmsMessage, _l("SMS outbox"), None, "sms"),
]
URL = "/ops"


def init_console(app):
    """Mount the console at /ops/ (called by the factory after FAB)."""
    from flask_admin.menu import MenuLink
    admin = Admin(app, name=str(_l("System console")), url=URL, endpoint="console",
                  index_view=ConsoleIndex(name=_l("Overview"), url=URL, endpoint="console"),
                  theme=Bootstrap4Theme(base_template="console/base.html", fluid=True),
                  csp_nonce_generator=csp_nonce)
    for view, model, name, category, endpoint in VIEWS:
        admin.add_view(view(model, db.session, name=name, category=category,
                            endpoint=f"console_{endpoint}", url=f"{URL}/{endpoint}"))
    admin.add_link(MenuLink(name=_l("Back to the system"), url="/"))
    return admin
