"""JWT revocation. Every token carries a fingerprint of the password hash it was issued
under (a password change revokes all earlier access and refresh tokens, nothing stored) and
its exact issue time; logout revokes the user's refresh tokens (a per-user cut-off) and the
API logout also the presented token (its jti). Stored in TOKEN_REVOCATION_STORAGE_URI
(Redis when configured, else the database; app.services.state_store)."""
import hashlib
import hmac
import time

from flask import current_app

from .state_store import store


def _store():
    return store("TOKEN_REVOCATION_STORAGE_URI")


def fingerprint(password_hash: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, (password_hash or "").encode(), hashlib.sha256).hexdigest()[:16]


def claims(user) -> dict:
    """Extra claims of every token issued to the user."""
    return {"pwv": fingerprint(user.password), "iat_f": time.time()} if user else {}


def _refresh_lifetime() -> float:
    expires = current_app.config.get("JWT_REFRESH_TOKEN_EXPIRES")
    return expires.total_seconds() if hasattr(expires, "total_seconds") else 30 * 86400


def is_revoked(payload: dict, user) -> bool:
    if user is None or payload.get("pwv") != fingerprint(user.password):
        return True
    backend = _store()
    if payload.get("jti") and backend.get("jti:" + payload["jti"]):
        return True
    if payload.get("type") == "refresh":
        cutoff = backend.get(f"refresh-cutoff:{user.id}")
        if cutoff is not None and float(payload.get("iat_f", payload.get("iat", 0))) \
                <= float(cutoff):
            return True
    return False


def revoke(payload: dict):
    """Revoke one token until it would have expired anyway."""
    ttl = max(60.0, float(payload.get("exp", time.time())) - time.time() + 60)
    _store().set("jti:" + payload["jti"], "1", ttl)


def revoke_refresh_tokens(user_id: int):
    """Every refresh token of the user issued until now stops working."""
    _store().set(f"refresh-cutoff:{user_id}", repr(time.time()), _refresh_lifetime() + 60)
