"""参数 and 字典: the one service through which the code reads what the province admin may
change without a release (docs/console.md).

- Parameters are declared here, one line each (`declare(key, kind, default, label,
  description, checks…)`); their values live in `sys_setting` (seeded by the migrations with
  the values the code had before; `ensure_declared` adds a new declaration's row at init-db).
  A key without a row reads its default.
- Dictionaries (`sys_dict_item`: service-target tiers and colours, watch lists), the
  application item catalogue (`application_item`) and the working-day calendar
  (`calendar_day`) are read here too.

Every process keeps one copy of all of it (plain values, docs/concurrency.md) and compares
the database's version stamp (`sys_settings_version`, bumped in the same transaction as any
change) at most every SETTINGS_CHECK_SECONDS (default 2): a change made in the console takes
effect in every gunicorn worker within that time, at once in the process that made it."""
from __future__ import annotations

import datetime as dt
import string
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlparse

from flask import current_app, has_app_context
from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import event, insert, select, update
from sqlalchemy.orm import Session

from app.models import (ApplicationItem, CalendarDay, DictItem, Setting, SettingsVersion)
from app.models.base import utcnow
from app.models.choices import install_dictionary_source

from .errors import RuleViolation

KINDS = ("int", "str", "template")


@dataclass(frozen=True)
class Param:
    key: str
    kind: str
    default: object
    label: object
    description: object = ""
    minimum: int | None = None
    maximum: int | None = None
    placeholders: tuple = ()     # a template's {names}
    check: object = None         # a callable(value) raising RuleViolation("value", …)

    def parse(self, text):
        """The typed value of `text`, or RuleViolation at "value" with the reason."""
        text = "" if text is None else str(text).strip()
        if self.kind == "int":
            try:
                value = int(text)
            except ValueError:
                raise RuleViolation("value", _("Enter a whole number.")) from None
            if self.minimum is not None and value < self.minimum:
                raise RuleViolation("value", _("At least %(n)d.", n=self.minimum))
            if self.maximum is not None and value > self.maximum:
                raise RuleViolation("value", _("At most %(n)d.", n=self.maximum))
        elif self.kind == "template":
            value = text
            if not value:
                raise RuleViolation("value", _("The text must not be empty."))
            check_template(value, self.placeholders)
        else:
            value = text
        if self.check:
            self.check(value)
        return value

    def dump(self, value) -> str:
        return str(value)

    @property
    def default_text(self) -> str:
        return self.dump(self.default)


PARAMS: dict[str, Param] = {}


def declare(key, kind, default, label, description="", **checks) -> Param:
    """Declare a parameter: its key, kind (int / str / template), default (today's value),
    Chinese label (through the catalog), description and checks (minimum, maximum,
    placeholders, check). The default is what it reads until the console changes it."""
    assert kind in KINDS and key not in PARAMS, key
    PARAMS[key] = Param(key, kind, default, label, description, **checks)
    return PARAMS[key]


def check_template(text, placeholders):
    """A text with {name} placeholders: only the names it may use, nothing else in braces."""
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError:
        raise RuleViolation("value", _("Unbalanced braces: write {name} for a value.")) \
            from None
    for _literal, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in placeholders or spec or conversion:
            raise RuleViolation("value", _("Unknown placeholder {%(name)s}; allowed: %(names)s",
                                           name=name, names="、".join(
                                               "{%s}" % p for p in placeholders)))


def _check_link(value):
    if value and not value.startswith(("http://", "https://", "/")):
        raise RuleViolation("value", _("Enter an address starting with http://, https:// "
                                       "or /."))
    if value.startswith(("http://", "https://")) and not urlparse(value).netloc:
        raise RuleViolation("value", _("Enter a complete address."))


def _check_relative_path(value):
    if value.startswith("/") or ".." in value.replace("\\", "/").split("/"):
        raise RuleViolation("value", _("Enter a path inside the instance folder, e.g. "
                                       "downloads/ChromeSetup.exe."))


# ---------------------------------------------------------------- the parameters
# Accounts (等保 2.0 level 3, docs/accounts.md).
declare("password.min_length", "int", 8, _l("Password: minimum length"),
        _l("Every password set on any path has at least this many characters."),
        minimum=8, maximum=64)
declare("password.min_classes", "int", 3, _l("Password: character classes"),
        _l("How many of upper-case letters, lower-case letters, digits and symbols a "
           "password contains."), minimum=2, maximum=4)
declare("lockout.max_failures", "int", 5, _l("Lockout: failed sign-ins"),
        _l("This many failed sign-ins of one user name within the window lock it."),
        minimum=3, maximum=20)
declare("lockout.window_minutes", "int", 15, _l("Lockout: window (minutes)"),
        _l("The failed sign-ins counted are those within this many minutes."),
        minimum=1, maximum=1440)
declare("lockout.duration_minutes", "int", 15, _l("Lockout: duration (minutes)"),
        _l("How long a locked user name stays locked."), minimum=1, maximum=1440)
# Uploads (app/services/storage.py).
declare("upload.max_file_kb", "int", 10 * 1024, _l("Uploads: largest file (KB)"),
        _l("A licence image, 办事材料 or attachment larger than this is refused (at most "
           "20480 KB, the size of a whole request)."), minimum=1, maximum=20 * 1024)
declare("upload.draft_max_age_minutes", "int", 120,
        _l("Uploads: keep files of unfinished public forms (minutes)"),
        _l("Files of a public application form kept across a failed submit are removed "
           "after this long."), minimum=10, maximum=7 * 1440)
declare("upload.drafts_max_mb", "int", 1024, _l("Uploads: all unfinished public forms (MB)"),
        _l("Files of unfinished public forms together never take more than this."),
        minimum=1, maximum=100 * 1024)
# 【Chrome下载】 (app/views/downloads.py): a file in the instance folder, else a link on the
# internal network, else a page naming whom to ask.
declare("chrome.installer_path", "str", "", _l("Chrome download: file"),
        _l("The installer in the instance folder (a path relative to it, e.g. "
           "downloads/ChromeSetup.exe). Empty: none."), check=_check_relative_path)
declare("chrome.installer_url", "str", "", _l("Chrome download: link"),
        _l("Used when there is no file: an address on the internal network."),
        check=_check_link)
declare("chrome.contact", "str", "", _l("Chrome download: whom to ask"),
        _l("Shown when there is neither file nor link, e.g. a phone number."))
# SMS texts (app/services/applications.py, reminders.py), {name} for the values.
declare("sms.return", "template",
        "【保安监管】您的申请{number}需要补正：{note} 请凭申请编号和本手机号查询。",
        _l("SMS: application returned for correction"), placeholders=("number", "note"))
declare("sms.approved", "template", "【保安监管】您的申请{number}（{item}）已批准。{extra}",
        _l("SMS: application approved"), placeholders=("number", "item", "extra"))
declare("sms.rejected", "template", "【保安监管】您的申请{number}（{item}）未予批准：{reason}",
        _l("SMS: application rejected"), placeholders=("number", "item", "reason"))
declare("sms.account", "template",
        "【保安监管】{unit}已登记。用户名：{username}，一次性密码：{password}，首次登录须修改密码。",
        _l("SMS: account of a new unit"), placeholders=("unit", "username", "password"))
declare("sms.reminder", "template", "【保安监管】您单位有{n}条新待办，请登录系统查看。",
        _l("SMS: new to-do items of a unit"), placeholders=("n",))
# Logs (app/services/oplog.py): 等保 2.0 asks for at least six months.
declare("logs.retention_days", "int", 180, _l("Logs: retention (days)"),
        _l("Log rows older than this are moved into an archive file by the daily prune."),
        minimum=180, maximum=3650)

# 信用评价 (app/services/credit.py, docs/credit.md): the weights of the terms (points per
# record, deducted unless said otherwise) and the bands of the grades.
def _check_due(value):
    try:
        month, day = (int(part) for part in value.split("-"))
        dt.date(2001, month, day)
    except (ValueError, TypeError):
        raise RuleViolation("value", _("Write the date as MM-DD, e.g. 03-31.")) from None


def _check_words(value):
    if not value.strip():
        raise RuleViolation("value", _("Name at least one word, separated by commas."))


_POINTS = dict(minimum=0, maximum=100)
declare("credit.window_years", "int", 3, _l("Credit: years of records counted"),
        _l("A grade of a year counts the records of that year and the years before it."),
        minimum=1, maximum=10)
declare("credit.band_a", "int", 90, _l("Credit: lowest score of grade A"), **_POINTS)
declare("credit.band_b", "int", 75, _l("Credit: lowest score of grade B"), **_POINTS)
declare("credit.band_c", "int", 60, _l("Credit: lowest score of grade C"),
        _l("Below it: grade D."), **_POINTS)
declare("credit.violation_severe", "int", 30, _l("Credit: severe violation (points)"),
        **_POINTS)
declare("credit.violation_serious", "int", 15, _l("Credit: serious violation (points)"),
        **_POINTS)
declare("credit.violation_minor", "int", 10, _l("Credit: minor violation (points)"), **_POINTS)
declare("credit.violation_severe_words", "str", "吊销,停业,停止,拘留",
        _l("Credit: words of a severe penalty"),
        _l("A violation whose penalty or title holds one of these words is severe."),
        check=_check_words)
declare("credit.violation_serious_words", "str", "罚款,没收",
        _l("Credit: words of a serious penalty"),
        _l("Else a violation whose penalty or title holds one of these words is serious; "
           "any other is minor."), check=_check_words)
declare("credit.complaint", "int", 5, _l("Credit: substantiated complaint (points)"),
        **_POINTS)
declare("credit.incident", "int", 3, _l("Credit: incident recorded by the police (points)"),
        **_POINTS)
declare("credit.inspection_failed", "int", 10, _l("Credit: failed supervisory inspection "
                                                  "(points)"), **_POINTS)
declare("credit.inspection_partial", "int", 3, _l("Credit: supervisory inspection with "
                                                  "rectification (points)"), **_POINTS)
declare("credit.review_failed", "int", 20, _l("Credit: annual review failed (points)"),
        **_POINTS)
declare("credit.review_partial", "int", 5, _l("Credit: annual review basically passed "
                                              "(points)"), **_POINTS)
declare("credit.licence_rate", "int", 20, _l("Credit: guard certificate rate (points when no guard holds one)"),
        _l("Deducted in proportion to the active guards without a valid guard certificate."),
        **_POINTS)
declare("credit.unlicensed_dispatch", "int", 5, _l("Credit: guard dispatched without a valid "
                                                   "guard certificate (points)"), **_POINTS)
declare("credit.open_alert", "int", 3, _l("Credit: unresolved background alert (points)"),
        **_POINTS)
declare("credit.late_filing", "int", 5, _l("Credit: late or missing filing (points)"),
        **_POINTS)
declare("credit.annual_report_due", "str", "03-31", _l("Credit: annual data due (MM-DD)"),
        _l("The annual data of a year are due by this day of the next year."),
        check=_check_due)
declare("credit.branch_filing_days", "int", 15, _l("Credit: branch filing window (working "
                                                   "days)"), minimum=1, maximum=365)
declare("credit.commendation", "int", 5, _l("Credit: commendation (points added)"), **_POINTS)
declare("credit.commendation_cap", "int", 10, _l("Credit: most points added by "
                                                 "commendations"), **_POINTS)


# ---------------------------------------------------------------- the cached copy

@dataclass(frozen=True)
class ItemData:
    code: str
    title: str
    decider: str
    time_limit: int
    documents: tuple   # ((code, label), …)
    sort_order: int = 0


@dataclass(frozen=True)
class Snapshot:
    version: int | None
    values: dict = field(default_factory=dict)       # key → typed value
    dictionaries: dict = field(default_factory=dict)  # type → {code: DictEntry}
    items: dict = field(default_factory=dict)        # code → ItemData
    holidays: frozenset = frozenset()
    workdays: frozenset = frozenset()


@dataclass(frozen=True)
class DictEntry:
    code: str
    label: str
    value: str | None
    active: bool
    sort_order: int


_lock = threading.Lock()
_latest = {}  # the copy this process read last, for code running outside an app (tests' helpers)


def _state() -> dict:
    """The copy of this application (a process may hold several apps: tests)."""
    return current_app.extensions.setdefault("settings", {"snapshot": None, "checked": 0.0})


def parse_documents(text) -> tuple:
    """The documents of an item from its text: one per line, "code 名称"."""
    documents, seen = [], set()
    for number, line in enumerate((text or "").splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        code, _sep, label = line.partition(" ")
        label = label.strip()
        if not code.replace("_", "").isalnum() or not code.isascii() or not label:
            raise RuleViolation("documents", _(
                "Line %(n)d: write the code (letters, digits, _), a space and the name.",
                n=number))
        if code in seen:
            raise RuleViolation("documents", _("Line %(n)d: the code %(code)s is there twice.",
                                               n=number, code=code))
        seen.add(code)
        documents.append((code, label))
    if not documents:
        raise RuleViolation("documents", _("Name at least one document."))
    return tuple(documents)


def _load(conn, version) -> Snapshot:
    values = {key: param.default for key, param in PARAMS.items()}
    for key, text in conn.execute(select(Setting.key, Setting.value)):
        param = PARAMS.get(key)
        if param is not None:
            try:
                values[key] = param.parse(text)
            except RuleViolation:
                pass  # a value written behind the console's back: the default stands
    dictionaries = {}
    for row in conn.execute(select(DictItem.__table__).order_by(DictItem.sort_order,
                                                                 DictItem.id)):
        dictionaries.setdefault(row.dict_type, {})[row.code] = DictEntry(
            row.code, row.label, row.value, bool(row.active), row.sort_order)
    items = {}
    for row in conn.execute(select(ApplicationItem.__table__).order_by(
            ApplicationItem.sort_order, ApplicationItem.code)):
        try:
            documents = parse_documents(row.documents)
        except RuleViolation:
            documents = ()
        items[row.code] = ItemData(row.code, row.title, row.decider, row.time_limit,
                                   documents, row.sort_order)
    holidays, workdays = set(), set()
    for day, kind in conn.execute(select(CalendarDay.day, CalendarDay.kind)):
        (holidays if kind == "holiday" else workdays).add(day)
    return Snapshot(version, values, dictionaries, items, frozenset(holidays),
                    frozenset(workdays))


def _read(load):
    """Run `load(connection)` on the session's own connection: it sees its own uncommitted
    writes and never waits on them (a second connection would, on SQLite, behind a long
    seeding transaction). While that session is between states (work run from its
    after_commit hook, e.g. the screening after a save) a connection of its own."""
    from sqlalchemy.exc import InvalidRequestError

    from app.extensions import db
    try:
        conn = db.session.connection()
    except InvalidRequestError:
        with db.engine.connect() as conn:
            return load(conn)
    return load(conn)


def snapshot() -> Snapshot:
    """The current copy; outside an application the copy this process read last (else the
    declared defaults and no data)."""
    if not has_app_context():
        return _latest.get("snapshot") or Snapshot(None, {key: p.default
                                                          for key, p in PARAMS.items()})
    every = float(current_app.config.get("SETTINGS_CHECK_SECONDS", 2))
    state = _state()
    current = state["snapshot"]
    if current is not None and time.monotonic() - state["checked"] < every:
        return current
    with _lock:
        current = state["snapshot"]
        if current is not None and time.monotonic() - state["checked"] < every:
            return current
        def load(conn):
            version = conn.execute(select(SettingsVersion.version)
                                   .where(SettingsVersion.id == 1)).scalar()
            if current is None or current.version != version or version is None:
                return _load(conn, version)
            return current
        current = _read(load)
        state["snapshot"], state["checked"] = current, time.monotonic()
        _latest["snapshot"] = current
        return current


def invalidate():
    """Compare the version stamp again on the next look (this process changed something)."""
    if has_app_context():
        _state()["checked"] = 0.0


# ---------------------------------------------------------------- reading

def get(key):
    """The value of a declared parameter."""
    return snapshot().values.get(key, PARAMS[key].default)


def text(key, **values) -> str:
    """A template parameter with its {placeholders} filled."""
    return get(key).format_map({name: values.get(name, "") for name in PARAMS[key].placeholders})


def dictionary(dict_type, active_only=False) -> list[DictEntry]:
    entries = snapshot().dictionaries.get(dict_type, {}).values()
    return [e for e in entries if e.active or not active_only]


def entry(dict_type, code) -> DictEntry | None:
    return snapshot().dictionaries.get(dict_type, {}).get(str(code))


def application_items() -> dict:
    """code → ItemData, in the order the console sorts them."""
    return snapshot().items


def calendar() -> tuple[frozenset, frozenset]:
    """(public holidays, weekend days worked) of every year recorded."""
    data = snapshot()
    return data.holidays, data.workdays


def _dictionary_source(dict_type, code, field_name):
    """The models' labels of codes kept as data (app.models.choices)."""
    if not has_app_context():
        return None
    if dict_type == "application_item":
        item = application_items().get(code)
        return item.title if item and field_name == "label" else None
    found = entry(dict_type, code)
    if found is None:
        return None
    return found.label if field_name == "label" else found.value


# ---------------------------------------------------------------- writing

def set_value(session, key, text_value, by=None):
    """Change a parameter (validated by its declaration); returns (old text, new text).
    Flushes; the caller commits."""
    param = PARAMS.get(key)
    if param is None:
        raise RuleViolation("key", _("Unknown parameter."))
    new = param.dump(param.parse(text_value))
    row = session.get(Setting, key)
    old = row.value if row is not None else param.default_text
    if row is None:
        row = Setting(key=key, value=new)
        session.add(row)
    row.value, row.updated_at, row.updated_by = new, utcnow(), by
    session.flush()
    return old, new


def ensure_declared(session) -> int:
    """Rows for parameters declared since the last migration (their default); at init-db."""
    present = set(session.execute(select(Setting.key)).scalars())
    missing = [dict(key=p.key, value=p.default_text, updated_at=utcnow())
               for p in PARAMS.values() if p.key not in present]
    if missing:
        session.execute(insert(Setting), missing)
        bump(session)
    return len(missing)


def bump(session):
    session.execute(update(SettingsVersion).where(SettingsVersion.id == 1)
                    .values(version=SettingsVersion.version + 1))


_WATCHED = (Setting, DictItem, ApplicationItem, CalendarDay)


def _before_flush(session, _context, _instances):
    if session.info.get("settings_bumped"):
        return
    if any(isinstance(obj, _WATCHED) for obj in (*session.new, *session.dirty,
                                                  *session.deleted)):
        session.info["settings_bumped"] = True
        bump(session)


def _after_commit(session):
    if session.info.pop("settings_bumped", False):
        invalidate()


def _after_rollback(session):
    session.info.pop("settings_bumped", None)


def install():
    """Bump the version with every change of the data read here; labels of codes kept as
    data for the models (idempotent)."""
    install_dictionary_source(_dictionary_source)
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", lambda s, _t: _after_rollback(s))
