"""统计分析 (issue 15): a stale snapshot is shown as it is and its refresh is started once —
the stat_refresh claim lets one refresh run at a time (docs/dashboard.md, "Snapshots")."""
import datetime as dt

import pytest
from sqlalchemy import func

from app.models import StatSnapshot
from app.models.base import utcnow
from app.services import dashboard


@pytest.fixture
def engine(app):
    from app.extensions import db
    with app.app_context():
        dashboard.release_refresh(db.engine)
        yield db.engine
        dashboard.release_refresh(db.engine)


def _age_snapshot(app, minutes):
    """The newest snapshot made `minutes` old; its id and 截至 text."""
    from app.extensions import db
    with app.app_context():
        if dashboard.latest(db.session) is None:
            dashboard.refresh(db.session)
        snapshot = dashboard.latest(db.session)
        snapshot.taken_at = utcnow().replace(microsecond=0) - dt.timedelta(minutes=minutes)
        db.session.commit()
        return snapshot.id, snapshot.taken_at.strftime("%Y-%m-%d %H:%M")


def _snapshot_ids(app):
    """The newest snapshot's id, as a list (empty: none); the one before it is kept as well
    (dashboard.refresh), and nothing older."""
    from app.extensions import db
    with app.app_context():
        ids = [i for (i,) in db.session.query(StatSnapshot.id).order_by(StatSnapshot.id)]
        db.session.remove()
    assert len(ids) <= 2, ids
    return ids[-1:]


def test_one_claim_at_a_time(engine):
    now = utcnow()
    assert dashboard.claim_refresh(engine, now)
    assert not dashboard.claim_refresh(engine, now)
    assert not dashboard.claim_refresh(engine, now + dashboard.CLAIM_EXPIRES
                                       - dt.timedelta(seconds=1))
    # A claim older than CLAIM_EXPIRES is a lost worker's: taken over once.
    later = now + dashboard.CLAIM_EXPIRES + dt.timedelta(seconds=1)
    assert dashboard.claim_refresh(engine, later)
    assert not dashboard.claim_refresh(engine, later)
    dashboard.release_refresh(engine)
    assert dashboard.claim_refresh(engine, later)


def test_a_stale_page_shows_its_snapshot_and_enqueues_one_refresh(app, client_for, engine,
                                                                  monkeypatch):
    queued = []
    monkeypatch.setattr(dashboard, "_ENQUEUE", lambda: queued.append(1))
    snapshot_id, taken = _age_snapshot(app, 60)
    client = client_for("police_hz")
    for _ in range(3):       # three stale pages, one refresh queued (the claim holds)
        page = client.get("/").get_data(as_text=True)
        assert taken in page and 'id="panel-staff"' in page
    assert queued == [1]
    assert _snapshot_ids(app) == [snapshot_id]          # nothing computed in the request
    dashboard.release_refresh(engine)                   # the task ran and let go
    client.get("/")
    assert queued == [1, 1]


def test_eager_the_stale_page_refreshes_once_and_not_beside_a_running_one(
        app, client_for, engine):
    """No broker: the task runs in the request (a session of its own), once."""
    snapshot_id, _taken = _age_snapshot(app, 60)
    client = client_for("admin")
    assert dashboard.claim_refresh(engine)               # a refresh already running
    client.get("/")
    assert _snapshot_ids(app) == [snapshot_id]
    dashboard.release_refresh(engine)
    page = client.get("/").get_data(as_text=True)
    (new_id,) = _snapshot_ids(app)
    assert new_id > snapshot_id
    assert dashboard.claim_refresh(engine)               # the task let the claim go
    dashboard.release_refresh(engine)
    assert 'id="panel-staff"' in page
    client.get("/")                                      # fresh now: nothing more
    assert _snapshot_ids(app) == [new_id]


def test_beat_skips_while_a_refresh_runs(app, engine):
    from app.tasks.maintenance import refresh_dashboard
    with app.app_context():
        assert dashboard.claim_refresh(engine)
        before = _snapshot_ids(app)
        assert refresh_dashboard.delay().get() is None
        assert _snapshot_ids(app) == before
        dashboard.release_refresh(engine)
        assert refresh_dashboard.delay().get() > max(before)


def test_without_any_snapshot_the_page_takes_one(app, client_for, engine):
    from app.extensions import db
    from app.models import StatCount
    with app.app_context():
        db.session.query(StatCount).delete()
        db.session.query(StatSnapshot).delete()
        db.session.commit()
    page = client_for("police_hz").get("/").get_data(as_text=True)
    assert len(_snapshot_ids(app)) == 1 and 'id="dash-taken-at"' in page
    with app.app_context():
        assert db.session.query(func.count(StatCount.snapshot_id)).scalar() > 0
        db.session.remove()
