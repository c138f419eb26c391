"""Roles and their permissions, declared in code (Superset-style) and synced at start-up.

FAB reads `FAB_ROLES` (built here) as regular expressions over (view, permission) pairs,
so no permission is ever clicked together in the UI. Resources share one permission name
between their page (ModelView) and their REST resource, mapped onto five verbs:
read, add, edit, delete, export (see app.views.base.METHOD_PERMISSIONS).
"""
from flask_babel import lazy_gettext as _l

PROVINCE_ADMIN = "province_admin"
CITY_POLICE = "city_police"
DISTRICT_POLICE = "district_police"
COMPANY_USER = "company_user"
SELF_HIRE_USER = "self_hire_user"
CLIENT_UNIT_USER = "client_unit_user"
TRAINING_USER = "training_user"
ASSOCIATION = "association"
GOV_PLATFORM = "gov_platform"  # the provincial government-service platform (API key only)

# When a user holds several roles, the first one listed here decides the scope.
ROLE_PRIORITY = (PROVINCE_ADMIN, CITY_POLICE, DISTRICT_POLICE, ASSOCIATION, COMPANY_USER,
                 SELF_HIRE_USER, CLIENT_UNIT_USER, TRAINING_USER)

ROLE_LABELS = {
    PROVINCE_ADMIN: _l("Province administrator"),
    CITY_POLICE: _l("City police"),
    DISTRICT_POLICE: _l("District police"),
    COMPANY_USER: _l("Security company user"),
    SELF_HIRE_USER: _l("Self-hiring unit user"),
    CLIENT_UNIT_USER: _l("Client unit user"),
    TRAINING_USER: _l("Training school user"),
    ASSOCIATION: _l("Security association"),
    GOV_PLATFORM: _l("Government service platform"),
}
POLICE_ROLES = (PROVINCE_ADMIN, CITY_POLICE, DISTRICT_POLICE)
UNIT_ROLES = (COMPANY_USER, SELF_HIRE_USER, CLIENT_UNIT_USER, TRAINING_USER)

R, A, E, D, X = "read", "add", "edit", "delete", "export"
_STAFF = {
    "ConductRecord": (R, A, E, D, X),
    "Person": (R, A, E, X),
    "Employment": (R, A, E, X),
    "Certificate": (R, A, E, D, X),
    "ChangeLog": (R, X),
    "Region": (R,),
}
_DISPATCHING = {
    "Service": (R, A, E, X),
    "Dispatch": (R, A, E, X),
    "ServiceTarget": (R, A, X),
    "TargetCategory": (R,),
}
_POLICE = {
    **_STAFF, **_DISPATCHING,
    "Unit": (R, A, E, X),
    "ServiceTarget": (R, A, E, X),
    "Application": (R, X),
    "ApplicationDesk": (R, E),
}
_UNIT_SELF = {"Unit": (R, E, X), "Application": (R, X)}

# role → {resource: verbs}. The province admin has everything (see build_fab_roles).
GRANTS = {
    CITY_POLICE: _POLICE,
    DISTRICT_POLICE: _POLICE,
    COMPANY_USER: {**_UNIT_SELF, **_STAFF, **_DISPATCHING},
    SELF_HIRE_USER: {**_UNIT_SELF, **_STAFF, **_DISPATCHING},
    CLIENT_UNIT_USER: {**_UNIT_SELF, **_STAFF},
    TRAINING_USER: {**_UNIT_SELF, **_STAFF},
    ASSOCIATION: {res: (R, X) for res in (
        "Unit", "Person", "Employment", "Certificate", "ServiceTarget", "TargetCategory",
        "Service", "Dispatch", "ChangeLog", "Region", "ConductRecord", "Application")},
    # The platform only submits through its API key (intake endpoint); no pages, no lists.
    GOV_PLATFORM: {},
}

# Menu categories each resource sits in (menu_access is granted with the resource).
MENU_CATEGORY = {
    "Unit": "UnitManagement", "ConductRecord": "UnitManagement",
    "Person": "Personnel", "Employment": "Personnel", "Certificate": "Personnel",
    "ServiceTarget": "Services", "Service": "Services", "Dispatch": "Services",
    "ChangeLog": "System", "TargetCategory": "System", "Region": "System",
    "ExportLog": "System",
    "Application": "Applications", "ApplicationDesk": "Applications", "SmsMessage": "System",
    "PlatformKey": "Applications",
}

# What every signed-in user needs: own profile, password, language, API spec.
_SELF_SERVICE = [
    ["UserDBModelView", "can_userinfo"],
    ["UserDBModelView", "resetmypassword"],
    ["ResetMyPasswordView", "can_this_form_(get|post)"],
    ["UserInfoEditView", "can_this_form_(get|post)"],
    ["OpenApi", "can_get"],
    ["SwaggerView", "can_show"],
    ["MenuApi", "can_get"],
    ["Lookup", "can_read"],
]


def build_fab_roles() -> dict:
    """FAB_ROLES: role → list of [view regex, permission regex]."""
    roles = {PROVINCE_ADMIN: [[".*", ".*"]]}
    for role, grants in GRANTS.items():
        perms = [list(p) for p in _SELF_SERVICE]
        for resource, verbs in grants.items():
            perms.append([f"^{resource}$", "^can_(" + "|".join(verbs) + ")$"])
            perms.append([f"^{resource}$", "^menu_access$"])
            perms.append([f"^{MENU_CATEGORY[resource]}$", "^menu_access$"])
        roles[role] = perms
    return roles


def verbs_of(role: str, resource: str) -> tuple:
    if role == PROVINCE_ADMIN:
        return (R, A, E, D, X)
    return tuple(GRANTS.get(role, {}).get(resource, ()))
