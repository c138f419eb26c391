"""比对预警 REST resources: `identity_check` and `background_alert`, read through the scope,
changed only through their actions (POST /api/v1/<resource>/<id>/<action>), which the state
machines in app.services.screening allow or refuse (400 with a Chinese message)."""
from flask import request
from flask_appbuilder.api import expose, protect, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _

from app.models import BackgroundAlert, IdentityCheck
from app.security.scope import OutOfScope, current_scope, get_scoped
from app.services import screening
from app.web.crud import METHOD_PERMISSIONS

from .base import ScopedModelRestApi
from .endpoints import answers, operation, run_action


class ScreeningApi(ScopedModelRestApi):
    """Shared: actions as endpoints. Generic writes are refused (403) by the one authority
    mechanism: cases and alerts are written by the state machine only (docs/authority.md)."""
    perform: dict = {}
    fields: tuple = ("note",)
    method_permission_name = {**METHOD_PERMISSIONS, "act": "edit"}

    def _in_write_scope(self, pk):
        try:
            return get_scoped(self.datamodel.session, self.datamodel.obj, pk, write=True)
        except OutOfScope:
            return None

    @expose("/<int:pk>/<string:name>", methods=["POST"])
    @protect()
    @safe
    @operation("post", "Take an action of the state machine on a case or an alert",
               answers("The record after the action",
                       refused="The action is not allowed for the role or the state"),
               path={"pk": "integer", "name": "string"})
    def act(self, pk, name):
        if name not in self.perform:
            return self.response_404()
        item = self._in_write_scope(pk)
        if item is None:
            return self.response_404()
        if not request.is_json:
            return self.response_400(message=_("The request body must be JSON."))
        body = request.json or {}
        kwargs = {k: body.get(k) for k in self.fields_of(name) if k in body}
        return run_action(self, item, lambda session: self.perform[name](
            session, item, current_scope(), **kwargs))

    def fields_of(self, name):
        return self.fields


IDENTITY_COLUMNS = ["id", "person.id", "person.name", "person.id_number", "unit.id",
                    "unit.name", "employment.id", "state", "reasons", "note", "attempts",
                    "last_error", "background_state", "waiting_since", "closed_at"]


class IdentityCheckApi(ScreeningApi):
    resource_name = "identity_check"
    class_permission_name = "IdentityCheck"
    datamodel = SQLAInterface(IdentityCheck)
    list_columns = show_columns = IDENTITY_COLUMNS
    search_columns = ["state", "unit", "person", "waiting_since", "created_at"]
    order_columns = ["id", "waiting_since", "state"]
    perform = screening.IDENTITY_ACTIONS

    def fields_of(self, name):
        if name == "resubmit":
            return ("name", "id_number", "note")
        if name == "return":
            return ("reason",)
        return ("note",)


class BackgroundAlertApi(ScreeningApi):
    resource_name = "background_alert"
    class_permission_name = "BackgroundAlert"
    datamodel = SQLAInterface(BackgroundAlert)
    list_columns = show_columns = ["id", "person.id", "person.name", "person.id_number",
                                   "unit.id", "unit.name", "kind", "source", "reason_code",
                                   "reason_text", "state", "note", "waiting_since",
                                   "closed_at"]
    search_columns = ["state", "kind", "unit", "person", "waiting_since", "created_at"]
    order_columns = ["id", "waiting_since", "state", "kind"]
    perform = screening.ALERT_ACTIONS


RESOURCES = [IdentityCheckApi, BackgroundAlertApi]
