"""Home page: who you are, what your scope covers, and the counts in it — the tiles of the
user's kind of unit (a school counts 学员 and 教员 and has no guards or dispatches), the
queues waiting for the user, and the 统计分析 dashboard of the scope (app.services.dashboard,
docs/dashboard.md): every figure a link to the list that counts it."""
import datetime as dt
from urllib.parse import quote
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from flask import current_app, g, url_for
from flask_appbuilder import IndexView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from app.extensions import db
from app.security.roles import ROLE_LABELS, TRAINING_USER
from app.security.scope import current_scope
from app.services import dashboard, screening

GUARD_ROLES = ("guard", "part_time_guard")


def scope_counts(fig):
    """The tiles' counts of a scope, from its dashboard figures (the newest snapshot)."""
    roles = fig.totals.get("staff", {})
    return {
        "units": sum(fig.totals.get("unit_kind", {}).values()),
        "guards": roles.get("guard", 0),
        "part_time_guards": roles.get("part_time_guard", 0),
        # Everyone active who is not a guard (key managers, students, instructors …).
        "other_staff": sum(n for role, n in roles.items() if role not in GUARD_ROLES),
        "staff_other": roles.get("other_staff", 0),     # the role 其他人员 alone
        "students": roles.get("student", 0),
        "instructors": roles.get("instructor", 0),
        # Every dispatch serves a target of some category, hence some tier.
        "active_dispatches": sum(fig.totals.get("dispatch_tier", {}).values()),
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


# ------------------------------------------------------------------ the dashboard

class Cell(NamedTuple):
    figure: object                # a count, or a percentage (text) for 持证率
    url: str | None = None        # the scoped list with the figure's own filters


@dataclass
class Panel:
    """One table of the dashboard (and its chart, drawn from the table by
    static/js/dashboard.js): rows × columns of linked figures and a total row."""
    key: str
    title: object
    row_title: object
    columns: list                 # (label, colour class or "")
    rows: list = field(default_factory=list)    # (label, [Cell])
    total: list | None = None
    hidden: int = 0               # units left out of a long unit breakdown (the total has them)
    chart: str = "bar"            # bar / line / none

    def table_html(self):
        """The table's head, rows and total as one string: some 1,000 linked figures cost
        a template loop 20–30 ms per page at 300,000 people, joined strings a few
        (bench-results/DASHBOARD.md)."""
        head = "".join(
            f'<th data-colour-class="{colour}"><span class="tier-badge {colour}">'
            f'{escape(label)}</span></th>' if colour else f"<th>{escape(label)}</th>"
            for label, colour in self.columns)
        out = [f"<thead><tr><th>{escape(self.row_title)}</th>{head}</tr></thead><tbody>"]
        for label, cells in self.rows:
            out.append(f'<tr><th scope="row">{escape(label)}</th>')
            out.extend(map(_td, cells))
            out.append("</tr>")
        if not self.rows:
            out.append(f'<tr><td colspan="{len(self.columns) + 1}" class="text-muted">'
                       f'{escape(_("No records in your scope."))}</td></tr>')
        out.append("</tbody>")
        if self.total:
            out.append(f'<tfoot><tr><th scope="row">{escape(_("Total"))}</th>')
            out.extend(_td(cell, total=True) for cell in self.total)
            out.append("</tr></tfoot>")
        return Markup("".join(out))


def _td(cell, total=False):
    """A figure's cell: the figure linked to its list (data-value: the chart's number)."""
    figure, url = cell
    text = figure if type(figure) is int else escape(figure)
    value = "" if total else f' data-value="{text}"'
    if url:
        return f'<td class="text-right"{value}><a class="dash-figure" href="{escape(url)}">' \
               f"{text}</a></td>"
    return f'<td class="text-right"{value}>{text}</td>'


@lru_cache(maxsize=8192)
def _figure_query(figure, area):
    """The query of a figure's list (quoted once per figure and area, not per page)."""
    return f"figure={quote(figure, safe=':')}" + (f"&area={quote(area)}" if area else "")


class DashboardLinks:
    """The URL of a figure's list, when the user may read that list."""

    def __init__(self, appbuilder, scope):
        self.sm = appbuilder.sm
        # A police total counts the jurisdiction's nodes: its link names the jurisdiction.
        self.scope_area = scope.region_prefix
        self.permission = {type(v).__name__: v.class_permission_name
                           for v in appbuilder.baseviews}
        self.bases = {}           # family: its list's URL, or None when the user may not read

    def __call__(self, family_key, value=None, area=None):
        base = self.bases.get(family_key, False)
        if base is False:
            endpoint = dashboard.FAMILIES[family_key].endpoint
            permission = self.permission.get(endpoint)
            # One url_for per list, the figure's arguments appended (hundreds of links).
            base = self.bases[family_key] = url_for(f"{endpoint}.list") \
                if permission and self.sm.has_access("can_read", permission) else None
        if base is None:
            return None
        figure = family_key if value is None else f"{family_key}:{value}"
        return f"{base}?{_figure_query(figure, area or self.scope_area)}"


# A district's breakdown by unit lists the units with the most in each table (the lowest
# 持证率 first); the total row counts them all, 统计报表 lists every unit.
MAX_UNIT_ROWS = 20


def _area_panel(fig, link, key, title, columns, rows=None):
    """Areas down, (family, value, label, colour) across."""
    panel = Panel(key, str(title), str(_AREA_TITLES[fig.level]),
                  [(str(label), colour) for _f, _v, label, colour in columns])
    areas = rows if rows is not None else fig.areas
    if fig.level == "unit" and len(areas) > MAX_UNIT_ROWS:
        if rows is None:
            areas = sorted(areas, key=lambda a: -sum(fig.at(f, a, v)
                                                     for f, v, _l2, _c in columns))
        panel.hidden = len(areas) - MAX_UNIT_ROWS
        areas = areas[:MAX_UNIT_ROWS]
    for area in areas:
        panel.rows.append((fig.area_names.get(area, area), [
            Cell(fig.at(f, area, v), link(f, v, area)) for f, v, _l2, _c in columns]))
    panel.total = [Cell(fig.total(f, v), link(f, v)) for f, v, _l2, _c in columns]
    return panel


def _value_panel(fig, link, key, title, family, row_title, colours=None):
    """One family's values down (a category, an item, a state)."""
    panel = Panel(key, str(title), str(row_title), [(str(_l("Count")), "")])
    for value, label in fig.values[family].items():
        panel.rows.append((label, [Cell(fig.total(family, value), link(family, value))]))
    panel.total = [Cell(sum(c[1][0].figure for c in panel.rows), None)]
    return panel


_AREA_TITLES = {"city": _l("City"), "district": _l("District"), "unit": _l("Unit")}
TIER_CLASS = {value: f"tier-{colour}" for value, colour in dashboard.TIER_COLOURS.items()}


def dashboard_panels(fig, link):
    """The dashboard's tables in reading order (docs/dashboard.md)."""
    from app.models.choices import UNIT_KINDS, UNIT_STATUSES
    panels = [
        _area_panel(fig, link, "units", _l("Units by kind and status"),
                    [("unit_kind", k, label, "") for k, label in UNIT_KINDS.items()]
                    + [("unit_status", k, label, "") for k, label in UNIT_STATUSES.items()]),
        _area_panel(fig, link, "staff", _l("Active staff"),
                    [("staff", k, label, "") for k, label in fig.values["staff"].items()]),
    ]
    rate = _area_panel(fig, link, "certificates", _l("Guard certificate rate (lowest first)"),
                       [("staff", "guard", _l("Active guards"), ""),
                        ("certified", None, _l("Holding a valid guard certificate"), ""),
                        ("uncertified_dispatched", None,
                         _l("Dispatched without a valid guard certificate"), "")],
                       rows=fig.areas_by_rate())
    rate.columns.insert(2, (str(_l("Certificate rate (%)")), ""))
    for (label, cells), area in zip(rate.rows, fig.areas_by_rate()):  # rows in this order
        cells.insert(2, Cell(_percent(fig.rate(area))))
    rate.total.insert(2, Cell(_percent(fig.rate())))
    panels.append(rate)
    panels += [
        _area_panel(fig, link, "tiers", _l("Active dispatches by tier"),
                    [("dispatch_tier", k, label, TIER_CLASS.get(k, ""))
                     for k, label in fig.values["dispatch_tier"].items()]),
        _value_panel(fig, link, "categories", _l("Active dispatches by target category"),
                     "dispatch_category", _l("Target category")),
        _area_panel(fig, link, "screening_who", _l("Screening: open items by who must act"),
                    [("identity_who", "unit", _l("Identity cases · unit"), ""),
                     ("identity_who", "police", _l("Identity cases · police"), ""),
                     ("alert_who", "unit_attention", _l("Background alerts · unit"), ""),
                     ("alert_who", "police", _l("Background alerts · police"), "")]),
        _area_panel(fig, link, "screening_wait", _l("Screening: open items by waiting time"),
                    [("identity_wait", k, _l("Identity cases") + " · " + str(label), "")
                     for k, label in dashboard.WAIT_BANDS.items()]
                    + [("alert_wait", k, _l("Background alerts") + " · " + str(label), "")
                       for k, label in dashboard.WAIT_BANDS.items()]),
        _area_panel(fig, link, "deadlines", _l("Open applications near or past the deadline"),
                    [("app_deadline", k, label, "")
                     for k, label in fig.values["app_deadline"].items()]),
        _value_panel(fig, link, "app_items", _l("Open applications by item"), "app_item",
                     _l("Item")),
        _value_panel(fig, link, "app_states", _l("Open applications by state"), "app_status",
                     _l("State")),
    ]
    trend = Panel("trends", str(_l("Trends over the last 12 months")), str(_l("Month")),
                  [(fig.titles[f], "") for f in dashboard.TREND_FAMILIES], chart="line")
    for month in fig.values[dashboard.TREND_FAMILIES[0]]:
        trend.rows.append((month, [Cell(fig.total(f, month), link(f, month))
                                   for f in dashboard.TREND_FAMILIES]))
    trend.total = [Cell(sum(fig.total(f, m) for m in fig.values[f]), None)
                   for f in dashboard.TREND_FAMILIES]
    panels.append(trend)
    return panels


def _percent(value):
    return "—" if value is None else f"{value:.1f}"


def current_snapshot():
    """The newest snapshot, shown as it is with its 截至 time. Older than
    DASHBOARD_MAX_AGE_MINUTES (beat keeps it younger): the refresh task is enqueued, once —
    the stat_refresh claim keeps concurrent pages from starting several (eager without a
    broker: it runs in this request, in a session of its own). No snapshot at all: taken
    here first (docs/dashboard.md)."""
    session = db.session
    snapshot = dashboard.latest(session)
    minutes = current_app.config.get("DASHBOARD_MAX_AGE_MINUTES", 10)
    if snapshot is None:
        dashboard.refresh_once(db.engine)     # under the claim, like every refresh
        snapshot = dashboard.latest(session)
    elif dashboard.is_stale(snapshot, dt.timedelta(minutes=minutes)) \
            and dashboard.request_refresh(db.engine):
        # Eager, the refresh may have committed and dropped the snapshot read above.
        snapshot = dashboard.latest(session)
    return snapshot


class HomeView(IndexView):
    index_template = "home.html"

    @staticmethod
    def _open_counts(scope, fig):
        """待办: what waits for this role, live. A unit's background checks pending are
        counted live too (a few rows); police's and the province's (a long count over every
        passed case) come from the snapshot."""
        live = screening.open_counts(db.session, scope, background=scope.is_unit_user)
        if not scope.is_unit_user:
            live["background_pending"] = fig.total("background_pending")
        return live

    @expose("/")
    def index(self):
        user = getattr(g, "user", None)
        scope = current_scope()
        context = {}
        if user is not None and user.is_authenticated and not scope.denied:
            fig = dashboard.figures(db.session, scope, snapshot=current_snapshot())
            counts = scope_counts(fig)
            links = DashboardLinks(self.appbuilder, scope)
            context = dict(role_label=ROLE_LABELS.get(scope.role, ""), counts=counts,
                           tiles=home_tiles(scope, counts), scope=scope,
                           screening_counts=self._open_counts(scope, fig),
                           panels=dashboard_panels(fig, links), taken_at=fig.taken_at,
                           tier1_targets=Cell(fig.total("tier1_targets"),
                                              links("tier1_targets")))
        return self.render_template(self.index_template, appbuilder=self.appbuilder,
                                    **context)
