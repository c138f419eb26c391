"""Employment: a person's role at a unit over a period. Work history is all of them."""
from sqlalchemy import (Boolean, CheckConstraint, Column, Date, ForeignKey, Index, Integer,
                        String, text)
from sqlalchemy.orm import relationship

from .authority import POLICE, UNIT, rule
from .base import Model, TimestampMixin, choice_check
from .choices import EMPLOYMENT_ROLES, code_label


class Employment(TimestampMixin, Model):
    __tablename__ = "employment"
    __scope__ = ("unit", "unit_id")
    # The unit keeps its staff (【离职】 ends an employment, nothing is deleted).
    __authority__ = rule((UNIT, POLICE), delete=(POLICE,))
    # Hiring someone who works elsewhere, or nowhere yet: the person need not be writable
    # (the staff rules check them); the unit must be.
    __unscoped_relations__ = ("person",)
    __audited__ = True

    id = Column(Integer, primary_key=True)
    person_id = Column(Integer, ForeignKey("person.id"), nullable=False)
    unit_id = Column(Integer, ForeignKey("unit.id"), nullable=False)
    role = Column(String(16), nullable=False)
    position = Column(String(50))
    key_manager = Column(Boolean, nullable=False, default=False, server_default="0")
    start_date = Column(Date, nullable=False)
    end_date = Column(Date)
    end_reason = Column(String(200))

    person = relationship("Person", backref="employments", lazy="joined", innerjoin=True)
    unit = relationship("Unit", backref="employments", lazy="joined", innerjoin=True)

    __table_args__ = (
        CheckConstraint(choice_check("role", EMPLOYMENT_ROLES), name="ck_employment_role"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date",
                        name="ck_employment_dates"),
        # docs/rules.md#employment: at most one active full-time guard employment per person.
        Index("uq_employment_one_active_guard", "person_id", unique=True,
              sqlite_where=text("role = 'guard' AND end_date IS NULL"),
              postgresql_where=text("role = 'guard' AND end_date IS NULL")),
        Index("ix_employment_person", "person_id"),
        # Active staff (the lists, the unit pages, the counts) by partial indexes: only the
        # active rows, so that the planners' statistics see how many a role or a unit has (an
        # index ending in end_date told SQLite that role = 'guard' AND end_date IS NULL meant
        # 27 rows, and it walked 235,000). Newest first in index order: a page of a city's
        # 60,000 guards is read, not sorted.
        Index("ix_employment_unit_active_role", "unit_id", "role", "start_date",
              sqlite_where=text("end_date IS NULL"), postgresql_where=text("end_date IS NULL")),
        Index("ix_employment_active_role_start", "role", "start_date",
              sqlite_where=text("end_date IS NULL"), postgresql_where=text("end_date IS NULL")),
        # Covers the home page's count of the people a jurisdiction employs (index only).
        Index("ix_employment_unit_person", "unit_id", "person_id"),
    )

    @property
    def active(self) -> bool:
        return self.end_date is None

    role_label = code_label("role", EMPLOYMENT_ROLES)

    def audit_owner(self):
        return self.unit_id, self.person_id

    def __str__(self):
        person = self.person.name if self.person else ""
        unit = self.unit.name if self.unit else ""
        return f"{person} · {unit} · {self.role_label}"
