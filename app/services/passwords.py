"""The one password rule (等保 2.0 level 3) for every path that sets a password: the user
forms, the admin reset, the self change, the first-login change, FAB's user REST API, the
CLI and every generated password. Parameters (系统管理 → 参数, app.services.settings):
password.min_length (8), password.min_classes (3 of upper case, lower case, digit, symbol);
the password never contains the user name."""
import secrets
import string

from flask_babel import gettext as _

from . import settings
from .errors import RuleViolation

_SPECIALS = "!@#$%^&*-_=+?"


def policy():
    """(minimum length, minimum character classes) in force."""
    return settings.get("password.min_length"), min(4, settings.get("password.min_classes"))


def _classes(password):
    return sum((any(c.isupper() for c in password), any(c.islower() for c in password),
                any(c.isdigit() for c in password),
                any(not c.isalnum() for c in password)))


def policy_text():
    length, classes = policy()
    return _("At least %(length)d characters with at least %(classes)d of upper-case "
             "letters, lower-case letters, digits and symbols; not containing the user name.",
             length=length, classes=classes)


def check_strength(password: str, username: str = "", field: str = "password"):
    """Raise RuleViolation(field) when the password breaks the rule."""
    password = password or ""
    length, classes = policy()
    if len(password) < length or _classes(password) < classes:
        raise RuleViolation(field, _("The password is too weak.") + " " + policy_text())
    if username and username.strip().lower() in password.lower():
        raise RuleViolation(field, _("The password must not contain the user name."))


def fab_complexity_validator(password):
    """FAB_PASSWORD_COMPLEXITY_VALIDATOR: FAB's own forms and its user REST API (which do not
    pass the user name; our views and the security manager add that part)."""
    from flask_appbuilder.exceptions import PasswordComplexityValidationError
    try:
        check_strength(password)
    except RuleViolation as exc:
        raise PasswordComplexityValidationError(exc.message) from exc


def generate_password(length: int = 12, username: str = "") -> str:
    """A random password that meets the rule in force: all four character classes."""
    length = max(length, policy()[0])
    alphabet = string.ascii_letters + string.digits + _SPECIALS
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if _classes(candidate) < 4:
            continue
        try:
            check_strength(candidate, username)
            return candidate
        except RuleViolation:
            continue


def one_time_password(username: str = "") -> str:
    """The password texted to a new unit account (replaced at first login)."""
    return generate_password(12, username)
