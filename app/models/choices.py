"""Enumerations stored as short English codes; labels are translated in the UI.

Codes are what the REST API and the database carry (e.g. employment.role = "guard");
lazy_gettext labels give the Chinese the clerk sees.
"""
from flask_babel import lazy_gettext as _l

UNIT_KINDS = {
    "company": _l("Security company"),
    "branch": _l("Branch company"),
    "self_hire": _l("Self-hiring unit"),
    "client": _l("Client unit"),
    "training": _l("Training school"),
}
UNIT_STATUSES = {
    "active": _l("Active"),
    "suspended": _l("Suspended"),
    "revoked": _l("Revoked"),
    "cancelled": _l("Cancelled"),
}
EMPLOYMENT_ROLES = {
    "guard": _l("Guard"),
    "part_time_guard": _l("Part-time guard"),
    "other_staff": _l("Other staff"),
    "student": _l("Student"),
    "instructor": _l("Instructor"),
}
# Which unit kinds may employ which roles (docs/rules.md#units: schools have students, instructors).
ROLES_BY_UNIT_KIND = {
    "company": ("guard", "part_time_guard", "other_staff"),
    "branch": ("guard", "part_time_guard", "other_staff"),
    "self_hire": ("guard", "part_time_guard", "other_staff"),
    "client": ("guard", "part_time_guard", "other_staff"),
    "training": ("student", "instructor", "other_staff"),
}
GENDERS = {"male": _l("Male"), "female": _l("Female")}
EDUCATION_LEVELS = {
    "primary": _l("Primary school"),
    "junior": _l("Junior middle school"),
    "senior": _l("Senior middle school"),
    "vocational": _l("Vocational school"),
    "college": _l("Junior college"),
    "bachelor": _l("Bachelor"),
    "master": _l("Master or above"),
}
CERTIFICATE_KINDS = {
    "guard": _l("Guard certificate"),
    "firearm_permit": _l("Firearm permit"),
    "driving_licence": _l("Driving licence"),
    "vocational_level": _l("Vocational level certificate"),
    "fire_control": _l("Fire-control certificate"),
}
CERTIFICATE_STATUSES = {
    "valid": _l("Valid"),
    "expired": _l("Expired"),
    "revoked": _l("Revoked"),
    "cancelled": _l("Cancelled"),
}
# The colours a tier may take (CSS classes tier-<colour> in static/css/app.css).
TIER_COLOURS = ("red", "orange", "yellow", "green", "blue", "grey")
# Statuses that end a certificate by an act of the police (吊销 / 注销): each needs a reason
# and is dated (rules.check_certificate).
CERTIFICATE_ENDED = ("revoked", "cancelled")
TIERS = {
    1: {"label": _l("Tier 1"), "colour": "red"},
    2: {"label": _l("Tier 2"), "colour": "yellow"},
    3: {"label": _l("Tier 3"), "colour": "green"},
}
CONDUCT_KINDS = {
    "commendation": _l("Commendation"),
    "violation": _l("Violation and penalty"),
    "complaint": _l("Complaint"),
}
# Who wrote a record (app/models/authority.py).
AUTHOR_KIND_LABELS = {"police": _l("Police"), "unit": _l("The unit"),
                      "system": _l("System (approval or data exchange)")}
SERVICE_STATUSES = {"active": _l("In service"), "ended": _l("Ended")}
CHANGE_ACTIONS = {"insert": _l("Created"), "update": _l("Changed"), "delete": _l("Deleted")}
REGION_LEVELS = {"province": _l("Province"), "city": _l("City"), "county": _l("County")}


def label(choices, code):
    """Display label for a stored code (the code itself when unknown)."""
    if code is None:
        return ""
    entry = choices.get(code)
    if entry is None:
        return str(code)
    return str(entry["label"] if isinstance(entry, dict) else entry)


_dictionary_source = None


def install_dictionary_source(source):
    """The settings service (app.services.settings) names where dictionaries kept as data
    are read: `source(dictionary, code, field)` → the entry's label or value, or None."""
    global _dictionary_source
    _dictionary_source = source


def dictionary_label(dictionary, code, choices=None):
    """The label of `code` in a dictionary kept as data (字典), else in `choices`."""
    found = _dictionary_source(dictionary, code, "label") \
        if _dictionary_source and code is not None else None
    return found if found is not None else (label(choices, code) if choices else code)


def dictionary_value(dictionary, code, default=None):
    """The value of `code` in a dictionary kept as data (a tier's colour …)."""
    found = _dictionary_source(dictionary, code, "value") \
        if _dictionary_source and code is not None else None
    return found if found is not None else default


class code_label:  # noqa: N801  (used like `property`)
    """A read-only attribute: the label of a code column, e.g.
    `kind_label = code_label("kind", UNIT_KINDS)` for lists, pages and exports. With
    `dictionary`, the label comes from that dictionary's data (the console changes it),
    `choices` standing in before the data is there (migrations, scripts)."""

    def __init__(self, column, choices, dictionary=None):
        self.column, self.choices, self.dictionary = column, choices, dictionary

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        if self.dictionary:
            return str(dictionary_label(self.dictionary, getattr(obj, self.column),
                                        self.choices))
        return label(self.choices, getattr(obj, self.column))

# Unit-owned records (unit pages).
INVESTOR_KINDS = {"corporate": _l("Corporate shareholder"),
                  "individual": _l("Individual shareholder")}
INSPECTION_KINDS = {"safety": _l("Safety inspection"),
                    "supervisory": _l("Supervisory inspection"),
                    "fire": _l("Fire-safety information")}
ASSET_KINDS = {"escort_vehicle": _l("Escort vehicle"), "firearm": _l("Firearm"),
               "hazardous": _l("Hazardous material"),
               "protection": _l("Physical and technical protection")}
