"""REST of 服务（对象）单位 and 派驻: service targets, services and dispatches, with the end
actions of app.services.dispatch; same permissions, scope and rules as the pages."""
import datetime as dt

from flask import request
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _

from app.models import Dispatch, Service, ServiceTarget
from app.security.scope import current_scope
from app.services import dispatch as workflow

from .base import ScopedModelRestApi
from .endpoints import answers, endpoint, operation, run_action


class ServiceTargetApi(ScopedModelRestApi):
    resource_name = "service_target"
    class_permission_name = "ServiceTarget"
    datamodel = SQLAInterface(ServiceTarget)
    list_columns = ["id", "name", "category.name", "category.tier", "region.code", "address"]
    show_columns = list_columns + ["contact_person", "contact_phone"]
    add_columns = ["name", "category", "region", "address", "contact_person", "contact_phone"]
    edit_columns = add_columns
    search_columns = ["name", "category"]
    order_columns = ["id", "name"]


def _ending(end, summary, ended):
    """POST /<pk>/end {"end_date": "YYYY-MM-DD", "reason": "..."} (both optional) through
    end(session, scope, item, end date, reason) of app.services.dispatch, under the write
    scope (404 outside it)."""
    def handler(self, pk):
        item = self.datamodel.get(pk, self._write_filters())
        if not item:
            return self.response_404()
        body = request.get_json(silent=True) or {}
        end_date = None
        if body.get("end_date"):
            try:
                end_date = dt.date.fromisoformat(str(body["end_date"]))
            except ValueError:
                return self.response_400(message={"end_date": [_("Not a valid date.")]})
        return run_action(self, item, lambda session: end(
            session, current_scope(), item, end_date, body.get("reason")), id=item.id)
    return endpoint("end", "/<int:pk>/end", "POST", handler, operation(
        "post", summary, answers(ended), path={"pk": "integer"}), permission="edit")


class ServiceApi(ScopedModelRestApi):
    resource_name = "service"
    class_permission_name = "Service"
    datamodel = SQLAInterface(Service)
    list_columns = ["id", "unit.id", "unit.name", "target.id", "target.name",
                    "contract_number", "start_date", "end_date",
                    "status"]
    show_columns = list_columns + ["note"]
    add_columns = ["unit", "target", "contract_number", "start_date", "end_date", "note"]
    edit_columns = ["contract_number", "start_date", "end_date", "status", "note"]
    search_columns = ["unit", "target", "status", "start_date"]
    order_columns = ["id", "start_date", "end_date"]

    end = _ending(workflow.end_service, "【解除服务】: end the service and all its active "
                  "dispatches in one transaction", "The ended service")


class DispatchApi(ScopedModelRestApi):
    resource_name = "dispatch"
    class_permission_name = "Dispatch"
    datamodel = SQLAInterface(Dispatch)
    list_columns = ["id", "service.id", "employment.id", "person.id", "person.name", "unit.id",
                    "post", "start_date", "end_date"]
    show_columns = list_columns + ["end_reason"]
    add_columns = ["service", "employment", "post", "start_date"]
    edit_columns = ["post", "start_date", "end_date", "end_reason"]
    search_columns = ["service", "employment", "start_date", "end_date"]
    order_columns = ["id", "start_date", "end_date"]

    end = _ending(workflow.end_dispatch, "取消派驻: end one dispatch", "The ended dispatch")


RESOURCES = [ServiceTargetApi, ServiceApi, DispatchApi]
