"""Per-request state for objects FAB keeps once per app (docs/concurrency.md).

A view or REST resource is one object for the whole process, shared by every thread of a
threaded server (`python run.py`, gunicorn gthread). Two of FAB's per-view objects carry
state of the request being served:

- the marshmallow schema of a REST resource remembers the ORM instance it loads into
  (`schema.instance`, marshmallow-sqlalchemy): a concurrent PUT swapped it, so one request
  wrote into another request's instance (session), or loaded into a new transient instance
  whose every field counted as changed ("the kind was changed", 400; "Object is already
  attached to session", 500);
- `view._filters` holds the URL/rison filters of the current list request (cleared and
  refilled by every request): a concurrent request could run with another user's filters.

`load()` loads through a copy of the schema made for this call; `install()` makes `_filters`
a value of the request (flask.g). Nothing here holds an ORM instance beyond a request.
"""
import copy

from flask import g, has_request_context
from flask_appbuilder.api import ModelRestApi
from flask_appbuilder.baseviews import BaseCRUDView


def load(schema, data, instance=None):
    """schema.load(data, instance=…) on a shallow copy of `schema`, so that the instance
    (and session) marshmallow-sqlalchemy keeps on the schema during the load belong to
    this call only. The copy shares the field objects, which keep no per-load state."""
    own = copy.copy(schema)
    own.instance = None
    own._session = None
    own._transient = None
    return own.load(data, instance=instance)


class RequestLocalFilters:
    """Stands for a view's `_filters`: what FAB assigns at start-up is kept as a template;
    each request reads and fills its own empty copy of it (one per view, in flask.g)."""

    def __set_name__(self, owner, name):
        self.slot = "_filters_template"

    def __set__(self, view, filters):
        view.__dict__[self.slot] = filters

    def __get__(self, view, owner=None):
        if view is None:
            return self
        template = view.__dict__.get(self.slot)
        if template is None or not has_request_context():
            return template
        per_request = g.setdefault("_view_filters", {})
        filters = per_request.get(id(view))
        if filters is None:
            # A shallow copy: the column → filter-class maps are read-only after start-up;
            # the active filters and values get fresh lists.
            filters = copy.copy(template)
            filters.clear_filters()
            per_request[id(view)] = filters
        return filters


def install():
    """Make `_filters` request-local on every FAB CRUD view and REST resource (idempotent);
    before any view is instantiated."""
    for cls in (BaseCRUDView, ModelRestApi):
        if not isinstance(cls.__dict__.get("_filters"), RequestLocalFilters):
            descriptor = RequestLocalFilters()
            descriptor.__set_name__(cls, "_filters")
            cls._filters = descriptor
