"""Person-owned records shown as tabs on a person's page: exam results (synced from the exam
system), social relations, equipment issues, police assistance, students' training records and
instructors' work experience. Each is visible where its person works (scope "person")."""
from sqlalchemy import (Boolean, CheckConstraint, Column, Date, ForeignKey, Index, Integer,
                        Numeric, String, Text, UniqueConstraint)
from sqlalchemy.orm import relationship

from .authority import SYSTEM_RECORD, UNIT_RECORD
from .base import AuthoredMixin, Model, TimestampMixin


class _PersonOwned(AuthoredMixin, TimestampMixin):
    __scope__ = ("person", "person_id")
    __authority__ = UNIT_RECORD  # the employing unit's record of its staff; police may correct
    __audited__ = True

    def audit_owner(self):
        return None, self.person_id


class ExamResult(_PersonOwned, Model):
    __tablename__ = "exam_result"
    __authority__ = SYSTEM_RECORD  # synced from the exam system only

    id = Column(Integer, primary_key=True)
    person_id = Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False)
    exam_date = Column(Date, nullable=False)
    score = Column(Numeric(5, 1), nullable=False)
    passed = Column(Boolean, nullable=False, default=False, server_default="0")
    source = Column(String(50))        # exam system reference / batch

    person = relationship("Person", lazy="joined", innerjoin=True)

    __table_args__ = (
        UniqueConstraint("person_id", "exam_date", name="uq_exam_result_person_date"),
        CheckConstraint("score >= 0", name="ck_exam_result_score"),
    )

    def __str__(self):
        return f"{self.exam_date} {self.score}"


class SocialRelation(_PersonOwned, Model):
    __tablename__ = "social_relation"

    id = Column(Integer, primary_key=True)
    person_id = Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False)
    relation = Column(String(20), nullable=False)      # 父亲, 配偶 …
    name = Column(String(50), nullable=False)
    id_number = Column(String(18))
    phone = Column(String(20))
    workplace = Column(String(200))
    note = Column(Text)

    person = relationship("Person", lazy="joined", innerjoin=True)
    __table_args__ = (Index("ix_social_relation_person", "person_id"),)

    def __str__(self):
        return f"{self.relation} {self.name}"


class EquipmentIssue(_PersonOwned, Model):
    __tablename__ = "equipment_issue"

    id = Column(Integer, primary_key=True)
    person_id = Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False)
    item = Column(String(100), nullable=False)
    quantity = Column(Integer, nullable=False, default=1, server_default="1")
    issued_on = Column(Date, nullable=False)
    returned_on = Column(Date)
    note = Column(Text)

    person = relationship("Person", lazy="joined", innerjoin=True)
    __table_args__ = (
        CheckConstraint("quantity > 0", name="ck_equipment_issue_quantity"),
        CheckConstraint("returned_on IS NULL OR returned_on >= issued_on",
                        name="ck_equipment_issue_dates"),
        Index("ix_equipment_issue_person", "person_id"),
    )

    def __str__(self):
        return self.item or ""


class PoliceAssistance(_PersonOwned, Model):
    __tablename__ = "police_assistance"

    id = Column(Integer, primary_key=True)
    person_id = Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False)
    occurred_on = Column(Date, nullable=False)
    title = Column(String(200), nullable=False)
    description = Column(Text)
    police_unit = Column(String(100))

    person = relationship("Person", lazy="joined", innerjoin=True)
    __table_args__ = (Index("ix_police_assistance_person", "person_id", "occurred_on"),)

    def __str__(self):
        return self.title or ""


class TrainingRecord(_PersonOwned, Model):
    """A student's training at a school: class, period, hours, result."""
    __tablename__ = "training_record"

    id = Column(Integer, primary_key=True)
    person_id = Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False)
    class_name = Column(String(100), nullable=False)
    start_date = Column(Date, nullable=False)
    end_date = Column(Date)
    hours = Column(Integer)
    result = Column(String(50))

    person = relationship("Person", lazy="joined", innerjoin=True)
    __table_args__ = (
        CheckConstraint("end_date IS NULL OR end_date >= start_date",
                        name="ck_training_record_dates"),
        CheckConstraint("hours IS NULL OR hours >= 0", name="ck_training_record_hours"),
        Index("ix_training_record_person", "person_id"),
    )

    def __str__(self):
        return self.class_name or ""


class WorkExperience(_PersonOwned, Model):
    """An instructor's earlier work experience."""
    __tablename__ = "work_experience"

    id = Column(Integer, primary_key=True)
    person_id = Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False)
    employer = Column(String(200), nullable=False)
    position = Column(String(100))
    start_date = Column(Date, nullable=False)
    end_date = Column(Date)
    note = Column(Text)

    person = relationship("Person", lazy="joined", innerjoin=True)
    __table_args__ = (
        CheckConstraint("end_date IS NULL OR end_date >= start_date",
                        name="ck_work_experience_dates"),
        Index("ix_work_experience_person", "person_id"),
    )

    def __str__(self):
        return self.employer or ""
