"""Service targets (shared, tiered by category), services and dispatches (派驻)."""
from sqlalchemy import (CheckConstraint, Column, Date, ForeignKey, Index, Integer, String,
                        Text, text)
from sqlalchemy.orm import relationship

from .authority import POLICE, POLICE_RECORD, UNIT, UNIT_RECORD, rule
from .base import Model, TimestampMixin, choice_check
from .choices import SERVICE_STATUSES, TIERS, code_label, dictionary_value


class TargetCategory(Model):
    """Reference data a province admin maintains: category name → tier (colour)."""
    __tablename__ = "target_category"
    __scope__ = ("shared",)
    __authority__ = POLICE_RECORD  # reference data of the province

    id = Column(Integer, primary_key=True)
    name = Column(String(50), nullable=False, unique=True)
    tier = Column(Integer, nullable=False)
    sort_order = Column(Integer, nullable=False, default=0, server_default="0")

    __table_args__ = (CheckConstraint("tier IN (1, 2, 3)", name="ck_target_category_tier"),)

    # Tier words and colours are the dictionary 服务对象等级 (sys_dict_item target_tier).
    tier_label = code_label("tier", TIERS, dictionary="target_tier")

    @property
    def colour(self):
        return dictionary_value("target_tier", self.tier,
                                TIERS.get(self.tier, {}).get("colour", ""))

    def __str__(self):
        return self.name or ""


class ServiceTarget(TimestampMixin, Model):
    __tablename__ = "service_target"
    __scope__ = ("shared", "region_code")
    # Shared by every unit: anyone who serves a new target registers it; police correct it.
    __authority__ = rule((UNIT, POLICE), change=(POLICE,))
    __audited__ = True

    id = Column(Integer, primary_key=True)
    name = Column(String(200), nullable=False, unique=True)  # full name, the natural key
    category_id = Column(Integer, ForeignKey("target_category.id"), nullable=False)
    region_code = Column(String(6), ForeignKey("region.code"))
    address = Column(String(300))
    contact_person = Column(String(50))
    contact_phone = Column(String(20))

    category = relationship("TargetCategory", lazy="joined", innerjoin=True)
    region = relationship("Region")

    __table_args__ = (Index("ix_service_target_category", "category_id"),)

    @property
    def tier(self):
        return self.category.tier if self.category else None

    @property
    def tier_label(self):
        """The tier as text (exports carry it so)."""
        return self.category.tier_label if self.category else ""

    def audit_owner(self):
        return None, None

    def __str__(self):
        return self.name or ""


class Service(TimestampMixin, Model):
    """A unit serving a target over a period (服务对象单位 on the unit's page)."""
    __tablename__ = "service"
    __scope__ = ("unit", "unit_id")
    __authority__ = UNIT_RECORD
    __audited__ = True

    id = Column(Integer, primary_key=True)
    unit_id = Column(Integer, ForeignKey("unit.id"), nullable=False)
    target_id = Column(Integer, ForeignKey("service_target.id"), nullable=False)
    contract_number = Column(String(50))
    start_date = Column(Date, nullable=False)
    end_date = Column(Date)
    status = Column(String(10), nullable=False, default="active", server_default="active")
    note = Column(Text)

    unit = relationship("Unit", backref="services", lazy="joined", innerjoin=True)
    target = relationship("ServiceTarget", backref="services", lazy="joined", innerjoin=True)

    __table_args__ = (
        CheckConstraint(choice_check("status", SERVICE_STATUSES), name="ck_service_status"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="ck_service_dates"),
        Index("ix_service_unit_status", "unit_id", "status"),
        Index("ix_service_target", "target_id"),
    )

    status_label = code_label("status", SERVICE_STATUSES)

    def audit_owner(self):
        return self.unit_id, None

    def __str__(self):
        unit = self.unit.name if self.unit else ""
        target = self.target.name if self.target else ""
        return f"{unit} → {target}"


class Dispatch(TimestampMixin, Model):
    """A guard posted to a service. unit_id and person_id are copied from the service and the
    employment so that scope and the one-active-dispatch rule are enforced by plain indexes."""
    __tablename__ = "dispatch"
    __scope__ = ("unit", "unit_id")
    __authority__ = UNIT_RECORD
    __audited__ = True

    id = Column(Integer, primary_key=True)
    service_id = Column(Integer, ForeignKey("service.id"), nullable=False)
    employment_id = Column(Integer, ForeignKey("employment.id"), nullable=False)
    unit_id = Column(Integer, ForeignKey("unit.id"), nullable=False)
    person_id = Column(Integer, ForeignKey("person.id"), nullable=False)
    post = Column(String(100))
    start_date = Column(Date, nullable=False)
    end_date = Column(Date)
    end_reason = Column(String(200))

    service = relationship("Service", backref="dispatches", lazy="joined", innerjoin=True)
    employment = relationship("Employment", backref="dispatches")
    person = relationship("Person", lazy="joined", innerjoin=True)
    unit = relationship("Unit", lazy="joined", innerjoin=True)

    __table_args__ = (
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="ck_dispatch_dates"),
        # docs/rules.md#dispatch: a guard has at most one active dispatch, enforced by the database.
        Index("uq_dispatch_one_active", "person_id", unique=True,
              sqlite_where=text("end_date IS NULL"),
              postgresql_where=text("end_date IS NULL")),
        Index("ix_dispatch_service_active", "service_id", "end_date"),
        Index("ix_dispatch_unit", "unit_id", "start_date"),
        Index("ix_dispatch_employment", "employment_id"),
        # A person's dispatches (工作经历 tab), the newest first over a jurisdiction (the
        # dispatch list scans by date and stops at a page), a jurisdiction's active count.
        Index("ix_dispatch_person_start", "person_id", "start_date"),
        Index("ix_dispatch_start", "start_date"),
        Index("ix_dispatch_unit_active", "unit_id", "end_date"),
    )

    @property
    def active(self):
        return self.end_date is None

    def audit_owner(self):
        return self.unit_id, self.person_id

    def __str__(self):
        return f"{self.person.name if self.person else ''} @ {self.post or ''}"
