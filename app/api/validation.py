"""Request checks shared by every scoped REST resource, run before FAB's handlers.

FAB answers 500 to several kinds of malformed request (found by the schemathesis run,
scripts/fuzz_api.py): an id in the path beyond the database's 64-bit integers, a `q=` that
the rison parser fails on with something other than its own ParserException, a POST/PUT
body that is not a JSON object (PUT merges it with `.keys()`), and a relation field given
an object, a list or a string instead of an id (marshmallow-sqlalchemy then builds a new
related object from it, or fails building one). The checks here turn these into 404/400/422
with a message, for every resource at once:

- `check_request` is each resource blueprint's before_request (ScopedModelRestApi
  registers it), so the write methods themselves stay as they are;
- `ExistingRelated` replaces marshmallow-sqlalchemy's `Related` in the add/edit schemas
  (`RelatedIdConverter`): a relation takes the id of an existing record, nothing else.
"""
import decimal
import json
import urllib.parse

import prison
from flask import jsonify, request
from flask_appbuilder.api.convert import Model2SchemaConverter
from flask_appbuilder.const import API_URI_RIS_KEY
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate
from marshmallow_sqlalchemy.fields import Related
from sqlalchemy import BigInteger, Integer, Numeric, SmallInteger, inspect

# The largest value of an integer column: PostgreSQL's INTEGER is 32-bit (SQLite's 64-bit),
# and a larger id or value makes the driver fail (NumericValueOutOfRange, OverflowError).
MAX_ID = 2**31 - 1
# FAB's own write endpoints (ModelRestApi.post / .put) read the body as a JSON object.
JSON_OBJECT_ENDPOINTS = {"post", "put"}


def integer_max(sql_type):
    if isinstance(sql_type, BigInteger):
        return 2**63 - 1
    if isinstance(sql_type, SmallInteger):
        return 2**15 - 1
    return MAX_ID


def valid_id(value, maximum=MAX_ID):
    """The int an id in a path or a body stands for, or None when it cannot be one of
    our rows' ids (not a whole number, not positive, beyond the column). bool is no id."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        if not value.isascii() or not value.isdigit():
            return None
        value = int(value)
    if not isinstance(value, int) or not 0 < value <= maximum:
        return None
    return value


def parse_rison(value):
    """What FAB's @rison decorator makes of `q` (rison, else URL-encoded JSON); raises
    ValueError when neither parses, whatever the parser fails with."""
    try:
        return prison.loads(value)
    except Exception:  # noqa: BLE001 - prison also raises ValueError, IndexError, …
        pass
    try:
        return json.loads(urllib.parse.parse_qs(f"{API_URI_RIS_KEY}={value}")
                          .get(API_URI_RIS_KEY)[0])
    except Exception as exc:  # noqa: BLE001
        raise ValueError(str(exc)) from exc


def _error(code, message):
    return jsonify(message=message), code


def _integer_pk_max(datamodel):
    """The largest id of the model's integer primary key; None for another key."""
    columns = inspect(datamodel.obj).primary_key
    if len(columns) == 1 and isinstance(columns[0].type, Integer):
        return integer_max(columns[0].type)
    return None


def _paging_ok(args):
    """FAB turns page and page_size into OFFSET page * page_size: a negative one is an SQL
    error on PostgreSQL (also when q is JSON, which FAB accepts as well as rison)."""
    def whole(name, low):
        value = args.get(name)
        return value is None or (isinstance(value, int) and not isinstance(value, bool)
                                 and low <= value <= MAX_ID)
    return whole("page", 0) and whole("page_size", 1)


def check_request(api):
    """before_request of one resource's blueprint: None to go on, else the 400/404."""
    if request.method == "OPTIONS":
        return None  # Flask answers it with the allowed methods
    pk = (request.view_args or {}).get("pk")
    maximum = _integer_pk_max(api.datamodel) if pk is not None else None
    if maximum is not None and valid_id(pk, maximum) is None:
        return _error(404, _("The page or record does not exist, or is outside your scope."))
    value = request.args.get(API_URI_RIS_KEY)
    if value:
        try:
            args = parse_rison(value)
        except ValueError:
            return _error(400, _("The query parameter q is not valid rison or JSON."))
        if isinstance(args, dict) and not _paging_ok(args):
            return _error(400, _("page must be a whole number from 0, page_size from 1."))
    endpoint = (request.endpoint or "").rpartition(".")[2]
    if request.method in ("POST", "PUT") and endpoint in JSON_OBJECT_ENDPOINTS:
        if not request.is_json:
            return _error(400, _("The request body must be JSON."))
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return _error(400, _("The request body must be a JSON object."))
    return None


class ExistingRelated(Related):
    """A to-one relation field that takes only the id of an existing record."""

    def _deserialize(self, value, *args, **kwargs):
        keys = self.related_keys
        if len(keys) != 1:
            return super()._deserialize(value, *args, **kwargs)
        column = keys[0].columns[0]
        if isinstance(column.type, Integer):
            key = valid_id(value, integer_max(column.type))
        elif isinstance(value, int) and not isinstance(value, bool):
            key = str(value)  # a code (region) sent as a number
        else:  # a code (region): a non-empty string
            key = value if isinstance(value, str) and value.strip() else None
        if key is None:
            raise ValidationError(_("Give the id of an existing record."))
        record = self.session.get(self.related_model, key)
        if record is None:
            raise ValidationError(_("No such record, or it is outside your scope."))
        return record


# Built with the schemas at start-up: lazy, and marshmallow fills in {min} and {max}.
_RANGE_ERROR = _l("Enter a number between {min} and {max}.")


class NumericRange(validate.Validator):
    """Within NUMERIC(p, s): below 10^(p - s) once rounded to s places, as PostgreSQL rounds
    (9999.96 overflows NUMERIC(5, 1)). Not a marshmallow Range: apispec would publish the
    bounds through the Decimal field, i.e. as strings, which makes the spec invalid."""

    def __init__(self, precision, scale):
        self.top = 10 ** (precision - scale)
        self.step = decimal.Decimal(1).scaleb(-scale)

    def __call__(self, value):
        value = decimal.Decimal(value)
        if not value.is_finite() or abs(value) >= self.top or abs(
                value.quantize(self.step, rounding=decimal.ROUND_HALF_UP)) >= self.top:
            raise ValidationError(str(_RANGE_ERROR).format(min=-self.top, max=self.top))
        return value


def _range_of(sql_type):
    """The validator keeping a number within what the column stores, or None."""
    if isinstance(sql_type, Integer):
        top = integer_max(sql_type)
        return validate.Range(min=-top - 1, max=top, error=_RANGE_ERROR)
    if isinstance(sql_type, Numeric) and sql_type.precision and sql_type.scale is not None:
        return NumericRange(sql_type.precision, sql_type.scale)
    return None


class RelatedIdConverter(Model2SchemaConverter):
    """FAB's schema converter, with `ExistingRelated` for every to-one relation field and
    a range on every number field (what the column can store)."""

    def _column2field(self, datamodel, column, nested=True, parent_schema_name=None):
        field = super()._column2field(datamodel, column, nested=nested,
                                      parent_schema_name=parent_schema_name)
        if isinstance(field, fields.Number) and not datamodel.is_relation(column.name):
            columns = getattr(getattr(datamodel.obj, column.name).property, "columns", ())
            check = _range_of(columns[0].type) if len(columns) == 1 else None
            if check is not None:
                field.validators.append(check)
        return field

    def _column2relation(self, datamodel, column, nested=False, parent_schema_name=None):
        field = super()._column2relation(datamodel, column, nested=nested,
                                         parent_schema_name=parent_schema_name)
        # Same field (and the inner field of a to-many list), stricter loading: this keeps
        # every option field_for() gave it.
        for candidate in (field, getattr(field, "inner", None)):
            if type(candidate) is Related:
                candidate.__class__ = ExistingRelated
        return field
