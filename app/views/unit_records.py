"""Pages of the records a unit owns (tabs of the unit page, see app.views.units): 办事材料,
出资人, 发案记录, 安全检查, 物品信息, 临时活动, 年度数据, 单位变更. One shared base; each page
only names its columns."""
from flask import url_for
from flask_babel import gettext as _
from markupsafe import Markup
from flask_appbuilder import expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from app.models.vocabulary import LABELS
from app.models import (AnnualReport, Incident, Inspection, Investor, TemporaryEvent,
                        UnitAsset, UnitChange, UnitDocument)
from app.models.application import CrossProvinceFiling
from app.models.choices import ASSET_KINDS, INSPECTION_KINDS, INVESTOR_KINDS
from app.security.scope import get_scoped
from app.services import storage
from app.web.datamodel import DisplayedInterface
from app.web.display import unit_change_cells
from app.web.uploads import serve_stored, take_upload, upload_field

from .base import ScopedModelView
from .forms import UploadsOnSave


class UnitRecordView(ScopedModelView):
    """A record owned by one unit: the unit is a scoped lookup, the clerk's unit by default."""
    label_columns = LABELS
    lookup_columns = {"unit": "unit"}
    own_unit_fields = ("unit",)


class UnitDocumentView(UploadsOnSave, UnitRecordView):
    datamodel = SQLAInterface(UnitDocument)
    class_permission_name = "UnitDocument"
    list_title = show_title = _l("Documents")
    add_title = _l("Add document")
    edit_title = _l("Edit document")
    list_columns = ["title", "filed_on", "file_ref", "source_label", "unit.name"]
    show_columns = ["unit", "title", "filed_on", "file_ref", "content_type", "file_size",
                    "source_label", "note"]
    export_columns = ["title", "filed_on", "file_name", "source_label", "unit.name"]
    label_columns = {**LABELS, "file_ref": _l("File"),
                     "source_label": _l("Filed with application")}
    formatters_columns = {"file_ref": lambda doc: _download_link(doc)}
    add_columns = ["unit", "title", "filed_on", "upload", "note"]
    edit_columns = ["title", "filed_on", "upload", "note"]
    search_columns = ["unit", "title", "filed_on"]
    order_columns = ["title", "filed_on"]
    base_order = ("filed_on", "desc")
    add_form_extra_fields = edit_form_extra_fields = {
        "upload": upload_field(_l("Upload file")),
    }

    def take_uploads(self, item):
        take_upload("upload", lambda data, name: storage.attach_file(item, data, name, "upload"))

    @expose("/download/<pk>")
    @has_access
    def download(self, pk):
        document = get_scoped(self.datamodel.session, UnitDocument, pk)
        return serve_stored(document.file_key, document.content_type, document.file_name)


def _download_link(document):
    if document is None or not document.file_key:
        return ""
    url = url_for("UnitDocumentView.download", pk=document.id)
    return Markup('<a href="{}" target="_blank" rel="noopener"><i class="fa fa-file"></i> {}</a>'
                  ).format(url, document.file_name or _("Download"))


class InvestorView(UnitRecordView):
    datamodel = SQLAInterface(Investor)
    class_permission_name = "Investor"
    list_title = show_title = _l("Investors")
    add_title = _l("Add investor")
    edit_title = _l("Edit investor")
    list_columns = ["kind_label", "name", "identifier", "contribution", "share_ratio",
                    "contributed_on"]
    show_columns = ["unit", "kind_label", "name", "identifier", "contribution", "share_ratio",
                    "contributed_on", "phone"]
    add_columns = ["unit", "kind", "name", "identifier", "contribution", "share_ratio",
                   "contributed_on", "phone"]
    edit_columns = add_columns[1:]
    search_columns = ["unit", "kind", "name"]
    order_columns = ["name", "contribution", "share_ratio"]
    base_order = ("contribution", "desc")
    choice_columns = {"kind": INVESTOR_KINDS}
    required_choices = ("kind",)


class IncidentView(UnitRecordView):
    datamodel = SQLAInterface(Incident)
    class_permission_name = "Incident"
    list_title = show_title = _l("Incidents")
    add_title = _l("Add incident")
    edit_title = _l("Edit incident")
    list_columns = ["occurred_on", "title", "place", "loss", "handling"]
    show_columns = ["unit", "occurred_on", "title", "place", "description", "loss", "handling"]
    add_columns = ["unit", "occurred_on", "title", "place", "description", "loss", "handling"]
    edit_columns = add_columns[1:]
    search_columns = ["unit", "occurred_on", "title", "place"]
    order_columns = ["occurred_on", "title"]
    base_order = ("occurred_on", "desc")


class InspectionView(UnitRecordView):
    datamodel = SQLAInterface(Inspection)
    class_permission_name = "Inspection"
    list_title = show_title = _l("Inspections")
    add_title = _l("Add inspection")
    edit_title = _l("Edit inspection")
    list_columns = ["kind_label", "inspected_on", "inspector", "result", "findings"]
    show_columns = ["unit", "kind_label", "inspected_on", "inspector", "findings", "result",
                    "rectification"]
    add_columns = ["unit", "kind", "inspected_on", "inspector", "findings", "result",
                   "rectification"]
    edit_columns = add_columns[1:]
    search_columns = ["unit", "kind", "inspected_on", "inspector"]
    order_columns = ["inspected_on"]
    base_order = ("inspected_on", "desc")
    choice_columns = {"kind": INSPECTION_KINDS}
    required_choices = ("kind",)


class UnitAssetView(UnitRecordView):
    datamodel = SQLAInterface(UnitAsset)
    class_permission_name = "UnitAsset"
    list_title = show_title = _l("Equipment and materials")
    add_title = _l("Add equipment or material")
    edit_title = _l("Edit equipment or material")
    label_columns = {**LABELS, "number": _l("Number / plate")}
    list_columns = ["kind_label", "name", "number", "gun_number", "model", "quantity"]
    show_columns = ["unit", "kind_label", "name", "number", "gun_number", "model", "quantity",
                    "note"]
    add_columns = ["unit", "kind", "name", "number", "gun_number", "model", "quantity", "note"]
    edit_columns = add_columns[1:]
    search_columns = ["unit", "kind", "name", "number", "gun_number"]
    order_columns = ["name", "kind"]
    base_order = ("name", "asc")
    choice_columns = {"kind": ASSET_KINDS}
    required_choices = ("kind",)
    description_columns = {"gun_number": _l("Firearms only; each gun number is unique.")}


class TemporaryEventView(UnitRecordView):
    datamodel = SQLAInterface(TemporaryEvent)
    class_permission_name = "TemporaryEvent"
    list_title = show_title = _l("Temporary events")
    add_title = _l("Add temporary event")
    edit_title = _l("Edit temporary event")
    list_columns = ["name", "start_date", "end_date", "place", "organiser", "guard_count"]
    show_columns = ["unit", "name", "start_date", "end_date", "place", "organiser",
                    "guard_count", "note"]
    add_columns = ["unit", "name", "start_date", "end_date", "place", "organiser",
                   "guard_count", "note"]
    edit_columns = add_columns[1:]
    search_columns = ["unit", "name", "start_date", "place"]
    order_columns = ["start_date", "name"]
    base_order = ("start_date", "desc")


class AnnualReportView(UnitRecordView):
    datamodel = SQLAInterface(AnnualReport)
    class_permission_name = "AnnualReport"
    list_title = show_title = _l("Annual data")
    add_title = _l("Add annual data")
    edit_title = _l("Edit annual data")
    list_columns = ["year", "revenue", "profit", "tax_paid", "staff_count", "guard_count",
                    "insured_count", "review_result", "review_date"]
    show_columns = ["unit"] + list_columns
    add_columns = ["unit"] + list_columns
    edit_columns = list_columns
    search_columns = ["unit", "year", "review_result"]
    order_columns = ["year"]
    base_order = ("year", "desc")


class UnitChangeView(UnitRecordView):
    """单位变更: written by the system when an approval-only field changes; read-only here.
    审批单位 reads as the officer's name and role (display.unit_change_cells)."""
    datamodel = DisplayedInterface(UnitChange, unit_change_cells)
    class_permission_name = "UnitChange"
    base_permissions = ["can_read", "can_export"]
    list_title = show_title = _l("Unit changes")
    list_columns = ["changed_on", "field_label", "old_value", "new_value", "reason",
                    "approved_by"]
    show_columns = ["unit"] + list_columns
    search_columns = ["unit", "field", "changed_on"]
    order_columns = ["changed_on"]
    base_order = ("changed_on", "desc")


class CrossProvinceFilingView(UnitRecordView):
    """跨省提供保安服务备案: written on the company by an approved filing; read-only here."""
    datamodel = SQLAInterface(CrossProvinceFiling)
    class_permission_name = "CrossProvinceFiling"
    base_permissions = ["can_read", "can_export"]
    list_title = show_title = _l("Cross-province filings")
    label_columns = {**LABELS, "province": _l("Province of service"),
                     "client_name": _l("Client"), "application.number": _l("Application number"),
                     "application": _l("Application number")}
    list_columns = ["province", "client_name", "start_date", "end_date", "application.number",
                    "unit.name"]
    show_columns = ["unit", "province", "client_name", "start_date", "end_date",
                    "application.number"]
    export_columns = list_columns
    search_columns = ["unit", "province", "client_name", "start_date"]
    order_columns = ["start_date", "province"]
    base_order = ("start_date", "desc")


VIEWS = [UnitDocumentView, InvestorView, IncidentView, InspectionView, UnitAssetView,
         TemporaryEventView, AnnualReportView, UnitChangeView]
# Reached from the unit page's tabs, not the menu.
MENU = []
NO_MENU = VIEWS
# CrossProvinceFilingView is also listed under 单位管理 (see app.views.units.MENU).
