"""System tables of the 系统管理 console (docs/console.md): parameters and dictionaries the
province admin changes without a release, the application item catalogue and the working-day
calendar, and the append-only logs (登录日志, 操作日志) whose rows form a hash chain.

The code reads parameters and dictionaries through app.services.settings only; the logs are
written by app.services.oplog only (each row carries the hash of the one before it)."""
from sqlalchemy import (Boolean, CheckConstraint, Column, Date, DateTime, Index, Integer,
                        String, Text, UniqueConstraint)

from .authority import POLICE_RECORD, SYSTEM_RECORD
from .base import ChainedLog, Model, choice_check, utcnow


class Setting(Model):
    """One parameter's value (参数). What a key means, its type, default and checks are
    declared in code (app.services.settings.PARAMS); the value is text in that type."""
    __tablename__ = "sys_setting"
    __scope__ = ("admin_only",)
    __authority__ = POLICE_RECORD  # the province admin's, through the console

    key = Column(String(100), primary_key=True)
    value = Column(Text, nullable=False)
    updated_at = Column(DateTime, nullable=False, default=utcnow)
    updated_by = Column(String(100))


class SettingsVersion(Model):
    """One row: bumped by every change of a parameter, dictionary entry, application item or
    calendar day, so every process (several gunicorn workers) reloads its copy."""
    __tablename__ = "sys_settings_version"
    __scope__ = ("admin_only",)
    __authority__ = SYSTEM_RECORD

    id = Column(Integer, primary_key=True)
    version = Column(Integer, nullable=False, default=1)


# The dictionaries (字典) whose entries are data. Their codes are fixed by the code that uses
# them (check constraints, adapters): the console changes labels, values and switches.
DICTIONARY_TYPES = ("target_tier", "watch_list")


class DictItem(Model):
    """An entry of a dictionary: its label, a value (a tier's colour, a watch list's adapter)
    and whether it is in use."""
    __tablename__ = "sys_dict_item"
    __scope__ = ("admin_only",)
    __authority__ = POLICE_RECORD

    id = Column(Integer, primary_key=True)
    dict_type = Column(String(30), nullable=False)
    code = Column(String(50), nullable=False)
    label = Column(String(100), nullable=False)
    value = Column(String(200))
    active = Column(Boolean, nullable=False, default=True)
    sort_order = Column(Integer, nullable=False, default=0)

    __table_args__ = (UniqueConstraint("dict_type", "code", name="uq_sys_dict_item"),
                      CheckConstraint(choice_check("dict_type", DICTIONARY_TYPES),
                                      name="ck_sys_dict_item_type"))

    def __str__(self):
        return self.label or ""


COMPETENT_LEVELS = ("city", "province")


class ApplicationItem(Model):
    """One of the ten 政务网业务办理 items as the province runs it: title, who decides, the
    statutory time limit in working days and the documents asked for (one per line,
    "code 名称"). Its form fields and effects are code (app.services.application_items)."""
    __tablename__ = "application_item"
    __scope__ = ("admin_only",)
    __authority__ = POLICE_RECORD

    code = Column(String(32), primary_key=True)
    title = Column(String(200), nullable=False)
    decider = Column(String(10), nullable=False)
    time_limit = Column(Integer, nullable=False)
    documents = Column(Text, nullable=False)
    sort_order = Column(Integer, nullable=False, default=0)

    __table_args__ = (CheckConstraint(choice_check("decider", COMPETENT_LEVELS),
                                      name="ck_application_item_decider"),
                      CheckConstraint("time_limit > 0", name="ck_application_item_limit"))

    def __str__(self):
        return self.title or ""


CALENDAR_KINDS = ("holiday", "workday")


class CalendarDay(Model):
    """A day off the usual week: a public holiday (法定节假日) on a weekday, or a weekend day
    worked instead (调休上班). Published by the State Council each December."""
    __tablename__ = "calendar_day"
    __scope__ = ("admin_only",)
    __authority__ = POLICE_RECORD

    day = Column(Date, primary_key=True)
    kind = Column(String(10), nullable=False)
    note = Column(String(100))

    __table_args__ = (CheckConstraint(choice_check("kind", CALENDAR_KINDS),
                                      name="ck_calendar_day_kind"),)


class LogChain(Model):
    """The head of each log's chain: the last row's hash (appends lock this row, so
    concurrent writers take turns) and the hash the oldest kept row follows (the last
    archived row's, after pruning)."""
    __tablename__ = "log_chain"
    __scope__ = ("admin_only",)
    __authority__ = SYSTEM_RECORD

    name = Column(String(30), primary_key=True)
    seq = Column(Integer, nullable=False, default=0)
    last_hash = Column(String(64), nullable=False, default="")
    base_hash = Column(String(64), nullable=False, default="")


LOGIN_EVENTS = ("login", "logout")
LOGIN_CHANNELS = ("form", "api")


class LoginLog(ChainedLog, Model):
    """登录日志: every sign-in attempt and sign-out, by form and by the JWT API."""
    __tablename__ = "login_log"
    __scope__ = ("admin_only",)
    __authority__ = SYSTEM_RECORD
    __chain__ = "login_log"
    __chain_fields__ = ("at", "event", "channel", "username", "user_id", "success",
                        "reason", "ip", "user_agent")

    id = Column(Integer, primary_key=True)
    at = Column(DateTime, nullable=False, default=utcnow)
    event = Column(String(10), nullable=False)
    channel = Column(String(10), nullable=False)
    username = Column(String(150), nullable=False)
    user_id = Column(Integer)  # no FK: the log outlives a deleted account
    success = Column(Boolean, nullable=False)
    reason = Column(String(30), nullable=False)
    ip = Column(String(45))
    user_agent = Column(String(300))

    __table_args__ = (Index("ix_login_log_at", "at"), Index("ix_login_log_user", "username", "at"),
                      CheckConstraint(choice_check("event", LOGIN_EVENTS),
                                      name="ck_login_log_event"),
                      CheckConstraint(choice_check("channel", LOGIN_CHANNELS),
                                      name="ck_login_log_channel"))


OPERATION_RESULTS = ("ok", "refused", "error")


class OperationLog(ChainedLog, Model):
    """操作日志: every write request (POST, PUT, PATCH, DELETE) — who, what, the outcome,
    how long it took. Written after the response by one hook (app/web/oplog.py)."""
    __tablename__ = "operation_log"
    __scope__ = ("admin_only",)
    __authority__ = SYSTEM_RECORD
    __chain__ = "operation_log"
    __chain_fields__ = ("at", "user_id", "username", "role", "method", "path", "endpoint",
                        "resource", "record", "status", "result", "reason", "detail",
                        "duration_ms", "ip")

    id = Column(Integer, primary_key=True)
    at = Column(DateTime, nullable=False, default=utcnow)
    user_id = Column(Integer)
    username = Column(String(150))
    role = Column(String(30))
    method = Column(String(10), nullable=False)
    path = Column(String(300), nullable=False)
    endpoint = Column(String(150))
    resource = Column(String(100))
    record = Column(String(100))
    status = Column(Integer, nullable=False)
    result = Column(String(10), nullable=False)
    reason = Column(String(300))
    detail = Column(Text)  # what a console change changed (a parameter: old → new)
    duration_ms = Column(Integer, nullable=False)
    ip = Column(String(45))

    __table_args__ = (Index("ix_operation_log_at", "at"),
                      Index("ix_operation_log_user", "username", "at"),
                      CheckConstraint(choice_check("result", OPERATION_RESULTS),
                                      name="ck_operation_log_result"))
