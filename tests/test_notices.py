"""通知公告: a city police publishes to the units of its city (never beyond), units see the
unread notices on their home page until they open one, the publisher sees who read it and
when; a notice outside a user's scope answers 404."""
import re

from sqlalchemy import select

from app.models import Announcement
from tests.conftest import csrf_token
from tests.helpers import data, unique_name

PDF = b"%PDF-1.4 notice"


def _publish(client, title, region, kind="all", files=None):
    payload = {"title": title, "body": "请各单位于月底前完成年度自查。", "target_region": region,
               "target_kind": kind, "csrf_token": csrf_token(client, "/notices/publish/")}
    if files:
        payload["attachments"] = files
    return client.post("/notices/publish/", data=payload, content_type="multipart/form-data")


def _id(app, title):
    with data(app) as s:
        return s.execute(select(Announcement.id).filter_by(title=title)).scalar_one()


def test_a_city_publishes_to_its_units_and_sees_who_read(app, client_for):
    import io
    title = unique_name("杭州通知")
    police = client_for("police_hz")
    done = _publish(police, title, "3301", files=[(io.BytesIO(PDF), "附件.pdf")])
    assert done.status_code == 302
    pk = _id(app, title)
    # Units of 杭州 see it on their home page until they open it; 宁波's do not.
    home = client_for("company_hz").get("/").get_data(as_text=True)
    assert title in home and 'id="unread-notices"' in home
    assert title not in client_for("company_nb").get("/").get_data(as_text=True)
    assert client_for("company_nb").get(f"/notices/{pk}").status_code == 404
    page = client_for("company_hz").get(f"/notices/{pk}").get_data(as_text=True)
    assert title in page and "附件.pdf" in page
    attachment = re.search(r'href="(/notices/\d+/attachment/\d+)"', page).group(1)
    assert client_for("company_hz").get(attachment).data == PDF
    assert title not in client_for("company_hz").get("/").get_data(as_text=True)
    # The publisher sees the reader and when.
    readers = police.get(f"/notices/{pk}").get_data(as_text=True)
    assert "company_hz" in readers and "尚无人阅读" not in readers
    # 宁波's police does not reach it; the province admin's console lists it.
    assert client_for("police_nb").get(f"/notices/{pk}").status_code == 404
    assert title in client_for("admin").get("/ops/announcement/").get_data(as_text=True)


def test_a_city_cannot_address_units_outside_its_city(app, client_for):
    title = unique_name("越权通知")
    page = _publish(client_for("police_hz"), title, "3302")
    assert page.status_code == 200
    assert "只能向本辖区内的单位发布" in page.get_data(as_text=True)
    page = _publish(client_for("police_hz"), title, "33")
    assert "只能向本辖区内的单位发布" in page.get_data(as_text=True)
    with data(app) as s:
        assert s.execute(select(Announcement).filter_by(title=title)).first() is None


def test_notices_by_kind_reach_only_that_kind(app, client_for):
    title = unique_name("培训单位通知")
    assert _publish(client_for("admin"), title, "33", kind="training").status_code == 302
    assert title in client_for("school_hz").get("/").get_data(as_text=True)
    assert title not in client_for("company_hz").get("/").get_data(as_text=True)


def test_units_and_the_association_cannot_publish(client_for):
    for username in ("company_hz", "school_hz", "association"):
        client = client_for(username)
        response = client.post("/notices/publish/", data={
            "title": "x", "body": "x", "target_region": "3301", "target_kind": "all",
            "csrf_token": csrf_token(client, "/")})
        assert response.status_code in (302, 403), username
        assert "/notices/" not in response.headers.get("Location", "/login/")


def test_a_notice_to_one_district_reaches_only_that_districts_units(app, client_for):
    """杭州's police addresses 上城区 (330102): company_hz (上城) sees it, school_hz (拱墅)
    and selfhire_hz (西湖) do not; 上城's district police may address its own district only."""
    title = unique_name("上城区通知")
    assert _publish(client_for("police_hz"), title, "330102").status_code == 302
    assert title in client_for("company_hz").get("/").get_data(as_text=True)
    for other in ("school_hz", "selfhire_hz"):
        assert title not in client_for(other).get("/").get_data(as_text=True), other
        assert client_for(other).get(f"/notices/{_id(app, title)}").status_code == 404
    district = unique_name("拱墅越权")
    page = _publish(client_for("police_sc"), district, "330105")
    assert page.status_code == 200 and "只能向本辖区内的单位发布" in page.get_data(as_text=True)
    assert _publish(client_for("police_sc"), unique_name("上城自发"), "330102").status_code == 302
