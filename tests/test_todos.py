"""待办 / 消息中心: who sees an item (the scope plus the audience), the bell's count,
mark read / all read, idempotent adding."""
import uuid

import pytest

from app.extensions import db
from app.models import AppUser, Todo, Unit
from app.services import todos
from tests.conftest import csrf_token


@pytest.fixture
def items(app):
    tag = uuid.uuid4().hex[:8]
    with app.app_context():
        unit = db.session.query(AppUser).filter_by(username="company_hz").one().unit
        user = db.session.query(AppUser).filter_by(username="company_nb").one()
        todos.add_many(db.session, [
            dict(kind="cert_expiring", key=f"t:{tag}:unit", audience="unit", unit_id=unit.id,
                 region_code=unit.region_code, title=f"单位待办{tag}", link="/personview/list/"),
            dict(kind="cert_overdue", key=f"t:{tag}:police", audience="police",
                 unit_id=unit.id, region_code=unit.region_code, title=f"公安待办{tag}"),
            dict(kind="application_overdue", key=f"t:{tag}:city", audience="police",
                 region_code="3301", title=f"市局待办{tag}"),
            dict(kind="job_done", key=f"t:{tag}:user", audience="user", user_id=user.id,
                 title=f"个人待办{tag}", link="//evil.example/"),
        ])
        db.session.commit()
        ids = dict(db.session.query(Todo.key, Todo.id).filter(Todo.key.like(f"t:{tag}:%")))
    return tag, {k.rsplit(":", 1)[1]: v for k, v in ids.items()}


SEES = {
    # user: which of the four items (unit, police, city, user) reach them
    "company_hz": {"unit"},
    "company_nb": {"user"},
    "police_hz": {"police", "city"},
    "police_sc": {"police"},  # district police: the unit's district, not the city's item
    "police_nb": set(),
    "admin": {"police", "city"},
    "association": set(),
    "client_hz": set(),
}


@pytest.mark.parametrize("user", sorted(SEES))
def test_each_item_reaches_only_whom_it_addresses(client_for, items, user):
    tag, ids = items
    client = client_for(user)
    page = client.get("/todos/").get_data(as_text=True)
    for name, todo_id in ids.items():
        title = {"unit": "单位待办", "police": "公安待办", "city": "市局待办",
                 "user": "个人待办"}[name] + tag
        assert (title in page) == (name in SEES[user]), (user, name)
        expected = 302 if name in SEES[user] else 404
        if name not in SEES[user]:
            assert client.get(f"/todos/{todo_id}/open").status_code == expected


def test_bell_counts_and_mark_read(app, client_for, items):
    tag, ids = items
    client = client_for("police_hz")
    before = int(_badge(client.get("/todos/").get_data(as_text=True)))
    response = client.get(f"/todos/{ids['city']}/open")
    assert response.status_code == 302
    assert int(_badge(client.get("/todos/").get_data(as_text=True))) == before - 1
    client.post("/todos/read", data={"all": "1", "csrf_token": csrf_token(client, "/todos/")})
    assert _badge(client.get("/todos/").get_data(as_text=True)) == "0"
    # read per user: the district police still have the unit's police item unread
    page = client_for("police_sc").get("/todos/").get_data(as_text=True)
    assert f"公安待办{tag}</strong>" in page


def test_an_outside_link_is_not_followed(client_for, items):
    _tag, ids = items
    response = client_for("company_nb").get(f"/todos/{ids['user']}/open")
    assert response.status_code == 302 and "evil" not in response.headers["Location"]


def test_adding_twice_adds_once(app):
    with app.app_context():
        unit = db.session.query(Unit).first()
        item = dict(kind="cert_expiring", key=f"twice:{uuid.uuid4().hex}", audience="unit",
                    unit_id=unit.id, region_code=unit.region_code, title="x")
        assert todos.add_many(db.session, [item, item]) == 1
        assert todos.add_many(db.session, [item]) == 0
        db.session.rollback()


def _badge(page):
    import re
    match = re.search(r'id="todo-count">(\d+)<', page)
    return match.group(1) if match else "0"
