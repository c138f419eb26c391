"""Error pages in the user's language: HTML for pages, JSON under /api/."""
from flask import current_app, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError

from app.security.scope import OutOfScope
from app.security.authority import AuthorityViolation
from app.services.ecert import FontMissing, NotPrintable
from app.services.register import status_label

MESSAGES = {
    400: _l("The request could not be processed."),
    403: _l("You do not have permission to do this."),
    404: _l("The page or record does not exist, or is outside your scope."),
    405: _l("This action is not allowed here."),
    413: _l("The uploaded file is too large."),
    429: _l("Too many attempts. Please wait a minute and try again."),
    500: _l("An internal error occurred. Please try again later."),
}


def _render(code, message):
    g.oplog_reason = str(message)  # the operation log says why (app/web/oplog.py)
    if request.path.startswith("/api/"):
        return jsonify(message=str(message)), code
    appbuilder = current_app.appbuilder
    if "user" not in g:
        # CSRF is checked before FAB's before_request has put the user on g.
        from flask_login import current_user
        g.user = current_user
    return render_template("error.html", code=code, message=message, appbuilder=appbuilder,
                           base_template=appbuilder.base_template), code


def register_error_handlers(app):
    for code, message in MESSAGES.items():
        app.register_error_handler(code, lambda _e, c=code, m=message: _render(c, m))
    # A rate limit that built its own answer (the JSON helpers' on_breach) keeps it.
    app.register_error_handler(429, lambda e: getattr(e, "response", None)
                               or _render(429, MESSAGES[429]))
    # Flask-WTF raises its reasons in English; they are msgids of our catalog.
    app.register_error_handler(CSRFError, lambda e: _render(400, _(e.description)))
    # A record outside the user's scope reads as missing (app/security/scope.py).
    app.register_error_handler(OutOfScope, lambda _e: _render(404, MESSAGES[404]))
    # A user who reaches a record but is not its author (app/security/authority.py).
    app.register_error_handler(AuthorityViolation, lambda e: _render(403, e.message))
    # E-certificates (app/services/ecert.py): only of a valid certificate or licence, and a
    # PDF only with a CJK font on the server.
    app.register_error_handler(NotPrintable, lambda e: _render(409, _(
        "An e-certificate is made only for a valid certificate or licence; this one is: "
        "%(status)s.", status=status_label(e.status))))
    app.register_error_handler(FontMissing, lambda e: _render(503, _(
        "No Chinese font was found for the PDF (%(path)s): install fonts-noto-cjk or set "
        "ECERT_FONT_PATH.", path=str(e))))
