"""操作日志: one hook after every write request (POST, PUT, PATCH, DELETE) of pages, REST and
the console — who, role, which view or resource and record, the outcome (ok / refused and
why), time and duration — appended to the operation log's hash chain (app.services.oplog)
in a transaction of its own, after the request's own commit or rollback."""
import logging
import time

from flask import current_app, g, request

from app.security.scope import current_scope
from app.services import oplog

log = logging.getLogger(__name__)
WRITES = ("POST", "PUT", "PATCH", "DELETE")
REASONS = {400: "bad request", 401: "not signed in", 403: "no permission",
           404: "not found or outside the scope", 405: "method not allowed",
           409: "conflict", 413: "too large", 429: "too many requests"}


def _started():
    g.oplog_started = time.perf_counter()


def _resources():
    """endpoint prefix (a view's or REST resource's blueprint) → its permission name."""
    found = current_app.extensions.get("oplog_resources")
    if found is None:
        found = {}
        for view in current_app.appbuilder.baseviews:
            name = getattr(view, "class_permission_name", None) or type(view).__name__
            blueprint = getattr(view, "endpoint", None) or type(view).__name__
            found[blueprint] = name
        current_app.extensions["oplog_resources"] = found
    return found


def _record():
    args = request.view_args or {}
    for key in ("pk", "id", "item_id", "unit_id", "person_id"):
        if args.get(key) is not None:
            return str(args[key])
    ids = request.args.getlist("id") or request.form.getlist("id") or request.form.getlist("rowid")
    return ",".join(ids)[:100] or None


def _result(response):
    status = response.status_code
    if status >= 500:
        return "error", g.get("oplog_reason") or "server error"
    if status >= 400:
        return "refused", g.get("oplog_reason") or REASONS.get(status, f"HTTP {status}")
    page_form = not request.path.startswith("/api/") and status == 200 \
        and response.mimetype == "text/html"
    if page_form and request.method == "POST":
        # A page form answered with itself: shown again with its messages, nothing saved.
        return "refused", g.get("oplog_reason") or "form shown again with messages"
    return "ok", None


def _write(response):
    if request.method not in WRITES or not current_app.config.get("OPERATION_LOG", True):
        return response
    try:
        from flask_login import current_user
        user = g.get("user") or current_user
        signed_in = getattr(user, "is_authenticated", False)
        result, reason = _result(response)
        endpoint = request.endpoint or ""
        started = g.get("oplog_started") or time.perf_counter()
        oplog.log_operation(
            user_id=user.id if signed_in else None,
            username=user.username if signed_in else None,
            role=current_scope().role if signed_in else None,
            method=request.method, path=request.path, endpoint=endpoint or None,
            resource=_resources().get(endpoint.split(".")[0]) or endpoint.split(".")[0] or None,
            record=_record(), status=response.status_code, result=result, reason=reason,
            detail=g.get("oplog_detail"), ip=request.remote_addr,
            duration_ms=int((time.perf_counter() - started) * 1000))
    except Exception:  # the log must never turn a done write into an error page
        log.exception("operation log not written for %s %s", request.method, request.path)
    return response


def install(app):
    app.before_request(_started)
    app.after_request(_write)
