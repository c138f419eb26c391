"""The public register (公众查询, /verify/): is a guard certificate or a licence real and
current? What it answers and what it never does is docs/register.md.

- A guard certificate is answered only for its number together with the holder's name.
  A number with a wrong name and a number that does not exist give the same answer in the
  same time: one query by number either way, the names compared as fixed-length digests in
  constant time against the holder's or a stand-in, the answer built from the row or a
  stand-in row, no early return (`find_certificate`).
- A licence (security company, training school) is answered for its number or the unit's
  exact full name, with its branches.
- A signed QR code (app/services/signing.py) is answered for the card it names.
Names are masked (张*三); nothing else about a person leaves: no ID number, photo,
address, birth date, phone. Every look-up is logged (`log_query`) with the asker's address,
what was asked (the name masked) and the result, for the province admin."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import or_, select

from app.models import Certificate, Employment, Person, PublicQuery, Unit
from app.models.register import QUERY_RESULTS

from . import credit, signing
from .privacy import mask_identity_values, mask_name

# Kinds of unit holding a licence the register shows (条例: the province licenses security
# companies and training schools; branches are listed under their company).
LICENSED_KINDS = ("company", "training")
# A unit's status as the register words it.
UNIT_STATUS = {"active": "valid", "suspended": "suspended", "revoked": "revoked",
               "cancelled": "cancelled"}
# QR subjects: what a signed token names.
GUARD, LICENCE = "g", "l"
MAX_BRANCHES = 100


def status_label(status: str):
    return QUERY_RESULTS.get(status, status)


def effective_status(status: str, expires_on, today: dt.date) -> str:
    """A certificate's status on `today`: a valid one past its expiry date has expired."""
    if status == "valid" and expires_on is not None and expires_on < today:
        return "expired"
    return status


# ------------------------------------------------------------------ input

_DOTS = re.compile(r"[·•‧・.．]")


def normalise_number(text) -> str:
    """A typed number: full-width characters folded (NFKC), spaces dropped, upper case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).upper()[:60]


def normalise_name(text) -> str:
    """A typed name: NFKC, spaces dropped, the middle dots of minority names unified."""
    return _DOTS.sub("·", re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")))[:50]


def _name_digest(name: str) -> bytes:
    return hashlib.sha256(normalise_name(name).encode("utf-8")).digest()


def _same_name(asked: str, stored: str) -> bool:
    """Constant time whatever the names: fixed-length digests, hmac.compare_digest."""
    return hmac.compare_digest(_name_digest(asked), _name_digest(stored))


# ------------------------------------------------------------------ guard certificates

@dataclass(frozen=True)
class CertificateAnswer:
    status: str                   # valid / revoked / cancelled / expired
    number: str
    holder: str                   # masked: 张*三
    issuer: str | None
    issued_on: dt.date | None
    status_changed_on: dt.date | None   # the date of a revocation or cancellation
    employer: str | None          # the unit of the active full-time guard employment

    kind = "certificate"

    @property
    def status_label(self):
        return status_label(self.status)


def _certificate_query():
    employer = (select(Unit.name).join(Employment, Employment.unit_id == Unit.id)
                .where(Employment.person_id == Person.id, Employment.role == "guard",
                       Employment.end_date.is_(None))
                .order_by(Employment.start_date.desc()).limit(1)
                .correlate(Person).scalar_subquery())
    return (select(Certificate.number, Certificate.status, Certificate.issuer,
                   Certificate.issued_on, Certificate.expires_on,
                   Certificate.status_changed_on, Person.name, employer.label("employer"))
            .join(Person, Person.id == Certificate.person_id)
            .where(Certificate.kind == "guard"))


@dataclass(frozen=True)
class _StandIn:
    """What the answer is built from when no certificate has the number (the same work)."""
    number: str = ""
    status: str = "valid"
    issuer: str | None = None
    issued_on: dt.date | None = None
    expires_on: dt.date | None = None
    status_changed_on: dt.date | None = None
    name: str = "\u0000"          # no typed name normalises to this
    employer: str | None = None


def _certificate_answer(row, today) -> CertificateAnswer:
    return CertificateAnswer(
        status=effective_status(row.status, row.expires_on, today), number=row.number,
        holder=mask_name(row.name), issuer=row.issuer, issued_on=row.issued_on,
        status_changed_on=row.status_changed_on if row.status in ("revoked", "cancelled")
        else None, employer=row.employer)


def find_certificate(session, number, name, today: dt.date) -> CertificateAnswer | None:
    """The guard certificate with this number whose holder has this name, else None —
    the same statements and the same steps whether the number is unknown or the name
    wrong (tests/test_register.py compares them)."""
    row = session.execute(_certificate_query().where(
        Certificate.number == normalise_number(number))).first()
    found = row is not None
    candidate = row if found else _StandIn()
    same_name = _same_name(name, candidate.name)
    answer = _certificate_answer(candidate, today)
    return answer if (found and same_name) else None


def certificate_by_number(session, number, today) -> CertificateAnswer | None:
    """A guard certificate named by a signed QR code (no name needed: the signature is the
    proof that this system printed the card)."""
    row = session.execute(_certificate_query().where(Certificate.number == number)).first()
    return _certificate_answer(row, today) if row is not None else None


# ------------------------------------------------------------------ licences

@dataclass(frozen=True)
class BranchAnswer:
    name: str
    address: str | None
    status: str

    @property
    def status_label(self):
        return status_label(self.status)


@dataclass(frozen=True)
class LicenceAnswer:
    status: str
    unit_kind: str
    name: str
    licence_number: str | None
    licence_issued_on: dt.date | None
    address: str | None
    legal_representative: str     # masked
    grade: str | None             # 企业等级 (security companies)
    branches: tuple = ()
    # The unit's credit grade (信用等级) of its latest graded year (app/services/credit.py):
    # the grade only, never the terms that made it. None while it has none.
    credit_grade: str | None = None
    more_branches: int = 0

    kind = "licence"

    @property
    def status_label(self):
        return status_label(self.status)


def _licence_answer(session, unit: Unit) -> LicenceAnswer:
    rows = session.execute(
        select(Unit.name, Unit.address, Unit.status)
        .where(Unit.parent_id == unit.id, Unit.kind == "branch")
        .order_by(Unit.name).limit(MAX_BRANCHES + 1)).all()
    branches = tuple(BranchAnswer(r.name, r.address, UNIT_STATUS.get(r.status, r.status))
                     for r in rows[:MAX_BRANCHES])
    return LicenceAnswer(
        status=UNIT_STATUS.get(unit.status, unit.status), unit_kind=unit.kind,
        name=unit.name, licence_number=unit.licence_number,
        licence_issued_on=unit.licence_issued_on, address=unit.address,
        legal_representative=mask_name(unit.legal_representative),
        grade=unit.grade if unit.kind == "company" else None, branches=branches,
        credit_grade=credit.public_grade(session, unit.id),
        more_branches=max(len(rows) - MAX_BRANCHES, 0))


def find_licences(session, text) -> list[LicenceAnswer]:
    """Licensed units whose licence number or exact full name is `text` (at most two: a
    licence number and a name are each unique)."""
    number, name = normalise_number(text), re.sub(r"\s+", "", unicodedata.normalize(
        "NFKC", text or ""))[:200]
    if not name:
        return []
    units = session.execute(select(Unit).where(
        Unit.kind.in_(LICENSED_KINDS), Unit.licence_number.isnot(None),
        or_(Unit.licence_number == number, Unit.name == name))
        .order_by(Unit.id).limit(2)).scalars().all()
    return [_licence_answer(session, unit) for unit in units]


def licence_by_number(session, number) -> LicenceAnswer | None:
    unit = session.execute(select(Unit).where(
        Unit.kind.in_(LICENSED_KINDS), Unit.licence_number == number)).scalar_one_or_none()
    return _licence_answer(session, unit) if unit is not None else None


# ------------------------------------------------------------------ signed QR codes

def guard_subject(number: str) -> str:
    return f"{GUARD}:{number}"


def licence_subject(number: str) -> str:
    return f"{LICENCE}:{number}"


class InvalidToken(Exception):
    """A QR token this system did not sign (forged, altered, or its key retired)."""


def find_by_token(session, token, today: dt.date):
    """(subject, answer) for the card a signed QR token names: the answer is live (a
    CertificateAnswer or LicenceAnswer; None when the record no longer exists).
    InvalidToken when the signature does not hold (forged, altered, key retired)."""
    subject = signing.verify(token)
    kind, _sep, number = (subject or "").partition(":")
    if kind == GUARD:
        return subject, certificate_by_number(session, number, today)
    if kind == LICENCE:
        return subject, licence_by_number(session, number)
    raise InvalidToken()


# ------------------------------------------------------------------ the query log

def asked_certificate(number, name) -> str:
    return f"{normalise_number(number)} / {mask_name(normalise_name(name))}"


def log_query(session, address, kind, asked, result) -> PublicQuery:
    """Append one look-up to the query log (公众查询记录). What was asked is stored with
    any identity number masked (a number typed into the wrong box). Flushes."""
    row = PublicQuery(address=(address or "")[:45], kind=kind,
                      asked=mask_identity_values(asked or "")[:200], result=result)
    session.add(row)
    session.flush()
    return row


def result_of(answers) -> str:
    """The log's result code of what was answered."""
    if answers is None or answers == []:
        return "not_found"
    if isinstance(answers, list):
        return answers[0].status if len(answers) == 1 else "ambiguous"
    return answers.status
