"""公众查询 (/verify/, no login) and the electronic certificates (电子保安员证, 许可证电子副本).

The register is public, CSRF-protected on its forms, rate limited per address
(PUBLIC_REGISTER_RATE_LIMIT, in Redis when RATELIMIT_STORAGE_URI is one) and logged
(系统管理 → 公众查询记录). What it answers lives in app/services/register.py, the cards in
app/services/ecert.py; what the public can and cannot learn: docs/register.md."""
import datetime as dt

from flask import abort, current_app, make_response, render_template, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _

from app.extensions import db
from app.security.scope import current_scope, in_scope
from app.services import ecert, register
from app.services.privacy import mask_identity_values
from app.web.limits import per_address_limit
from app.web.transaction import atomic
from app.web.uploads import stored_response


def _today():
    return dt.date.today()


def _breached():
    """The register's 429 page, in Chinese, with the forms still there."""
    return make_response(PublicRegisterView.render_page(limited=True), 429)


def _blank_form():
    """Opening the page is not a look-up: only answers count against the limit."""
    return request.method == "GET" and "t" not in request.args


class PublicRegisterView(BaseView):
    """保安员证: number and holder's name; licence: number or exact full unit name; a signed
    QR code of an e-certificate: ?t=<token>. No login."""
    route_base = "/verify"
    default_view = "index"
    limits = [per_address_limit("PUBLIC_REGISTER_RATE_LIMIT", _breached, _blank_form)]

    @staticmethod
    def render_page(**context):
        """The register's page. What was typed comes back in its box with any identity
        number in it masked: no public answer holds one, whoever typed it."""
        appbuilder = current_app.appbuilder
        for key in ("number", "q"):
            if context.get(key):
                context[key] = mask_identity_values(context[key])
        return render_template("register/verify.html", appbuilder=appbuilder,
                               base_template=appbuilder.base_template, **context)

    @expose("/", methods=["GET", "POST"])
    def index(self):
        if request.method == "POST":
            if request.form.get("kind") == "licence":
                return self._licence()
            return self._certificate()
        if "t" in request.args:
            return self._token(request.args.get("t", ""))
        return self.render_page()

    def _certificate(self):
        number, name = request.form.get("number", ""), request.form.get("name", "")
        errors = {}
        if not register.normalise_number(number):
            errors["number"] = _("Enter the certificate number.")
        if not register.normalise_name(name):
            errors["name"] = _("Enter the holder's full name.")
        if errors:
            return self.render_page(errors=errors, number=number, tab="certificate")
        with atomic(db.session):
            answer = register.find_certificate(db.session, number, name, _today())
            register.log_query(db.session, request.remote_addr, "certificate",
                               register.asked_certificate(number, name),
                               register.result_of(answer))
        # The typed name is not echoed back: the page never holds a full name.
        return self.render_page(answer=answer, asked=True, number=number, tab="certificate")

    def _licence(self):
        text = request.form.get("q", "")
        if not text.strip():
            return self.render_page(errors={"q": _("Enter the licence number or the full "
                                                   "name of the unit.")}, tab="licence")
        with atomic(db.session):
            answers = register.find_licences(db.session, text)
            register.log_query(db.session, request.remote_addr, "licence", text,
                               register.result_of(answers))
        if len(answers) > 1:
            return self.render_page(ambiguous=True, q=text, tab="licence")
        return self.render_page(answer=answers[0] if answers else None, asked=True, q=text,
                                tab="licence")

    def _token(self, token):
        with atomic(db.session):
            try:
                subject, answer = register.find_by_token(db.session, token, _today())
                result = register.result_of(answer)
            except register.InvalidToken:
                subject, answer, result = token, None, "invalid_qr"
            register.log_query(db.session, request.remote_addr, "qr", subject, result)
        if result == "invalid_qr":
            return self.render_page(invalid_qr=True, scanned=True)
        return self.render_page(answer=answer, asked=True, scanned=True,
                                tab=answer.kind if answer else "certificate")


# ------------------------------------------------------------------ e-certificates

def verify_url(token: str) -> str:
    """The address a card's QR code opens: PUBLIC_BASE_URL (the address the public reaches
    the register at) when set, else this request's host."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return base.rstrip("/") + url_for("PublicRegisterView.index", t=token)
    return url_for("PublicRegisterView.index", t=token, _external=True)


def _pdf_response(cards, name):
    """The cards as a PDF (NotPrintable: 409, FontMissing: 503, app/web/errors.py)."""
    return stored_response(ecert.cards_pdf(cards), "application/pdf", name)


class ECertificateBase(BaseView):
    """Printing a card is reading it: the permission ECertificate (police and unit roles;
    not the association, docs/register.md), the rows through the one scope (404)."""
    class_permission_name = "ECertificate"


class GuardECertificateView(ECertificateBase):
    route_base = "/ecert/certificate"
    method_permission_name = {"show": "read", "pdf": "read"}

    @expose("/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        cert = ecert.guard_certificate(db.session, pk, current_scope(), _today())
        card = ecert.guard_card(cert, verify_url)
        return self.render_template("ecert/guard.html", card=card, cert=cert,
                                    title=_("Electronic guard certificate"))

    @expose("/<pk>/pdf", methods=["GET"])
    @has_access
    def pdf(self, pk):
        cert = ecert.guard_certificate(db.session, pk, current_scope(), _today())
        return _pdf_response([ecert.guard_card(cert, verify_url)],
                             f"{_('Electronic guard certificate')}-{cert.number}.pdf")


class UnitECertificateView(ECertificateBase):
    route_base = "/ecert/unit"
    method_permission_name = {"licence": "read", "licence_pdf": "read", "guards": "read"}

    @expose("/<pk>/licence", methods=["GET"])
    @has_access
    def licence(self, pk):
        unit = ecert.licensed_unit(db.session, pk, current_scope())
        return self.render_template("ecert/licence.html", unit=unit,
                                    card=ecert.licence_card(unit, verify_url),
                                    title=_("Electronic copy of the licence"))

    @expose("/<pk>/licence/pdf", methods=["GET"])
    @has_access
    def licence_pdf(self, pk):
        unit = ecert.licensed_unit(db.session, pk, current_scope())
        return _pdf_response([ecert.licence_card(unit, verify_url)],
                             f"{_('Electronic copy of the licence')}-{unit.licence_number}.pdf")

    @expose("/<pk>/guards/pdf", methods=["GET"])
    @has_access
    def guards(self, pk):
        """The e-certificates of the unit's guards, ECERT_BULK_MAX to a file (?page=)."""
        try:
            page = max(int(request.args.get("page", 0)), 0)
        except ValueError:
            page = 0
        size = bulk_size()
        unit, certs = ecert.unit_guard_certificates(db.session, pk, current_scope(), _today(),
                                                    page=page, page_size=size)
        if not certs:
            abort(404)
        cards = [ecert.guard_card(cert, verify_url) for cert in certs]
        suffix = f"-{page + 1}" if page or len(certs) == size else ""
        return _pdf_response(cards, f"{unit.name}-{_('Electronic guard certificates')}"
                                    f"{suffix}.pdf")


def _may_print(session, record) -> bool:
    """Whether a page offers 【电子证】 for a record the user reads: the permission, and for
    unit users a record of the people or the unit they maintain (the scope the e-certificate
    views apply; they decide again)."""
    scope = current_scope()
    if not current_app.appbuilder.sm.has_access("can_read", "ECertificate"):
        return False
    return not scope.is_unit_user or in_scope(session, record, write=True, scope=scope)


def may_print_certificate(session, cert) -> bool:
    return cert.kind == "guard" and _may_print(session, cert) and register.effective_status(
        cert.status, cert.expires_on, _today()) == "valid"


def may_print_licence(session, unit) -> bool:
    return unit.kind in register.LICENSED_KINDS and bool(unit.licence_number) \
        and unit.status == "active" and _may_print(session, unit)


def bulk_size() -> int:
    return int(current_app.config["ECERT_BULK_MAX"])


def bulk_files(session, unit) -> int:
    """How many PDF files the unit's guards' e-certificates make (0: none to print)."""
    if not _may_print(session, unit):
        return 0
    total = ecert.count_unit_guard_certificates(session, unit.id, current_scope(), _today())
    return (total + bulk_size() - 1) // bulk_size()


NO_MENU = [PublicRegisterView, GuardECertificateView, UnitECertificateView]
MENU = []
