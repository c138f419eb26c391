"""Password policy for accounts created by the system and first-login changes."""
import secrets
import string

from flask_babel import gettext as _

from .errors import RuleViolation

MIN_LENGTH = 10
_SPECIALS = "!@#$%^&*-_=+?"


def check_strength(password: str, username: str = ""):
    """At least 10 characters with upper case, lower case, a digit and a symbol; not the name."""
    password = password or ""
    if len(password) < MIN_LENGTH or not any(c.isupper() for c in password) \
            or not any(c.islower() for c in password) or not any(c.isdigit() for c in password) \
            or all(c.isalnum() for c in password):
        raise RuleViolation("password", _(
            "The password needs at least 10 characters with upper- and lower-case letters, "
            "a digit and a symbol."))
    if username and username.lower() in password.lower():
        raise RuleViolation("password", _("The password must not contain the user name."))


def one_time_password() -> str:
    """A random password that meets the policy (the user must replace it at first login)."""
    alphabet = string.ascii_letters + string.digits
    while True:
        body = "".join(secrets.choice(alphabet) for _ in range(9))
        candidate = body + secrets.choice(_SPECIALS) + secrets.choice(string.digits)
        try:
            check_strength(candidate)
            return candidate
        except RuleViolation:
            continue
