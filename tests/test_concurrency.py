"""Concurrent requests at the same records (docs/concurrency.md).

Twenty-odd writes and reads at once through a real threaded server: werkzeug's (what
`python run.py` serves, on a SQLite file) and gunicorn with threaded workers on a fresh
PostgreSQL database (skipped unless TEST_DATABASE_URL is PostgreSQL; CI's PostgreSQL pass
runs it). Before the fix, 20 PUTs of one unit's address by its own company answered
15-19 × 200, 1-4 × 400 ("the kind may not change") and 0-2 × 500 ("Object '<Region>' is
already attached to session") under `python run.py`, 17 × 200 and 3 × 400 here, 18-19 × 200
and 1-2 × 400 under gunicorn gthread on PostgreSQL: FAB's REST resource is one object per
process and its marshmallow schema remembered the instance it loaded into. Several gunicorn workers booting on a fresh
PostgreSQL database also raced on FAB's permission sync (UniqueViolation).
"""
import collections
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import DEMO_PASSWORD, build_app
from tests.helpers import fresh_database

ROOT = Path(__file__).resolve().parents[1]
WRITERS = 24
READERS = 12
UNIT_ID = 1  # the demo's company_hz (杭州上城安保服务有限公司)
UNIT_NAME = "杭州上城安保服务有限公司"
BOOT_ERRORS = re.compile(r"Traceback|UniqueViolation|IntegrityError|\[ERROR\]|^ERROR",
                         re.M)


def _on_postgresql():
    url = os.environ.get("TEST_DATABASE_URL", "")
    return url.startswith("postgresql")


needs_postgresql = pytest.mark.skipif(not _on_postgresql(),
                                      reason="gunicorn tests need TEST_DATABASE_URL=postgresql…")


# ---------------------------------------------------------------- HTTP from many threads

def _call(base, method, path, body=None, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _token(base, username):
    status, body = _call(base, "POST", "/api/v1/security/login",
                         {"username": username, "password": DEMO_PASSWORD, "provider": "db"})
    assert status == 200, body
    return json.loads(body)["access_token"]


def _rison_name_filter(prefix):
    q = f"(filters:!((col:name,opr:sw,value:'{prefix}')),page_size:100)"
    return "/api/v1/unit/?q=" + urllib.parse.quote(q)


def _storm(base, token, reader_token, tag):
    """WRITERS PUTs of unit 1's address by its company and READERS reads, released at once:
    the unit by the same user, and by the province admin lists filtered by two different
    name prefixes (FAB keeps a view's active filters on the view). [(kind, value, status,
    body)]."""
    jobs = [("write", f"{tag}-地址{i:02d}") for i in range(WRITERS)]
    jobs += [("show", None)] * (READERS // 3)
    jobs += [("list", "杭州")] * (READERS // 3) + [("list", "宁波")] * (READERS // 3)
    barrier = threading.Barrier(len(jobs))
    results = []

    def run(kind, value):
        barrier.wait()
        if kind == "write":
            status, body = _call(base, "PUT", f"/api/v1/unit/{UNIT_ID}", {"address": value},
                                 token)
        elif kind == "show":
            status, body = _call(base, "GET", f"/api/v1/unit/{UNIT_ID}", token=token)
        else:
            status, body = _call(base, "GET", _rison_name_filter(value), token=reader_token)
        results.append((kind, value, status, body))

    threads = [threading.Thread(target=run, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert len(results) == len(jobs), "a request never returned"
    return results


def _check_storm(results, address_log, final_address):
    """Every request 200; reads saw their own filter and an unchanged unit; the final
    address is the one the last committed write wrote; the change log holds each write once.
    `address_log`: [(old, new)] of the unit's address rows written during the storm, in
    commit order; other_fields: the unit's change-log rows of any other field."""
    outcomes = collections.Counter(status for _kind, _value, status, _body in results)
    failures = [(kind, value, status, body[:300]) for kind, value, status, body in results
                if status != 200]
    assert not failures, f"outcomes {dict(outcomes)}: {failures[:5]}"

    written = [value for kind, value, _status, _body in results if kind == "write"]
    for kind, value, _status, body in results:
        payload = json.loads(body)
        if kind == "write":
            # The answer shows the unit as committed after this write: its own value or a
            # concurrent write committed just after it (FAB reads the row back).
            assert payload["result"]["address"] in written
            assert payload["result"]["kind"] == "company"
        elif kind == "show":
            assert payload["result"]["name"] == UNIT_NAME
            assert payload["result"]["kind"] == "company"
        else:
            names = [row["name"] for row in payload["result"]]
            assert names and all(name.startswith(value) for name in names), (value, names)

    # One change-log row per successful write, each with the value that request sent.
    assert sorted(new for _old, new in address_log) == sorted(written)
    # The row committed last is the state the unit is left in.
    assert final_address == address_log[-1][1]
    return outcomes


# ---------------------------------------------------------------- werkzeug, SQLite file

@pytest.fixture(scope="module")
def threaded_server(tmp_path_factory):
    """build_app on a SQLite file, served by werkzeug's threaded server as `python run.py`
    serves it."""
    from werkzeug.serving import make_server

    tmp = tmp_path_factory.mktemp("concurrency")
    app = build_app(tmp, database_url=f"sqlite:///{tmp / 'threaded.db'}")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    with app.app_context():
        from app.extensions import db
        db.session.remove()
        db.engine.dispose()


def _unit_history(app, since_id):
    from app.extensions import db
    from app.models import ChangeLog, Unit, UnitChange
    with app.app_context():
        rows = db.session.query(ChangeLog).filter(
            ChangeLog.entity == "unit", ChangeLog.entity_id == UNIT_ID,
            ChangeLog.id > since_id).order_by(ChangeLog.id).all()
        unit_changes = db.session.query(UnitChange).filter(UnitChange.unit_id == UNIT_ID).count()
        unit = db.session.get(Unit, UNIT_ID)
        state = (unit.address, unit.kind, unit.name)
        history = [(r.field, r.old_value, r.new_value, r.username) for r in rows]
        db.session.remove()
    return history, unit_changes, state


def _last_log_id(app):
    from sqlalchemy import func

    from app.extensions import db
    from app.models import ChangeLog
    with app.app_context():
        last = db.session.query(func.max(ChangeLog.id)).scalar() or 0
        db.session.remove()
    return last


def test_threaded_server_concurrent_writes_and_reads(threaded_server):
    app, base = threaded_server
    token, admin = _token(base, "company_hz"), _token(base, "admin")
    since = _last_log_id(app)
    _history, unit_changes_before, _state = _unit_history(app, since)

    results = _storm(base, token, admin, "werkzeug")

    history, unit_changes, (address, kind, name) = _unit_history(app, since)
    # Nobody asked to change anything but the address: no other field in the change log,
    # no 单位变更 row, the unit still a company of the same name.
    assert {field for field, *_ in history} == {"address"}, history
    assert {user for *_, user in history} == {"company_hz"}
    assert unit_changes == unit_changes_before
    assert (kind, name) == ("company", UNIT_NAME)
    outcomes = _check_storm(results, [(old, new) for _f, old, new, _u in history], address)
    assert outcomes == {200: WRITERS + READERS // 3 * 3}


def _page_opener(base, username):
    """A urllib opener signed in to the pages (session cookie, CSRF token of the form)."""
    import http.cookiejar

    from tests.conftest import CSRF_RE
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(base + "/login/", timeout=60).read().decode()
    match = CSRF_RE.search(page)
    form = urllib.parse.urlencode({"username": username, "password": DEMO_PASSWORD,
                                   "csrf_token": match.group(1) or match.group(2)})
    response = opener.open(base + "/login/", data=form.encode(), timeout=60)
    assert "/login" not in response.geturl(), "login failed"
    return opener


def test_threaded_server_concurrent_list_pages(threaded_server):
    """Unit list pages searched by different names at once: each page shows its own
    search's rows (FAB keeps a view's active filters on the view, now per request)."""
    _app, base = threaded_server
    opener = _page_opener(base, "admin")
    wanted = {"杭州": "杭州上城安保服务有限公司", "宁波": "宁波海曙安邦保安服务有限公司"}
    jobs = [prefix for prefix in wanted for _ in range(10)]
    barrier = threading.Barrier(len(jobs))
    results = []

    def run(prefix):
        barrier.wait()
        url = f"{base}/unitview/list/?_flt_0_name={urllib.parse.quote(prefix)}"
        with opener.open(url, timeout=120) as response:
            results.append((prefix, response.status, response.read().decode()))

    threads = [threading.Thread(target=run, args=(prefix,)) for prefix in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert len(results) == len(jobs)
    for prefix, status, page in results:
        other = next(p for p in wanted if p != prefix)
        assert status == 200
        assert wanted[prefix] in page and wanted[other] not in page, prefix


def test_schema_load_leaves_the_shared_schema_alone(threaded_server):
    """The REST resource's schema keeps no instance of a request (request_local.load)."""
    app, _base = threaded_server
    from app.extensions import db
    from app.models import Unit
    from app.web import request_local
    with app.test_request_context():
        api = next(v for v in app.appbuilder.baseviews
                   if getattr(v, "resource_name", None) == "unit")
        schema = api.edit_model_schema
        unit = db.session.get(Unit, UNIT_ID)
        data = api._merge_update_item(unit, {"address": "x"})
        loaded = request_local.load(schema, data, instance=unit)
        assert loaded is unit and unit.address == "x"
        assert schema.instance is None and schema._session is None
        db.session.rollback()
        db.session.remove()


def test_list_filters_are_per_request(threaded_server):
    """A view's active filters (FAB keeps one Filters object per view) belong to the
    request: one request's search never shows in another's."""
    app, _base = threaded_server
    api = next(v for v in app.appbuilder.baseviews
               if getattr(v, "resource_name", None) == "unit")
    view = next(v for v in app.appbuilder.baseviews if type(v).__name__ == "UnitView")
    for target in (api, view):
        with app.test_request_context():
            first = target._filters
            first.add_filter("name", first.get_search_filters()["name"][0].__class__, "杭州")
            assert target._filters is first and len(first.filters) == 1
        with app.test_request_context():
            second = target._filters
            assert second is not first and second.filters == []
            assert second.get_search_filters() is first.get_search_filters()


def _orm_instances(value, depth=2):
    """ORM-mapped instances in `value` (looking `depth` levels into containers)."""
    from sqlalchemy import inspect as sa_inspect
    from sqlalchemy.orm import InstanceState
    from werkzeug.local import LocalProxy

    # type(), not isinstance(): isinstance asks a proxy (current_app, g) for its target.
    if issubclass(type(value), (type, LocalProxy)):
        return []
    if isinstance(sa_inspect(value, raiseerr=False), InstanceState):
        return [value]
    if depth == 0:
        return []
    if isinstance(value, dict):
        items = list(value.values())
    elif isinstance(value, (list, tuple, set, frozenset)):
        items = list(value)
    else:
        return []
    return [found for item in items for found in _orm_instances(item, depth - 1)]


def test_no_orm_instance_kept_at_process_level(threaded_server):
    """After the concurrent requests above (warm caches): no module of the app, class of the
    app, view or REST resource (with its schemas), extension or config value holds an ORM
    instance (docs/concurrency.md)."""
    app, base = threaded_server
    token = _token(base, "police_hz")
    for path in ("/api/v1/unit/1", "/api/v1/unit/?q=(page_size:5)", "/api/v1/person/?q=()"):
        assert _call(base, "GET", path, token=token)[0] == 200
    found = []
    # In a request context: lazy strings among the values need one to be looked at.
    with app.test_request_context():
        for name, module in list(sys.modules.items()):
            if not (name == "app" or name.startswith(("app.", "seed."))):
                continue
            for attr, value in list(vars(module).items()):
                found += [(name, attr, obj) for obj in _orm_instances(value)]
                if isinstance(value, type) and value.__module__ == name:
                    for cls_attr, cls_value in list(vars(value).items()):
                        found += [(f"{name}.{attr}", cls_attr, obj)
                                  for obj in _orm_instances(cls_value)]
        for view in app.appbuilder.baseviews:
            for attr, value in list(vars(view).items()):
                found += [(type(view).__name__, attr, obj) for obj in _orm_instances(value)]
                if attr.endswith("_model_schema") and value is not None:
                    found += [(type(view).__name__, f"{attr}.instance", obj)
                              for obj in _orm_instances([value.instance])]
        for holder in (app.extensions, app.config, vars(app.appbuilder),
                       vars(app.appbuilder.sm)):
            found += [("app", key, obj) for key, value in holder.items()
                      for obj in _orm_instances(value)]
    assert not found, found


# ---------------------------------------------------------------- gunicorn, PostgreSQL

def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(database_url, tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    env.update(DATABASE_URL=database_url, INSTANCE_DIR=str(tmp_path / "instance"),
               DEMO_PASSWORD=DEMO_PASSWORD, PYTHONPATH=str(ROOT),
               RATELIMIT_STORAGE_URI="memory://", PYTHONUNBUFFERED="1", **extra)
    return env


def _flask(env, *args, timeout=600):
    return subprocess.run([sys.executable, "-m", "flask", "--app", "run", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=timeout)


class Gunicorn:
    """gunicorn -c gunicorn.conf.py in a subprocess; its whole output kept in a file."""

    def __init__(self, env, log_path, *args):
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.log = open(log_path, "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
             "-b", f"127.0.0.1:{self.port}", *args],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self, workers, timeout=240):
        deadline = time.time() + timeout
        while time.time() < deadline:
            assert self.proc.poll() is None, f"gunicorn exited:\n{self.output()}"
            booted = self.output().count("Booting worker")
            if booted >= workers:
                try:
                    status, _ = _call(self.base, "GET", "/login/")
                    if status == 200:
                        return
                except OSError:
                    pass
            time.sleep(0.5)
        raise AssertionError(f"gunicorn not ready:\n{self.output()}")

    def output(self):
        if not self.log.closed:
            self.log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


@pytest.fixture
def fresh_db(tmp_path):
    """An empty database: a scratch PostgreSQL database beside TEST_DATABASE_URL, else a
    SQLite file."""
    url, drop = fresh_database(tmp_path, "conc")
    yield url
    drop()


def _pg_history(database_url, since_id):
    engine = create_engine(make_url(database_url))
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT field, old_value, new_value, username FROM change_log "
                "WHERE entity = 'unit' AND entity_id = :id AND id > :since ORDER BY id"),
                {"id": UNIT_ID, "since": since_id}).all()
            unit_changes = conn.execute(text(
                "SELECT count(*) FROM unit_change WHERE unit_id = :id"), {"id": UNIT_ID}).scalar()
            state = conn.execute(text("SELECT address, kind, name FROM unit WHERE id = :id"),
                                 {"id": UNIT_ID}).one()
            last = conn.execute(text("SELECT coalesce(max(id), 0) FROM change_log")).scalar()
    finally:
        engine.dispose()
    return [tuple(r) for r in rows], unit_changes, tuple(state), last


@needs_postgresql
def test_gunicorn_gthread_concurrent_writes_and_reads(fresh_db, tmp_path):
    env = _env(fresh_db, tmp_path)
    init = _flask(env, "init-db", "--demo")
    assert init.returncode == 0, init.stdout + init.stderr
    _h, unit_changes_before, _s, since = _pg_history(fresh_db, 0)

    # The master has nothing left to do (INIT_DB_ON_START=0): the workers boot read-only.
    server = Gunicorn(dict(env, INIT_DB_ON_START="0"), tmp_path / "gunicorn.log",
                      "--worker-class", "gthread", "--threads", "4", "--workers", "2")
    try:
        server.wait_ready(workers=2)
        token, admin = _token(server.base, "company_hz"), _token(server.base, "admin")
        results = _storm(server.base, token, admin, "gunicorn")
    finally:
        server.stop()
    output = server.output()

    history, unit_changes, (address, kind, name), _last = _pg_history(fresh_db, since)
    assert {field for field, *_ in history} == {"address"}, history
    assert {user for *_, user in history} == {"company_hz"}
    assert unit_changes == unit_changes_before
    assert (kind, name) == ("company", UNIT_NAME)
    outcomes = _check_storm(results, [(old, new) for _f, old, new, _u in history], address)
    assert outcomes == {200: WRITERS + READERS // 3 * 3}
    assert not BOOT_ERRORS.search(output), output


@needs_postgresql
def test_gunicorn_workers_boot_together_on_a_fresh_database(fresh_db, tmp_path):
    """Four workers on an empty database: the master migrates, loads reference data and
    syncs permissions once (gunicorn.conf.py), the workers write nothing; no error logged."""
    env = _env(fresh_db, tmp_path)
    server = Gunicorn(env, tmp_path / "boot.log", "--workers", "4")
    try:
        server.wait_ready(workers=4)
        statuses = collections.Counter(_call(server.base, "GET", "/login/")[0]
                                       for _ in range(8))
    finally:
        server.stop()
    output = server.output()
    assert statuses == {200: 8}
    assert not BOOT_ERRORS.search(output), output
    assert output.count("init-db: permissions and roles synced") == 1, output

    engine = create_engine(make_url(fresh_db))
    try:
        with engine.connect() as conn:
            roles = set(conn.execute(text("SELECT name FROM ab_role")).scalars())
            views = conn.execute(text("SELECT count(*) FROM ab_view_menu")).scalar()
            regions = conn.execute(text("SELECT count(*) FROM region")).scalar()
    finally:
        engine.dispose()
    assert {"province_admin", "city_police", "company_user", "association"} <= roles
    assert views > 20 and regions > 1000


def test_init_db_three_at_once_take_turns(fresh_db, tmp_path):
    """Deployments running init-db together on an empty database: the lock (advisory lock
    on PostgreSQL, flock beside a SQLite file) lets one migrate and sync while the others
    wait, then find everything done."""
    env = _env(fresh_db, tmp_path)
    command = [sys.executable, "-m", "flask", "--app", "run", "init-db"]
    procs = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True) for _ in range(3)]
    outputs = [proc.communicate(timeout=600)[0] for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0, 0], outputs
    for output in outputs:
        assert not BOOT_ERRORS.search(output), output
        assert "permissions and roles synced" in output
