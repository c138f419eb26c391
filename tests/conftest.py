"""Test fixtures: one app and one freshly migrated, demo-seeded database per test session.

The database is SQLite in a temporary folder, or the PostgreSQL database named by
TEST_DATABASE_URL (CI creates and drops a fresh one). The schema comes from the Alembic
migrations, exactly as in production.
"""
import contextlib
import contextvars
import os
import re
import time

import pytest
from flask.testing import FlaskClient

DEMO_PASSWORD = "Demo@2026"


def _database_url(tmp_dir):
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url.replace("postgresql://", "postgresql+psycopg://", 1) \
            if url.startswith("postgresql://") else url
    return f"sqlite:///{tmp_dir / 'test.db'}"


class IsolatedClient(FlaskClient):
    """Each request runs in a fresh context, with its own app context, flask.g and database
    session, as in production. Otherwise a request made while the test holds an app context
    (db_session) reuses it, and flask.g (signed-in user, JWT user, scope) leaks between
    requests and users."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


def build_app(tmp_dir, database_url=None, seed=True, **overrides):
    """A migrated app with reference data, roles and (optionally) the demo data set."""
    from app import create_app

    app = create_app("config.TestConfig", AUTO_MIGRATE=True,
                     SQLALCHEMY_DATABASE_URI=database_url or _database_url(tmp_dir),
                     UPLOAD_ROOT=str(tmp_dir / "uploads"), DEMO_PASSWORD=DEMO_PASSWORD,
                     **overrides)
    app.test_client_class = IsolatedClient
    with app.app_context():
        from app.extensions import db
        from seed.reference import load_reference_data

        load_reference_data(db.session)
        app.appbuilder.add_permissions(update_perms=True)
        app.appbuilder.sm.sync_roles()
        if seed:
            from seed.demo import seed_demo
            seed_demo(db.session, DEMO_PASSWORD)
    return app


@contextlib.contextmanager
def app_on_fresh_database(tmp_dir, label, seed=True, **overrides):
    """build_app on a database of its own (tests.helpers.fresh_database), its engines
    disposed and the database dropped afterwards."""
    from tests.helpers import fresh_database
    url, drop = fresh_database(tmp_dir, label)
    app = build_app(tmp_dir, database_url=url, seed=seed, **overrides)
    try:
        yield app
    finally:
        with app.app_context():
            from app.extensions import db
            db.session.remove()
            db.engine.dispose()
            side = app.extensions.get("side_engine")
            if side is not None and side is not db.engine:
                side.dispose()
        drop()


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    app = build_app(tmp_path_factory.mktemp("app"))
    yield app
    with app.app_context():
        from app.extensions import db
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def db_session(app):
    from app.extensions import db
    with app.app_context():
        yield db.session
        db.session.rollback()


SETTINGS_READ = re.compile(r"SELECT [^;]*?\bFROM (sys_settings_version|sys_setting|sys_dict_item|"
                           r"application_item|calendar_day)\b(?! JOIN)")
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"'
                     r'|<meta name="csrf-token" content="([^"]+)"')


def csrf_token(client, url="/login/"):
    match = CSRF_RE.search(client.get(url).get_data(as_text=True))
    assert match, f"no CSRF token on {url}"
    return match.group(1) or match.group(2)


def login(client, username, password=DEMO_PASSWORD):
    response = client.post("/login/", data={"username": username, "password": password,
                                            "csrf_token": csrf_token(client)})
    assert response.status_code == 302 and "/login" not in response.headers["Location"], \
        f"login failed for {username}"
    return client


@pytest.fixture(scope="session")
def client_for(app):
    """client_for("company_hz") → a logged-in test client (one per user per session)."""
    clients = {}

    def make(username):
        if username not in clients:
            clients[username] = login(app.test_client(), username)
        return clients[username]
    return make


_tokens = {}
TOKEN_REUSE_SECONDS = 600  # access tokens live 15 minutes; a slow run must not outlive one


def api_headers(app, username):
    token, issued = _tokens.get(username, (None, 0.0))
    if token is None or time.monotonic() - issued > TOKEN_REUSE_SECONDS:
        response = app.test_client().post("/api/v1/security/login", json={
            "username": username, "password": DEMO_PASSWORD, "provider": "db"})
        assert response.status_code == 200, response.get_data(as_text=True)
        token, issued = response.json["access_token"], time.monotonic()
        _tokens[username] = (token, issued)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def api(app):
    """api("company_hz").get(url) → a JWT-authenticated call, no cookie."""
    class Caller:
        def __init__(self, username):
            self.headers = api_headers(app, username)
            self.client = app.test_client()

        def __getattr__(self, method):
            def call(url, **kwargs):
                headers = {**self.headers, **kwargs.pop("headers", {})}
                return getattr(self.client, method)(url, headers=headers, **kwargs)
            return call
    return Caller


@pytest.fixture(scope="module")
def count_queries(app):
    """count_queries(client, url, **query) → (response, SQL statements the request ran)."""
    from sqlalchemy import event

    from app.extensions import db
    with app.app_context():
        engine = db.engine
    seen = []

    def listener(_conn, _cursor, statement, *_args):
        # The signed-in session's heartbeat (app.services.sessions, at most once a minute)
        # and the settings' version check and reload (app.services.settings, at most every
        # SETTINGS_CHECK_SECONDS) are not costs of the page and would make counts depend on
        # the clock.
        if not statement.startswith("UPDATE user_session SET last_seen_at") \
                and not SETTINGS_READ.match(statement):
            seen.append(1)
    event.listen(engine, "before_cursor_execute", listener)

    def run(client, url, **query):
        seen.clear()
        response = client.get(url, query_string=query)
        return response, len(seen)
    yield run
    event.remove(engine, "before_cursor_execute", listener)
