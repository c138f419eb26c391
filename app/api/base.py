"""The shared scoped REST resource: the same scope and rules as the pages.

FAB protects get/put/delete by id through base filters, but not POST/PUT bodies that name
another unit, nor the related values of `_info`; this base closes both, answers 404 for
anything outside scope, 400 with the field's Chinese message for a broken rule, and masks ID
numbers for read-only association users.
"""
from flask import request
from flask_babel import gettext as _
from flask_appbuilder.api import ModelRestApi, expose, protect, rison, safe
from flask_appbuilder.api.schemas import get_list_schema
from flask_appbuilder.const import API_RESULT_RES_KEY
from flask_appbuilder.exceptions import FABException
from flask_appbuilder.security.decorators import permission_name
from marshmallow import ValidationError

from app.api.endpoints import operation
from app.api.validation import RelatedIdConverter, check_request
from app.models.base import AuthoredMixin
from app.models.vocabulary import LABELS
from app.security import authority
from app.security.scope import OutOfScope, current_scope
from app.security.authority import AuthorityViolation
from app.services.errors import RuleViolation
from app.web import request_local
from app.web.crud import ScopedMixin
from app.web.datamodel import use_indexed_filters
from app.web.display import masked_payload


def _text(message) -> str:
    """A label or description as the user reads it; "" stays "" (never gettext(""))."""
    if not message:
        return ""
    return _(message) if isinstance(message, str) else str(message)


class ScopedModelRestApi(ScopedMixin, ModelRestApi):
    allow_browser_login = True
    page_size = 20
    model2schemaconverter = RelatedIdConverter  # relation fields take existing ids only

    def __init__(self):
        use_indexed_filters(self.datamodel)
        # The pages' column words (Chinese through the catalog), not FAB's prettified names
        # ("Birth Date"): label_columns and `_info` answer what the pages show.
        self.label_columns = {**LABELS, **(self.label_columns or {})}
        if issubclass(self.datamodel.obj, AuthoredMixin) and self.show_columns:
            # Who wrote the record, as on its page (police / unit / system, and the account).
            self.show_columns = [*self.show_columns,
                                 *(c for c in ("author_kind", "author_name")
                                   if c not in self.show_columns)]
        super().__init__()
        # After FAB's defaults: a resource without add/edit columns still lists every
        # relation in `_info`, which must offer only rows in scope too.
        self._scope_related_fields()

    def _get_field_info(self, field, filter_rel_field, page=None, page_size=None):
        """FAB's `_info` entry, with label and description translated only when they are
        text: gettext("") answers the catalog header ("Project-Id-Version: …")."""
        info = super()._get_field_info(field, filter_rel_field, page=page,
                                       page_size=page_size)
        info["label"] = _text(self.label_columns.get(field.name))
        info["description"] = _text(self.description_columns.get(field.name))
        return info

    def _description_columns_json(self, cols=None):
        return {key: _text(value) for key, value in self.description_columns.items()
                if key in (cols or []) and value}

    def create_blueprint(self, appbuilder, *args, **kwargs):
        blueprint = super().create_blueprint(appbuilder, *args, **kwargs)
        # Malformed ids, q= and bodies answer 404/400 before any handler runs.
        blueprint.before_request(lambda: check_request(self))
        return blueprint

    def _scope_related_fields(self):
        columns = set(self.add_columns or []) | set(self.edit_columns or [])
        for attr in ("add_query_rel_fields", "edit_query_rel_fields"):
            setattr(self, attr, self.relation_scopes(getattr(self, attr, None), columns))

    # ------------------------------------------------------------ reads (masked)

    def pre_get(self, data):
        data.update(masked_payload(data, current_scope()))

    def pre_get_list(self, data):
        data.update(masked_payload(data, current_scope()))

    # ------------------------------------------------------------ writes

    def _commit(self, item, creating):
        try:
            self.save_item(item, creating)
        except RuleViolation as violation:
            return self.response_400(message=violation.as_dict())
        except OutOfScope:
            return self.response_404()
        except AuthorityViolation as refusal:
            return self.response(403, message=refusal.message)
        schema = self.add_model_schema if creating else self.edit_model_schema
        payload = {API_RESULT_RES_KEY: schema.dump(item, many=False)}
        if creating:
            payload["id"] = self.datamodel.get_pk_value(item)
        return self.response(201 if creating else 200, **payload)

    def _load_and_commit(self, item=None):
        """The JSON body loaded into a new record, or over `item` (merged with its values),
        and saved: 400 when the body is not JSON, 422 when it does not load."""
        if not request.is_json:
            return self.response_400(message=_("The request body must be JSON."))
        creating = item is None
        try:
            if creating:
                item = request_local.load(self.add_model_schema, request.json)
            else:
                data = self._merge_update_item(item, request.json)
                item = request_local.load(self.edit_model_schema, data, instance=item)
        except ValidationError as err:
            self.datamodel.session.rollback()  # nothing of a half-loaded record stays
            return self.response_422(message=err.messages)
        return self._commit(item, creating)

    def post_headless(self):
        return self._load_and_commit()

    def put_headless(self, pk):
        item = self.datamodel.get(pk, self._write_filters())
        if not item:
            return self.response_404()
        try:  # a record the user may not author: 403 before the body is read
            authority.check(self.datamodel.session, item, authority.CHANGE)
        except AuthorityViolation as refusal:
            return self.response(403, message=refusal.message)
        return self._load_and_commit(item)

    def delete_headless(self, pk):
        item = self.datamodel.get(pk, self._write_filters())
        if not item:
            return self.response_404()
        try:
            self.delete_items([item])
        except AuthorityViolation as refusal:
            return self.response(403, message=refusal.message)
        except RuleViolation as violation:
            return self.response_422(message=violation.message)
        return self.response(200, message="OK")

    # ------------------------------------------------------------ export

    @expose("/export/", methods=["GET"])
    @protect()
    @safe
    @permission_name("export_xlsx")
    @rison(get_list_schema)
    @operation("get", "Excel export of the rows visible under the given filters",
               {200: "An .xlsx file"}, parameters=[{"in": "query", "name": "q", "content": {
                   "application/json": {"schema": {
                       "$ref": "#/components/schemas/get_list_schema"}}}}])
    def export_xlsx(self, **kwargs):
        args = kwargs.get("rison", {})
        try:
            filters = self._handle_filters_args(args)
            order_column, order_direction = self._handle_order_args(args)
        except FABException as exc:  # a filter or order column that is not offered
            return self.response_400(message=str(exc))
        query = self.datamodel.apply_all(
            self.datamodel.session.query(self.datamodel.obj),
            filters.get_joined_filters(self._base_filters), order_column, order_direction)
        return self.export_response(query, self.list_title or self.resource_name,
                                    self.resource_name, self.export_conditions(filters))

    def export_query(self):
        """The export's query from the request's `q` (re-read by an export job,
        app.web.crud); checked already by the request that submitted the job."""
        import prison
        args = prison.loads(request.args.get("q") or "()") or {}
        filters = self._handle_filters_args(args)
        order_column, order_direction = self._handle_order_args(args)
        query = self.datamodel.apply_all(
            self.datamodel.session.query(self.datamodel.obj),
            filters.get_joined_filters(self._base_filters), order_column, order_direction)
        return query, self.export_conditions(filters)

    def export_job_response(self, job):
        """Above EXPORT_JOB_THRESHOLD rows: 202 and the job (我的任务) that writes the file."""
        return self.response(202, job=job.id, rows=job.total, status=f"/jobs/{job.id}/status",
                             download=f"/jobs/{job.id}/download")
