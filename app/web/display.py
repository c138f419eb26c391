"""The one display and masking formatter of pages, REST and exports: how a stored value
reads, and what a scope that masks ID numbers (the association) sees of one.

Two masks, one rule:
- by field, where the value is known to be an ID number (an `id_number` column, a change-log
  row about one, a screening correction): `masked(value, scope)`, `masked_columns`,
  `masked_payload`, `person_label`, `change_display`, `identity_changes`;
- by value, for whatever else carries one (a driving licence's number, an investor's
  identifier, free text): `mask_response`, the after_request hook `install(app)` adds, runs
  every text body through app.services.privacy.mask_identity_values; an Excel export, which
  the hook cannot read, is masked cell by cell by app.services.export.write_xlsx(mask=...).

Every decision reads `masks(scope)`; the scope is an argument, except in the hook and the
template helpers, which take the signed-in user's.
"""
from flask import g, request
from flask_babel import lazy_gettext as _l

from app.models.vocabulary import change_value, field_label
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


def change_display(row, value, scope):
    """A value of a change-log row for display: labelled, an ID number masked for `scope`."""
    if row.field == "id_number" and value and masks(scope):
        return mask_id_number(value)
    return change_value(row.entity, row.field, value)


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


def _change_display_for_request(row, value):
    return change_display(row, value, current_scope())


def install(app):
    """The response hook, and `change_display(row, value)` for the change-log panel of
    every record page (templates/scoped/_change_log.html), for the signed-in user."""
    app.after_request(mask_response)
    app.add_template_global(_change_display_for_request, "change_display")
