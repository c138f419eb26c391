"""Record pages and navigation as a clerk meets them (issue 14): the person's page names the
person, offers 【编辑】 to whoever may change the person and has one ←; a unit form that
comes back with an error still shows the approval-only facts; 主要管理人员 carry a tag; a
tab's 【新增】 returns to that tab; every menu entry has its own name; the home page and 公司概况
show what the unit's kind has."""
import html as html_lib
import io
import re

from urllib.parse import quote

import pytest

from app.models import AppUser, Employment, Incident, Person, Unit
from seed.demo import demo_pdf
from tests.conftest import csrf_token
from tests.helpers import data, page_with_tabs, unique_name


def _unit_of(app, username):
    with data(app) as s:
        unit = s.query(AppUser).filter_by(username=username).one().unit
        return unit.id, unit.kind


def _active_person(app, username, role, key_manager=None):
    """(person id, name) of an active `role` at the user's unit."""
    unit_id, _kind = _unit_of(app, username)
    with data(app) as s:
        query = s.query(Employment).filter(Employment.unit_id == unit_id,
                                           Employment.role == role,
                                           Employment.end_date.is_(None))
        if key_manager is not None:
            query = query.filter(Employment.key_manager.is_(key_manager))
        emp = query.order_by(Employment.id).first()
        assert emp, (username, role)
        return emp.person_id, emp.person.name


def _count_tile(html, key):
    match = re.search(rf'id="count-{key}">(\d+)<', html)
    return int(match.group(1)) if match else None


# ---------------------------------------------------------------- 3. the person's page

def test_person_page_is_titled_by_name_offers_edit_and_has_one_back_button(app, client_for):
    person_id, name = _active_person(app, "company_hz", "guard")
    html = page_with_tabs(client_for("company_hz"), f"/personview/show/{person_id}")
    title = re.search(r'<h4 class="panel-title"><span class="record-title">([^<]*)</span>', html)
    assert title and html_lib.unescape(title.group(1)) == name
    edit = re.search(r'<a[^>]*id="edit-person"[^>]*href="([^"]+)"', html)
    assert edit and edit.group(1) == f"/personview/edit/{person_id}"
    # One ← for the page, none in the fields or in the tabs' lists.
    assert html.count("fa-arrow-left") == 1


@pytest.mark.parametrize("username,may_edit", [
    ("company_hz", True), ("police_hz", True), ("admin", True),
    ("association", False),      # reads, writes nothing
    ("company_nb", None),        # not in scope: no page at all
])
def test_person_edit_button_follows_scope_and_authority(app, client_for, username, may_edit):
    person_id, _name = _active_person(app, "company_hz", "guard")
    response = client_for(username).get(f"/personview/show/{person_id}")
    if may_edit is None:
        assert response.status_code == 404
        return
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert ('id="edit-person"' in html) is may_edit, username


def test_person_the_unit_reads_but_may_not_write_has_no_edit(app, client_for):
    """Write scope, not only read: a company reads its branch's guards but does not edit
    them; the police of the city do."""
    unit_id, _kind = _unit_of(app, "company_hz")
    with data(app) as s:
        branch_ids = [u.id for u in s.query(Unit).filter_by(parent_id=unit_id, kind="branch")]
        assert branch_ids, "the demo company has a branch"
        elsewhere = s.query(Employment.person_id).filter(~Employment.unit_id.in_(branch_ids))
        person_id = s.query(Employment.person_id).filter(
            Employment.unit_id.in_(branch_ids), Employment.end_date.is_(None),
            ~Employment.person_id.in_(elsewhere)).order_by(Employment.person_id).first()[0]
    response = client_for("company_hz").get(f"/personview/show/{person_id}")
    assert response.status_code == 200
    assert 'id="edit-person"' not in response.get_data(as_text=True)
    assert 'id="edit-person"' in client_for("police_hz").get(
        f"/personview/show/{person_id}").get_data(as_text=True)


# ---------------------------------------------------------------- 4. unit form after an error

def test_unit_form_after_an_error_still_shows_the_approval_only_facts(app, client_for):
    unit_id, _kind = _unit_of(app, "company_hz")
    with data(app) as s:
        unit = s.get(Unit, unit_id)
        saved = {"name": unit.name, "credit_code": unit.credit_code,
                 "legal_representative": unit.legal_representative,
                 "licence_number": unit.licence_number,
                 "registered_capital": str(unit.registered_capital),
                 "region": f"{unit.region.name}（{unit.region_code}）"}
        editable = {"principal": unit.principal or "", "address": unit.address or "",
                    "contact_person": unit.contact_person or "",
                    "contact_phone": unit.contact_phone or "",
                    "business_scope": unit.business_scope or ""}
    assert all(saved.values()), saved
    client = client_for("company_hz")
    url = f"/unitview/edit/{unit_id}"
    response = client.post(url, data={
        **editable, "csrf_token": csrf_token(client, url),
        "licence_upload": (io.BytesIO(demo_pdf()), "licence.png")},
        content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "只能上传PNG或JPEG格式的图片" in html
    for field, value in saved.items():
        found = re.search(rf'<input[^>]*id="{field}"[^>]*>', html)
        assert found, field
        assert "readonly" in found.group(0), field
        shown = re.search(r'value="([^"]*)"', found.group(0))
        assert shown and html_lib.unescape(shown.group(1)) == value, (field, found.group(0))


# ---------------------------------------------------------------- 7. 主要管理人员 tag

def test_key_managers_carry_a_tag_in_the_staff_list_and_on_their_page(app, client_for):
    client = client_for("company_hz")
    key_id, key_name = _active_person(app, "company_hz", "other_staff", key_manager=True)
    plain_id, plain_name = _active_person(app, "company_hz", "other_staff", key_manager=False)
    html = client.get("/otherstafflistview/list/", query_string={
        "psize_OtherStaffListView": 100}).get_data(as_text=True)
    tag = '<span class="label label-warning key-manager-tag">主要管理人员</span>'
    rows = {row for row in re.findall(r"<tr>.*?</tr>", html, re.S)}
    key_row = next(r for r in rows if f"/personview/show/{key_id}\"" in r)
    plain_row = next(r for r in rows if f"/personview/show/{plain_id}\"" in r)
    assert re.search(rf"{re.escape(key_name)}\s*{re.escape(tag)}", key_row)
    assert tag not in plain_row
    title = r'<h4 class="panel-title">.*?</h4>'
    key_page = client.get(f"/personview/show/{key_id}").get_data(as_text=True)
    assert tag in re.search(title, key_page, re.S).group(0)
    plain_page = client.get(f"/personview/show/{plain_id}").get_data(as_text=True)
    assert tag not in re.search(title, plain_page, re.S).group(0)


# ---------------------------------------------------------------- 13. back to the tab

def test_a_tabs_add_returns_to_that_tab(app, client_for):
    unit_id, _kind = _unit_of(app, "company_hz")
    client = client_for("company_hz")
    pane = client.get(f"/unitview/show/{unit_id}/pane/incidents").get_data(as_text=True)
    link = re.search(r'href="(/incidentview/add\?[^"]+)"', pane)
    assert link, "no 【新增】 on the tab"
    url = html_lib.unescape(link.group(1))
    assert f"next=/unitview/show/{unit_id}%23pane-incidents" in url
    title = unique_name("发案回到标签")
    response = client.post(url, data={"csrf_token": csrf_token(client, url),
                                      "occurred_on": "2025-04-01", "title": title})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert response.headers["Location"].endswith(f"/unitview/show/{unit_id}#pane-incidents")
    with data(app) as s:
        assert s.query(Incident).filter_by(title=title, unit_id=unit_id).count() == 1


def test_a_sub_tabs_add_returns_to_the_sub_tab_and_staff_add_too(app, client_for):
    unit_id, _kind = _unit_of(app, "company_hz")
    client = client_for("company_hz")
    pane = client.get(f"/unitview/show/{unit_id}/pane/inspections-fire").get_data(
        as_text=True)
    assert f"next=/unitview/show/{unit_id}%23pane-inspections-fire" in pane
    staff = client.get(f"/unitview/show/{unit_id}/pane/staff-guard").get_data(as_text=True)
    link = html_lib.unescape(re.search(r'href="(/guardlistview/add\?[^"]+)"', staff).group(1))
    assert f"next=/unitview/show/{unit_id}%23pane-staff-guard" in link
    # The add page's 返回 goes back to the tab as well.
    form = client.get(link).get_data(as_text=True)
    assert f'href="/unitview/show/{unit_id}#pane-staff-guard"' in form


@pytest.mark.parametrize("target", ["https://example.com/x", "//example.com/x",
                                    "/\\example.com", "javascript:alert(1)"])
def test_add_never_returns_to_another_site(app, client_for, target):
    unit_id, _kind = _unit_of(app, "company_hz")
    client = client_for("company_hz")
    url = f"/incidentview/add?_flt_0_unit={unit_id}"
    response = client.post(url + "&next=" + quote(target, safe=""), data={
        "csrf_token": csrf_token(client, url), "occurred_on": "2025-04-02",
        "title": unique_name("外站")})
    assert response.status_code == 302
    assert "example.com" not in response.headers["Location"]
    assert not response.headers["Location"].startswith("javascript")


# ---------------------------------------------------------------- 14. menu, home, overview

def test_every_menu_entry_has_its_own_chinese_name(app):
    with app.test_request_context():
        labels = []
        for category in app.appbuilder.menu.get_list():
            labels.append(str(category.label))
            labels += [str(item.label) for item in category.childs if item.name != "-"]
    assert len(labels) > 20
    assert sorted({x for x in labels if labels.count(x) > 1}) == []
    assert [x for x in labels if not re.search(r"[\u4e00-\u9fff]", x)] == []


def test_school_home_counts_students_and_instructors_and_no_guards(app, client_for):
    unit_id, kind = _unit_of(app, "school_hz")
    assert kind == "training"
    html = client_for("school_hz").get("/").get_data(as_text=True)
    with data(app) as s:
        def active(role):
            return s.query(Employment).filter_by(unit_id=unit_id, role=role,
                                                 end_date=None).count()
        expected = {"students": active("student"), "instructors": active("instructor"),
                    "other_staff": active("other_staff")}
    assert expected["students"] and expected["instructors"]
    for key, value in expected.items():
        assert _count_tile(html, key) == value, key
    for key in ("guards", "part_time_guards", "active_dispatches"):
        assert _count_tile(html, key) is None, key
    assert "在训学员" in html and "在职教员" in html


def test_company_home_has_guard_tiles_and_no_school_tiles(client_for):
    html = client_for("company_hz").get("/").get_data(as_text=True)
    for key in ("guards", "part_time_guards", "other_staff", "active_dispatches"):
        assert _count_tile(html, key) is not None, key
    for key in ("students", "instructors"):
        assert _count_tile(html, key) is None, key
    police = client_for("police_hz").get("/").get_data(as_text=True)
    for key in ("units", "guards", "students", "instructors", "active_dispatches"):
        assert _count_tile(police, key) is not None, key


def _overview(client, unit_id):
    html = client.get(f"/unitview/show/{unit_id}").get_data(as_text=True)
    start = html.index('id="tab-overview"')
    return html[start:html.index('class="tab-pane', start + 20)]


def test_overview_shows_only_the_sections_of_the_units_kind(app, client_for):
    school, _ = _unit_of(app, "school_hz")
    company, _ = _unit_of(app, "company_hz")
    client = client_for("police_hz")
    school_page, company_page = _overview(client, school), _overview(client, company)
    for label in ("企业等级", "外商投资", "武装守护押运"):
        assert f">{label}</th>" in company_page and f">{label}</th>" not in school_page, label
    assert ">培训规模</th>" in school_page and ">培训规模</th>" not in company_page
    assert ">培训<span" in school_page and ">培训<span" not in company_page  # the section
