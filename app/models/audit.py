"""Change log (written by ORM events, never by hand) and export log."""
from sqlalchemy import Column, DateTime, Index, Integer, String, Text

from .authority import SYSTEM_RECORD
from .base import Model, utcnow
from .choices import CHANGE_ACTIONS, code_label
from .vocabulary import ENTITY_LABELS, RESOURCE_LABELS, change_value, field_label


class ChangeLog(Model):
    __tablename__ = "change_log"
    # Visible where the owning unit or person is visible (see app.security.scope).
    __scope__ = ("change_log",)
    __authority__ = SYSTEM_RECORD  # written by ORM events only

    id = Column(Integer, primary_key=True)
    entity = Column(String(50), nullable=False)      # table name
    entity_id = Column(Integer, nullable=False)
    action = Column(String(10), nullable=False)      # insert / update / delete
    field = Column(String(50))
    old_value = Column(Text)
    new_value = Column(Text)
    user_id = Column(Integer)
    username = Column(String(100))
    at = Column(DateTime, nullable=False, default=utcnow)
    unit_id = Column(Integer)    # owning unit, for scope (no FK: the unit may be deleted)
    person_id = Column(Integer)  # owning person, for scope

    # Labels for pages and exports (app/web/display.py masks the values for a masking scope).
    @property
    def entity_label(self):
        return ENTITY_LABELS.get(self.entity, self.entity)

    action_label = code_label("action", CHANGE_ACTIONS)

    @property
    def field_label(self):
        return field_label(self.field)

    @property
    def old_display(self):
        return change_value(self.entity, self.field, self.old_value)

    @property
    def new_display(self):
        return change_value(self.entity, self.field, self.new_value)

    __table_args__ = (
        Index("ix_change_log_entity", "entity", "entity_id"),
        Index("ix_change_log_unit", "unit_id", "at"),
        Index("ix_change_log_person", "person_id", "at"),
    )


class ExportLog(Model):
    __tablename__ = "export_log"
    __scope__ = ("admin_only",)
    __authority__ = SYSTEM_RECORD

    id = Column(Integer, primary_key=True)
    user_id = Column(Integer)
    username = Column(String(100), nullable=False)
    resource = Column(String(50), nullable=False)
    filters = Column(Text)
    rows = Column(Integer, nullable=False)
    at = Column(DateTime, nullable=False, default=utcnow)

    __table_args__ = (Index("ix_export_log_at", "at"),)

    @property
    def resource_label(self):
        return RESOURCE_LABELS.get(self.resource, self.resource)
