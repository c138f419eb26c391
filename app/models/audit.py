"""Change log (written by ORM events, never by hand) and export log."""
import functools
import json

from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, DateTime, Index, Integer, String, Text

from .authority import SYSTEM_RECORD
from .base import ChainedLog, Model, utcnow
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
    # What the row names, written with it (app/services/audit.py), so that a page reads it
    # without a lookup per row: the actor by real name and role (系统 for the system's own
    # work), the record's name, and the names of the records or files the values point to
    # (a related record for a foreign key, the file's name for a stored file).
    actor_name = Column(String(150))
    record_name = Column(String(300))
    old_label = Column(String(300))
    new_label = Column(String(300))

    # Labels for pages and exports (app/web/display.py masks the values for a masking scope).
    @property
    def entity_label(self):
        return ENTITY_LABELS.get(self.entity, self.entity)

    action_label = code_label("action", CHANGE_ACTIONS)

    @property
    def field_label(self):
        return field_label(self.field, self.entity)

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


# Request arguments of old export-log rows that are paging and order, not filters.
LEGACY_NOT_FILTERS = ("page", "psize", "_od_", "_oc_", "order_", "keys", "columns")
@functools.cache
def model_for_table(table):
    """The model class mapped to `table` (the most derived one: AppUser for ab_user)."""
    found = None
    for mapper in Model.registry.mappers:
        if mapper.local_table is not None and getattr(mapper.local_table, "name", None) == table:
            if found is None or issubclass(mapper.class_, found):
                found = mapper.class_
    return found


@functools.cache
def _audited():
    return tuple((mapper.class_.__tablename__, mapper.class_) for mapper in Model.registry.mappers
                 if getattr(mapper.class_, "__audited__", False))


def audited_models():
    """{table name: model} of every model whose writes the change log records."""
    return dict(_audited())


class ExportLog(ChainedLog, Model):
    __tablename__ = "export_log"
    __scope__ = ("admin_only",)
    __authority__ = SYSTEM_RECORD
    __chain__ = "export_log"
    __chain_fields__ = ("at", "user_id", "username", "resource", "filters", "rows")

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

    @property
    def filters_display(self):
        """The filters of the export in words ("姓名 开头是 张；…"), 无 when there were none.
        Rows logged before the filters were kept in words hold the raw request arguments:
        those are shown as name=value, without paging and order."""
        try:
            data = json.loads(self.filters or "{}")
        except ValueError:
            return self.filters
        if isinstance(data, dict) and isinstance(data.get("conditions"), list):
            parts = [" ".join(str(p) for p in (c.get("label"), c.get("operator"),
                                                 f"“{c.get('value', '')}”") if p)
                     for c in data["conditions"] if isinstance(c, dict)]
        elif isinstance(data, dict):
            parts = [f"{key}={value}" for key, value in data.items()
                     if value not in (None, "", [], {})
                     and not str(key).startswith(LEGACY_NOT_FILTERS)]
        else:
            parts = [str(data)] if data else []
        return "；".join(parts) or str(_l("None (no filter)"))
