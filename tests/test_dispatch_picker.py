"""The 派驻 picker (issue 14, point 11): a searched person it does not offer is answered with
the reason (a part-time guard, another kind of staff, left, nobody of that name), never
"没有匹配的记录" alone and never naming people outside the clerk's scope; guards whose identity
verification failed or is not finished carry a badge, and posting them needs the clerk's
confirmation — on the server too (a flag, else a message at the field, nothing saved)."""
import datetime as dt
import re

from app.models import AppUser, Dispatch, IdentityCheck
from tests.conftest import csrf_token
from tests.test_dispatch_workflow import guard_of, new_service
from tests.test_rules import employ, new_person
from tests.test_screening import make_guard

D = dt.date


def _unit(session, username):
    return session.query(AppUser).filter_by(username=username).one().unit


def _options(client, service, q):
    answer = client.get(f"/servicedesk/{service.id}/guards/", query_string={"q": q})
    assert answer.status_code == 200
    return answer.json["results"]


def test_picker_says_why_a_searched_person_is_not_offered(client_for, db_session):
    hz, nb = _unit(db_session, "company_hz"), _unit(db_session, "company_nb")
    service = new_service(db_session)
    elsewhere = guard_of(db_session, nb)                   # full-time at company_nb …
    part_timer = employ(db_session, elsewhere.person, hz, role="part_time_guard",
                        start=D(2023, 7, 1))               # … part-time at company_hz
    staff = employ(db_session, new_person(db_session), hz, role="other_staff")
    left = guard_of(db_session, hz)
    left.end_date = D(2024, 1, 15)
    outsider = guard_of(db_session, nb)                    # only at company_nb
    db_session.commit()
    client = client_for("company_hz")

    found = _options(client, service, part_timer.person.name)
    assert len(found) == 1 and found[0]["disabled"] is True and found[0]["reason"] is True
    assert part_timer.person.name in found[0]["text"]
    assert "兼职保安员不能在此派驻，只能由其专职所在单位派驻" in found[0]["text"]
    assert nb.name not in found[0]["text"]    # the other employer is outside the scope

    found = _options(client, service, staff.person.name)
    assert found[0]["disabled"] and "只能派驻专职保安员" in found[0]["text"]

    found = _options(client, service, left.person.name)
    assert found[0]["disabled"] and "2024-01-15" in found[0]["text"] and "离职" in found[0]["text"]

    # Outside the scope: not named, only that no guard of the unit matches.
    found = _options(client, service, outsider.person.name)
    assert len(found) == 1 and found[0]["disabled"] and found[0]["id"] == "why"
    assert outsider.person.name in found[0]["text"]   # the typed text, quoted back
    assert found[0]["text"] == f"{hz.name}没有与“{outsider.person.name}”匹配的在职专职保安员。"


def test_unverified_guards_are_marked_and_need_confirmation(app, client_for, db_session):
    hz = _unit(db_session, "company_hz")
    service = new_service(db_session)
    unverified = guard_of(db_session, hz)          # unregistered, no photo: fails
    verified_person = make_guard(db_session, hz)   # registered, with a photo
    db_session.commit()
    verified = next(e for e in verified_person.employments if e.unit_id == hz.id)
    states = {e.person_id: db_session.query(IdentityCheck).filter_by(
        person_id=e.person_id, unit_id=hz.id).one().state for e in (unverified, verified)}
    assert states == {unverified.person_id: "failed", verified.person_id: "passed"}
    client = client_for("company_hz")
    option = _options(client, service, unverified.person.name)[0]
    assert option["id"] == unverified.id and not option.get("disabled")
    assert option["identity"] == "身份核验：核验不通过，待单位处理"
    option = _options(client, service, verified_person.name)[0]
    assert option["id"] == verified.id and "identity" not in option

    url = f"/servicedesk/{service.id}/dispatch/"
    form = {"csrf_token": csrf_token(client, url), "start_date": "2024-06-01",
            "employments": [str(unverified.id), str(verified.id)]}
    refused = client.post(url, data=form)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200
    message = re.search(r'id="unverified-message">([^<]+)<', html).group(1)
    assert unverified.person.name in message and "核验不通过" in message
    assert verified_person.name not in message
    assert 'type="checkbox" name="confirm_unverified" value="1"' in html
    # The choices are kept, the unverified one marked for the page's script.
    assert re.search(rf'<option value="{unverified.id}" selected data-identity="身份核验：', html)
    assert re.search(rf'<option value="{verified.id}" selected>', html)
    assert db_session.query(Dispatch).filter_by(service_id=service.id).count() == 0
    # A verified guard alone needs no confirmation.
    alone = client.post(url, data={**form, "employments": [str(verified.id)]})
    assert alone.status_code == 302
    # Confirmed: posted.
    other = new_service(db_session)
    url = f"/servicedesk/{other.id}/dispatch/"
    confirmed = client.post(url, data={**form, "csrf_token": csrf_token(client, url),
                                       "employments": [str(unverified.id)],
                                       "confirm_unverified": "1"})
    assert confirmed.status_code == 302
    db_session.expire_all()
    assert db_session.query(Dispatch).filter_by(service_id=other.id).count() == 1
    # Leave no active dispatch behind: later tests take company_hz's latest one.
    for row in db_session.query(Dispatch).filter(Dispatch.service_id.in_([service.id,
                                                                          other.id])):
        db_session.delete(row)
    db_session.commit()
