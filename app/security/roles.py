"""Roles and their permissions, declared in code (Superset-style) and synced at start-up.

FAB reads `FAB_ROLES` (built here) as regular expressions over (view, permission) pairs,
so no permission is ever clicked together in the UI. Resources share one permission name
between their page (ModelView) and their REST resource, mapped onto five verbs:
read, add, edit, delete, export (see app.web.crud.METHOD_PERMISSIONS).
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
# A system account, not a person: the exam system posts results through the API only.
EXAM_SYSTEM = "exam_system"
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
    EXAM_SYSTEM: _l("Exam system (API)"),
    GOV_PLATFORM: _l("Government service platform"),
}
POLICE_ROLES = (PROVINCE_ADMIN, CITY_POLICE, DISTRICT_POLICE)
UNIT_ROLES = (COMPANY_USER, SELF_HIRE_USER, CLIENT_UNIT_USER, TRAINING_USER)

R, A, E, D, X = "read", "add", "edit", "delete", "export"
# Records a unit owns (tabs of the unit page); 单位变更 is written by the system only.
UNIT_RECORDS = ("UnitDocument", "Investor", "Incident", "Inspection", "UnitAsset",
                "TemporaryEvent", "AnnualReport")
_STAFF = {
    "ConductRecord": (R, A, E, D, X),
    **{resource: (R, A, E, D, X) for resource in UNIT_RECORDS},
    "UnitChange": (R, X),
    "Person": (R, A, E, X),
    "Employment": (R, A, E, X),
    "Certificate": (R, A, E, D, X),
    "ChangeLog": (R, X),
    "Region": (R,),
    # 比对预警: "edit" is taking the actions the screening state machines allow the role.
    "IdentityCheck": (R, E, X),
    "BackgroundAlert": (R, E, X),
    "ScreeningEvent": (R, X),
    # The open-items queues: menu entries over IdentityCheck / BackgroundAlert.
    "IdentityQueue": (R,),
    "AlertQueue": (R,),
    "BackgroundPending": (R,),
    # person-owned records (tabs of a person's page)
    "SocialRelation": (R, A, E, D, X),
    "EquipmentIssue": (R, A, E, D, X),
    "PoliceAssistance": (R, A, E, D, X),
    "TrainingRecord": (R, A, E, D, X),
    "WorkExperience": (R, A, E, D, X),
    "ExamResult": (R, X),  # written by the exam system only
    # 电子保安员证 and the licence's e-copy: printing is reading (the association has no
    # share: docs/register.md).
    "ECertificate": (R,),
}
# Person-centred staff lists (人员管理); 【离职】 is an edit.
_GUARD_LISTS = {"Guard": (R, A, E, X), "PartTimeGuard": (R, A, E, X),
                "OtherStaff": (R, A, E, X)}
_SCHOOL_LISTS = {"Student": (R, A, E, X), "Instructor": (R, A, E, X),
                 "OtherStaff": (R, A, E, X)}
_DISPATCHING = {
    # The 服务（对象）单位 page (app.views.dispatch) checks Service and Dispatch permissions;
    # ServiceDesk only places it in the menu.
    "ServiceDesk": (R,),
    "Service": (R, A, E, X),
    "Dispatch": (R, A, E, X),
    "ServiceTarget": (R, A, X),
    "TargetCategory": (R,),
}
_POLICE = {
    **_STAFF, **_DISPATCHING, **_GUARD_LISTS, **_SCHOOL_LISTS,
    "Unit": (R, A, E, X),
    "ServiceTarget": (R, A, E, X),
    "Application": (R, X),
    "ApplicationDesk": (R, E),
    "CrossProvinceFiling": (R, X),  # written by an approved filing only
    "Announcement": (R, A),  # 通知公告: published to the units of the jurisdiction
    # 信用评价: read the grades, 【重新计算】 a unit's (edit), the ranking and its export.
    "CreditGrade": (R, E),
    "CreditRanking": (R, X),
    "StatsReport": (R, X),  # 统计报表 of the jurisdiction
}
_UNIT_SELF = {"Unit": (R, E, X), "Application": (R, X), "Announcement": (R,),
              "CreditGrade": (R,)}  # its own grade and terms; it changes none of them

# role → {resource: verbs}. The province admin has everything (see build_fab_roles).
GRANTS = {
    CITY_POLICE: _POLICE,
    DISTRICT_POLICE: _POLICE,
    COMPANY_USER: {**_UNIT_SELF, **_STAFF, **_DISPATCHING, **_GUARD_LISTS,
                   "CrossProvinceFiling": (R, X)},
    SELF_HIRE_USER: {**_UNIT_SELF, **_STAFF, **_DISPATCHING, **_GUARD_LISTS},
    CLIENT_UNIT_USER: {**_UNIT_SELF, **_STAFF, **_GUARD_LISTS},
    TRAINING_USER: {**_UNIT_SELF, **_STAFF, **_SCHOOL_LISTS},
    ASSOCIATION: {res: (R, X) for res in (
        "Unit", "Person", "Employment", "Certificate", "ServiceTarget", "TargetCategory",
        "Service", "Dispatch", "ChangeLog", "Region", "ConductRecord", "ServiceDesk",
        "UnitChange", *UNIT_RECORDS, "IdentityCheck", "BackgroundAlert", "ScreeningEvent",
        "IdentityQueue", "AlertQueue", "BackgroundPending", "SocialRelation", "EquipmentIssue", "PoliceAssistance",
        "TrainingRecord", "WorkExperience", "ExamResult", "Guard", "PartTimeGuard", "OtherStaff",
        "Student", "Instructor", "Application", "CrossProvinceFiling", "CreditGrade",
        "CreditRanking", "StatsReport")},
    # The platform only submits through its API key (intake endpoint); no pages, no lists.
    GOV_PLATFORM: {},
}
# Roles that are not people: only what they are for, none of the self-service pages.
SYSTEM_GRANTS = {EXAM_SYSTEM: [["^ExamSync$", "^can_post$"]]}

# Menu categories each resource sits in (menu_access is granted with the resource).
MENU_CATEGORY = {
    "Unit": "UnitManagement", "ConductRecord": "UnitManagement",
    **{resource: "UnitManagement"
       for resource in UNIT_RECORDS + ("UnitChange", "CrossProvinceFiling")},
    "Person": "Personnel", "Employment": "Personnel", "Certificate": "Personnel",
    "ServiceTarget": "Services", "Service": "Services", "Dispatch": "Services",
    "ServiceDesk": "Services",
    "ChangeLog": "System", "TargetCategory": "System", "Region": "System",
    "ExportLog": "System", "RegistryLookup": "System", "PublicQuery": "System",
    "ECertificate": "Personnel",
    "IdentityCheck": "Screening", "BackgroundAlert": "Screening", "ScreeningEvent": "Screening",
    "IdentityQueue": "Screening", "AlertQueue": "Screening", "BackgroundPending": "Screening",
    "Guard": "Personnel", "PartTimeGuard": "Personnel", "OtherStaff": "Personnel",
    "Student": "Personnel", "Instructor": "Personnel",
    "SocialRelation": "Personnel", "EquipmentIssue": "Personnel",
    "PoliceAssistance": "Personnel", "TrainingRecord": "Personnel",
    "WorkExperience": "Personnel", "ExamResult": "Personnel",
    "Application": "Applications", "ApplicationDesk": "Applications", "SmsMessage": "System",
    "PlatformKey": "Applications",
    "Announcement": "Notices",
    "CreditGrade": "UnitManagement", "CreditRanking": "UnitManagement",
    "StatsReport": "Statistics",
}

# The user admin view (app.views.users.AppUserDBModelView): FAB names a view's permissions
# after its class, so a pattern for FAB's "UserDBModelView" never matched it and 个人资料
# answered 403 for everyone but the province admin. Its row actions are permissions of their
# own, without "can_" (FAB 5: "resetmypassword", "userinfoedit").
USER_ADMIN_VIEW = "AppUserDBModelView"
# What every signed-in user needs: own profile, password, language, API spec.
_SELF_SERVICE = [
    [f"^{USER_ADMIN_VIEW}$", "^(can_userinfo|resetmypassword|userinfoedit)$"],
    ["ResetMyPasswordView", "can_this_form_(get|post)"],
    ["UserInfoEditView", "can_this_form_(get|post)"],
    ["OpenApi", "can_get"],
    ["SwaggerView", "can_show"],
    ["MenuApi", "can_get"],
    ["Lookup", "can_read"],
    ["MyJobs", "can_read"],
    ["Todo", "can_read"],  # 待办: what addresses the user (app/services/todos.py)  # 我的任务: each user's own jobs only (app/views/jobs.py)
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
    roles.update({role: [list(p) for p in perms] for role, perms in SYSTEM_GRANTS.items()})
    return roles


def verbs_of(role: str, resource: str) -> tuple:
    if role == PROVINCE_ADMIN:
        return (R, A, E, D, X)
    return tuple(GRANTS.get(role, {}).get(resource, ()))
