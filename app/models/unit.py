"""Units: security companies, their branches, self-hiring units, their client units, schools."""
from sqlalchemy import (Boolean, CheckConstraint, Column, Date, ForeignKey, Index, Integer,
                        Numeric, String, Text)
from sqlalchemy.orm import relationship

from .authority import POLICE, UNIT, ByKind, rule
from .base import Model, TimestampMixin, choice_check
from .choices import UNIT_KINDS, UNIT_STATUSES, code_label


# Fields of a unit that change only through an approved application or by the police
# (licence facts and identity of the unit; docs/authority.md).
APPROVAL_FIELDS = ("kind", "name", "credit_code", "region_code", "region", "registered_capital",
                   "legal_representative", "licence_number", "licence_issued_on", "status",
                   "parent", "parent_id", "foreign_invested", "armed_escort", "grade")
# Facts only some kinds of unit have (the others have every fact): 等级, 外资 and 武装押运 are
# a security company's (and its branches'), 培训能力 and 培训范围 a school's.
KIND_FIELDS = {
    **dict.fromkeys(("grade", "foreign_invested", "armed_escort"), ("company", "branch")),
    **dict.fromkeys(("training_capacity", "training_scope"), ("training",)),
}


def field_applies(field: str, kind: str) -> bool:
    """Whether units of `kind` have the fact `field` (KIND_FIELDS)."""
    return kind in KIND_FIELDS.get(field, (kind,))


_UNIT_RULE = dict(change=(UNIT, POLICE), delete=(POLICE,), police_fields=APPROVAL_FIELDS)


class Unit(TimestampMixin, Model):
    __tablename__ = "unit"
    __scope__ = ("self_unit",)
    __audited__ = True
    # Units are registered by the police or by an approved application; a branch only by an
    # approved branch filing, and its link to the company is changed by nobody by hand.
    __authority__ = ByKind("kind", {
        kind: rule((POLICE,), **_UNIT_RULE) for kind in ("company", "self_hire", "client",
                                                          "training")},
        default=rule((), fixed_fields=("parent", "parent_id"), **_UNIT_RULE))

    id = Column(Integer, primary_key=True)
    kind = Column(String(16), nullable=False)
    name = Column(String(200), nullable=False, unique=True)
    credit_code = Column(String(18), unique=True)
    legal_representative = Column(String(50))
    principal = Column(String(50))            # 负责人
    principal_phone = Column(String(20))
    contact_person = Column(String(50))
    contact_phone = Column(String(20))
    address = Column(String(300))
    region_code = Column(String(6), ForeignKey("region.code"), nullable=False)  # 所属辖区
    registered_capital = Column(Numeric(14, 2))  # 万元
    licence_number = Column(String(50), unique=True)
    licence_issued_on = Column(Date)
    licence_image = Column(String(300))      # storage key, served only through scoped views
    grade = Column(String(20))
    business_scope = Column(Text)
    foreign_invested = Column(Boolean, nullable=False, default=False, server_default="0")
    armed_escort = Column(Boolean, nullable=False, default=False, server_default="0")
    status = Column(String(16), nullable=False, default="active", server_default="active")
    established_on = Column(Date)
    parent_id = Column(Integer, ForeignKey("unit.id"))
    training_capacity = Column(Integer)
    training_scope = Column(Text)

    region = relationship("Region", lazy="joined", innerjoin=True)
    parent = relationship("Unit", remote_side=[id], backref="children")

    __table_args__ = (
        CheckConstraint(choice_check("kind", UNIT_KINDS), name="ck_unit_kind"),
        CheckConstraint(choice_check("status", UNIT_STATUSES), name="ck_unit_status"),
        # Branches and client units always have a parent; the other kinds never do.
        CheckConstraint(
            "(kind IN ('branch', 'client') AND parent_id IS NOT NULL)"
            " OR (kind NOT IN ('branch', 'client') AND parent_id IS NULL)",
            name="ck_unit_parent_kind",
        ),
        CheckConstraint("registered_capital IS NULL OR registered_capital >= 0",
                        name="ck_unit_capital"),
        Index("ix_unit_region_kind", "region_code", "kind"),
        Index("ix_unit_parent", "parent_id"),
        Index("ix_unit_kind_name", "kind", "name"),
    )

    @property
    def parent_unit_id(self):
        # Exposed by the REST resource instead of "parent.id": a dotted column on this
        # self-referential relation makes FAB join the unit table to itself, and filters
        # written against Unit would then bind to the parent's row.
        return self.parent_id

    kind_label = code_label("kind", UNIT_KINDS)

    status_label = code_label("status", UNIT_STATUSES)

    def audit_owner(self):
        return self.id, None

    def __str__(self):
        return self.name or ""
