"""The staff add form's echo of the population registry (issue 14, point 5): the ID number
fills the registered name and household address for users who may add staff, each look-up
is logged for the province admin (系统管理 → 人口信息查询记录), and the look-ups are limited
per user so the form cannot harvest the registry."""
import datetime as dt

from app.models import PopulationRecord, RegistryLookup
from app.services.idnumber import parse_id_number
from tests.helpers import data, fresh_id_number, unique_name


def _registered(app, address="杭州市西湖区文三路1号"):
    number, name = fresh_id_number("female", year=1993), unique_name("回显")
    info = parse_id_number(number)
    with data(app) as s:
        s.add(PopulationRecord(id_number=number, name=name, gender=info.gender,
                               birth_date=info.birth_date, household_address=address))
        s.commit()
    return number, name


def _lookups(app, number):
    with data(app) as s:
        return [(row.username, row.found) for row in
                s.query(RegistryLookup).filter_by(id_number=number).order_by(RegistryLookup.id)]


def test_id_number_echoes_the_registered_name_and_address(app, client_for):
    number, name = _registered(app)
    client = client_for("company_hz")
    info = client.get("/staff/idcheck/", query_string={"id_number": number}).json
    assert info["valid"] and info["gender_label"] == "女"
    assert info["registered"] == {"name": name, "household_address": "杭州市西湖区文三路1号"}
    assert "registry" not in info  # nothing typed, nothing compared
    # A typed name is still compared with the registry, the mismatch never carries the name.
    wrong = client.get("/staff/idcheck/", query_string={"id_number": number,
                                                         "name": "别人"}).json
    assert wrong["registry"]["status"] == "mismatch" and name not in str(wrong["registry"])
    right = client.get("/staff/idcheck/", query_string={"id_number": number,
                                                         "name": name}).json
    assert right["registry"]["status"] == "match"
    # Each look-up is logged: who, which number (when: the row's time).
    assert _lookups(app, number) == [("company_hz", True)] * 3
    unknown = fresh_id_number("male", year=1991)
    reply = client.get("/staff/idcheck/", query_string={"id_number": unknown}).json
    assert reply["valid"] and "registered" not in reply
    assert _lookups(app, unknown) == [("company_hz", False)]
    # An invalid number does not reach the registry and is not logged.
    bad = number[:17] + ("0" if number[-1] != "0" else "1")
    assert not client.get("/staff/idcheck/", query_string={"id_number": bad}).json["valid"]
    assert _lookups(app, bad) == []


def test_read_only_users_get_no_echo_and_no_log(app, client_for):
    number, _name = _registered(app)
    response = client_for("association").get("/staff/idcheck/",
                                             query_string={"id_number": number})
    assert response.status_code in (302, 403, 404)
    assert _lookups(app, number) == []


def test_lookup_log_is_the_province_admins_only(app, client_for):
    number, _name = _registered(app)
    client_for("company_hz").get("/staff/idcheck/", query_string={"id_number": number})
    admin = client_for("admin")
    page = admin.get("/registrylookupview/list/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "人口信息查询记录" in html and number in html and "company_hz" in html
    assert "/registrylookupview/list/" in admin.get("/").get_data(as_text=True)  # 系统管理
    for user in ("police_hz", "company_hz", "association"):
        client = client_for(user)
        assert client.get("/registrylookupview/list/").status_code in (302, 403, 404), user
        assert "/registrylookupview/" not in client.get("/").get_data(as_text=True), user
    with data(app) as s:
        row = s.query(RegistryLookup).filter_by(id_number=number).one()
        assert abs(row.at - dt.datetime.utcnow()) < dt.timedelta(minutes=5)


def test_lookups_are_rate_limited_per_user(app, client_for):
    number, name = _registered(app)
    previous = app.config["REGISTRY_LOOKUP_RATE_LIMIT"]
    app.config["REGISTRY_LOOKUP_RATE_LIMIT"] = "3 per hour"
    try:
        client = client_for("company_nb")
        answers = [client.get("/staff/idcheck/", query_string={"id_number": number})
                   for _ in range(4)]
        assert [r.status_code for r in answers] == [200, 200, 200, 429]
        refused = answers[-1].json
        assert "registered" not in refused and "稍后再试" in refused["error"]
        assert name not in answers[-1].get_data(as_text=True)
        assert len(_lookups(app, number)) == 3
        # Per user: another clerk is not held up by the first one.
        other = client_for("company_hz").get("/staff/idcheck/",
                                             query_string={"id_number": number})
        assert other.status_code == 200 and other.json["registered"]["name"] == name
    finally:
        app.config["REGISTRY_LOOKUP_RATE_LIMIT"] = previous
