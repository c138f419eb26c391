"""Home page: who you are, what your scope covers, and the counts in it."""
from flask import g
from flask_appbuilder import IndexView, expose

from app.extensions import db
from app.models import Dispatch, Employment, Unit
from app.security.roles import ROLE_LABELS
from app.security.scope import current_scope, scoped_count
from app.services import screening


def scope_counts(scope):
    """Counts of the records the scope covers (the same clauses as every list)."""
    session = db.session

    def count(model, *conditions):
        return scoped_count(session, model, scope, *conditions)

    return {
        "units": count(Unit),
        "guards": count(Employment, Employment.role == "guard", Employment.end_date.is_(None)),
        "part_time_guards": count(Employment, Employment.role == "part_time_guard",
                                  Employment.end_date.is_(None)),
        # Other active staff (key managers, students, instructors …): a current figure that
        # the active-staff index counts; everyone ever employed in a city was 35 ms a visit.
        "other_staff": count(Employment, Employment.role.notin_(("guard", "part_time_guard")),
                             Employment.end_date.is_(None)),
        "active_dispatches": count(Dispatch, Dispatch.end_date.is_(None)),
    }


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
