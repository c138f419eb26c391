"""app.api.endpoints.operation: the docstring it writes is the operation FAB reads."""
from apispec.yaml_utils import load_operations_from_docstring

from app.api.endpoints import answers, operation


def test_operation_writes_the_spec_fab_reads():
    @operation("put", "Replace the photo", answers("Stored"), path={"pk": "integer"},
               body="photo")
    def photo_put(self, pk):
        pass

    assert photo_put.__doc__.startswith("Replace the photo\n---\n")
    assert load_operations_from_docstring(photo_put.__doc__) == {"put": {
        "parameters": [{"in": "path", "name": "pk", "required": True,
                        "schema": {"type": "integer"}}],
        "requestBody": {"content": {"multipart/form-data": {"schema": {
            "type": "object", "properties": {"photo": {"type": "string", "format": "binary"}}}}}},
        "responses": {200: {"description": "Stored"}, 400: {"description": "A rule refused it"},
                      404: {"description": "Not found or outside scope"}}}}


def test_operation_takes_whole_responses_and_other_fields():
    @operation("post", "Sign out", {401: {"$ref": "#/components/responses/401"}},
               body="json", security=[{"jwt": []}])
    def logout(self):
        pass

    assert load_operations_from_docstring(logout.__doc__) == {"post": {
        "security": [{"jwt": []}],
        "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
        "responses": {401: {"$ref": "#/components/responses/401"}}}}
