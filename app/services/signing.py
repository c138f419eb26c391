"""Signed QR codes of the e-certificates (电子保安员证, 许可证电子副本): the QR opens
/verify/?t=<token>, and only a token this system signed is answered.

A token is `<key id>.<subject>.<signature>`: the subject (what the card is, e.g.
"g:浙3301002015...") in base64url, the signature HMAC-SHA256 over key id and subject with
the key of that id, in base64url. Keys come from the configuration (ECERT_SIGNING_KEYS,
ECERT_ACTIVE_KEY; README "E-certificates"): new cards are signed with the active key, and a
token verifies with whichever configured key its id names, so a key is rotated by adding a
new one and making it active, and retired by removing it (its QR codes then read as
invalid). Comparison is constant-time; an unknown key id, a changed subject or signature,
or a malformed token is simply invalid.

HMAC from the standard library rather than Ed25519: the same server signs and verifies,
and the token stays short (a smaller QR code on an ID-1 card)."""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass

from flask import current_app

KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,16}")
TOKEN = re.compile(r"([A-Za-z0-9_-]{1,16})\.([A-Za-z0-9_-]{1,300})\.([A-Za-z0-9_-]{43})")
MIN_KEY_BYTES = 32


class SigningKeyError(ValueError):
    """The signing keys are misconfigured (named in the message)."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Keyring:
    keys: dict          # key id -> secret bytes
    active: str         # the key id new tokens are signed with

    @classmethod
    def from_config(cls, config) -> "Keyring":
        """ECERT_SIGNING_KEYS: a mapping, or text "id:secret;id:secret"; ECERT_ACTIVE_KEY:
        the id signing new cards (default: the first). Without keys (a developer's
        laptop) one key is derived from SECRET_KEY under the id "dev"."""
        raw = config.get("ECERT_SIGNING_KEYS") or {}
        if isinstance(raw, str):
            pairs = [part.split(":", 1) for part in raw.replace(",", ";").split(";")
                     if part.strip()]
            if any(len(pair) != 2 for pair in pairs):
                raise SigningKeyError("ECERT_SIGNING_KEYS: write id:secret;id:secret")
            raw = {kid.strip(): secret.strip() for kid, secret in pairs}
        keys = {kid: secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
                for kid, secret in raw.items()}
        if not keys:
            keys = {"dev": hmac.new(str(config.get("SECRET_KEY", "")).encode("utf-8"),
                                    b"ecert-signing", hashlib.sha256).digest()}
        for kid, secret in keys.items():
            if not KEY_ID.fullmatch(kid):
                raise SigningKeyError(f"ECERT_SIGNING_KEYS: key id {kid!r} is not 1-16 letters, "
                                "digits, - or _")
            if len(secret) < MIN_KEY_BYTES:
                raise SigningKeyError(f"ECERT_SIGNING_KEYS: key {kid!r} is shorter than "
                                f"{MIN_KEY_BYTES} bytes")
        active = config.get("ECERT_ACTIVE_KEY") or next(iter(keys))
        if active not in keys:
            raise SigningKeyError(f"ECERT_ACTIVE_KEY {active!r} is not in ECERT_SIGNING_KEYS")
        return cls(keys, active)


def keyring() -> Keyring:
    return Keyring.from_config(current_app.config)


def _mac(key: bytes, kid: str, subject: str) -> bytes:
    return hmac.new(key, f"{kid}.{subject}".encode("ascii"), hashlib.sha256).digest()


def sign(subject: str, ring: Keyring | None = None) -> str:
    ring = ring or keyring()
    encoded = _b64(subject.encode("utf-8"))
    return f"{ring.active}.{encoded}.{_b64(_mac(ring.keys[ring.active], ring.active, encoded))}"


def verify(token, ring: Keyring | None = None) -> str | None:
    """The subject a token carries when one of the configured keys signed it; else None."""
    ring = ring or keyring()
    match = TOKEN.fullmatch(token or "")
    if match is None:
        return None
    kid, encoded, signature = match.groups()
    key = ring.keys.get(kid)
    if key is None:
        return None
    try:
        given = _unb64(signature)
        subject = _unb64(encoded).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    if not hmac.compare_digest(given, _mac(key, kid, encoded)):
        return None
    return subject
