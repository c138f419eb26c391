"""通知公告: notices the province or a city (or district) police publish to the units in
their jurisdiction — all of them, or one kind — and who of the units read them when.
Kept apart from the per-user reminders of the 待办/消息中心."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import (CheckConstraint, Column, DateTime, ForeignKey, Index, Integer, String,
                        Text, UniqueConstraint)
from sqlalchemy.orm import relationship

from .authority import POLICE_RECORD, SYSTEM_RECORD
from .base import Model, choice_check, utcnow
from .choices import UNIT_KINDS, code_label

# Whom a notice addresses inside its region: every unit, or the units of one kind.
AUDIENCE_KINDS = {"all": _l("All units"), **UNIT_KINDS}


class Announcement(Model):
    __tablename__ = "announcement"
    # Police read and write the notices addressed inside their jurisdiction; a unit user
    # reads those addressed to the region and kind of their unit (app.security.scope).
    __scope__ = ("audience", "target_region", "target_kind")
    __authority__ = POLICE_RECORD

    id = Column(Integer, primary_key=True)
    title = Column(String(200), nullable=False)
    body = Column(Text, nullable=False)
    # The region addressed: "33" the whole province, a city (4 digits) or a district (6).
    target_region = Column(String(6), nullable=False)
    target_kind = Column(String(16), nullable=False, default="all")
    publisher_id = Column(Integer, ForeignKey("ab_user.id", ondelete="SET NULL"))
    publisher_name = Column(String(150), nullable=False)
    published_at = Column(DateTime, nullable=False, default=utcnow)

    attachments = relationship("AnnouncementAttachment", cascade="all, delete-orphan",
                               order_by="AnnouncementAttachment.id", back_populates="announcement")

    __table_args__ = (
        Index("ix_announcement_target", "target_region", "published_at"),
        CheckConstraint(choice_check("target_kind", AUDIENCE_KINDS),
                        name="ck_announcement_target_kind"),
    )

    target_kind_label = code_label("target_kind", AUDIENCE_KINDS)

    def __str__(self):
        return self.title or ""


class AnnouncementAttachment(Model):
    """A file of a notice, kept by the storage service (app.services.storage); reached only
    through its (scoped) notice."""
    __tablename__ = "announcement_attachment"
    __scope__ = ("admin_only",)
    __authority__ = POLICE_RECORD

    id = Column(Integer, primary_key=True)
    announcement_id = Column(Integer, ForeignKey("announcement.id", ondelete="CASCADE"),
                             nullable=False, index=True)
    file_key = Column(String(100), nullable=False)
    file_name = Column(String(200), nullable=False)
    content_type = Column(String(100), nullable=False)
    file_size = Column(Integer, nullable=False)

    announcement = relationship("Announcement", back_populates="attachments")


class AnnouncementRead(Model):
    """Who read a notice and when: written when a unit user opens it."""
    __tablename__ = "announcement_read"
    __scope__ = ("admin_only",)
    __authority__ = SYSTEM_RECORD

    id = Column(Integer, primary_key=True)
    announcement_id = Column(Integer, ForeignKey("announcement.id", ondelete="CASCADE"),
                             nullable=False)
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False)
    unit_id = Column(Integer, ForeignKey("unit.id", ondelete="SET NULL"))
    read_at = Column(DateTime, nullable=False, default=utcnow)

    user = relationship("AppUser")
    unit = relationship("Unit")

    __table_args__ = (UniqueConstraint("announcement_id", "user_id",
                                       name="uq_announcement_read"),
                      Index("ix_announcement_read_user", "user_id"))
