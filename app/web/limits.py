"""Rate limits read from the config on every request.

- Per user, for JSON helpers that read sensitive data (the staff add form's
  population-registry echo): counted per signed-in user (not per address: a police network
  sits behind few NAT addresses); a breach answers JSON the page's script shows at the field.
- Per address, for public pages (the register /verify/): nobody is signed in."""
from flask import current_app, jsonify
from flask_appbuilder.utils.limit import Limit
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user


def _user_key() -> str:
    if getattr(current_user, "is_authenticated", False):
        return f"user:{current_user.get_id()}"
    return f"ip:{get_remote_address()}"


def per_user_limit(config_key: str) -> Limit:
    """A FAB view limit (class attribute `limits`) of the value of `config_key`, e.g.
    "30 per minute;300 per day"."""
    def breached(_limit):
        response = jsonify(valid=False, limited=True, error=_(
            "Too many look-ups in a short time: please wait a while and try again."))
        response.status_code = 429
        return response
    return Limit(limit_value=lambda: current_app.config[config_key], key_func=_user_key,
                 scope=config_key.lower(), on_breach=breached)


def per_address_limit(config_key: str, breached, exempt_when=None) -> Limit:
    """A FAB view limit (class attribute `limits`) of the value of `config_key`, counted per
    client address (public pages: nobody is signed in; behind a proxy the address comes from
    X-Forwarded-For, PROXY_COUNT). `breached()` gives the answer (a 429 page in Chinese);
    requests for which `exempt_when()` holds are not counted (opening a blank form)."""
    return Limit(limit_value=lambda: current_app.config[config_key],
                 key_func=get_remote_address, scope=config_key.lower(),
                 exempt_when=exempt_when, on_breach=lambda _limit: breached())
