"""统计分析 (issue 15): the home dashboard of each scope, and every figure's drill-down —
the list a figure links to counts exactly the figure, for several roles. Figures are also
checked against counts written here independently of app.services.dashboard."""
import datetime as dt
import html
import re

import pytest
from sqlalchemy import func

from app.models import Dispatch, Employment, Unit
from app.security.scope import Scope
from app.services import dashboard

FIGURE = re.compile(r'<a class="dash-figure"(?: id="[^"]*")? href="([^"]+)">(\d+)</a>')
RECORD_COUNT = re.compile(r"<strong>[^<]*:</strong>\s*(\d+)")
ROLES = ["admin", "association", "police_hz", "police_sc", "company_hz"]


@pytest.fixture(autouse=True)
def fresh_snapshot(app):
    """The figures of the data as it stands (other tests write between snapshots)."""
    from app.extensions import db
    with app.app_context():
        dashboard.refresh(db.session)
        db.session.commit()


def _figures(client):
    response = client.get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    return page, [(html.unescape(url), int(n)) for url, n in FIGURE.findall(page)]


def _list_count(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    match = RECORD_COUNT.search(response.get_data(as_text=True))
    if match is None:  # FAB shows no count for an empty list
        assert "No records found" in response.get_data(as_text=True) or \
            "没有找到记录" in response.get_data(as_text=True), url
        return 0
    return int(match.group(1))


@pytest.mark.parametrize("username", ROLES)
def test_every_figure_opens_a_list_of_the_same_count(client_for, username):
    client = client_for(username)
    page, figures = _figures(client)
    assert 'id="panel-staff"' in page and 'id="panel-certificates"' in page
    assert len(figures) > 20, username
    nonzero = 0
    for url, figure in figures:
        assert _list_count(client, url) == figure, (username, url, figure)
        nonzero += figure > 0
    assert nonzero > 5, username


def test_breakdown_follows_the_scope(client_for):
    page = client_for("admin").get("/").get_data(as_text=True)
    assert "宁波市" in page and "杭州市" in page           # the province by city
    page = client_for("police_hz").get("/").get_data(as_text=True)
    assert "上城区" in page and "宁波" not in page          # a city by district
    page = client_for("company_nb").get("/").get_data(as_text=True)
    assert "上城区" not in page and "杭州" not in page      # a company only itself


def test_figures_equal_an_independent_recount(app, db_session):
    """The service's grouped counts against plain counts of the rows."""
    fig = dashboard.figures(db_session, Scope(role="city_police", region_prefix="3301"))
    assert fig.taken_at is not None
    district = func.substr(Unit.region_code, 1, 6)
    units = dict(db_session.query(district, func.count())
                 .filter(Unit.region_code.startswith("3301")).group_by(district))
    assert {a: sum(fig.at("unit_kind", a, k) for k in fig.values["unit_kind"])
            for a in fig.areas if any(fig.at("unit_kind", a, k) for k in
                                      fig.values["unit_kind"])} == units
    guards = db_session.query(Employment).join(Unit).filter(
        Unit.region_code.startswith("3301"), Employment.role == "guard",
        Employment.end_date.is_(None)).count()
    assert fig.total("staff", "guard") == guards
    active = db_session.query(Dispatch).join(Unit).filter(
        Unit.region_code.startswith("3301"), Dispatch.end_date.is_(None)).count()
    assert sum(fig.total("dispatch_tier", t) for t in ("1", "2", "3")) == active


def test_a_snapshot_follows_writes_and_replaces_the_last(app, db_session):
    """The next snapshot counts a write; one snapshot is kept; the figures read the
    newest."""
    from app.models import StatSnapshot
    scope = Scope(role="province_admin", read_all=True, write_all=True)
    before = dashboard.figures(db_session, scope, families=["staff", "trend_left"])
    employment = db_session.query(Employment).filter(Employment.role == "student",
                                                     Employment.end_date.is_(None)).first()
    employment.end_date = dt.date.today()
    db_session.flush()
    unchanged = dashboard.figures(db_session, scope, families=["staff"])
    assert unchanged.total("staff", "student") == before.total("staff", "student")
    dashboard.refresh(db_session)
    newest = dashboard.latest(db_session).id
    # The previous snapshot stays (a page may be reading it), nothing older.
    dashboard.refresh(db_session)
    kept = [i for (i,) in db_session.query(StatSnapshot.id).order_by(StatSnapshot.id)]
    assert kept == [newest, dashboard.latest(db_session).id]
    after = dashboard.figures(db_session, scope, families=["staff", "trend_left"])
    month = f"{dt.date.today():%Y-%m}"
    assert after.total("staff", "student") == before.total("staff", "student") - 1
    assert after.total("trend_left", month) == before.total("trend_left", month) + 1


def test_a_wrong_figure_shows_nothing(client_for):
    client = client_for("admin")
    assert _list_count(client, "/employmentview/list/?figure=unit_kind:company") == 0
    assert _list_count(client, "/unitview/list/?figure=unit_kind:nonsense") == 0
    assert _list_count(client, "/unitview/list/?figure=unit_kind:company&area=x1") == 0


def test_working_day_cutoff():
    monday = dt.date(2026, 11, 30)
    cutoff = dashboard.working_day_cutoff(monday, 3)
    assert cutoff.weekday() in (2, 3) and cutoff < monday


def test_a_long_unit_breakdown_shows_the_biggest_and_totals_all():
    from app.views.home import MAX_UNIT_ROWS, _area_panel
    areas = [f"u{i}" for i in range(MAX_UNIT_ROWS + 7)]
    cells = {"staff": {(a, "guard"): i for i, a in enumerate(areas)}}
    fig = dashboard.Figures("unit", areas, {a: a for a in areas}, {}, cells,
                            {"staff": {"guard": sum(range(len(areas)))}}, {}, dt.date.today())
    panel = _area_panel(fig, lambda *args: None, "staff", "t",
                        [("staff", "guard", "guards", "")])
    assert len(panel.rows) == MAX_UNIT_ROWS and panel.hidden == 7
    assert panel.rows[0][1][0].figure == len(areas) - 1          # the biggest first
    assert panel.total[0].figure == sum(range(len(areas)))


def test_the_beat_task_takes_a_snapshot(app):
    """Beat's dashboard-refresh entry runs the task that replaces the snapshot (eager here)."""
    from app.extensions import db
    from app.models import StatSnapshot
    from app.tasks.maintenance import refresh_dashboard
    from app.tasks.schedule import BEAT_SCHEDULE
    assert BEAT_SCHEDULE["dashboard-refresh"]["task"] == refresh_dashboard.name
    with app.app_context():
        before = db.session.query(func.max(StatSnapshot.id)).scalar()
        new_id = refresh_dashboard.delay().get()
        db.session.expire_all()
        assert new_id > before
        kept = [i for (i,) in db.session.query(StatSnapshot.id).order_by(StatSnapshot.id)]
        assert kept[-1] == new_id and len(kept) <= 2
