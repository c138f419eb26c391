"""Home page: who you are, what your scope covers, and the counts in it."""
from flask import g
from flask_appbuilder import IndexView, expose
from sqlalchemy import func

from app.extensions import db
from app.models import Dispatch, Employment, Person, Unit
from app.security.roles import ROLE_LABELS
from app.security.scope import current_scope, scope_clause
from app.services import screening


def scope_counts(scope):
    """Counts of the records the scope covers (the same clauses as every list)."""
    session = db.session

    def count(model, *conditions):
        return session.query(func.count(model.id)).filter(
            scope_clause(model, scope), *conditions).scalar()

    return {
        "units": count(Unit),
        "guards": count(Employment, Employment.role == "guard", Employment.end_date.is_(None)),
        "part_time_guards": count(Employment, Employment.role == "part_time_guard",
                                  Employment.end_date.is_(None)),
        "people": people_count(session, scope),
        "active_dispatches": count(Dispatch, Dispatch.end_date.is_(None)),
    }


def people_count(session, scope):
    """People in scope: those who work or worked at a unit in it (the person rule of the
    scope), counted over the employments of those units through their index rather than by
    probing every person in the province."""
    if scope.read_all:
        return session.query(func.count(Person.id)).scalar()
    return session.query(func.count(func.distinct(Employment.person_id))).filter(
        scope_clause(Employment, scope)).scalar()


class HomeView(IndexView):
    index_template = "home.html"

    @expose("/")
    def index(self):
        user = getattr(g, "user", None)
        scope = current_scope()
        context = {}
        if user is not None and user.is_authenticated and not scope.denied:
            context = dict(role_label=ROLE_LABELS.get(scope.role, ""),
                           counts=scope_counts(scope), scope=scope,
                           screening_counts=screening.open_counts(db.session, scope))
        return self.render_template(self.index_template, appbuilder=self.appbuilder,
                                    **context)
