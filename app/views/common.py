"""Labels and small formatters shared by pages and exports (English msgids, zh in catalog)."""
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from wtforms import SelectField
from wtforms.validators import DataRequired, Optional

from app.models.choices import TIERS, label

LABELS = {
    "id": _l("ID"),
    "name": _l("Name"),
    "kind": _l("Kind"), "kind_label": _l("Kind"),
    "status": _l("Status"), "status_label": _l("Status"),
    "credit_code": _l("Unified social credit code"),
    "legal_representative": _l("Legal representative"),
    "principal": _l("Person in charge"),
    "principal_phone": _l("Phone of person in charge"),
    "contact_person": _l("Contact person"),
    "contact_phone": _l("Contact phone"),
    "address": _l("Address"),
    "region": _l("Jurisdiction"), "region_code": _l("Jurisdiction code"),
    "region.name": _l("Jurisdiction"),
    "registered_capital": _l("Registered capital (10k yuan)"),
    "licence_number": _l("Licence number"),
    "licence_issued_on": _l("Licence issue date"),
    "licence_image": _l("Licence image"),
    "grade": _l("Grade"),
    "business_scope": _l("Business scope"),
    "foreign_invested": _l("Foreign-invested"),
    "armed_escort": _l("Armed escort"),
    "established_on": _l("Established on"),
    "parent": _l("Parent unit"), "parent.name": _l("Parent unit"),
    "training_capacity": _l("Training capacity"),
    "training_scope": _l("Training scope"),
    "created_at": _l("Created at"), "updated_at": _l("Updated at"),
    # people
    "id_number": _l("ID number"), "person.id_number": _l("ID number"),
    "person": _l("Person"), "person.name": _l("Name"),
    "gender": _l("Gender"), "gender_label": _l("Gender"),
    "birth_date": _l("Birth date"),
    "household_region_code": _l("Household region code"),
    "household_address": _l("Household address"),
    "residence_address": _l("Residence address"),
    "phone": _l("Phone"),
    "ethnicity": _l("Ethnicity"),
    "education": _l("Education"), "education_label": _l("Education"),
    "photo": _l("Photo"),
    "note": _l("Note"),
    # employment
    "unit": _l("Unit"), "unit.name": _l("Unit"),
    "role": _l("Staff type"), "role_label": _l("Staff type"),
    "position": _l("Position"),
    "key_manager": _l("Key manager"),
    "start_date": _l("Start date"),
    "end_date": _l("End date"),
    "end_reason": _l("End reason"),
    # certificates
    "number": _l("Certificate number"),
    "level": _l("Level / class"),
    "issuer": _l("Issued by"),
    "issued_on": _l("Issue date"),
    "expires_on": _l("Expiry date"),
    # services
    "category": _l("Category"), "category.name": _l("Category"),
    "tier": _l("Tier"), "tier_badge": _l("Tier"),
    "target": _l("Service target"), "target.name": _l("Service target"),
    "contract_number": _l("Contract number"),
    "service": _l("Service"),
    "employment": _l("Guard"),
    "post": _l("Post"),
    "sort_order": _l("Sort order"),
    # logs and regions
    "entity": _l("Record type"), "entity_label": _l("Record type"),
    "entity_id": _l("Record ID"),
    "action": _l("Action"), "action_label": _l("Action"),
    "field": _l("Field"),
    "old_value": _l("Old value"),
    "new_value": _l("New value"),
    "username": _l("User"),
    "at": _l("Time"),
    "resource": _l("Resource"),
    "filters": _l("Filters"),
    "rows": _l("Rows"),
    "code": _l("Code"),
    "start_year": _l("Start year"),
    "end_year": _l("End year"),
    "parent_code": _l("Parent code"),
}

ENTITY_LABELS = {
    "unit": _l("Unit"), "person": _l("Person"), "employment": _l("Employment"),
    "certificate": _l("Certificate"), "service_target": _l("Service target"),
    "service": _l("Service"), "dispatch": _l("Dispatch"),
}


def choice_field(label_text, choices, required=True, exclude=()):
    """A select over a choices mapping (code → translated label)."""
    return SelectField(
        label_text,
        choices=[("", "")] * (not required) + [(k, v) for k, v in choices.items()
                                                 if k not in exclude],
        validators=[DataRequired()] if required else [Optional()])


def tier_badge(tier):
    """The coloured label of a service-target tier (red / yellow / green)."""
    if tier not in TIERS:
        return ""
    colour = TIERS[tier]["colour"]
    return Markup(f'<span class="tier-badge tier-{colour}">{escape(label(TIERS, tier))}</span>')
