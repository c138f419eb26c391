"""身份核验待办 (issue 14, points 8 and 12): the queue in tabs by whom a case waits for (the
police start on 待民警处理, a unit on 待单位处理); 【处理】 from the queue row opens the form of
the finding with the photo upload (the popup loads it as a fragment and posts it by XHR); the
message after resubmitting says the state the case is really in, also in production mode,
where checks otherwise run in a background thread after the answer."""
import io
import re

from app.models import AppUser, IdentityCheck
from seed.demo import demo_photo_png
from tests.conftest import csrf_token
from tests.helpers import data
from tests.test_screening import make_guard

XHR = {"X-Requested-With": "XMLHttpRequest"}
NO_PHOTO = "未上传照片。"


def _guard(app, username, **kwargs):
    with data(app) as s:
        unit = s.query(AppUser).filter_by(username=username).one().unit
        person = make_guard(s, unit, **kwargs)
        s.commit()
        case = s.query(IdentityCheck).filter_by(person_id=person.id).one()
        return case.id, person.id, person.name, case.state, case.reasons


def _state(app, case_id):
    with data(app) as s:
        case = s.get(IdentityCheck, case_id)
        return case.state, case.reasons


def _row(html, name):
    """The <tr> of the queue that names `name` ('' when none)."""
    for row in re.findall(r"<tr>.*?</tr>", html, re.S):
        if name in row:
            return row
    return ""


def _queue(client, **args):
    return client.get("/identityqueueview/list/", query_string={
        "psize_IdentityQueueView": 100, **args}).get_data(as_text=True)


def test_queue_tabs_separate_the_unit_s_cases_from_the_police_s(app, client_for):
    failed_id, _pid, failed_name, state, _r = _guard(app, "company_hz", registered=False)
    assert state == "failed"
    # A case the unit vouched for (信息无误无需处理): it waits for the police.
    review_id, _pid, review_name, _s, _r = _guard(app, "company_hz", registered=False)
    clerk = client_for("company_hz")
    clerk.post(f"/identitycheckview/do/{review_id}/confirm", data={
        "csrf_token": csrf_token(clerk, "/"), "note": "户籍信息无误"})
    assert _state(app, review_id)[0] == "police_review"
    police = client_for("police_hz")
    default = _queue(police)
    assert 'id="queue-tab-police"' in default and "待民警处理" in default
    assert re.search(r'<li class="active" data-tab="police">', default)
    assert review_name in default and failed_name not in default
    waiting_unit = _queue(police, waiting="unit")
    assert failed_name in waiting_unit and review_name not in waiting_unit
    every = _queue(police, waiting="all")
    assert failed_name in every and review_name in every
    # The unit starts on its own cases.
    unit = _queue(client_for("company_hz"))
    assert re.search(r'<li class="active" data-tab="unit">', unit)
    assert failed_name in unit and "待单位处理" in unit
    # The unit filter keeps the tab.
    kept = _queue(police, waiting="unit", unit="杭州")
    assert 'name="waiting" value="unit"' in kept


def test_process_from_the_queue_uploads_the_photo_and_says_the_real_state(app, client_for):
    case_id, person_id, name, state, reasons = _guard(app, "company_hz", photo=False)
    assert (state, reasons) == ("failed", NO_PHOTO)
    client = client_for("company_hz")
    row = _row(_queue(client), name)
    match = re.search(r'class="btn btn-xs btn-primary screening-process-open" '
                      r'id="process-(\d+)" href="([^"]+)"\s+data-fragment="([^"]+)"', row)
    assert match and int(match.group(1)) == case_id, row
    fragment = client.get(match.group(3).replace("&amp;", "&"))
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in html   # the form alone
    assert NO_PHOTO in html and 'id="process-no-photo"' in html
    assert 'type="file" id="photo" name="photo"' in html
    assert 'enctype="multipart/form-data"' in html
    back = re.search(r'name="next" value="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert back.startswith("/identityqueueview/list/")
    number = re.search(r'id="id_number" name="id_number" value="([^"]+)"', html).group(1)
    form = {"csrf_token": csrf_token(client, "/identityqueueview/list/"), "name": name,
            "id_number": number, "note": "补传照片", "next": back}
    # Production mode: checks run in a thread after the commit — the resubmission waits for
    # its own answer.
    app.config.update(SCREENING_SYNC=False)
    try:
        # Not an image: the form again, the error at the photo, nothing changed.
        refused = client.post(f"/identitycheckview/process/{case_id}", headers=XHR, data={
            **form, "photo": (io.BytesIO(b"%PDF-1.4"), "photo.png")},
            content_type="multipart/form-data")
        text = refused.get_data(as_text=True)
        assert refused.status_code == 400 and "<html" not in text
        group = text[text.find('id="group-photo"') - 60:]
        assert "has-error" in group[:120] and "只能上传PNG或JPEG格式的图片。" in group
        assert _state(app, case_id) == ("failed", NO_PHOTO)
        # Resubmitted without the photo: it fails again, and the message says so.
        again = client.post(f"/identitycheckview/process/{case_id}", headers=XHR, data=form,
                            content_type="multipart/form-data")
        assert again.status_code == 200 and again.get_json() == {"redirect": back}
        assert _state(app, case_id) == ("failed", NO_PHOTO)
        page = client.get(back).get_data(as_text=True)
        assert "已提交核验：核验不通过，待单位处理（未上传照片。）" in page
        assert "核验不通过" in _row(page, name)
        # With the photo: verified before the answer, passed, and it leaves the queue.
        done = client.post(f"/identitycheckview/process/{case_id}", headers=XHR, data={
            **form, "photo": (io.BytesIO(demo_photo_png(9)), "me.png")},
            content_type="multipart/form-data")
        assert done.get_json() == {"redirect": back}
        assert _state(app, case_id) == ("passed", None)
        page = client.get(back).get_data(as_text=True)
        assert "已提交核验：核验通过" in page and "待核验" not in page
        assert name not in page
    finally:
        app.config.update(SCREENING_SYNC=True)
    photo = client.get(f"/personview/photo/{person_id}")
    assert photo.status_code == 200 and photo.data == demo_photo_png(9)


def test_process_refuses_a_return_address_of_another_host(app, client_for):
    case_id, person_id, name, _state_, _r = _guard(app, "company_hz", registered=False)
    with data(app) as s:
        number = s.get(IdentityCheck, case_id).person.id_number
    client = client_for("company_hz")
    answer = client.post(f"/identitycheckview/process/{case_id}", data={
        "csrf_token": csrf_token(client, "/"), "name": name, "id_number": number,
        "next": "//evil.example/x"})
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"/identitycheckview/show/{case_id}")
