"""The 系统管理 console (/ops/, Flask-Admin) and what it keeps: every console URL × every role,
parameters taking effect without a restart (and in the operation log), the hash-chained logs
(a row changed behind the app's back is found), the login log of every sign-in and sign-out,
在线用户 and 【强制下线】 (the cookie and the session's JWTs refused at once)."""
import datetime as dt
import re

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text

from app.models import (ApplicationItem, CalendarDay, DictItem, ExportLog, LoginLog,
                        OperationLog, RegistryLookup, Setting, UserSession)
from app.services import oplog, passwords, settings
from app.services.errors import RuleViolation
from tests.conftest import DEMO_PASSWORD, csrf_token, login
from tests.helpers import data, parameters

USERS = ["admin", "police_hz", "police_nb", "police_sc", "company_hz", "company_nb",
         "selfhire_hz", "client_hz", "school_hz", "association"]
LISTS = ["setting", "dictionary", "target_category", "application_item", "calendar",
         "login_log", "operation_log", "export_log", "registry_lookup", "online",
         "announcement", "job", "sms"]


def _pk(key):
    """A key as Flask-Admin writes it in a URL (a dot separates the parts of a key)."""
    return key.replace(".", "..")


def _console_urls(app):
    """Every GET page of the console: index, each list, each list's export, and the edit,
    details and create pages of a row of each (where the view has them)."""
    urls = ["/ops/"] + [f"/ops/{name}/" for name in LISTS]
    with data(app) as s:
        key = s.execute(select(Setting.key)).scalars().first()
        item = s.execute(select(DictItem.id)).scalars().first()
        code = s.execute(select(ApplicationItem.code)).scalars().first()
        day = s.execute(select(CalendarDay.day)).scalars().first()
        details = {name: s.execute(select(model.id)).scalars().first()
                   for name, model in (("login_log", LoginLog), ("operation_log", OperationLog))}
    urls += [f"/ops/setting/edit/?id={_pk(key)}", f"/ops/dictionary/edit/?id={item}",
             f"/ops/application_item/edit/?id={code}", f"/ops/calendar/edit/?id={day}",
             "/ops/calendar/new/", "/ops/target_category/new/",
             "/ops/login_log/export/xlsx/", "/ops/operation_log/export/xlsx/",
             "/ops/export_log/export/xlsx/", "/ops/registry_lookup/export/xlsx/"]
    urls += [f"/ops/{name}/details/?id={row}" for name, row in details.items()]
    return urls


def _console_rules(app):
    """Every route the console has (Flask-Admin adds details, export, action, ajax, delete
    and new/edit to each view, whether the view offers them or not): (url, methods)."""
    rules = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/ops/") or rule.endpoint == "console.static":
            continue
        url = rule.rule.replace("<export_type>", "xlsx")
        rules.append((url, sorted(rule.methods & {"GET", "POST"})))
    return sorted(rules)


def test_every_console_url_is_the_province_admins_alone(app, client_for):
    client_for("admin")  # signed in: the logs have a row to show in details
    urls = _console_urls(app)
    anonymous = app.test_client()
    for url in urls:
        response = anonymous.get(url)
        assert response.status_code == 302 and "/login/" in response.headers["Location"], url
    for username in USERS:
        client = client_for(username)
        for url in urls:
            status = client.get(url).status_code
            assert status == (200 if username == "admin" else 403), (username, url, status)
    # Writes too: a POST of another role is refused before anything is read.
    with data(app) as s:
        key = s.execute(select(Setting.key)).scalars().first()
    for username in USERS[1:]:
        client = client_for(username)
        response = client.post(f"/ops/setting/edit/?id={_pk(key)}",
                               data={"value": "1", "csrf_token": csrf_token(client, "/")})
        assert response.status_code == 403, username


def test_every_console_route_refuses_everyone_but_the_province_admin(app, client_for):
    """Not only the pages the console links: every route of every console view (details,
    export, action, ajax, delete, new, edit, also where the view does not offer it), GET and
    POST, for anonymous users (→ sign-in) and every other demo role (→ 403)."""
    rules = _console_rules(app)
    assert len(rules) > 100 and ("/ops/job/action/", ["POST"]) in rules
    anonymous = app.test_client()
    token = csrf_token(anonymous, "/login/")
    for url, methods in rules:
        for method in methods:
            response = anonymous.open(url, method=method, data={"csrf_token": token})
            assert response.status_code == 302 and "/login/" in response.headers["Location"], \
                (method, url, response.status_code)
    for username in USERS[1:]:
        client = client_for(username)
        token = csrf_token(client, "/")
        for url, methods in rules:
            for method in methods:
                status = client.open(url, method=method, data={
                    "csrf_token": token, "rowid": "1", "action": "retry", "id": "1"}).status_code
                assert status == 403, (username, method, url, status)


def test_logs_cannot_be_written_or_removed_from_any_page(app, client_for):
    admin = client_for("admin")
    token = csrf_token(admin, "/")
    admin.get("/ops/login_log/export/xlsx/")  # an export log row
    models = {"login_log": LoginLog, "operation_log": OperationLog, "export_log": ExportLog,
              "registry_lookup": RegistryLookup}
    with data(app) as s:
        rows = {name: s.execute(select(model.id)).scalars().first()
                for name, model in models.items()}
    if rows["registry_lookup"] is None:  # no look-up in the suite yet: one written here
        with app.app_context():
            from app.extensions import db
            oplog.append(db.session, RegistryLookup, dict(
                username="admin", id_number="330102199001011234", found=False))
            db.session.commit()
        with data(app) as s:
            rows["registry_lookup"] = s.execute(select(RegistryLookup.id)).scalars().first()
    assert all(rows.values()), rows
    for name, row in rows.items():
        assert admin.get(f"/ops/{name}/new/").status_code in (302, 404)
        assert admin.get(f"/ops/{name}/edit/?id={row}").status_code in (302, 404)
        admin.post(f"/ops/{name}/delete/", data={"id": row, "csrf_token": token})
        admin.post(f"/ops/{name}/action/", data={"action": "delete", "rowid": [str(row)],
                                                 "csrf_token": token})
    with data(app) as s:
        assert all(s.get(models[name], row) is not None for name, row in rows.items())
    # The FAB pages of the export log and registry look-ups are read-only as well.
    assert admin.get("/exportlogview/add").status_code in (403, 404)


def test_console_pages_are_chinese_and_carry_the_nonce(client_for):
    page = client_for("admin").get("/ops/setting/")
    html = page.get_data(as_text=True)
    # The first page of 参数 (sorted by key) holds the credit.* weights before password.*.
    assert "参数" in html and ("密码" in html or "信用评价" in html) and "系统管理" in html
    nonce = re.search(r"'nonce-([^']+)'", page.headers["Content-Security-Policy"]).group(1)
    assert html.count(f'nonce="{nonce}"') >= 5
    assert "https://" not in re.sub(r'href="https?://[^"]*"', "", html.split("<body")[0])


def _edit_setting(client, key, value):
    return client.post(f"/ops/setting/edit/?id={_pk(key)}",
                       data={"value": value, "csrf_token": csrf_token(client, "/")})


def test_a_parameter_changed_in_the_console_takes_effect_and_is_logged(app, client_for):
    admin = client_for("admin")
    try:
        refused = _edit_setting(admin, "password.min_length", "3")
        assert refused.status_code == 200 and "不得小于8" in refused.get_data(as_text=True)
        done = _edit_setting(admin, "password.min_length", "12")
        assert done.status_code == 302
        with app.app_context():
            with pytest.raises(RuleViolation, match="至少12位"):
                passwords.check_strength("Abcdef12!x")
        with data(app) as s:
            row = s.execute(select(OperationLog).where(OperationLog.path == "/ops/setting/edit/")
                            .order_by(OperationLog.id.desc())).scalars().first()
            assert row.username == "admin" and row.role == "province_admin"
            assert row.result == "ok" and row.detail == "password.min_length: 8 → 12"
    finally:
        _edit_setting(admin, "password.min_length", "8")


def test_another_process_sees_a_change_by_the_version_stamp(app):
    """A worker that did not make the change reloads when the database's stamp moves."""
    with app.app_context():
        assert settings.get("lockout.max_failures") == 5
        from app.extensions import db
        # What another worker's change leaves behind: a new value and a bumped stamp,
        # written without this process's knowledge (no local invalidation).
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE sys_setting SET value = '7' "
                              "WHERE key = 'lockout.max_failures'"))
        assert settings.get("lockout.max_failures") == 5  # the stamp has not moved yet
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE sys_settings_version SET version = version + 1"))
        app.extensions["settings"]["checked"] = 0.0  # SETTINGS_CHECK_SECONDS have passed
        try:
            assert settings.get("lockout.max_failures") == 7
        finally:
            with db.engine.begin() as conn:
                conn.execute(text("UPDATE sys_setting SET value = '5' "
                                  "WHERE key = 'lockout.max_failures'"))
                conn.execute(text("UPDATE sys_settings_version SET version = version + 1"))
            settings.invalidate()
        assert settings.get("lockout.max_failures") == 5


def test_dictionary_and_catalogue_changes_apply_at_once(app, client_for):
    admin = client_for("admin")
    with data(app) as s:
        tier = s.execute(select(DictItem).filter_by(dict_type="target_tier", code="1")).scalar_one()
        tier_id = tier.id
    token = csrf_token(admin, "/")
    bad = admin.post(f"/ops/dictionary/edit/?id={tier_id}", data={
        "label": "一级", "value": "purple", "active": "y", "sort_order": "0", "csrf_token": token})
    assert "red" in bad.get_data(as_text=True) and bad.status_code == 200
    try:
        assert admin.post(f"/ops/dictionary/edit/?id={tier_id}", data={
            "label": "特级", "value": "blue", "active": "y", "sort_order": "0",
            "csrf_token": token}).status_code == 302
        page = client_for("company_hz").get("/targetcategoryview/list/").get_data(as_text=True)
        assert 'tier-blue">特级<' in page
        # The catalogue: a time limit changed in the console is what a new application gets.
        assert admin.post("/ops/application_item/edit/?id=guard_certificate", data={
            "title": "保安员证核发", "decider": "city", "time_limit": "12",
            "documents": "photo 照片\nexam_result 考试成绩单\nhealth 健康状况声明",
            "sort_order": "4", "csrf_token": token}).status_code == 302
        with app.app_context():
            from app.services.application_items import ITEMS
            assert ITEMS["guard_certificate"].time_limit == 12
    finally:
        admin.post(f"/ops/dictionary/edit/?id={tier_id}", data={
            "label": "一级", "value": "red", "active": "y", "sort_order": "0",
            "csrf_token": token})
        admin.post("/ops/application_item/edit/?id=guard_certificate", data={
            "title": "保安员证核发", "decider": "city", "time_limit": "15",
            "documents": "photo 照片\nexam_result 考试成绩单\nhealth 健康状况声明",
            "sort_order": "4", "csrf_token": token})


def test_calendar_days_are_data(app, client_for):
    from app.services.application_items import is_working_day
    admin = client_for("admin")
    token = csrf_token(admin, "/")
    day = dt.date(2026, 12, 31)  # a Thursday
    with app.app_context():
        assert is_working_day(day)
    assert admin.post("/ops/calendar/new/", data={
        "day": day.isoformat(), "kind": "holiday", "note": "测试", "csrf_token": token}
    ).status_code == 302
    try:
        with app.app_context():
            assert not is_working_day(day)
        refused = admin.post("/ops/calendar/new/", data={
            "day": "2026-12-30", "kind": "workday", "note": "", "csrf_token": token})
        assert "周六或周日" in refused.get_data(as_text=True)
    finally:
        admin.post("/ops/calendar/delete/", data={"id": day.isoformat(), "csrf_token": token})
    with app.app_context():
        assert is_working_day(day)


# ------------------------------------------------------------------ login log

def _login_rows(app, username):
    with data(app) as s:
        rows = s.execute(select(LoginLog).where(LoginLog.username == username)
                         .order_by(LoginLog.id)).scalars().all()
        s.expunge_all()  # plain values for the test, after the context's rollback
        return rows


def test_every_sign_in_and_sign_out_is_in_the_login_log(app):
    client = app.test_client()
    client.post("/login/", data={"username": "police_nb", "password": "Wrong@123",
                                 "csrf_token": csrf_token(client)},
                headers={"User-Agent": "TestBrowser/1.0"})
    login(client, "police_nb")
    client.get("/logout/")
    client.post("/login/", data={"username": "nobody_here", "password": "x",
                                 "csrf_token": csrf_token(client)})
    api = app.test_client()
    ok = api.post("/api/v1/security/login", json={"username": "police_nb",
                                                   "password": DEMO_PASSWORD, "provider": "db"})
    api.post("/api/v1/security/logout",
             headers={"Authorization": f"Bearer {ok.json['access_token']}"})
    rows = [(r.event, r.channel, r.success, r.reason) for r in _login_rows(app, "police_nb")]
    assert rows[-5:] == [("login", "form", False, "wrong_password"),
                         ("login", "form", True, "ok"), ("logout", "form", True, "ok"),
                         ("login", "api", True, "ok"), ("logout", "api", True, "ok")]
    last = _login_rows(app, "police_nb")[-5]
    assert last.ip == "127.0.0.1" and last.user_agent == "TestBrowser/1.0"
    unknown = _login_rows(app, "nobody_here")[-1]
    assert (unknown.success, unknown.reason, unknown.user_id) == (False, "unknown_user", None)


def test_a_locked_name_is_logged_as_locked(app):
    name = "locked_probe_user"
    client = app.test_client()
    for _ in range(6):
        client.post("/login/", data={"username": name, "password": "Bad@12345",
                                     "csrf_token": csrf_token(client)})
    reasons = [r.reason for r in _login_rows(app, name)]
    assert reasons[:5] == ["unknown_user"] * 4 + ["unknown_user+locked"]
    assert reasons[5] == "locked"


# ------------------------------------------------------------------ operation log

def test_write_requests_are_in_the_operation_log_with_their_outcome(app, client_for):
    client = client_for("company_hz")
    token = csrf_token(client, "/")
    client.post("/unitview/delete/999999", data={"csrf_token": token})
    with data(app) as s:
        row = s.execute(select(OperationLog).order_by(OperationLog.id.desc())).scalars().first()
        s.expunge(row)
    assert (row.username, row.role, row.method) == ("company_hz", "company_user", "POST")
    assert row.result == "refused" and row.status in (403, 404) and row.reason
    assert row.duration_ms >= 0 and row.hash and row.prev_hash is not None
    # An anonymous write (the public status query) is logged too.
    public = app.test_client()
    public.post("/apply/status", data={"number": "X", "phone": "1",
                                       "csrf_token": csrf_token(public, "/apply/status")})
    with data(app) as s:
        row = s.execute(select(OperationLog).order_by(OperationLog.id.desc())).scalars().first()
        s.expunge(row)
    assert row.path == "/apply/status" and row.username is None


# ------------------------------------------------------------------ the chains

def _verify(app):
    return CliRunner().invoke(app.cli, ["logs", "verify"], catch_exceptions=False) \
        if False else app.test_cli_runner().invoke(args=["logs", "verify"])


def test_the_chains_verify_and_a_row_changed_behind_the_apps_back_is_named(app, client_for):
    login(app.test_client(), "police_sc")  # at least a few rows in every chain we touch
    result = _verify(app)
    assert result.exit_code == 0, result.output
    assert "login_log: ok" in result.output and "operation_log: ok" in result.output
    with data(app) as s:
        ids = s.execute(select(LoginLog.id).order_by(LoginLog.id)).scalars().all()
        victim, original = ids[len(ids) // 2], None
        original = s.get(LoginLog, victim).username
    from app.extensions import db
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text("UPDATE login_log SET username = 'someone_else' WHERE id = :id"),
                     {"id": victim})
    try:
        result = _verify(app)
        assert result.exit_code == 1
        assert f"login_log: first broken at row id {victim}" in result.output
    finally:
        with app.app_context(), db.engine.begin() as conn:
            conn.execute(text("UPDATE login_log SET username = :u WHERE id = :id"),
                         {"u": original, "id": victim})
    # A row removed: the next one no longer follows.
    with app.app_context():
        with db.engine.connect() as conn:
            assert oplog.verify(conn, "login_log") is None


@pytest.fixture
def empty_app(tmp_path):
    """An app on a database of its own (its chains start empty)."""
    from tests.conftest import app_on_fresh_database
    with app_on_fresh_database(tmp_path, "chain", seed=False,
                               LOG_ARCHIVE_DIR=str(tmp_path / "archive")) as app:
        yield app


def test_a_removed_row_is_found(empty_app):
    app = empty_app
    with app.app_context():
        for i in range(5):
            oplog.log_login("login", "form", f"u{i}", None, False, "unknown_user", "127.0.0.1")
        from app.extensions import db
        with db.engine.begin() as conn:
            ids = conn.execute(text("SELECT id FROM login_log ORDER BY id")).scalars().all()
            conn.execute(text("DELETE FROM login_log WHERE id = :id"), {"id": ids[2]})
        with db.engine.connect() as conn:
            found = oplog.verify(conn, "login_log")
        assert found.row_id == ids[3] and found.reason == "missing_before"
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM login_log WHERE id = :id"), {"id": ids[4]})
            conn.execute(text("DELETE FROM login_log WHERE id = :id"), {"id": ids[3]})
        with db.engine.connect() as conn:  # the tail gone: the head names it
            assert oplog.verify(conn, "login_log").reason == "missing_after"


def test_pruning_moves_old_rows_to_an_archive_and_both_stay_verifiable(empty_app):
    app = empty_app
    from app.extensions import db
    with app.app_context():
        old = dt.datetime(2025, 1, 1)
        with db.engine.begin() as conn:
            for i in range(3):
                oplog.append(conn, LoginLog, dict(at=old + dt.timedelta(minutes=i),
                                                  event="login", channel="form",
                                                  username=f"old{i}", success=True,
                                                  reason="ok"))
        for i in range(2):
            oplog.log_login("login", "form", f"new{i}", None, True, "ok")
        moved = oplog.prune_expired()
        count, path = moved["login_log"]
        assert count == 3 and path.exists()
        with db.engine.connect() as conn:
            assert oplog.verify(conn, "login_log") is None
            assert conn.execute(text("SELECT count(*) FROM login_log")).scalar() == 2
        chain, found, _base, last = oplog.verify_archive(path)
        assert chain == "login_log" and found is None
        with db.engine.connect() as conn:
            first = conn.execute(text("SELECT prev_hash FROM login_log ORDER BY id")).first()
        assert first[0] == last  # the kept rows follow the archive's last row
    result = app.test_cli_runner().invoke(args=["logs", "verify", "--archive", str(path)])
    assert result.exit_code == 0, result.output


def test_concurrent_appends_keep_one_chain(app):
    """Threads appending at once (each in its own transaction) never fork the chain."""
    import threading
    errors = []

    def work(n):
        try:
            with app.app_context():
                for i in range(5):
                    oplog.log_login("login", "api", f"t{n}-{i}", None, False, "unknown_user")
        except Exception as exc:  # pragma: no cover - shown by the assertion
            errors.append(exc)
    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with app.app_context():
        from app.extensions import db
        with db.engine.connect() as conn:
            assert oplog.verify(conn, "login_log") is None


# ------------------------------------------------------------------ online users

def _open_sessions(app, username):
    from app.models import AppUser
    with data(app) as s:
        return set(s.execute(select(UserSession.id).join(
            AppUser, UserSession.user_id == AppUser.id).where(
            AppUser.username == username, UserSession.ended_at.is_(None))).scalars())


def test_force_sign_out_ends_the_session_and_its_tokens_at_once(app, client_for):
    before = _open_sessions(app, "police_nb")  # the suite's own client stays signed in
    victim = login(app.test_client(), "police_nb")
    assert victim.get("/notices/").status_code == 200
    api = app.test_client()
    tokens = api.post("/api/v1/security/login", json={
        "username": "police_nb", "password": DEMO_PASSWORD, "provider": "db",
        "refresh": True}).json
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert api.get("/api/v1/unit/", headers=bearer).status_code == 200
    admin = client_for("admin")
    listing = admin.get("/ops/online/").get_data(as_text=True)
    assert "police_nb" in listing
    sids = sorted(_open_sessions(app, "police_nb") - before)
    assert len(sids) == 2  # the browser's and the API client's
    response = admin.post("/ops/online/action/", data={
        "action": "force_out", "rowid": sids, "csrf_token": csrf_token(admin, "/")})
    assert response.status_code == 302
    # The cookie is anonymous at its next request; the tokens of that sign-in are refused.
    page = victim.get("/notices/")
    assert page.status_code == 302 and "/login/" in page.headers["Location"]
    assert api.get("/api/v1/unit/", headers=bearer).status_code == 401
    refreshed = api.post("/api/v1/security/refresh",
                         headers={"Authorization": f"Bearer {tokens['refresh_token']}"})
    assert refreshed.status_code == 401
    with data(app) as s:
        row = s.execute(select(OperationLog).where(OperationLog.path == "/ops/online/action/")
                        .order_by(OperationLog.id.desc())).scalars().first()
        assert "police_nb" in row.detail


def test_log_retention_runs_on_beat(app):
    """Beat's prune-logs entry runs oplog.prune_expired (eager here): nothing is old enough in
    the test data, so every chain reports zero rows moved and still verifies."""
    from app.extensions import db
    from app.services import oplog
    from app.tasks.maintenance import prune_logs
    from app.tasks.schedule import BEAT_SCHEDULE
    assert BEAT_SCHEDULE["prune-logs"]["task"] == prune_logs.name
    with app.app_context():
        moved = prune_logs.delay().get()
        assert set(moved) == set(oplog.CHAINED) and not any(moved.values())
        with db.engine.connect() as conn:
            assert all(oplog.verify(conn, name) is None for name in oplog.CHAINED)


def test_console_views_cover_system_tables_only():
    """Issue 18 point 6: Flask-Admin never shows unit-scoped data (that stays behind the FAB
    pages' one scope mechanism). Every console model is a system table (admin_only), shared
    reference data, or the notices (addressed by region and kind, not owned by a unit)."""
    from app.views.console import VIEWS
    kinds = {model.__name__: model.__scope__[0] for _view, model, *_rest in VIEWS}
    assert set(kinds.values()) <= {"admin_only", "shared", "audience"}, kinds
