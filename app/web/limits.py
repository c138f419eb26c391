"""Per-user rate limits for JSON helpers that read sensitive data (the staff add form's
population-registry echo): the limit is read from the config on every request, counted per
signed-in user (not per address: a police network sits behind few NAT addresses), and a
breach answers JSON the page's script shows at the field."""
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
