"""Electronic certificates (电子保安员证, 许可证电子副本): which cards a user may print, what
each card shows, its signed QR code, and the PDF.

- A guard card shows the photo, name, certificate number, issuing authority and issue date,
  never the ID number; a licence copy shows what the paper licence shows. Each carries a QR
  code opening /verify/ with a token signed by app/services/signing.py, so the register
  shows the live status of the card (a revoked certificate reads 已吊销 at once).
- Who may print which card is the one scope mechanism: police every certificate in their
  read scope, a unit the certificates of the people it employs now (the write scope of a
  certificate: an active employment at a unit it maintains); a licence through the read
  scope of the unit. Only a valid guard certificate and an active licence are printed.
- The PDF is drawn with fpdf2 (vector QR code, the photo as an image, Chinese text in a
  CJK font found on the server, embedded as a subset): README "E-certificates"."""
from __future__ import annotations

import base64
import datetime as dt
import functools
import io
import os
from dataclasses import dataclass, field
from decimal import Decimal

import segno
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import or_, select

from app.models import Certificate, Employment, Person, Unit
from app.security.scope import OutOfScope, get_scoped, scope_clause

from . import register, signing
from .rules import staff_unit_ids_select
from .storage import stored_image

# Fonts with the Chinese glyphs, looked for in this order when ECERT_FONT_PATH is not set:
# Debian's fonts-noto-cjk (CI installs it; CFF outlines, which fpdf2 embeds), then others.
FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)


class NotPrintable(Exception):
    """The certificate or licence is not valid: no e-certificate is made for it."""

    def __init__(self, status):
        super().__init__(status)
        self.status = status


class FontMissing(Exception):
    """No font with Chinese glyphs was found (ECERT_FONT_PATH, FONT_CANDIDATES)."""


# ------------------------------------------------------------------ which cards

def _write(scope) -> bool:
    """Unit users print the cards of the people they employ now (the write scope of a
    person's records); police every card they read."""
    return scope.is_unit_user


def guard_certificate(session, pk, scope, today: dt.date) -> Certificate:
    """A guard certificate the user may print (OutOfScope: 404), valid today
    (NotPrintable otherwise)."""
    cert = get_scoped(session, Certificate, pk, write=_write(scope), scope=scope)
    if cert.kind != "guard":
        raise OutOfScope()
    status = register.effective_status(cert.status, cert.expires_on, today)
    if status != "valid":
        raise NotPrintable(status)
    return cert


def _unit_guard_conditions(session, unit_id, scope, today):
    unit = get_scoped(session, Unit, unit_id, write=_write(scope), scope=scope)
    staff = select(Employment.person_id).where(
        Employment.unit_id.in_(staff_unit_ids_select(unit.id)), Employment.end_date.is_(None))
    return unit, (scope_clause(Certificate, scope, write=_write(scope)),
                  Certificate.kind == "guard", Certificate.status == "valid",
                  or_(Certificate.expires_on.is_(None), Certificate.expires_on >= today),
                  Certificate.person_id.in_(staff))


def count_unit_guard_certificates(session, unit_id, scope, today) -> int:
    """How many cards `unit_guard_certificates` prints in all."""
    _unit, conditions = _unit_guard_conditions(session, unit_id, scope, today)
    return session.query(Certificate.id).filter(*conditions).count()


def unit_guard_certificates(session, unit_id, scope, today, page=0, page_size=100):
    """(unit, certificates): the valid guard certificates of the unit's active staff (持证情况
    of its page, with its client units' staff when it is a self-hiring unit) that the user
    may print, by name, one page of them; the unit itself through the same scope
    (OutOfScope: 404)."""
    unit, conditions = _unit_guard_conditions(session, unit_id, scope, today)
    certs = (session.query(Certificate).join(Person, Person.id == Certificate.person_id)
             .filter(*conditions).order_by(Person.name, Certificate.id)
             .offset(page * page_size).limit(page_size).all())
    return unit, certs


def licensed_unit(session, pk, scope) -> Unit:
    """A security company or training school with a licence the user may print (police:
    in their read scope; a unit: its own), OutOfScope (404) otherwise; its licence in force
    (NotPrintable otherwise)."""
    unit = get_scoped(session, Unit, pk, write=_write(scope), scope=scope)
    if unit.kind not in register.LICENSED_KINDS or not unit.licence_number:
        raise OutOfScope()
    status = register.UNIT_STATUS.get(unit.status, unit.status)
    if status != "valid":
        raise NotPrintable(status)
    return unit


# ------------------------------------------------------------------ what a card shows

@dataclass
class Card:
    kind: str                 # "guard" | "licence"
    title: str
    number: str
    fields: list              # (label, value) in the order printed
    verify_url: str
    photo: bytes | None = None
    photo_type: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def photo_data_uri(self) -> str | None:
        if not self.photo:
            return None
        return f"data:{self.photo_type};base64,{base64.b64encode(self.photo).decode()}"

    @property
    def qr_svg(self) -> str:
        return qr_svg(self.verify_url)


def _date(value) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


def guard_card(cert: Certificate, verify_url) -> Card:
    """The card of a guard certificate; `verify_url(token)` builds the QR's address."""
    try:
        photo, photo_type = stored_image(cert.person.photo)
    except FileNotFoundError:
        photo, photo_type = None, None
    token = signing.sign(register.guard_subject(cert.number))
    return Card("guard", _("Guard certificate"), cert.number, [
        (_("Full name"), cert.person.name),
        (_("Certificate number"), cert.number),
        (_("Issuing authority"), cert.issuer or ""),
        (_("Issue date"), _date(cert.issued_on)),
    ], verify_url(token), photo, photo_type)


def licence_card(unit: Unit, verify_url) -> Card:
    config = current_app.config
    token = signing.sign(register.licence_subject(unit.licence_number))
    title = _("Security service licence") if unit.kind == "company" \
        else _("Security training licence")
    fields = [(_("Unit name"), unit.name), (_("Licence number"), unit.licence_number),
              (_("Domicile"), unit.address or ""),
              (_("Legal representative"), unit.legal_representative or "")]
    if unit.kind == "company":
        capital = unit.registered_capital
        fields.append((_("Registered capital"),
                       _("%(n)s (10k yuan)", n=format(Decimal(capital).normalize(), "f"))
                       if capital is not None else ""))
        fields.append((_("Service scope"), unit.business_scope or ""))
    else:
        fields.append((_("Training scope"), unit.training_scope or unit.business_scope or ""))
    # The province licenses security companies and training schools (docs/rules.md).
    issuer = config.get("LICENCE_ISSUER") or _("Zhejiang Provincial Public Security Department")
    fields += [(_("Issuing authority"), issuer),
               (_("Issue date"), _date(unit.licence_issued_on))]
    return Card("licence", title, unit.licence_number, fields, verify_url(token))


# ------------------------------------------------------------------ QR code

@functools.lru_cache(maxsize=256)
def qr(url: str):
    """The QR code of a verification address (error correction M: a worn card still reads);
    choosing the mask costs ~30 ms, and a card draws its code twice (page and PDF runs)."""
    return segno.make(url, error="m", micro=False)


def qr_svg(url: str) -> str:
    """Inline SVG of the QR code, scaled by the page's CSS."""
    return qr(url).svg_inline(scale=4, border=2, omitsize=True)


def _qr_runs(url: str):
    """(row, first column, length) of every run of dark modules."""
    for y, row in enumerate(qr(url).matrix):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                yield y, start, x - start
            else:
                x += 1


# ------------------------------------------------------------------ the font

def _face_index(path: str) -> int:
    """The face of a font collection with the simplified Chinese glyph forms."""
    if not path.lower().endswith((".ttc", ".otc")):
        return 0
    from fontTools.ttLib import TTCollection
    collection = TTCollection(path, lazy=True)
    try:
        names = [str(font["name"].getDebugName(1) or "") for font in collection.fonts]
    finally:
        collection.close()
    for suffix in (" SC", " GB", "SC"):
        for index, name in enumerate(names):
            if name.endswith(suffix):
                return index
    return 0


@functools.cache
def _located(configured: str):
    for path in ([configured] if configured else []) + list(FONT_CANDIDATES):
        if path and os.path.isfile(path):
            return path, _face_index(path)
    return None


def cjk_font():
    """(path, face index) of the font the PDFs are drawn with: ECERT_FONT_PATH, else the
    first of FONT_CANDIDATES found; FontMissing when there is none."""
    configured = current_app.config.get("ECERT_FONT_PATH") or ""
    found = _located(configured)
    if found is None:
        raise FontMissing(configured or FONT_CANDIDATES[0])
    return found


# ------------------------------------------------------------------ the PDF

CARD_W, CARD_H = 85.6, 54.0            # ID-1, the size of a bank card (mm)
GRID_COLS, GRID_ROWS, GAP = 2, 5, 3.0  # ten cards to an A4 page, cut along the borders
NAVY = (16, 62, 120)


def _pdf():
    from fpdf import FPDF
    path, index = cjk_font()
    pdf = FPDF(unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.add_font("cjk", fname=path, collection_font_number=index)
    pdf.set_font("cjk", size=8)
    pdf.set_title(_("Electronic certificate"))
    pdf.set_creator(current_app.config.get("APP_NAME", ""))
    return pdf


def _draw_qr(pdf, url, x, y, size):
    modules = len(qr(url).matrix)
    border = 2
    step = size / (modules + 2 * border)
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(x, y, size, size, style="F")
    pdf.set_fill_color(0, 0, 0)
    for row, col, length in _qr_runs(url):
        pdf.rect(x + (col + border) * step, y + (row + border) * step, length * step, step,
                 style="F")


def _text(pdf, x, y, w, text, size, align="L", colour=(0, 0, 0)):
    pdf.set_font("cjk", size=size)
    pdf.set_text_color(*colour)
    pdf.set_xy(x, y)
    pdf.cell(w, size * 0.45, text, align=align)


def _fit(pdf, text, width, size):
    """`text` shortened with … so that it fits `width` at `size` points."""
    pdf.set_font("cjk", size=size)
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


def _guard_card(pdf, card: Card, x, y):
    pdf.set_draw_color(*NAVY)
    pdf.set_line_width(0.3)
    pdf.rect(x, y, CARD_W, CARD_H, style="D", round_corners=True, corner_radius=3)
    pdf.set_fill_color(*NAVY)
    pdf.rect(x, y, CARD_W, 9, style="F", round_corners=("TOP_LEFT", "TOP_RIGHT"),
             corner_radius=3)
    _text(pdf, x + 4, y + 2.6, 40, card.title, 12, colour=(255, 255, 255))
    _text(pdf, x + 40, y + 3.4, CARD_W - 44, _("Electronic certificate · scan to verify"),
          6.5, align="R", colour=(255, 255, 255))
    photo_x, photo_y, photo_w, photo_h = x + 3.5, y + 12, 20, 26.7
    if card.photo:
        pdf.image(io.BytesIO(card.photo), photo_x, photo_y, photo_w, photo_h)
    else:
        pdf.set_draw_color(180, 180, 180)
        pdf.rect(photo_x, photo_y, photo_w, photo_h, style="D")
        _text(pdf, photo_x, photo_y + 12, photo_w, _("No photo"), 6, align="C",
              colour=(150, 150, 150))
    qr_size = 24
    qr_x, qr_y = x + CARD_W - qr_size - 2.5, y + 11
    _draw_qr(pdf, card.verify_url, qr_x, qr_y, qr_size)
    text_x = photo_x + photo_w + 2.5
    text_w = qr_x - text_x - 1
    line = y + 13
    for label, value in card.fields:
        _text(pdf, text_x, line, text_w, label, 5.5, colour=(110, 110, 110))
        _text(pdf, text_x, line + 2.7, text_w, _fit(pdf, value, text_w, 8), 8)
        line += 6.6
    _text(pdf, qr_x, qr_y + qr_size + 0.6, qr_size, _("Scan to verify"), 5.5, align="C",
          colour=(110, 110, 110))
    _text(pdf, x + 3.5, y + CARD_H - 4.2, CARD_W - 7,
          _("The status shown when the QR code is scanned prevails."), 5,
          colour=(110, 110, 110))


def _licence_page(pdf, card: Card):
    pdf.add_page(orientation="L")
    width, height = 297, 210
    pdf.set_draw_color(*NAVY)
    pdf.set_line_width(1.2)
    pdf.rect(12, 12, width - 24, height - 24)
    pdf.set_line_width(0.3)
    pdf.rect(15, 15, width - 30, height - 30)
    _text(pdf, 15, 26, width - 30, card.title, 26, align="C", colour=NAVY)
    _text(pdf, 15, 40, width - 30, _("Electronic copy · scan the QR code to verify"), 10,
          align="C", colour=(110, 110, 110))
    y, label_x, value_x, value_w = 56, 30, 72, 150
    for label, value in card.fields:
        _text(pdf, label_x, y, 40, label, 11, colour=(90, 90, 90))
        pdf.set_font("cjk", size=12)
        pdf.set_text_color(0, 0, 0)
        pdf.set_xy(value_x, y - 0.6)
        pdf.multi_cell(value_w, 6.2, value or "", max_line_height=6.2)
        y = max(pdf.get_y() + 3.5, y + 10)
    _draw_qr(pdf, card.verify_url, width - 30 - 52, height - 30 - 60, 52)
    _text(pdf, width - 30 - 52, height - 30 - 6, 52, _("Scan to verify"), 9, align="C",
          colour=(110, 110, 110))


def cards_pdf(cards: list[Card]) -> bytes:
    """The PDF of the cards: guard cards ten to an A4 page at their real size (ID-1, cut
    along the borders), each licence copy on an A4 landscape page."""
    pdf = _pdf()
    guards = [c for c in cards if c.kind == "guard"]
    per_page = GRID_COLS * GRID_ROWS
    left = (210 - GRID_COLS * CARD_W - (GRID_COLS - 1) * GAP) / 2
    top = (297 - GRID_ROWS * CARD_H - (GRID_ROWS - 1) * GAP) / 2
    for index, card in enumerate(guards):
        if index % per_page == 0:
            pdf.add_page()
        slot = index % per_page
        col, row = slot % GRID_COLS, slot // GRID_COLS
        _guard_card(pdf, card, left + col * (CARD_W + GAP), top + row * (CARD_H + GAP))
    for card in cards:
        if card.kind == "licence":
            _licence_page(pdf, card)
    return bytes(pdf.output())
