"""The one display and masking formatter of pages, REST and exports: how a stored value
reads, and what a scope that masks ID numbers (the association) sees of one.

Two masks, one rule:
- by field, where the value is known to be an ID number (an `id_number` column, a change-log
  row about one, a screening correction): `masked(value, scope)`, `masked_columns`,
  `masked_payload`, `person_label`, `change_display` (and the change log's other
  formatters), `identity_changes`;
- by value, for whatever else carries one (a driving licence's number, an investor's
  identifier, free text): `mask_response`, the after_request hook `install(app)` adds, runs
  every text body through app.services.privacy.mask_identity_values; an Excel export, which
  the hook cannot read, is masked cell by cell by app.services.export.write_xlsx(mask=...).

Every decision reads `masks(scope)`; the scope is an argument, except in the hook and the
template helpers, which take the signed-in user's.
"""
import datetime as dt

from flask import g, request
from flask_babel import gettext as _, lazy_gettext as _l

from app.models.audit import audited_models
from app.models.vocabulary import change_value, field_label
from app.services.changelog import FILE_NAME, actor_label, file_fields, users_named
from app.services.privacy import mask_identity_values
from app.security.scope import current_scope
from app.services.idnumber import mask_id_number


def display(value):
    """How a plain value reads in lists and detail pages: nothing for None, 是/否 for booleans."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _l("Yes") if value else _l("No")
    return value


def masks(scope) -> bool:
    """Whether `scope` sees ID numbers masked."""
    return scope.mask_id_numbers


def masked(value, scope):
    """An ID number as `scope` may see it (330***********123X when masked)."""
    return mask_id_number(value) if masks(scope) else value


def masked_columns(columns, scope) -> tuple:
    """The columns (dotted paths too) holding ID numbers that `scope` sees masked."""
    if not masks(scope):
        return ()
    return tuple(c for c in columns if c.split(".")[-1] == "id_number")


def _mask_fields(value):
    if isinstance(value, dict):
        # ID numbers, also as old/new values of a change-log row about an ID number.
        fields = ({"id_number", "old_value", "new_value"} if value.get("field") == "id_number"
                  else {"id_number"})
        return {k: (mask_id_number(v) if k in fields and isinstance(v, str)
                    else _mask_fields(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_fields(v) for v in value]
    return value


def masked_payload(data, scope):
    """A REST payload (dicts and lists) with its ID-number fields as `scope` may see them."""
    return _mask_fields(data) if masks(scope) else data


def person_label(person, scope) -> str:
    """张三（330***********123X）: a person as lookups and the dispatch pages name them."""
    return f"{person.name}（{masked(person.id_number, scope)}）"


# ------------------------------------------------------------------ the change log
# A row carries its words (app/services/audit.py): the actor, the record's name and the names
# its values point to; here they are labelled and masked for the reader's scope.

def format_time(value):
    """2024-05-01 10:11:12: a moment to the second, never its microseconds."""
    return value.strftime("%Y-%m-%d %H:%M:%S") if value is not None else ""


def _words(text, scope):
    """Stored words naming a record (a person with the ID number) as `scope` may read them."""
    return mask_identity_values(text) if text and masks(scope) else text


def _digest(row) -> bool:
    """A field its model keeps out of the change log (a digest): never shown."""
    return row.field in getattr(audited_models().get(row.entity), "__audit_exclude__", ())


def _is_file(row) -> bool:
    return (row.entity, row.field) in file_fields()


def change_display(row, value, scope, label=None):
    """A value of a change-log row for display: a related record by its name (`label`, as
    written with the row), a code by its label, an ID number masked for `scope`, a time to
    the second; never a digest or a storage key."""
    if value is None or value == "":
        return ""
    if _digest(row):
        return _("(not shown)")
    if _is_file(row):
        return _("(stored file)")
    if label:
        return _words(label, scope)
    if row.field == "id_number" and masks(scope):
        return mask_id_number(value)
    if len(value) > 19 and value[10] == "T" and value[:4].isdigit():
        try:
            return format_time(dt.datetime.fromisoformat(value))
        except ValueError:
            pass
    return change_value(row.entity, row.field, value)


def file_change(row) -> str:
    """照片已更换 / 文件已上传：合同.pdf: a stored file's change, never its storage key."""
    label = row.field_label
    if not row.new_value:
        return _("%(label)s removed", label=label)
    if row.new_label:
        return _("File uploaded: %(name)s", name=row.new_label)
    if row.old_value:
        return _("%(label)s replaced", label=label)
    return _("%(label)s uploaded", label=label)


def change_actor(row) -> str:
    """Who made a change: real name and role as of the change, 系统 for the system's work."""
    if row.actor_name:
        return row.actor_name
    return actor_label(None, None if row.user_id is None else row.username)


def change_record(row, scope) -> str:
    """人员：张三（330…）: the changed record by type and name (#id on rows older than names)."""
    name = _words(row.record_name, scope)
    return f"{row.entity_label}：{name}" if name else f"{row.entity_label} #{row.entity_id}"


def change_line(row, action, scope):
    """(label, text) of one field change as a record page lists it, None when the page
    leaves it out (a digest; a file's name, said by its file)."""
    if _digest(row):
        return None
    if _is_file(row):
        return None, file_change(row)
    if row.field == FILE_NAME and any(entity == row.entity for entity, _f in file_fields()):
        return None
    old = change_display(row, row.old_value, scope, row.old_label)
    new = change_display(row, row.new_value, scope, row.new_label)
    text = f"{old} → {new}" if action == "update" else (old if action == "delete" else new)
    return row.field_label, text


def change_events(history, scope) -> list:
    """The events of a record's history (app.services.changelog.for_record) as its change-log
    panel lists them."""
    events = []
    for event in history:
        first = event["first"]
        lines = (change_line(change, first.action, scope) for change in event["changes"])
        events.append({"at": format_time(first.at), "actor": change_actor(first),
                       # the account, as a tooltip on the name (None for the system's work)
                       "account": first.username if first.user_id is not None else None,
                       "record": change_record(first, scope), "action": first.action_label,
                       "lines": [line for line in lines if line]})
    return events


def change_columns(row, scope) -> dict:
    """The columns of one change-log row in 系统管理 → 变更记录 and its export."""
    files = _is_file(row)
    return {"actor": change_actor(row), "record": change_record(row, scope),
            "old_display": ("" if files
                            else change_display(row, row.old_value, scope, row.old_label)),
            "new_display": (file_change(row) if files
                            else change_display(row, row.new_value, scope, row.new_label))}


def change_log_cells(_session, rows) -> list:
    """The cells of change-log rows for the signed-in user (app.web.datamodel
    .DisplayedInterface): 系统管理 → 变更记录, its show page and its export."""
    scope = current_scope()
    return [change_columns(row, scope) for row in rows]


def approver_label(value, users) -> str:
    """单位变更's 审批单位: an officer's account (stored) by real name and role, 系统 for the
    system's own work; a body's name (older rows, the demo) as written."""
    if not value:
        return ""
    user = users.get(value)
    return actor_label(user) if user is not None else actor_label(None, value)


def unit_change_cells(session, changes) -> list:
    """The cells of 单位变更 rows: 审批单位 by name, the accounts looked up once."""
    users = users_named(session, {change.approved_by for change in changes}) if changes else {}
    return [{"approved_by": approver_label(change.approved_by, users)} for change in changes]


def identity_changes(event, scope) -> list:
    """(field label, before, after) of a screening correction, ID numbers for `scope`."""
    return [(field_label(field), *(masked(v, scope) if field == "id_number" and v else v
                                   for v in values))
            for field, *values in event.changed_fields]


# ------------------------------------------------------------------ the response hook

# Bodies that carry text: pages, JSON, plain text, CSV, XML, scripts (not an .xlsx, whose
# type names "xml" but whose body is zipped).
_TEXT_TYPES = frozenset({"application/json", "application/xml", "application/javascript",
                         "application/x-javascript", "application/ecmascript"})


def _is_text(mimetype: str) -> bool:
    return (mimetype.startswith("text/") or mimetype in _TEXT_TYPES
            or mimetype.endswith(("+json", "+xml")))


def mask_response(response):
    """after_request: mask the body of every text response for a masking scope."""
    if request.endpoint in ("static", "appbuilder.static") or response.content_encoding:
        return response  # files of the application itself; or a body we cannot read
    if not _is_text(response.mimetype or "") or getattr(g, "user", None) is None:
        return response
    try:
        masking = masks(current_scope())
    except Exception:  # noqa: BLE001 (e.g. a failed transaction): when in doubt, mask
        masking = True
    if not masking:
        return response
    # Also a text file sent with send_file, or a streamed body: read it whole to mask it.
    response.direct_passthrough = False
    try:
        text = response.get_data().decode("utf-8")
    except UnicodeDecodeError:
        return response  # bytes labelled as text: no text to mask
    masked_text = mask_identity_values(text)
    if masked_text != text:
        response.set_data(masked_text)
    return response


def _change_events_for_request(history):
    return change_events(history, current_scope())


def install(app):
    """The response hook, and `change_events(history)` for the change-log panel of every
    record page (templates/scoped/_change_log.html), for the signed-in user."""
    app.after_request(mask_response)
    app.add_template_global(_change_events_for_request, "change_events")
