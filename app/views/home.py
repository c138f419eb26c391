"""Home page: who you are, what your scope covers, and the counts in it — the tiles of the
user's kind of unit (a school counts 学员 and 教员 and has no guards or dispatches)."""
from flask import g
from flask_appbuilder import IndexView, expose
from flask_babel import lazy_gettext as _l
from sqlalchemy import func

from app.extensions import db
from app.models import Dispatch, Employment, Unit
from app.security.roles import ROLE_LABELS, TRAINING_USER
from app.security.scope import current_scope, scope_clause, scoped_count
from app.services import screening

GUARD_ROLES = ("guard", "part_time_guard")


def scope_counts(scope):
    """Counts of the records the scope covers (the same clauses as every list)."""
    session = db.session

    def count(model, *conditions):
        return scoped_count(session, model, scope, *conditions)

    # Active staff by role in one count over the active-staff index.
    by_role = dict(session.query(Employment.role, func.count()).filter(
        scope_clause(Employment, scope, session=session), Employment.end_date.is_(None))
        .group_by(Employment.role).all())
    return {
        "units": count(Unit),
        "guards": by_role.get("guard", 0),
        "part_time_guards": by_role.get("part_time_guard", 0),
        # Everyone active who is not a guard (key managers, students, instructors …).
        "other_staff": sum(n for role, n in by_role.items() if role not in GUARD_ROLES),
        "staff_other": by_role.get("other_staff", 0),     # the role 其他人员 alone
        "students": by_role.get("student", 0),
        "instructors": by_role.get("instructor", 0),
        "active_dispatches": count(Dispatch, Dispatch.end_date.is_(None)),
    }


_TILES = {
    "units": ("units", _l("Units")),
    "guards": ("guards", _l("Active guards")),
    "part_time_guards": ("part_time_guards", _l("Active part-time guards")),
    "other_staff": ("staff_other", _l("Other active staff")),
    "students": ("students", _l("Active students")),
    "instructors": ("instructors", _l("Active instructors")),
    "active_dispatches": ("active_dispatches", _l("Active dispatches")),
}
SCHOOL_TILES = ("units", "students", "instructors", "other_staff")
COMPANY_TILES = ("units", "guards", "part_time_guards", "other_staff", "active_dispatches")


def home_tiles(scope, counts):
    """(id, label, figure) of the home page's tiles: a school's staff kinds for a school, a
    company's for the other units, every kind for the police and the association."""
    if scope.role == TRAINING_USER:
        keys = SCHOOL_TILES
    elif scope.is_unit_user:
        keys = COMPANY_TILES
    else:
        keys = tuple(_TILES)
    return [(key, _TILES[key][1], counts[_TILES[key][0]]) for key in keys]


class HomeView(IndexView):
    index_template = "home.html"

    @expose("/")
    def index(self):
        user = getattr(g, "user", None)
        scope = current_scope()
        context = {}
        if user is not None and user.is_authenticated and not scope.denied:
            counts = scope_counts(scope)
            context = dict(role_label=ROLE_LABELS.get(scope.role, ""), counts=counts,
                           tiles=home_tiles(scope, counts), scope=scope,
                           screening_counts=screening.open_counts(db.session, scope))
        return self.render_template(self.index_template, appbuilder=self.appbuilder,
                                    **context)
