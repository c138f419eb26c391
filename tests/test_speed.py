"""What keeps pages fast at province scale (docs/speed.md), checked for correctness on the
demo data: estimated counts of huge unfiltered lists, the people list counted from the
jurisdiction's employments, the jurisdiction's unit ids resolved once per request, exports
from column tuples. The speed itself is measured by `python -m tests.bench`."""
import re
from contextlib import contextmanager

from sqlalchemy import event, func

from app.extensions import db
from app.models import AppUser, Person
from app.security.scope import scope_clause, scope_for_user
from app.web.crud import column_tuples
from app.web.datamodel import EstimatedCount

COUNT = re.compile(r"记录数:</strong>\s*([^<]+?)\s*</div>")


@contextmanager
def exact_max(app, value):
    old = app.config["LIST_COUNT_EXACT_MAX"]
    app.config["LIST_COUNT_EXACT_MAX"] = value
    try:
        yield
    finally:
        app.config["LIST_COUNT_EXACT_MAX"] = old


def _count(response):
    assert response.status_code == 200
    match = COUNT.search(response.get_data(as_text=True))
    assert match, "no record count on the page"
    return match.group(1)


def _people_in_scope(app, username):
    with app.app_context():
        user = db.session.query(AppUser).filter_by(username=username).one()
        scope = scope_for_user(user)
        return db.session.query(func.count(Person.id)).filter(
            scope_clause(Person, scope)).scalar()


def test_estimated_count_reads_as_words(app):
    with app.test_request_context():
        assert str(EstimatedCount(131_532)) == "约 130,000"
        assert str(EstimatedCount(10_001, bound=True)) == "超过 10,000"
        assert EstimatedCount(131_532) // 20 == 6576   # the pager computes with the number


def test_huge_unfiltered_list_shows_an_estimate_filtered_one_exact(app, client_for):
    client = client_for("police_hz")
    exact = _count(client.get("/guardlistview/list/"))
    assert exact.isdigit() and int(exact) > 3
    with exact_max(app, 3):
        shown = _count(client.get("/guardlistview/list/"))
        if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
            assert shown == "超过 3"
        else:
            assert shown.startswith("约 ")
        # A filtered list (the user's search) is counted exactly.
        assert _count(client.get("/guardlistview/list/", query_string={"unit": "保安"})
                      ).isdigit()


def test_bare_people_list_counts_the_jurisdictions_employments(app, client_for):
    """The count from the employments equals the people the scope's person rule shows."""
    for username in ("police_hz", "police_xh", "admin", "company_hz"):
        try:
            client = client_for(username)
        except AssertionError:
            continue    # not a demo account
        assert int(_count(client.get("/personview/list/"))) == \
            _people_in_scope(app, username), username


def test_jurisdiction_unit_ids_fetched_once_per_request(app, client_for):
    from app.extensions import db as _db
    with app.app_context():
        engine = _db.engine
    seen = []

    def listener(_conn, _cursor, statement, *_args):
        seen.append(statement)
    event.listen(engine, "before_cursor_execute", listener)
    try:
        for url in ("/guardlistview/list/", "/personview/list/", "/dispatchview/list/",
                    "/identityqueueview/list/"):
            seen.clear()
            assert client_for("police_hz").get(url).status_code == 200
            lookups = [s for s in seen if re.match(
                r"SELECT unit\.id\s+FROM unit\s+WHERE unit\.region_code >=", s)]
            assert len(lookups) == 1, (url, len(lookups))
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def test_export_column_tuples_equal_the_orm_rows(app):
    from app.services.export import cell, rows_from_items
    from app.security.scope import SYSTEM
    columns = ["name", "id_number", "gender_label", "birth_date", "phone",
               "household_address"]
    with app.test_request_context():
        query = db.session.query(Person).filter(scope_clause(Person, SYSTEM)).order_by(
            Person.id)
        for masked in ((), ("id_number",)):
            # The cells as written (a date comes as its ISO text from the database).
            tuples = [[cell(v) for v in row]
                      for row in column_tuples(query, Person, columns, masked)]
            orm = [[cell(v) for v in row]
                   for row in rows_from_items(query.all(), columns, masked)]
            assert tuples == orm and len(tuples) > 10
            assert any(row[3] and len(row[3]) == 10 for row in tuples)
        # A relation's column is not a column of the model: the ORM path stays.
        assert column_tuples(query, Person, ["name", "unit.name"]) is None


def test_record_tab_keeps_the_scope_subquery(app, client_for):
    """A record page's tab lists a few rows found by the record's key: the scope stays a
    subquery there (no lookup of the jurisdiction's unit ids, no ~665 values bound)."""
    from app.extensions import db as _db
    from app.models import Dispatch
    with app.app_context():
        engine = _db.engine
        user = _db.session.query(AppUser).filter_by(username="police_hz").one()
        person_id = _db.session.query(Dispatch.person_id).filter(
            scope_clause(Dispatch, scope_for_user(user))).order_by(Dispatch.id).first()[0]
        unit_id = _db.session.query(Dispatch.unit_id).filter(
            scope_clause(Dispatch, scope_for_user(user))).order_by(Dispatch.id).first()[0]
    seen = []

    def listener(_conn, _cursor, statement, *_args):
        seen.append(statement)
    event.listen(engine, "before_cursor_execute", listener)
    try:
        for name in ("DispatchView", "EmploymentView"):
            seen.clear()
            response = client_for("police_hz").get(f"/personview/show/{person_id}/tab/{name}")
            assert response.status_code == 200
            assert not [s for s in seen if re.match(
                r"SELECT unit\.id\s+FROM unit\s+WHERE unit\.region_code >=", s)], name
            listed = [s for s in seen if re.search(rf"FROM {name[:-4].lower()}\b", s)
                      and "scope_unit" in s]
            assert listed, (name, seen)
        for pane in ("staff-guard", "services"):   # the panes of a unit's page alike
            seen.clear()
            response = client_for("police_hz").get(f"/unitview/show/{unit_id}/pane/{pane}")
            assert response.status_code == 200
            assert not [s for s in seen if re.match(
                r"SELECT unit\.id\s+FROM unit\s+WHERE unit\.region_code >=", s)], pane
            assert [s for s in seen if "scope_unit" in s], pane
        # the same clause outside a record's tab: the ids, looked up once
        seen.clear()
        assert client_for("police_hz").get("/dispatchview/list/").status_code == 200
        assert [s for s in seen if re.match(
            r"SELECT unit\.id\s+FROM unit\s+WHERE unit\.region_code >=", s)]
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def _statements(app):
    """A list collecting (statement, parameters) of the app's engine while in use."""
    from app.extensions import db as _db
    with app.app_context():
        engine = _db.engine
    seen = []

    def listener(_conn, _cursor, statement, parameters, *_args):
        seen.append((statement, parameters))
    return engine, seen, listener


def test_jurisdiction_ids_bound_as_one_array_text_on_postgresql(app, client_for):
    """On PostgreSQL a city's unit ids are one parameter, the array's text (psycopg no longer
    dumps ~665 numbers one by one in every statement), and they read the same rows as the
    scope's subquery."""
    from app.extensions import IntArrayText
    from app.models import Employment
    engine, seen, listener = _statements(app)
    if engine.dialect.name != "postgresql":
        with app.app_context():
            user = db.session.query(AppUser).filter_by(username="police_hz").one()
            scope = scope_for_user(user)
            by_ids = db.session.query(Employment.id).filter(
                scope_clause(Employment, scope, session=db.session)).order_by(Employment.id)
            assert "region_code" not in str(by_ids.statement)   # the ids, as values
            by_subquery = db.session.query(Employment.id).filter(
                scope_clause(Employment, scope)).order_by(Employment.id)
            assert by_ids.all() == by_subquery.all() and by_ids.count() > 3
        return
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client_for("police_hz").get("/guardlistview/list/").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    arrays = [params for statement, params in seen if "employment.unit_id = ANY" in statement]
    assert arrays
    for params in arrays:
        values = [v for v in params.values() if isinstance(v, IntArrayText)]
        assert len(values) == 1 and values[0].startswith("{") and values[0].endswith("}")
    with app.app_context():
        user = db.session.query(AppUser).filter_by(username="police_hz").one()
        scope = scope_for_user(user)
        by_ids = db.session.query(Employment.id).filter(
            scope_clause(Employment, scope, session=db.session)).order_by(Employment.id).all()
        by_subquery = db.session.query(Employment.id).filter(
            scope_clause(Employment, scope)).order_by(Employment.id).all()
        assert by_ids == by_subquery and len(by_ids) > 3


def test_small_list_skips_the_planner_next_time_but_never_counts_wrong(app, client_for):
    """PostgreSQL: a list found small is counted without asking the planner the next time;
    when it has grown past the bound it is still shown as an estimate, never as a wrong
    exact figure."""
    from app.web import datamodel
    engine, seen, listener = _statements(app)
    client = client_for("police_hz")
    datamodel._SMALL_LISTS.clear()
    event.listen(engine, "before_cursor_execute", listener)
    try:
        first = _count(client.get("/guardlistview/list/"))
        explained_first = [s for s, _p in seen if s.startswith("EXPLAIN")]
        seen.clear()
        assert _count(client.get("/guardlistview/list/")) == first
        explained_again = [s for s, _p in seen if s.startswith("EXPLAIN")]
        with exact_max(app, 3):      # the list is now "huge" for the bound
            seen.clear()
            shown = _count(client.get("/guardlistview/list/"))
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    if engine.dialect.name == "postgresql":
        assert explained_first and not explained_again
        assert shown.startswith("约 ")
        assert not datamodel._SMALL_LISTS      # forgotten: the next count asks the planner
    else:
        assert not explained_first and shown == "超过 3"
