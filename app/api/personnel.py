"""REST for 人员管理: people, their employments and certificates (the staff lists:
app/api/staff.py)."""
from flask import request
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from app.models import Certificate, Employment, Person
from app.services import personnel
from app.web.crud import METHOD_PERMISSIONS
from app.web.personnel import EmploymentAdd, confirm_registry, registry_confirmation

from .base import ScopedModelRestApi
from .endpoints import file_endpoints


class RegistryConfirmedBody:
    """`"registry_confirmed": true` in a POST body: the caller checked the identity document
    (personnel.confirm_identity). Not a column: it leaves the body before the schema loads."""

    def post_headless(self):
        body = request.get_json(silent=True) if request.is_json else None
        if isinstance(body, dict):
            # A parsed body is cached once for every later read: FAB loads it without the flag.
            confirm_registry(body.pop("registry_confirmed", False) is True)
        return super().post_headless()


class PersonApi(RegistryConfirmedBody, ScopedModelRestApi):
    resource_name = "person"
    class_permission_name = "Person"
    datamodel = SQLAInterface(Person)
    label_columns = {"name": _l("Full name")}  # as on the people page
    list_columns = ["id", "name", "id_number", "gender", "birth_date", "phone"]
    show_columns = ["id", "name", "id_number", "gender", "birth_date", "household_region_code",
                    "household_address", "residence_address", "phone", "ethnicity",
                    "education", "note"]
    # Gender, birth date and household region come from the ID number (rule 5).
    add_columns = ["id_number", "name", "phone", "ethnicity", "education", "household_address",
                   "residence_address", "note"]
    edit_columns = add_columns
    search_columns = ["name", "id_number", "phone"]
    order_columns = ["id", "name", "birth_date"]
    method_permission_name = {**METHOD_PERMISSIONS, "photo_get": "read", "photo_put": "edit"}

    # 照片: PUT /<pk>/photo (multipart field `photo`, PNG or JPEG) replaces the photo — logged
    # in the change log, and identity verification runs again; GET /<pk>/photo returns it.
    photo_get, photo_put = file_endpoints(
        "photo", lambda person: (*personnel.photo_of(person), None),
        lambda person, data, _name: personnel.set_photo(person, data),
        get_summary="The person's photo", put_summary="Replace the person's photo",
        served="The photo (PNG or JPEG)")

    def pre_add(self, item):
        super().pre_add(item)
        registry, confirmed = registry_confirmation(self.datamodel.session)
        personnel.confirm_identity(registry, item.id_number, item.name, item.gender,
                                   item.birth_date, confirmed=confirmed)


class EmploymentApi(EmploymentAdd, RegistryConfirmedBody, ScopedModelRestApi):
    resource_name = "employment"
    class_permission_name = "Employment"
    datamodel = SQLAInterface(Employment)
    list_columns = ["id", "person.id", "person.name", "unit.id", "unit.name", "role",
                    "position", "key_manager", "start_date", "end_date"]
    show_columns = list_columns + ["end_reason"]
    add_columns = ["person", "unit", "role", "position", "key_manager", "start_date"]
    edit_columns = ["position", "key_manager", "start_date", "end_date", "end_reason"]
    search_columns = ["role", "unit", "person", "start_date", "end_date"]
    order_columns = ["id", "start_date", "end_date"]


class CertificateApi(ScopedModelRestApi):
    resource_name = "certificate"
    class_permission_name = "Certificate"
    datamodel = SQLAInterface(Certificate)
    list_columns = ["id", "person.id", "kind", "number", "level", "issuer", "issued_on",
                    "expires_on", "status"]
    show_columns = list_columns
    add_columns = ["person", "kind", "number", "level", "issuer", "issued_on", "expires_on",
                   "status"]
    edit_columns = add_columns
    search_columns = ["kind", "number", "status", "person"]
    order_columns = ["id", "issued_on", "expires_on"]


RESOURCES = [PersonApi, EmploymentApi, CertificateApi]
