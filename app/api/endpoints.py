"""Custom REST endpoints, declared one way: `operation` writes an endpoint's OpenAPI operation
(FAB reads it from the docstring into /api/v1/_openapi), `file_endpoints` makes the GET and
PUT of a record's file, and `run_action` runs an action of a service on one record."""
import yaml
from flask_appbuilder.api import expose, protect, safe
from flask_appbuilder.const import API_RESULT_RES_KEY

from app.security.scope import OutOfScope
from app.services.errors import RuleViolation
from app.web.transaction import atomic
from app.web.uploads import put_upload, stored_response

REFUSED = "A rule refused it"
NOT_FOUND = "Not found or outside scope"


def answers(ok, refused=REFUSED, missing=NOT_FOUND):
    """The responses of an endpoint on one record: 200 `ok`, 400 `refused`, 404 `missing`."""
    return {200: ok, 400: refused, 404: missing}


def operation(method, summary, responses, *, path=None, body=None, **fields):
    """Declare the OpenAPI operation of a custom endpoint in its docstring.

    responses: {status: description, or a whole response object}; path: {name: type} of the
    path parameters; body: "json" for a JSON object, or the name of the multipart field of an
    uploaded file; fields: any other field of the operation (parameters, description, security).
    """
    op = dict(fields)
    parameters = [{"in": "path", "name": name, "required": True, "schema": {"type": kind}}
                  for name, kind in (path or {}).items()] + op.pop("parameters", [])
    if parameters:
        op["parameters"] = parameters
    if body == "json":
        op["requestBody"] = {"content": {"application/json": {"schema": {"type": "object"}}}}
    elif body:
        op["requestBody"] = {"content": {"multipart/form-data": {"schema": {
            "type": "object",
            "properties": {body: {"type": "string", "format": "binary"}}}}}}
    op["responses"] = {status: answer if isinstance(answer, dict) else {"description": answer}
                       for status, answer in responses.items()}
    doc = yaml.safe_dump({method: op}, sort_keys=False, allow_unicode=True)

    def declare(func):
        func.__doc__ = f"{summary}\n---\n{doc}"
        return func
    return declare


def endpoint(name, url, method, handler, spec, permission=None):
    """handler(self, **url parameters) as the protected endpoint `name` (what FAB's permission
    and spec lookups go by) at `url`; spec: an `operation(...)`; permission: the permission
    it takes (permission_name), when not method_permission_name's."""
    handler.__name__ = handler.__qualname__ = name
    if permission:
        handler._permission_name = permission
    return expose(url, methods=[method])(protect()(safe(spec(handler))))


def file_endpoints(field, read, store, *, get_summary, put_summary, served):
    """GET and PUT /<pk>/<field>, named `<field>_get` and `<field>_put`, within the user's
    scope (404 otherwise): GET answers read(item) → (data, content type, file name or None),
    404 on FileNotFoundError; PUT passes the upload in multipart field `field` to
    store(item, data, file name) and saves the record.
    Use: `photo_get, photo_put = file_endpoints("photo", …)` in a ScopedModelRestApi."""
    url = f"/<int:pk>/{field}"

    def get(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            return self.response_404()
        try:
            data, content_type, name = read(item)
        except FileNotFoundError:
            return self.response_404()
        return stored_response(data, content_type, name)

    def put(self, pk):
        item = self.datamodel.get(pk, self._write_filters())
        if item is None:
            return self.response_404()
        return put_upload(self, item, field, lambda data, name: store(item, data, name))

    pk = {"pk": "integer"}
    return (endpoint(f"{field}_get", url, "GET", get, operation(
                "get", get_summary, answers(served, refused="Bad request"), path=pk)),
            endpoint(f"{field}_put", url, "PUT", put, operation(
                "put", put_summary, answers("Stored"), path=pk, body=field)))


def run_action(api, item, action, **payload):
    """Run action(session), a service's action on `item` (already in the caller's write
    scope), in one transaction: 200 with the record after it and `payload`, 400 with the
    rule's message, 404 when it reaches outside scope."""
    session = api.datamodel.session
    try:
        with atomic(session):
            action(session)
    except OutOfScope:
        return api.response_404()
    except RuleViolation as violation:
        return api.response_400(message=violation.as_dict())
    session.refresh(item)
    return api.response(200, **{API_RESULT_RES_KEY: api.show_model_schema.dump(item)},
                        **payload)
