"""Small builders shared by tests."""
import datetime as dt
import itertools
import os
import uuid
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.services.idnumber import make_id_number

_counter = itertools.count(1)


def fresh_id_number(gender="male", region="330106", year=1988):
    """A valid ID number no demo or earlier test row uses (birth dates of year `year`
    walked day by day, sequence numbers from the top of the range)."""
    n = next(_counter)
    birth = dt.date(year, 1, 1) + dt.timedelta(days=n % 360)
    return make_id_number(region, birth, 499 - (n // 360) % 100, gender)


def unique_name(prefix="测试"):
    return f"{prefix}{next(_counter):05d}"

def fresh_database(tmp_path, label):
    """(url, drop) for an empty database: a SQLite file, or a scratch PostgreSQL database
    beside TEST_DATABASE_URL."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        return "sqlite:///" + str(tmp_path / f"{label}.db"), lambda: None
    url = make_url(base)
    name = f"{url.database}_{label}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


def page_with_tabs(client, url):
    """A record page as the browser shows it after opening every tab: each lazily loaded
    tab (static/js/lazy_tabs.js) fetched with the page's query string and put in place."""
    import html as html_lib
    import re
    from urllib.parse import urlsplit
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    query = urlsplit(url).query

    def fill(match):
        tab_url = html_lib.unescape(match.group(1)) + (f"?{query}" if query else "")
        tab = client.get(tab_url)
        assert tab.status_code == 200, (tab_url, tab.status_code)
        return f'<div class="lazy-tab">{tab.get_data(as_text=True)}</div>'
    return re.sub(r'<div class="lazy-tab" data-url="([^"]+)"[^>]*>.*?</p></div>', fill,
                  response.get_data(as_text=True), flags=re.S)


@contextmanager
def data(app):
    """The app's session in its own app context, rolled back and removed afterwards (tests
    read and arrange rows with it between requests, never inside one)."""
    from app.extensions import db
    with app.app_context():
        try:
            yield db.session
        finally:
            db.session.rollback()
            db.session.remove()


def scoped_rows(session, model, scope, write=False):
    """The rows of `model` the scope reaches, by the policy's one query filter."""
    from app.security.scope import scope_clause
    return session.query(model).filter(scope_clause(model, scope, write))


@contextmanager
def parameters(app, values: dict):
    """Set parameters (系统管理 → 参数) through the settings service for the block, then put
    the old values back."""
    from app.extensions import db
    from app.services import settings
    with app.app_context():
        old = {key: settings.PARAMS[key].dump(settings.get(key)) for key in values}
        for key, value in values.items():
            settings.set_value(db.session, key, value)
        db.session.commit()
    try:
        yield
    finally:
        with app.app_context():
            for key, value in old.items():
                settings.set_value(db.session, key, value)
            db.session.commit()


@contextmanager
def dictionary_values(app, dict_type, values: dict):
    """Set dictionary entries' value and active switch ({code: (value, active)}) for the
    block, then put the old ones back."""
    from app.extensions import db
    from app.models import DictItem

    def apply(changes):
        with app.app_context():
            before = {}
            for row in db.session.query(DictItem).filter_by(dict_type=dict_type):
                before[row.code] = (row.value, row.active)
                if row.code in changes:
                    row.value, row.active = changes[row.code]
            db.session.commit()
            return before
    old = apply(values)
    try:
        yield
    finally:
        apply(old)


def redis_url():
    """(url, key prefix) of the Redis the tests may use (TEST_REDIS_URL): rate limits are
    shared between gunicorn workers through Redis in production. Skips without one, except
    in CI."""
    url = reachable_redis(os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"))
    return url, f"test-{uuid.uuid4().hex}"


def reachable_redis(url):
    """`url` once its Redis answers a ping; the test is skipped without one, except in CI."""
    import pytest
    import redis
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no Redis at {url} (CI requires it)")
    return url


def rate_limited_app(backend, tmp, **limits):
    """A seedless app with `limits` whose rate limits are stored in memory or (backend
    "redis") in the Redis of TEST_REDIS_URL under a key prefix of its own."""
    from tests.conftest import build_app
    storage = {}
    if backend == "redis":
        url, prefix = redis_url()
        storage = {"RATELIMIT_STORAGE_URI": url, "RATELIMIT_KEY_PREFIX": prefix}
    return build_app(tmp, database_url=f"sqlite:///{tmp / 'limited.db'}", seed=False,
                     **limits, **storage)
