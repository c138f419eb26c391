"""The provincial government-service platform's account and API keys (FAB API keys)."""
from flask import current_app

from app.security.roles import GOV_PLATFORM

from .passwords import generate_password

PLATFORM_USERNAME = "gov_platform"


def platform_user():
    """The platform's account (created on first use), holding only the gov_platform role."""
    sm = current_app.appbuilder.sm
    user = sm.find_user(username=PLATFORM_USERNAME)
    if user is None:
        role = sm.find_role(GOV_PLATFORM) or sm.add_role(GOV_PLATFORM)
        user = sm.add_user(PLATFORM_USERNAME, "政务服务平台", "浙江", "gov-platform@unit.invalid",
                           [role], password=generate_password(32))
    return user


def create_platform_key(name: str) -> dict:
    """A new API key of the platform account; the plaintext key is returned only here."""
    return current_app.appbuilder.sm.create_api_key(platform_user(), name)


def platform_keys():
    sm = current_app.appbuilder.sm
    user = sm.find_user(username=PLATFORM_USERNAME)
    return sm.find_api_keys_for_user(user.id) if user else []


def revoke_platform_key(key_uuid: str) -> bool:
    """Revoke a key of the platform account (never another user's key)."""
    sm = current_app.appbuilder.sm
    key = sm.get_api_key_by_uuid(key_uuid)
    if key is None or key.user is None or key.user.username != PLATFORM_USERNAME:
        return False
    return sm.revoke_api_key(key_uuid)
