"""Records a unit owns, shown as tabs of the unit's page: 办事材料, 出资人, 发案记录, 安全检查,
物品信息, 临时活动, 年度数据, 单位变更. Each belongs to one unit (scope ("unit", "unit_id")) and
every write lands in the change log."""
from sqlalchemy import (CheckConstraint, Column, Date, ForeignKey, Index, Integer, Numeric,
                        String, Text, UniqueConstraint)
from sqlalchemy.orm import relationship

from .authority import POLICE_RECORD, SYSTEM_RECORD, UNIT_RECORD, ByKind, rule, POLICE, UNIT
from .base import AuthoredMixin, Model, TimestampMixin, choice_check
from .choices import ASSET_KINDS, INSPECTION_KINDS, INVESTOR_KINDS, label
from .vocabulary import field_label


class _UnitOwned(AuthoredMixin, TimestampMixin):
    __scope__ = ("unit", "unit_id")
    # the unit's own record, police may correct (docs/authority.md)
    __authority__ = UNIT_RECORD
    __audited__ = True

    def audit_owner(self):
        return self.unit_id, None

    @property
    def kind_label(self):
        return label(self._kinds, getattr(self, "kind", None))


def _unit_fk():
    return Column(Integer, ForeignKey("unit.id", ondelete="CASCADE"), nullable=False)


class UnitDocument(_UnitOwned, Model):
    """办事材料: a document the unit filed, with its uploaded file (PDF or image)."""
    __tablename__ = "unit_document"
    id = Column(Integer, primary_key=True)
    unit_id = _unit_fk()
    title = Column(String(200), nullable=False)
    filed_on = Column(Date)
    file_key = Column(String(100))        # storage key; served only through the scoped view
    file_name = Column(String(200))
    content_type = Column(String(50))
    file_size = Column(Integer)
    note = Column(Text)
    # The application whose approval filed it (read-only, written by the system).
    application_id = Column(Integer, ForeignKey("application.id", ondelete="SET NULL"))
    unit = relationship("Unit", lazy="joined")
    application = relationship("Application")
    __table_args__ = (Index("ix_unit_document_unit", "unit_id", "filed_on"),)

    @property
    def source_label(self):
        """来源: the item and number of the approved application that filed it, if any."""
        app = self.application
        return f"{app.item_label} {app.number}" if app is not None else ""

    @property
    def has_file(self):
        return bool(self.file_key)

    @property
    def file_ref(self):
        """The document itself, for the view's download-link formatter."""
        return self

    def __str__(self):
        return self.title or ""


class Investor(_UnitOwned, Model):
    """出资人: 法人股东 / 自然人股东."""
    __tablename__ = "investor"
    _kinds = INVESTOR_KINDS
    id = Column(Integer, primary_key=True)
    unit_id = _unit_fk()
    kind = Column(String(16), nullable=False)
    name = Column(String(200), nullable=False)
    identifier = Column(String(30))          # credit code or ID number
    contribution = Column(Numeric(14, 2))    # 万元
    share_ratio = Column(Numeric(5, 2))      # %
    contributed_on = Column(Date)
    phone = Column(String(20))
    unit = relationship("Unit", lazy="joined")
    __table_args__ = (
        CheckConstraint(choice_check("kind", INVESTOR_KINDS), name="ck_investor_kind"),
        CheckConstraint("share_ratio IS NULL OR (share_ratio >= 0 AND share_ratio <= 100)",
                        name="ck_investor_share"),
        CheckConstraint("contribution IS NULL OR contribution >= 0",
                        name="ck_investor_contribution"),
        Index("ix_investor_unit", "unit_id", "kind"),
    )

    def __str__(self):
        return self.name or ""


class Incident(_UnitOwned, Model):
    """发案记录: a case at or involving the unit."""
    __tablename__ = "incident"
    id = Column(Integer, primary_key=True)
    unit_id = _unit_fk()
    occurred_on = Column(Date, nullable=False)
    title = Column(String(200), nullable=False)
    place = Column(String(300))
    description = Column(Text)
    loss = Column(Numeric(14, 2))            # 元
    handling = Column(Text)
    unit = relationship("Unit", lazy="joined")
    __table_args__ = (CheckConstraint("loss IS NULL OR loss >= 0", name="ck_incident_loss"),
                      Index("ix_incident_unit", "unit_id", "occurred_on"))

    def __str__(self):
        return self.title or ""


class Inspection(_UnitOwned, Model):
    """安全检查: 安全检查 / 监督检查 / 消防信息."""
    __tablename__ = "inspection"
    # 监督检查 is the police's inspection of the unit; the unit's own checks are its own.
    __authority__ = ByKind("kind", {"safety": UNIT_RECORD, "fire": UNIT_RECORD,
                                    "supervisory": POLICE_RECORD})
    _kinds = INSPECTION_KINDS
    id = Column(Integer, primary_key=True)
    unit_id = _unit_fk()
    kind = Column(String(16), nullable=False)
    inspected_on = Column(Date, nullable=False)
    inspector = Column(String(100))
    findings = Column(Text)
    result = Column(String(200))
    rectification = Column(Text)
    unit = relationship("Unit", lazy="joined")
    __table_args__ = (
        CheckConstraint(choice_check("kind", INSPECTION_KINDS), name="ck_inspection_kind"),
        Index("ix_inspection_unit", "unit_id", "kind", "inspected_on"),
    )

    def __str__(self):
        return f"{self.kind_label} {self.inspected_on or ''}"


class UnitAsset(_UnitOwned, Model):
    """物品信息: 押运车 / 枪支 / 危险物品 / 物防技防. A firearm carries a unique gun number."""
    __tablename__ = "unit_asset"
    _kinds = ASSET_KINDS
    id = Column(Integer, primary_key=True)
    unit_id = _unit_fk()
    kind = Column(String(16), nullable=False)
    name = Column(String(200), nullable=False)
    number = Column(String(50))              # plate number, or the gun number of a firearm
    gun_number = Column(String(50), unique=True)
    model = Column(String(100))
    quantity = Column(Integer, nullable=False, default=1, server_default="1")
    note = Column(Text)
    unit = relationship("Unit", lazy="joined")
    __table_args__ = (
        CheckConstraint(choice_check("kind", ASSET_KINDS), name="ck_unit_asset_kind"),
        CheckConstraint("(kind = 'firearm' AND gun_number IS NOT NULL)"
                        " OR (kind <> 'firearm' AND gun_number IS NULL)",
                        name="ck_unit_asset_gun_number"),
        CheckConstraint("quantity >= 1", name="ck_unit_asset_quantity"),
        Index("ix_unit_asset_unit", "unit_id", "kind"),
    )

    def __str__(self):
        return self.name or ""


class TemporaryEvent(_UnitOwned, Model):
    """临时活动: a temporary security job (event, exhibition …)."""
    __tablename__ = "temporary_event"
    id = Column(Integer, primary_key=True)
    unit_id = _unit_fk()
    name = Column(String(200), nullable=False)
    start_date = Column(Date, nullable=False)
    end_date = Column(Date)
    place = Column(String(300))
    organiser = Column(String(200))
    guard_count = Column(Integer)
    note = Column(Text)
    unit = relationship("Unit", lazy="joined")
    __table_args__ = (
        CheckConstraint("end_date IS NULL OR end_date >= start_date",
                        name="ck_temporary_event_dates"),
        CheckConstraint("guard_count IS NULL OR guard_count >= 0",
                        name="ck_temporary_event_guards"),
        Index("ix_temporary_event_unit", "unit_id", "start_date"),
    )

    def __str__(self):
        return self.name or ""


class AnnualReport(_UnitOwned, Model):
    """年度数据: one row per unit and year."""
    __tablename__ = "annual_report"
    # The unit reports its figures; the 年审 (annual review) result is the police's. Once
    # reviewed, the unit neither deletes the report nor moves it to another year or unit.
    __authority__ = rule((UNIT, POLICE), police_fields=("review_result", "review_date"),
                         judged_fields=("year", "unit", "unit_id"))
    id = Column(Integer, primary_key=True)
    unit_id = _unit_fk()
    year = Column(Integer, nullable=False)
    revenue = Column(Numeric(14, 2))         # 万元
    profit = Column(Numeric(14, 2))
    tax_paid = Column(Numeric(14, 2))
    staff_count = Column(Integer)
    guard_count = Column(Integer)
    insured_count = Column(Integer)          # 参加社会保险人数
    review_result = Column(String(50))       # 年审结果
    review_date = Column(Date)
    unit = relationship("Unit", lazy="joined")
    __table_args__ = (
        UniqueConstraint("unit_id", "year", name="uq_annual_report_unit_year"),
        CheckConstraint("year >= 1990 AND year <= 2100", name="ck_annual_report_year"),
        CheckConstraint("(staff_count IS NULL OR staff_count >= 0)"
                        " AND (guard_count IS NULL OR guard_count >= 0)"
                        " AND (insured_count IS NULL OR insured_count >= 0)",
                        name="ck_annual_report_counts"),
    )

    def __str__(self):
        return str(self.year or "")


class UnitChange(_UnitOwned, Model):
    """单位变更: a change of an approval-only field, written by the system when it changes."""
    __tablename__ = "unit_change"
    __authority__ = SYSTEM_RECORD
    id = Column(Integer, primary_key=True)
    unit_id = _unit_fk()
    field = Column(String(50), nullable=False)
    old_value = Column(String(300))
    new_value = Column(String(300))
    reason = Column(String(300))
    approved_by = Column(String(100))
    changed_on = Column(Date, nullable=False)
    unit = relationship("Unit", lazy="joined")
    __table_args__ = (Index("ix_unit_change_unit", "unit_id", "changed_on"),)

    @property
    def field_label(self):
        return field_label(self.field)

    def __str__(self):
        return f"{self.field_label} {self.changed_on or ''}"
