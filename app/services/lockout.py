"""Login lockout (等保 2.0): lockout.max_failures failed sign-ins of one user name within
lockout.window_minutes lock it for lockout.duration_minutes (parameters, 系统管理 → 参数), on
every login path (form and JWT), whether the account exists or not, so the answer never
tells. State in the shared store named by LOCKOUT_STORAGE_URI (app.services.state_store)."""
import time

from flask import current_app
from flask_babel import gettext as _

from . import settings
from .state_store import store


def now() -> float:
    """The lockout's clock (tests move it)."""
    return time.time()


def _config(key, default):
    return current_app.config.get(key, default)


def enabled() -> bool:
    return bool(_config("LOCKOUT_ENABLED", True))


def _duration() -> float:
    return float(settings.get("lockout.duration_minutes")) * 60


def _key(name: str) -> str:
    return (name or "").strip().lower()[:150]


def is_locked(name: str) -> bool:
    if not enabled():
        return False
    until = store("LOCKOUT_STORAGE_URI").get("lock:" + _key(name))
    return until is not None and float(until) > now()


def record_failure(name: str) -> bool:
    """Count a failed sign-in; True when this failure locks the name."""
    if not enabled():
        return False
    backend, key, at = store("LOCKOUT_STORAGE_URI"), _key(name), now()
    window = float(settings.get("lockout.window_minutes")) * 60
    if backend.add_event("fail:" + key, at, window) < settings.get("lockout.max_failures"):
        return False
    backend.set("lock:" + key, repr(at + _duration()), _duration() + 60)
    backend.delete("fail:" + key)
    return True


def clear(name: str):
    """A successful sign-in forgets the earlier failures."""
    if enabled():
        store("LOCKOUT_STORAGE_URI").delete("fail:" + _key(name))


def message() -> str:
    minutes = settings.get("lockout.duration_minutes")
    return _("Too many failed sign-ins: the account is locked for %(minutes)d minutes. "
             "Try again later.", minutes=minutes)
