"""Accounts to 等保 2.0 level 3: the password rule on every path, the login lockout (form and
JWT, shared through Redis), server-side sessions (logout, password change, idle expiry),
revocable refresh tokens, and 个人资料 with the password change for every role.

Every test that fails logins, changes a password or ends sessions uses its own account:
the demo accounts stay signed in for the rest of the suite."""
import datetime as dt
import itertools
import re
import time

import jwt as pyjwt
import pytest
from sqlalchemy import select

from app.models import AppUser, UserSession
from app.services import lockout, sessions, settings
from app.services.errors import RuleViolation
from app.services.passwords import check_strength, generate_password, one_time_password
from tests.conftest import DEMO_PASSWORD, build_app, csrf_token, login
from tests.helpers import data, dictionary_values, parameters, redis_url

NEW_PASSWORD = "Xin#Mima2027"
LOCKED = "登录失败次数过多，该账户已被锁定15分钟，请稍后再试。"
INVALID = "用户名或密码错误，请重试。"
_seq = itertools.count(1)


def _user(app, like="company_hz", role=None, **fields):
    """A fresh account with the role, unit and jurisdiction of a demo account."""
    username = f"acct{next(_seq):03d}_{int(time.time() * 1000) % 100000}"
    with data(app) as session:
        sm = app.appbuilder.sm
        model = session.execute(select(AppUser).filter_by(username=like)).scalar_one()
        roles = [sm.find_role(role)] if role else list(model.roles)
        user = sm.add_user(username, "测", "试", f"{username}@example.com", roles,
                           password=DEMO_PASSWORD)
        assert user, username
        row = session.get(AppUser, user.id)
        row.unit_id, row.region_code = model.unit_id, model.region_code
        for key, value in fields.items():
            setattr(row, key, value)
        session.commit()
    return username


def _flash(client, response):
    """The sign-in form's message after a failed POST (shown on the page it redirects to)."""
    assert response.status_code == 302, response.status_code
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    found = re.search(r'alert alert-warning">\s*<button[^>]*>&times;</button>\s*([^<]+?)\s*<',
                      page)
    return found and found.group(1)


def _form_login(client, username, password):
    return client.post("/login/", data={"username": username, "password": password,
                                        "csrf_token": csrf_token(client)})


def _signed_in(client):
    return client.get("/unitview/list/").status_code == 200


def _jwt_login(app, username, password, refresh=False):
    return app.test_client().post("/api/v1/security/login", json={
        "username": username, "password": password, "provider": "db", "refresh": refresh})


def _bearer(token):
    return {"Authorization": f"Bearer {token}"}


def _field_errors(page):
    return " ".join(re.findall(r'class="[^"]*(?:help-block|text-danger|alert-danger)[^"]*"[^>]*>'
                               r'\s*([^<]+)', page))


# ------------------------------------------------------------------ the password rule

def test_the_rule(app):
    with app.app_context():
        for weak in ("Aa1!aa", "abcdefgh", "abcd1234", "ABCD!!!!", "12345678!!"):
            with pytest.raises(RuleViolation, match="至少8位"):
                check_strength(weak)
        for strong in ("Abcdef12", "abcd123!", "ABCD12!!", "Ab!defgh"):
            check_strength(strong)
        with pytest.raises(RuleViolation, match="密码不得包含用户名"):
            check_strength("xx-Police_HZ-1!", "police_hz")  # case-insensitive
    with parameters(app, {"password.min_length": "12"}), app.app_context():
        with pytest.raises(RuleViolation, match="至少12位"):
            check_strength("Abcdef12!x")
        assert len(generate_password(8)) >= 12


def test_generated_passwords_meet_the_rule(app):
    with app.app_context():
        for _ in range(200):
            check_strength(one_time_password("acme"), "acme")
            check_strength(generate_password(32))
        from app.services.platform import platform_user
        assert platform_user() is not None  # its random password passed the manager's check


def test_the_security_manager_refuses_weak_passwords(app):
    username = _user(app)
    with data(app) as session:
        sm = app.appbuilder.sm
        with pytest.raises(RuleViolation):
            sm.add_user("weakling", "弱", "密", "weak@example.com", [], password="123")
        user = session.execute(select(AppUser).filter_by(username=username)).scalar_one()
        with pytest.raises(RuleViolation):
            sm.reset_password(user.id, "abc")
        with pytest.raises(RuleViolation, match="密码不得包含用户名"):
            sm.reset_password(user.id, username.upper() + "!1")


def _add_form(client, db_session, username, password, confirm=None):
    role = db_session.execute(select(AppUser).filter_by(username="company_hz")) \
        .scalar_one().roles[0]
    return client.post("/users/add", data={
        "csrf_token": csrf_token(client, "/users/add"), "first_name": "新", "last_name": "用户",
        "username": username, "active": "y", "email": f"{username}@example.com",
        "roles": [str(role.id)], "password": password, "conf_password": confirm or password})


def test_user_add_form_enforces_the_rule(app, client_for, db_session):
    admin = client_for("admin")
    weak = _add_form(admin, db_session, "acct_form_a", "a")
    assert weak.status_code == 200 and "密码强度不足" in weak.get_data(as_text=True)
    named = _add_form(admin, db_session, "acct_form_b", "Acct_Form_B#9")
    assert named.status_code == 200 and "密码不得包含用户名" in named.get_data(as_text=True)
    assert db_session.execute(select(AppUser).filter(
        AppUser.username.in_(["acct_form_a", "acct_form_b"]))).first() is None
    good = _add_form(admin, db_session, "acct_form_c", NEW_PASSWORD)
    assert good.status_code == 302
    login(app.test_client(), "acct_form_c", NEW_PASSWORD)


def test_admin_reset_enforces_the_rule_and_ends_the_users_sessions(app, client_for,
                                                                   db_session):
    username = _user(app)
    victim = login(app.test_client(), username)
    user_id = db_session.execute(select(AppUser.id).filter_by(username=username)).scalar()
    admin = client_for("admin")
    url = f"/resetpassword/form?pk={user_id}"
    weak = admin.post(url, data={"csrf_token": csrf_token(admin, url),
                                 "password": "1", "conf_password": "1"})
    assert weak.status_code == 200 and "密码强度不足" in weak.get_data(as_text=True)
    assert _signed_in(victim)
    done = admin.post(url, data={"csrf_token": csrf_token(admin, url),
                                 "password": NEW_PASSWORD, "conf_password": NEW_PASSWORD})
    assert done.status_code == 302
    assert not _signed_in(victim)
    assert _signed_in(admin)  # the admin's own session is not the user's
    login(app.test_client(), username, NEW_PASSWORD)


def _self_change(client, old, new, confirm=None):
    return client.post("/resetmypassword/form", data={
        "csrf_token": csrf_token(client, "/resetmypassword/form"), "old_password": old,
        "password": new, "conf_password": confirm or new})


def test_self_change_enforces_the_rule_and_ends_the_other_sessions(app):
    username = _user(app)
    here, elsewhere = login(app.test_client(), username), login(app.test_client(), username)
    weak = _self_change(here, DEMO_PASSWORD, "short")
    assert weak.status_code == 200 and "密码强度不足" in weak.get_data(as_text=True)
    wrong = _self_change(here, "not-the-password", NEW_PASSWORD)
    assert wrong.status_code == 200 and "当前密码不正确" in wrong.get_data(as_text=True)
    assert _signed_in(elsewhere)
    assert _self_change(here, DEMO_PASSWORD, NEW_PASSWORD).status_code == 302
    assert _signed_in(here) and not _signed_in(elsewhere)
    refused = _form_login(app.test_client(), username, DEMO_PASSWORD)
    assert "/login" in refused.headers["Location"]
    login(app.test_client(), username, NEW_PASSWORD)


def test_first_login_change_enforces_the_rule_and_ends_the_other_sessions(app):
    username = _user(app, must_change_password=True)
    here, elsewhere = login(app.test_client(), username), login(app.test_client(), username)
    form = {"csrf_token": csrf_token(here, "/password/change"), "old_password": DEMO_PASSWORD}
    weak = here.post("/password/change", data={**form, "new_password": "abcdefgh",
                                                "confirm_password": "abcdefgh"})
    body = weak.get_data(as_text=True)
    assert weak.status_code == 200 and "密码强度不足" in body
    # the message stands at the new password's field
    assert re.search(r'id="new_password">\s*<p class="help-block password-error">密码强度不足',
                     body)
    done = here.post("/password/change", data={**form, "new_password": NEW_PASSWORD,
                                                "confirm_password": NEW_PASSWORD})
    assert done.status_code == 302
    assert _signed_in(here)
    assert elsewhere.get("/unitview/list/").headers["Location"].startswith("/login")


# ------------------------------------------------------------------ lockout

def test_five_failures_lock_the_form_login_and_the_jwt_login(app, monkeypatch):
    username = _user(app)
    client = app.test_client()
    messages = [_flash(client, _form_login(client, username, "wrong")) for _ in range(5)]
    assert messages[:4] == [INVALID] * 4 and messages[4] == LOCKED
    right = _form_login(client, username, DEMO_PASSWORD)
    assert _flash(client, right) == LOCKED and not _signed_in(client)
    api = _jwt_login(app, username, DEMO_PASSWORD)
    assert api.status_code == 401 and api.json["message"] == LOCKED
    # the user name in other letter case is the same account
    assert _flash(client, _form_login(client, username.upper(), DEMO_PASSWORD)) == LOCKED

    later = time.time() + 15 * 60 + 1
    monkeypatch.setattr(lockout, "now", lambda: later)
    login(app.test_client(), username)


def test_five_jwt_failures_lock_the_account(app):
    username = _user(app)
    codes = [_jwt_login(app, username, "wrong").status_code for _ in range(5)]
    assert codes == [401] * 5
    right = _jwt_login(app, username, DEMO_PASSWORD)
    assert right.status_code == 401 and right.json["message"] == LOCKED
    client = app.test_client()
    assert _flash(client, _form_login(client, username, DEMO_PASSWORD)) == LOCKED


def test_an_unknown_name_locks_exactly_like_an_account(app):
    known, unknown = _user(app), f"nobody_{time.time_ns()}"
    answers = {}
    for name in (known, unknown):
        client = app.test_client()
        answers[name] = [_flash(client, _form_login(client, name, "wrong")) for _ in range(6)]
        answers[name].append(_jwt_login(app, name, "wrong").json)
    assert answers[known] == answers[unknown]
    assert answers[known][-2] == LOCKED and answers[known][-1] == {"message": LOCKED}


def test_failures_older_than_the_window_and_a_success_reset_the_count(app, monkeypatch):
    username = _user(app)
    client = app.test_client()
    start = time.time()
    for _ in range(4):
        _form_login(client, username, "wrong")
    monkeypatch.setattr(lockout, "now", lambda: start + 15 * 60 + 1)
    for _ in range(4):
        _form_login(client, username, "wrong")
    login(app.test_client(), username)  # 4 in the window: not locked; the success resets
    for _ in range(4):
        _form_login(client, username, "wrong")
    login(app.test_client(), username)


@pytest.mark.parametrize("backend", ["memory", "database", "redis"])
def test_every_store_counts_failures_in_a_moving_window(app, backend):
    from app.services import state_store
    with app.app_context():
        if backend == "memory":
            store = state_store.MemoryStore()
        elif backend == "database":
            store = state_store.DatabaseStore()
        else:
            url, prefix = redis_url()
            store = state_store.RedisStore(url, prefix)
        key = f"fail:test-{backend}-{time.time_ns()}"
        assert [store.add_event(key, at, 60) for at in (1000.0, 1010.0, 1020.0)] == [1, 2, 3]
        assert store.add_event(key, 1065.0, 60) == 3  # 1000 fell out of the window
        store.set(key, "x", 30)
        assert store.get(key) == "x"
        store.delete(key)
        assert store.get(key) is None
        store.set(key, "gone", 0.001)
        time.sleep(0.01)
        assert store.get(key) is None


@pytest.fixture(scope="module")
def shared_apps(tmp_path_factory):
    """Two app servers on one database and one Redis (lockouts and revoked tokens there),
    with FAB's security REST API switched on."""
    tmp = tmp_path_factory.mktemp("shared")
    url, prefix = redis_url()
    settings = dict(database_url=f"sqlite:///{tmp / 'shared.db'}", seed=False,
                    LOCKOUT_STORAGE_URI=url, TOKEN_REVOCATION_STORAGE_URI=url,
                    SECURITY_STATE_KEY_PREFIX=prefix, FAB_ADD_SECURITY_API=True)
    first = build_app(tmp, **settings)
    second = build_app(tmp, **settings)
    with first.app_context():
        sm = first.appbuilder.sm
        for name, role in (("shared_admin", "province_admin"), ("shared_user", "company_user"),
                           ("shared_api", "company_user")):
            assert sm.add_user(name, "共", "享", f"{name}@example.com", [sm.find_role(role)],
                               password=DEMO_PASSWORD)
    return first, second


def test_a_lock_is_seen_by_every_app_server(shared_apps):
    first, second = shared_apps
    for _ in range(5):
        _jwt_login(first, "shared_user", "wrong")
    from app.services import state_store
    with first.app_context():
        assert isinstance(state_store.store("LOCKOUT_STORAGE_URI"), state_store.RedisStore)
    refused = _jwt_login(second, "shared_user", DEMO_PASSWORD)
    assert refused.status_code == 401 and refused.json["message"] == LOCKED
    client = second.test_client()
    assert _flash(client, _form_login(client, "shared_user", DEMO_PASSWORD)) == LOCKED


def test_an_api_logout_on_one_server_holds_on_the_other(shared_apps):
    first, second = shared_apps
    tokens = _jwt_login(first, "shared_api", DEMO_PASSWORD, refresh=True).json
    assert second.test_client().get("/api/v1/unit/", headers=_bearer(
        tokens["access_token"])).status_code == 200
    assert first.test_client().post("/api/v1/security/logout", headers=_bearer(
        tokens["access_token"])).status_code == 200
    assert second.test_client().get("/api/v1/unit/", headers=_bearer(
        tokens["access_token"])).status_code == 401
    assert second.test_client().post("/api/v1/security/refresh", headers=_bearer(
        tokens["refresh_token"])).status_code == 401


def test_fab_user_api_enforces_the_rule(shared_apps):
    first, _second = shared_apps
    client = first.test_client()
    headers = _bearer(_jwt_login(first, "shared_admin", DEMO_PASSWORD).json["access_token"])
    with first.app_context():
        role_id = first.appbuilder.sm.find_role("company_user").id
    body = {"username": "api_made", "first_name": "接", "last_name": "口", "active": True,
            "email": "api_made@example.com", "roles": [role_id]}
    weak = client.post("/api/v1/security/users/", json={**body, "password": "abc"},
                       headers=headers)
    assert weak.status_code == 400 and "密码强度不足" in str(weak.json), weak.json
    named = client.post("/api/v1/security/users/", json={**body, "password": "Api_Made#77"},
                        headers=headers)
    assert named.status_code == 400 and "密码不得包含用户名" in str(named.json), named.json
    made = client.post("/api/v1/security/users/", json={**body, "password": NEW_PASSWORD},
                       headers=headers)
    assert made.status_code == 201, made.json
    user_token = _jwt_login(first, "api_made", NEW_PASSWORD).json["access_token"]
    pk = made.json["id"]
    weak = client.put(f"/api/v1/security/users/{pk}", json={"password": "1"}, headers=headers)
    assert weak.status_code == 400 and "密码强度不足" in str(weak.json)
    assert client.put(f"/api/v1/security/users/{pk}", json={"password": "Other#Pass99"},
                      headers=headers).status_code == 200
    assert client.get("/api/v1/unit/", headers=_bearer(user_token)).status_code == 401


# ------------------------------------------------------------------ sessions

def test_a_cookie_saved_before_logout_is_refused_afterwards(app):
    username = _user(app)
    client = login(app.test_client(), username)
    saved = client.get_cookie("session").value
    client.get("/logout/")
    assert not _signed_in(client)
    replay = app.test_client()
    replay.set_cookie("session", saved)
    response = replay.get("/unitview/list/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    with data(app) as session:
        ended = session.execute(select(UserSession).join(
            AppUser, AppUser.id == UserSession.user_id).filter(
            AppUser.username == username)).scalar_one()
        assert ended.ended_at is not None and ended.end_reason == "logout"


def test_an_idle_session_expires(app):
    username = _user(app)
    fresh, idle = login(app.test_client(), username), login(app.test_client(), username)
    fresh_sid, idle_sid = _sid_of(app, fresh), _sid_of(app, idle)
    minutes = app.config["IDLE_TIMEOUT_MINUTES"]
    with data(app) as session:  # move the clock: age the stored timestamps
        for sid, age in ((idle_sid, minutes + 1), (fresh_sid, minutes - 2)):
            row = session.get(UserSession, sid)
            row.last_seen_at -= dt.timedelta(minutes=age)
        session.commit()
    assert not _signed_in(idle) and _signed_in(fresh)
    with data(app) as session:
        assert session.get(UserSession, idle_sid).end_reason == "idle"
        online = {row.id for row in sessions.online(session)}  # 在线用户
        assert fresh_sid in online and idle_sid not in online
        # the fresh one's request moved its last_seen_at to now
        seen = session.get(UserSession, fresh_sid).last_seen_at
        assert dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) - seen \
            < dt.timedelta(minutes=1)


def _sid_of(app, client):
    """The server-side session id inside a test client's signed cookie."""
    from flask.sessions import SecureCookieSessionInterface
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    return serializer.loads(client.get_cookie("session").value)["_sid"]


def test_the_defaults(app):
    from config import Config
    assert Config.IDLE_TIMEOUT_MINUTES == 30
    assert Config.JWT_REFRESH_TOKEN_EXPIRES == dt.timedelta(days=7)
    with app.app_context():  # parameters now (系统管理 → 参数), read through the service
        assert (settings.get("lockout.max_failures"), settings.get("lockout.window_minutes"),
                settings.get("lockout.duration_minutes")) == (5, 15, 15)
        assert (settings.get("password.min_length"),
                settings.get("password.min_classes")) == (8, 3)
    username = _user(app)
    refresh = _jwt_login(app, username, DEMO_PASSWORD, refresh=True).json["refresh_token"]
    claims = pyjwt.decode(refresh, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 7 * 86400


# ------------------------------------------------------------------ tokens

def test_refresh_tokens_end_at_logout(app):
    username = _user(app)
    tokens = _jwt_login(app, username, DEMO_PASSWORD, refresh=True).json
    refreshed = app.test_client().post("/api/v1/security/refresh",
                                       headers=_bearer(tokens["refresh_token"]))
    assert refreshed.status_code == 200
    assert app.test_client().get("/api/v1/unit/", headers=_bearer(
        refreshed.json["access_token"])).status_code == 200
    # signing out of the pages ends the API sessions' refresh tokens too
    login(app.test_client(), username).get("/logout/")
    assert app.test_client().post("/api/v1/security/refresh", headers=_bearer(
        tokens["refresh_token"])).status_code == 401
    # a new sign-in gets working tokens again; the API logout ends them
    again = _jwt_login(app, username, DEMO_PASSWORD, refresh=True).json
    assert app.test_client().post("/api/v1/security/refresh", headers=_bearer(
        again["refresh_token"])).status_code == 200
    out = app.test_client().post("/api/v1/security/logout",
                                 headers=_bearer(again["access_token"]))
    assert out.status_code == 200
    assert app.test_client().get("/api/v1/unit/", headers=_bearer(
        again["access_token"])).status_code == 401
    assert app.test_client().post("/api/v1/security/refresh", headers=_bearer(
        again["refresh_token"])).status_code == 401


def test_a_password_change_ends_every_token(app):
    username = _user(app)
    tokens = _jwt_login(app, username, DEMO_PASSWORD, refresh=True).json
    client = login(app.test_client(), username)
    assert _self_change(client, DEMO_PASSWORD, NEW_PASSWORD).status_code == 302
    assert app.test_client().get("/api/v1/unit/", headers=_bearer(
        tokens["access_token"])).status_code == 401
    assert app.test_client().post("/api/v1/security/refresh", headers=_bearer(
        tokens["refresh_token"])).status_code == 401
    fresh = _jwt_login(app, username, NEW_PASSWORD).json["access_token"]
    assert app.test_client().get("/api/v1/unit/", headers=_bearer(fresh)).status_code == 200


# ------------------------------------------------------------------ 个人资料

PEOPLE = ["admin", "police_hz", "police_nb", "police_sc", "company_hz", "company_nb",
          "selfhire_hz", "client_hz", "school_hz", "association"]


@pytest.mark.parametrize("demo", PEOPLE)
def test_every_role_reaches_its_profile_and_changes_its_password(app, client_for, demo):
    page = client_for(demo).get("/")
    assert 'href="/users/userinfo/"' in page.get_data(as_text=True)  # in the user menu
    profile = client_for(demo).get("/users/userinfo/")
    body = profile.get_data(as_text=True)
    assert profile.status_code == 200 and demo in body
    assert "/users/action/resetmypassword/" in body
    assert client_for(demo).get("/resetmypassword/form").status_code == 200
    # the change itself, by an account of the same role, unit and jurisdiction
    username = _user(app, like=demo)
    client = login(app.test_client(), username)
    assert client.get("/users/userinfo/").status_code == 200
    assert _self_change(client, DEMO_PASSWORD, NEW_PASSWORD).status_code == 302
    login(app.test_client(), username, NEW_PASSWORD)
