"""The public register's query log (公众查询记录): one row per look-up made on /verify/,
for the province admin to read. Append-only: a row is never changed or deleted by the
application (the events below refuse it), so the log cannot be tidied after the fact."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, DateTime, Index, Integer, String, event

from .authority import SYSTEM_RECORD
from .base import Model, utcnow
from .choices import code_label

# What was looked up.
QUERY_KINDS = {
    "certificate": _l("Guard certificate (number and name)"),
    "licence": _l("Licence (number or full unit name)"),
    "qr": _l("QR code of an e-certificate"),
}
# What the register answered: a status, or that nothing matched. A number with a wrong name
# and a number that does not exist are both "not_found" (docs/register.md).
QUERY_RESULTS = {
    "valid": _l("Valid"),
    "revoked": _l("Has been revoked"),
    "cancelled": _l("Has been cancelled"),
    "expired": _l("Expired"),
    "suspended": _l("Business suspended"),
    "not_found": _l("No match"),
    "ambiguous": _l("Several matches"),
    "invalid_qr": _l("Invalid QR code"),
}


class PublicQuery(Model):
    __tablename__ = "public_query"
    __authority__ = SYSTEM_RECORD   # written by the register only, never by hand
    __scope__ = ("admin_only",)

    id = Column(Integer, primary_key=True)
    at = Column(DateTime, nullable=False, default=utcnow)
    address = Column(String(45), nullable=False)   # the asker's IP address (IPv6 fits)
    kind = Column(String(12), nullable=False)
    # What was asked, as typed, with the holder's name masked (张*三) and any identity
    # number in it masked: never a full name or ID number.
    asked = Column(String(200), nullable=False)
    result = Column(String(12), nullable=False)

    __table_args__ = (Index("ix_public_query_at", "at"),
                      Index("ix_public_query_address", "address", "at"))

    kind_label = code_label("kind", QUERY_KINDS)

    result_label = code_label("result", QUERY_RESULTS)


class AppendOnly(Exception):
    """A public query log row was to be changed or deleted."""


@event.listens_for(PublicQuery, "before_update")
@event.listens_for(PublicQuery, "before_delete")
def _append_only(_mapper, _connection, _target):
    raise AppendOnly("public_query rows are never changed or deleted")
