"""The words for stored codes, shared by pages, exports and the change log: column labels,
record types (table names), resources (permission names) and the labels of the values the
change log stores by (record type, field). English msgids; Chinese in the catalog.

They live with the models because models name their own codes with them (a change-log row's
field and record type, a unit change's field); app/web/widgets.py adds the form widgets on top."""
from flask_babel import lazy_gettext as _l

from .choices import (AUTHOR_KIND_LABELS, ASSET_KINDS, CERTIFICATE_KINDS, CERTIFICATE_STATUSES,
                      CONDUCT_KINDS, EDUCATION_LEVELS, EMPLOYMENT_ROLES, GENDERS, INSPECTION_KINDS,
                      INVESTOR_KINDS, SERVICE_STATUSES, UNIT_KINDS, UNIT_STATUSES, label)
from .screening import ALERT_KINDS, ALERT_STATES, BACKGROUND_STATES, IDENTITY_STATES, WATCH_LISTS

LABELS = {
    "id": _l("ID"),
    # who wrote a record (app/models/authority.py)
    "author_kind": _l("Entered by"), "author_label": _l("Entered by"),
    "author_name": _l("Entered by account"), "author_user_id": _l("Entered by user ID"),
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
    "person": _l("Person"), "person.name": _l("Full name"),
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
    "status_changed_on": _l("Revocation or cancellation date"),
    "status_reason": _l("Revocation or cancellation reason"),
    # services
    "category": _l("Category"), "category.name": _l("Category"),
    "tier": _l("Tier"), "tier_badge": _l("Tier"),
    "target": _l("Service target"), "target.name": _l("Service target"),
    "contract_number": _l("Contract number"),
    "service": _l("Service"),
    "employment": _l("Guard"),
    "post": _l("Post"),
    "sort_order": _l("Sort order"),
    # foreign keys, as the change log names them
    "person_id": _l("Person"), "unit_id": _l("Unit"), "employment_id": _l("Guard"),
    "service_id": _l("Service"), "target_id": _l("Service target"),
    "category_id": _l("Category"), "parent_id": _l("Parent unit"),
    # conduct records (奖惩投诉)
    "occurred_on": _l("Date"), "title": _l("Title"), "description": _l("Details"),
    "authority": _l("Authority or complainant"), "document_number": _l("Document number"),
    "result": _l("Result"),
    # logs and regions
    "entity": _l("Record type"), "entity_label": _l("Record type"),
    "entity_id": _l("Record ID"),
    "action": _l("Action"), "action_label": _l("Action"),
    "field": _l("Field"),
    "old_value": _l("Old value"),
    "new_value": _l("New value"),
    "username": _l("User"),
    # what a change-log row names, in words (app/services/audit.py writes them with the row)
    "actor_name": _l("By"), "record_name": _l("Record"),
    "old_label": _l("Old value (named)"), "new_label": _l("New value (named)"),
    "old_display": _l("Old value"), "new_display": _l("New value"),
    "at": _l("Time"),
    "resource": _l("Resource"), "resource_label": _l("Resource"),
    "filters": _l("Filters"),
    "rows": _l("Rows"),
    "code": _l("Code"),
    "start_year": _l("Start year"),
    "end_year": _l("End year"),
    "parent_code": _l("Parent code"),
    # unit records (unit pages)
    "filed_on": _l("Filing date"), "file_name": _l("File"), "has_file": _l("Attachment"),
    "content_type": _l("File type"), "file_size": _l("File size (bytes)"),
    "upload": _l("Upload file"), "licence_upload": _l("Licence image"),
    "identifier": _l("Credit code or ID number"),
    "contribution": _l("Contribution (10k yuan)"), "share_ratio": _l("Share (%)"),
    "contributed_on": _l("Contribution date"),
    "place": _l("Place"), "loss": _l("Loss (yuan)"), "handling": _l("Handling"),
    "inspected_on": _l("Inspection date"), "inspector": _l("Inspected by"),
    "findings": _l("Findings"), "rectification": _l("Rectification"),
    "gun_number": _l("Gun number"), "model": _l("Model"), "quantity": _l("Quantity"),
    "organiser": _l("Organiser"), "guard_count": _l("Guard count"),
    "year": _l("Year"), "revenue": _l("Revenue (10k yuan)"), "profit": _l("Profit (10k yuan)"),
    "tax_paid": _l("Tax paid (10k yuan)"), "staff_count": _l("Staff count"),
    "insured_count": _l("Staff with social insurance"),
    "review_result": _l("Annual review result"), "review_date": _l("Annual review date"),
    "field_label": _l("Field"), "reason": _l("Reason"), "approved_by": _l("Approved by"),
    "changed_on": _l("Change date"),
    # screening cases and alerts (比对预警)
    "state": _l("State"), "reasons": _l("Findings"), "background_state": _l("Background check"),
    "waiting_since": _l("Waiting since"), "closed_at": _l("Closed at"),
    "attempts": _l("Attempts"), "last_error": _l("Last error"),
    "fingerprint": _l("Verified values (digest)"), "reason_code": _l("Reason code"),
    "reason_text": _l("Alert reason"), "source": _l("Watch list"),
    "identity_check_id": _l("Identity verification"),
    # REST columns (label_columns, `_info`): related ids and the columns of records whose
    # pages name them in their own views
    "unit.id": _l("Unit ID"), "person.id": _l("Person ID"),
    "employment.id": _l("Employment ID"), "service.id": _l("Service ID"),
    "target.id": _l("Service target ID"), "user_id": _l("User ID"),
    "region.code": _l("Jurisdiction code"), "category.tier": _l("Tier"),
    "parent_unit_id": _l("Parent unit"), "events": _l("History"),
    "class_name": _l("Training class"), "hours": _l("Training hours"),
    "exam_date": _l("Exam date"), "returned_on": _l("Returned on"),
    "police_unit": _l("Police unit"), "client_name": _l("Client"),
    "application.number": _l("Application number"),
    "applicant_name": _l("Applicant"), "applicant_phone": _l("Phone"),
    "submitted_at": _l("Submitted at"), "channel": _l("Channel"),
    "decision": _l("Decision"), "decision_reason": _l("Reason"),
    "decided_at": _l("Decided at"), "decided_by": _l("Decided by"),
    "result_note": _l("Result"), "result_unit": _l("Resulting unit"),
    "correction_note": _l("Correction request"), "returned_from": _l("Returned from"),
    "clock_started_on": _l("Clock started on"), "days_used": _l("Days used"),
    "time_limit_days": _l("Time limit (days)"),
    # person-owned records (the person's tabs)
    "relation": _l("Relationship"), "workplace": _l("Workplace"),
    "exam_date": _l("Exam date"), "score": _l("Score"), "passed": _l("Passed"),
    "employer": _l("Employer"), "police_unit": _l("Police unit"),
    "class_name": _l("Training class"), "hours": _l("Training hours"),
    "item": _l("Equipment"), "returned_on": _l("Returned on"),
    # files and filings
    "file_key": _l("File"), "application_id": _l("Application number"),
    "province": _l("Province of service"), "client_name": _l("Client"),
}

# Where a record type names a field otherwise than the other record types do.
ENTITY_FIELD_LABELS = {
    ("exam_result", "source"): _l("Exam batch"),
    ("training_record", "result"): _l("Training result"),
    ("police_assistance", "description"): _l("Description"),
    ("unit_asset", "number"): _l("Number / plate"),
    ("credit_grade", "grade"): _l("Credit grade"),
    ("credit_grade", "score"): _l("Credit score"),
}

# Resources (permission names) as the menu calls them, e.g. in the export log.
RESOURCE_LABELS = {
    "Unit": _l("Units"), "Person": _l("People"), "Employment": _l("Staff"),
    "Certificate": _l("Certificates"), "ServiceTarget": _l("Service targets"),
    "Service": _l("Services"), "Dispatch": _l("Dispatches"), "ChangeLog": _l("Change log"),
    "ExportLog": _l("Export log"), "TargetCategory": _l("Service target categories"),
    "Region": _l("Administrative divisions"),
    "ConductRecord": _l("Commendations and penalties"),
    "ServiceDesk": _l("Service targets of the unit"),
    "UnitDocument": _l("Documents"), "Investor": _l("Investors"),
    "Incident": _l("Incidents"), "Inspection": _l("Inspections"),
    "UnitAsset": _l("Equipment and materials"), "TemporaryEvent": _l("Temporary events"),
    "AnnualReport": _l("Annual data"), "UnitChange": _l("Unit changes"),
    "CreditRanking": _l("Credit ranking"), "CreditExport": _l("Credit grades"),
}

ENTITY_LABELS = {
    "unit": _l("Unit"), "person": _l("Person"), "employment": _l("Employment"),
    "certificate": _l("Certificate"), "service_target": _l("Service target"),
    "service": _l("Service"), "dispatch": _l("Dispatch"),
    "conduct_record": _l("Commendation or penalty"),
    "unit_document": _l("Document"), "investor": _l("Investor"), "incident": _l("Incident"),
    "inspection": _l("Inspection"), "unit_asset": _l("Equipment or material"),
    "temporary_event": _l("Temporary event"), "annual_report": _l("Annual data"),
    "unit_change": _l("Unit change"),
    "identity_check": _l("Identity verification"),
    "background_alert": _l("Background-check alert"),
    "social_relation": _l("Social relations"), "exam_result": _l("Exam results"),
    "work_experience": _l("Work experience"), "police_assistance": _l("Assistance to the police"),
    "training_record": _l("Training information"), "equipment_issue": _l("Personal equipment"),
    "cross_province_filing": _l("Cross-province filings"),
    "credit_grade": _l("Credit grade"),
}


# Stored codes shown through their labels, by (record type, field).
VALUE_CHOICES = {
    ("unit", "kind"): UNIT_KINDS, ("unit", "status"): UNIT_STATUSES,
    ("person", "gender"): GENDERS, ("person", "education"): EDUCATION_LEVELS,
    ("employment", "role"): EMPLOYMENT_ROLES,
    ("certificate", "kind"): CERTIFICATE_KINDS, ("certificate", "status"): CERTIFICATE_STATUSES,
    ("service", "status"): SERVICE_STATUSES,
    ("conduct_record", "kind"): CONDUCT_KINDS,
    ("investor", "kind"): INVESTOR_KINDS, ("inspection", "kind"): INSPECTION_KINDS,
    ("unit_asset", "kind"): ASSET_KINDS,
    ("identity_check", "state"): IDENTITY_STATES,
    ("identity_check", "background_state"): BACKGROUND_STATES,
    ("background_alert", "kind"): ALERT_KINDS, ("background_alert", "state"): ALERT_STATES,
    ("background_alert", "source"): WATCH_LISTS,
}
# Fields with the same codes in every table.
FIELD_CHOICES = {"author_kind": AUTHOR_KIND_LABELS}
BOOLEAN_FIELDS = {"foreign_invested", "armed_escort", "key_manager", "passed"}

def field_label(field, entity=None):
    """A column's label, as the record type `entity` names it when given."""
    if not field:
        return ""
    return ENTITY_FIELD_LABELS.get((entity, field)) or LABELS.get(field, field)


def change_value(entity, field, value):
    """A change-log value (stored as text) as the clerk should read it."""
    if value is None:
        return ""
    choices = VALUE_CHOICES.get((entity, field)) or FIELD_CHOICES.get(field)
    if choices:
        return label(choices, value)
    if field in BOOLEAN_FIELDS:
        return _l("Yes") if value in ("1", "true", "True") else _l("No")
    return value
