"""People and staff on the generic pages and REST: the clerk's confirmation of an entered
identity (the population-registry rule is personnel.confirm_identity), and the add path of
an employment, which both layers share."""
from flask import current_app, g

from app.services import personnel
from app.services.registry import get_registry


def confirm_registry(confirmed):
    """Keep, for this request's save, whether the clerk confirmed the entered identity (the
    add form's box, or `"registry_confirmed": true` in a REST body)."""
    g.registry_confirmed = bool(confirmed)


def registry_confirmation(session):
    """(population registry, whether the clerk confirmed the entered identity) for the
    generic add paths; personnel.confirm_identity applies the rule."""
    return get_registry(session, current_app.config), bool(g.get("registry_confirmed"))


class EmploymentAdd:
    """A new employment on the generic staff page and over REST: the save check, then the
    registry rule for the employed person and the staff-added hooks."""

    def pre_add(self, item):
        super().pre_add(item)
        registry, confirmed = registry_confirmation(self.datamodel.session)
        personnel.employment_added(self.datamodel.session, item, registry, confirmed=confirmed)
