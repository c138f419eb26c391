"""People (one row per resident ID number) and their certificates."""
from sqlalchemy import (CheckConstraint, Column, Date, ForeignKey, Index, Integer, String,
                        Text, UniqueConstraint)
from sqlalchemy.orm import relationship

from .authority import POLICE, POLICE_RECORD, UNIT, UNIT_RECORD, ByKind, rule
from .base import AuthoredMixin, Model, TimestampMixin, choice_check
from .choices import (CERTIFICATE_KINDS, CERTIFICATE_STATUSES, EDUCATION_LEVELS, GENDERS,
                      code_label)


class Person(TimestampMixin, Model):
    __tablename__ = "person"
    __scope__ = ("person", "id")
    __authority__ = rule((UNIT, POLICE), delete=(POLICE,))
    __audited__ = True

    id = Column(Integer, primary_key=True)
    id_number = Column(String(18), nullable=False, unique=True)
    name = Column(String(50), nullable=False)
    gender = Column(String(6), nullable=False)
    birth_date = Column(Date, nullable=False)
    household_region_code = Column(String(6))  # decoded from the ID number; may be abolished
    household_address = Column(String(300))
    residence_address = Column(String(300))
    phone = Column(String(20))
    ethnicity = Column(String(20))
    education = Column(String(16))
    photo = Column(String(300))
    note = Column(Text)

    __table_args__ = (
        CheckConstraint(choice_check("gender", GENDERS), name="ck_person_gender"),
        CheckConstraint("length(id_number) = 18", name="ck_person_id_number_length"),
        CheckConstraint("education IS NULL OR " + choice_check("education", EDUCATION_LEVELS),
                        name="ck_person_education"),
        Index("ix_person_name", "name"),
        # PostgreSQL serves LIKE 'prefix%' from a b-tree only in the C collation or with
        # pattern ops (the name search, app.services.search); SQLite uses ix_person_name.
        Index("ix_person_name_prefix", "name",
              postgresql_ops={"name": "varchar_pattern_ops"}).ddl_if(dialect="postgresql"),
    )

    gender_label = code_label("gender", GENDERS)

    education_label = code_label("education", EDUCATION_LEVELS)

    def audit_owner(self):
        return None, self.id

    def __str__(self):
        return self.name or ""


class Certificate(AuthoredMixin, TimestampMixin, Model):
    __tablename__ = "certificate"
    __scope__ = ("person", "person_id")
    # 保安员证 and 公务用枪持枪证 are issued, revoked and set by the police (or exam sync and
    # an approved 保安员证核发); other certificates of staff are the unit's to record.
    __authority__ = ByKind("kind", {"guard": POLICE_RECORD, "firearm_permit": POLICE_RECORD,
                                    "driving_licence": UNIT_RECORD,
                                    "vocational_level": UNIT_RECORD,
                                    "fire_control": UNIT_RECORD})
    __audited__ = True

    id = Column(Integer, primary_key=True)
    person_id = Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False)
    kind = Column(String(20), nullable=False)
    number = Column(String(50), nullable=False)
    level = Column(String(20))          # vocational level, driving class …
    issuer = Column(String(100))
    issued_on = Column(Date)
    expires_on = Column(Date)
    status = Column(String(10), nullable=False, default="valid", server_default="valid")
    # 吊销 / 注销: when and why (set with the status, rules.check_certificate).
    status_changed_on = Column(Date)
    status_reason = Column(String(200))

    person = relationship("Person", backref="certificates", lazy="joined", innerjoin=True)

    __table_args__ = (
        CheckConstraint(choice_check("kind", CERTIFICATE_KINDS), name="ck_certificate_kind"),
        CheckConstraint(choice_check("status", CERTIFICATE_STATUSES),
                        name="ck_certificate_status"),
        CheckConstraint("expires_on IS NULL OR issued_on IS NULL OR expires_on >= issued_on",
                        name="ck_certificate_dates"),
        UniqueConstraint("kind", "number", name="uq_certificate_kind_number"),
        Index("ix_certificate_person", "person_id"),
        Index("ix_certificate_number", "number"),
    )

    kind_label = code_label("kind", CERTIFICATE_KINDS)

    status_label = code_label("status", CERTIFICATE_STATUSES)

    def audit_owner(self):
        return None, self.person_id

    def __str__(self):
        return f"{self.kind_label} {self.number}"
