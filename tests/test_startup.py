"""First start says what it is doing (issue 14, point 18): before each step of the start-up
writes a line in Chinese ("正在载入演示数据…" before the minute the demo data set takes), and
once ready the address, the demo accounts and their password."""
import pytest

import run
from app.startup import init_database, ready_lines
from tests.helpers import fresh_database


@pytest.fixture(scope="module")
def fresh_app(tmp_path_factory):
    from app import create_app
    tmp = tmp_path_factory.mktemp("startup")
    url, drop = fresh_database(tmp, "startup")
    app = create_app("config.TestConfig", AUTO_MIGRATE=False, SQLALCHEMY_DATABASE_URI=url,
                     UPLOAD_ROOT=str(tmp / "uploads"), DEMO_PASSWORD="Start@2026")
    yield app
    with app.app_context():
        from app.extensions import db
        db.session.remove()
        db.engine.dispose()
    drop()


def test_each_step_is_announced_before_it_runs(fresh_app, monkeypatch):
    said = []
    import seed.demo
    monkeypatch.setattr(seed.demo, "seed_demo", lambda session, password: (
        said.append(f"SEEDING with {password}") or "demo data: stub"))
    done = init_database(fresh_app, demo=True, progress=said.append)
    assert said == ["正在迁移数据库…", "正在载入基础数据（行政区划、服务对象类别）…",
                    "正在同步权限和角色…", "正在载入演示数据…（仅写入空数据库；首次启动约需一分钟）",
                    "SEEDING with Start@2026"]
    assert done[0] == "schema migrated" and done[-1] == "demo data: stub"


def test_ready_lines_name_the_address_accounts_and_password(fresh_app):
    lines = ready_lines(fresh_app, "http://127.0.0.1:5000/")
    assert lines[0] == "系统已就绪：请在浏览器中打开 http://127.0.0.1:5000/"
    assert "admin" in lines[1] and "police_hz" in lines[1] and "Start@2026" in lines[1]
    assert ready_lines(fresh_app, "http://x/", demo=False) == ["系统已就绪：请在浏览器中打开 http://x/"]


def test_run_py_says_it_is_ready_before_serving(fresh_app, monkeypatch, capsys):
    served = []
    monkeypatch.setattr(fresh_app, "run", lambda **kwargs: served.append(
        (capsys.readouterr().out, kwargs)))
    run.serve(fresh_app, "0.0.0.0", 5123)
    printed, kwargs = served[0]
    assert "系统已就绪：请在浏览器中打开 http://127.0.0.1:5123/" in printed
    assert "Start@2026" in printed and kwargs["port"] == 5123 and kwargs["threaded"]


def test_init_db_command_announces_the_demo_data(fresh_app, monkeypatch):
    import seed.demo
    monkeypatch.setattr(seed.demo, "seed_demo", lambda session, password: "demo data: stub")
    result = fresh_app.test_cli_runner().invoke(args=["init-db", "--demo"])
    assert result.exit_code == 0, result.output
    assert "正在载入演示数据…" in result.output and "Start@2026" in result.output


def test_without_a_broker_the_scheduled_work_runs_once_at_start(fresh_app):
    """`python run.py` has no beat: credit grades, reminders and a dashboard snapshot are
    made once at start, announced, and a second start adds nothing."""
    from app.extensions import db
    from app.models import StatSnapshot, Todo
    from app.startup import run_scheduled_once
    init_database(fresh_app)
    said = []
    done = run_scheduled_once(fresh_app, progress=said.append)
    assert said == ["正在执行一次定时任务（信用评价、到期提醒、统计数据）…"]
    assert done[0].startswith("credit grades:") and done[-1] == "dashboard snapshot taken"
    assert run_scheduled_once(fresh_app)[1] == "reminders: 0 added"
    with fresh_app.app_context():
        assert db.session.query(StatSnapshot).count() == 2   # the newest and the one before
        assert db.session.query(Todo).count() == int(done[1].split()[1])
        db.session.remove()
