"""REST resources of the records a unit owns: same permissions, scope and rules as the pages.
A document's file goes through GET and PUT /api/v1/unit_document/<pk>/file."""
from flask_appbuilder.models.sqla.interface import SQLAInterface

from app.models import (AnnualReport, Incident, Inspection, Investor, TemporaryEvent,
                        UnitAsset, UnitChange, UnitDocument)
from app.models.application import CrossProvinceFiling

from app.services import storage
from app.web.crud import METHOD_PERMISSIONS

from .base import ScopedModelRestApi
from .endpoints import file_endpoints


def _resource(model, name, fields, search, order, **extra):
    """A unit-record resource: every field readable, `fields` writable, owner fixed on PUT."""
    attrs = dict(
        resource_name=name, class_permission_name=model.__name__,
        datamodel=SQLAInterface(model),
        list_columns=["id", "unit.id", "unit.name"] + fields,
        show_columns=["id", "unit.id", "unit.name"] + fields,
        add_columns=["unit"] + fields, edit_columns=list(fields),
        search_columns=["unit"] + search, order_columns=["id"] + order,
    )
    attrs.update(extra)
    return type(f"{model.__name__}Api", (ScopedModelRestApi,), attrs)


_UnitDocumentBase = _resource(UnitDocument, "unit_document", ["title", "filed_on", "note"],
                              ["title", "filed_on"], ["filed_on"])


class UnitDocumentApi(_UnitDocumentBase):
    """办事材料 with its file: PUT /<pk>/file (multipart field `file`) stores a checked upload,
    GET /<pk>/file returns it; both only within the user's scope (404 otherwise)."""
    show_columns = _UnitDocumentBase.show_columns + ["file_name", "content_type", "file_size"]
    method_permission_name = {**METHOD_PERMISSIONS, "file_get": "read", "file_put": "edit"}

    file_get, file_put = file_endpoints(
        "file", lambda document: (storage.stored_file(document.file_key),
                                  document.content_type, document.file_name),
        lambda document, data, name: storage.attach_file(document, data, name, "file"),
        get_summary="The document's file", put_summary="Store the document's file",
        served="The file")


InvestorApi = _resource(Investor, "investor", ["kind", "name", "identifier", "contribution",
                                               "share_ratio", "contributed_on", "phone"],
                        ["kind", "name"], ["contribution"])
IncidentApi = _resource(Incident, "incident", ["occurred_on", "title", "place", "description",
                                               "loss", "handling"],
                        ["occurred_on", "title"], ["occurred_on"])
InspectionApi = _resource(Inspection, "inspection", ["kind", "inspected_on", "inspector",
                                                     "findings", "result", "rectification"],
                          ["kind", "inspected_on"], ["inspected_on"])
UnitAssetApi = _resource(UnitAsset, "unit_asset", ["kind", "name", "number", "gun_number",
                                                   "model", "quantity", "note"],
                         ["kind", "name", "gun_number"], ["name"])
TemporaryEventApi = _resource(TemporaryEvent, "temporary_event",
                              ["name", "start_date", "end_date", "place", "organiser",
                               "guard_count", "note"], ["name", "start_date"], ["start_date"])
AnnualReportApi = _resource(AnnualReport, "annual_report",
                            ["year", "revenue", "profit", "tax_paid", "staff_count",
                             "guard_count", "insured_count", "review_result", "review_date"],
                            ["year"], ["year"])
UnitChangeApi = _resource(UnitChange, "unit_change",
                          ["field", "old_value", "new_value", "reason", "approved_by",
                           "changed_on"], ["field", "changed_on"], ["changed_on"],
                          base_permissions=["can_read", "can_export"])
# Written by an approved 跨省备案 only (app.services.applications): read-only.
CrossProvinceFilingApi = _resource(CrossProvinceFiling, "cross_province_filing",
                                   ["province", "client_name", "start_date", "end_date"],
                                   ["province", "start_date"], ["start_date"],
                                   base_permissions=["can_read", "can_export"])
CrossProvinceFilingApi.list_columns = CrossProvinceFilingApi.list_columns + ["application.number"]
CrossProvinceFilingApi.show_columns = CrossProvinceFilingApi.show_columns + ["application.number"]

RESOURCES = [UnitDocumentApi, InvestorApi, IncidentApi, InspectionApi, UnitAssetApi,
             TemporaryEventApi, AnnualReportApi, UnitChangeApi, CrossProvinceFilingApi]
