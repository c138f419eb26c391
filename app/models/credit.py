"""信用评价: a unit's credit score and grade for a year, with the terms that made it
(docs/credit.md). Written only by app/services/credit.py (the nightly task, a police
officer's 【重新计算】); one row per unit and year, so the history by year stays. A change of
score or grade lands in the change log with its reason."""
from sqlalchemy import (JSON, CheckConstraint, Column, DateTime, ForeignKey, Index, Integer,
                        String, UniqueConstraint)
from sqlalchemy.orm import relationship

from .authority import SYSTEM_RECORD
from .base import Model, TimestampMixin, utcnow

CREDIT_GRADES = ("A", "B", "C", "D")


class CreditGrade(TimestampMixin, Model):
    __tablename__ = "credit_grade"
    __scope__ = ("unit", "unit_id")
    __authority__ = SYSTEM_RECORD   # computed, never written by hand
    __audited__ = True
    # The terms change with every count; the change log keeps score, grade and reason.
    __audit_exclude__ = ("terms", "computed_at")

    id = Column(Integer, primary_key=True)
    unit_id = Column(Integer, ForeignKey("unit.id", ondelete="CASCADE"), nullable=False)
    year = Column(Integer, nullable=False)
    score = Column(Integer, nullable=False)
    grade = Column(String(1), nullable=False)
    # [{term, category, count, points, ids}] (app.services.credit.Term)
    terms = Column(JSON, nullable=False, default=list)
    reason = Column(String(300))          # why the grade is what it is (set when it changes)
    computed_at = Column(DateTime, nullable=False, default=utcnow)

    unit = relationship("Unit", lazy="joined", innerjoin=True)

    __table_args__ = (
        UniqueConstraint("unit_id", "year", name="uq_credit_grade_unit_year"),
        CheckConstraint("grade IN ('A', 'B', 'C', 'D')", name="ck_credit_grade_grade"),
        CheckConstraint("score >= 0 AND score <= 100", name="ck_credit_grade_score"),
        Index("ix_credit_grade_year_score", "year", "score"),
    )

    def audit_owner(self):
        return self.unit_id, None

    def __str__(self):
        return f"{self.year} {self.grade}"
