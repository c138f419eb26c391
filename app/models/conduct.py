"""奖惩投诉: commendations, violations (with their penalty) and complaints, about a unit, a
person, or a person at a unit. Shared by the unit pages and the person pages."""
from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import relationship

from .authority import POLICE, POLICE_RECORD, UNIT, ByKind, rule
from .base import AuthoredMixin, Model, TimestampMixin, choice_check
from .choices import CONDUCT_KINDS, code_label


class ConductRecord(AuthoredMixin, TimestampMixin, Model):
    __tablename__ = "conduct_record"
    __scope__ = ("unit_or_person", "unit_id", "person_id")
    # 违法违规和处罚 and 表彰奖励 are the police's (or an approved commendation's); a unit may
    # record a complaint it received and how it handled it, but only the police remove one.
    __authority__ = ByKind("kind", {"violation": POLICE_RECORD, "commendation": POLICE_RECORD,
                                    "complaint": rule((UNIT, POLICE), delete=(POLICE,))})
    __audited__ = True

    id = Column(Integer, primary_key=True)
    kind = Column(String(16), nullable=False)
    unit_id = Column(Integer, ForeignKey("unit.id", ondelete="CASCADE"))
    person_id = Column(Integer, ForeignKey("person.id", ondelete="CASCADE"))
    occurred_on = Column(Date, nullable=False)
    title = Column(String(200), nullable=False)
    description = Column(Text)
    authority = Column(String(100))        # awarding / penalising body, or the complainant
    document_number = Column(String(50))   # 文号
    result = Column(Text)                  # penalty, or how a complaint was handled

    unit = relationship("Unit", lazy="joined")
    person = relationship("Person", lazy="joined")

    __table_args__ = (
        CheckConstraint(choice_check("kind", CONDUCT_KINDS), name="ck_conduct_record_kind"),
        CheckConstraint("unit_id IS NOT NULL OR person_id IS NOT NULL",
                        name="ck_conduct_record_owner"),
        Index("ix_conduct_record_unit", "unit_id", "occurred_on"),
        Index("ix_conduct_record_person", "person_id", "occurred_on"),
    )

    kind_label = code_label("kind", CONDUCT_KINDS)

    def audit_owner(self):
        return self.unit_id, self.person_id

    def __str__(self):
        return f"{self.kind_label} {self.title}"
