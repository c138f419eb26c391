"""No page issues a query per row: every scoped list page runs a small fixed number of SQL
statements, the same at 10 and at 100 rows per page. New list views are found by themselves
(every ScopedModelView registered on the app)."""
import pytest

from app.views.base import ScopedModelView

MAX_QUERIES = 15
USERS = ("admin", "police_hz", "company_hz", "association")


def _list_views(app):
    return sorted(view.__class__.__name__ for view in app.appbuilder.baseviews
                  if isinstance(view, ScopedModelView))


@pytest.mark.parametrize("user", USERS)
def test_list_pages_issue_a_fixed_small_number_of_queries(app, client_for, count_queries, user):
    client = client_for(user)
    checked, grew = 0, False
    for name in _list_views(app):
        url = f"/{name.lower()}/list/"
        small, n_small = count_queries(client, url, **{f"psize_{name}": 10})
        if small.status_code != 200:
            continue  # the role may not read this resource (covered by the matrix)
        large, n_large = count_queries(client, url, **{f"psize_{name}": 100})
        assert large.status_code == 200
        assert n_small <= MAX_QUERIES, (url, n_small)
        assert n_large == n_small, (url, n_small, n_large)
        checked += 1
        grew |= large.get_data(as_text=True).count("/show/") > \
            small.get_data(as_text=True).count("/show/")
    assert checked >= 5 and grew, "page size must really change the rows rendered"


@pytest.mark.parametrize("user", ["company_hz", "police_hz", "association"])
def test_home_page_counts_are_cheap(app, client_for, count_queries, user):
    """The dashboard reads a fresh snapshot (docs/dashboard.md); taking one is the beat
    task's work, not the page's, so the test takes it first (the page takes one only when
    the last is older than DASHBOARD_MAX_AGE_MINUTES)."""
    from app.extensions import db
    from app.services import dashboard
    with app.app_context():
        dashboard.refresh(db.session)
        db.session.commit()
    _response, n = count_queries(client_for(user), "/")
    assert n <= MAX_QUERIES


@pytest.mark.parametrize("page", [0, 1, 2])
def test_pages_by_ids_keep_order_and_scope(client_for, db_session, page):
    """Lists fetch a page's ids first, then the rows: the page holds exactly the rows of
    that page in the list's order (newest first, id as tie-breaker), inside the scope."""
    import re
    from sqlalchemy import select
    from app.models import Dispatch, Unit
    html = client_for("police_hz").get(
        f"/dispatchview/list/?psize_DispatchView=10&page_DispatchView={page}"
    ).get_data(as_text=True)
    shown = [int(i) for i in re.findall(r'/dispatchview/show/(\d+)"', html)]
    shown = list(dict.fromkeys(shown))
    expected = [row.id for row in db_session.query(Dispatch).filter(
        Dispatch.unit_id.in_(select(Unit.id).where(Unit.region_code.like("3301%"))))
        .order_by(Dispatch.start_date.desc(), Dispatch.id.desc())
        .offset(page * 10).limit(10)]
    assert shown == expected and expected
