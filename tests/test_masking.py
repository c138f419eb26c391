"""Privacy by value (docs/privacy.md): for the association (a scope with
`mask_id_numbers`) no full identity number leaves the server, whatever field carries it.

The test plants numbers where no `id_number` column is: a driving licence whose number is
the holder's ID number, a natural-person investor's identifier, a change-log row about an ID
number, an application whose form data holds the new legal representative's ID number, an
incident description and a document's note mentioning ID numbers (one in the old 15-digit
form). It then signs in as `association` and fetches every GET route the application
registers (app.url_map: pages, record pages and each of their lazily loaded tabs and panes,
REST list / get / _info, exports, lookups), each parameter filled from the registered views
(their models, related views, lookups …), so a new view is covered without touching this
file; a route with a parameter nobody knows how to fill fails the test until it is added
here. Every text, JSON and xlsx body is scanned for an 18-character ID-shaped value.
A police user still sees the full numbers.
"""
import datetime as dt
import html as html_lib
import io
import json
import re
import time
import zipfile

import pytest
from flask import g
from sqlalchemy import desc

from app.models import (Job, Todo, Application, ApplicationEvent, AppUser, Certificate, ChangeLog,
                        Employment, Incident, Investor, Person, Service, Unit,
                        UnitDocument)
from app.services.privacy import is_identity_number, mask_identity_values
from app.services.idnumber import make_id_number, mask_id_number
from app.services.uscc import make_uscc
from tests.conftest import api_headers, login
from tests.helpers import data, fresh_id_number, unique_name

ID_SHAPED = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])")
OLD_ID = "330106880304123"  # 15-digit form: 330106, born 1988-03-04

# Routes not fetched, each with the reason. Everything else registered for GET is fetched.
SKIP_ENDPOINT_SUFFIXES = {
    ".delete": "GET deletes a record in FAB; read-only roles are refused anyway",
    ".action": "runs a mass action on a record",
    ".download": "FAB's file download of upload fields: stored bytes, not text",
    ".document": "an application document's stored file: bytes, not text",
    ".logout": "would end the session of the scan",
    ".export": "the console's exports (/ops/…/export/xlsx/): the province admin's alone "
               "(tests/test_console.py), the association gets 403",
    ".attachment": "a notice's attachment: stored bytes, not text",
}
SKIP_ENDPOINTS = {
    "LocaleView.index": "switches the session's language",
    "UserStatsChartView.chart": "FAB's user statistics chart (province admin's security menu)",
    "static": "the application's own assets", "appbuilder.static": "FAB's own assets",
    "console.static": "Flask-Admin's own assets",
    # A notice is about units, never about people; the association reads none (no grant).
    "AnnouncementView.show": "a notice names no person; the association has no grant (403)",
}
# Views without a datamodel whose <pk> names a record of this model.
PK_MODELS = {"ServiceDeskView": Service, "ApplicationDeskView": Application,
             "GuardECertificateView": Certificate, "UnitECertificateView": Unit,
             "MyJobsView": Job, "TodoView": Todo, "CreditView": Unit}


# ------------------------------------------------------------------ the value masking

def test_identity_numbers_are_recognised_by_value():
    number = make_id_number("330106", dt.date(1988, 3, 4), 12, "male")
    assert is_identity_number(number)
    masked = mask_id_number(number)
    assert mask_identity_values(f"驾驶证{number}，") == f"驾驶证{masked}，"
    assert mask_identity_values(number[:17] + "x") == mask_id_number(number[:17] + "X")
    assert mask_identity_values(f"旧号{OLD_ID}。") == f"旧号{mask_id_number(OLD_ID)}。"
    # Flask's JSON writes 号 as \u53f7: the escape's last hex digit touches the number.
    text = json.dumps({"note": f"号{number}", "amp": f"&{number}"})
    assert number not in mask_identity_values(text)
    assert json.loads(mask_identity_values(text))["note"] == f"号{masked}"
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in number)
    assert full_width not in mask_identity_values(full_width)


@pytest.mark.parametrize("text", [
    "13812345678",                              # mobile phone, 11 digits
    make_uscc("330102", 5),                     # credit code with letters
    "913301020000000012",                       # all-digit code of no province (91)
    "110000000000000000",                       # province 11 but no birth date
    "330106199913451234",                       # month 13
    "330106" + "21990101" + "1234",             # born in the future
    "3301061988030402571",                      # 19 digits: inside a longer number
    "1330106198803040257",
    "330100000123456",                          # zero-padded 15-digit registration number
    "990106880304123",                          # 15 digits, no such region
    "BA2026112000001", "2026-11-20 09:30:00", "S0000330202400012",
])
def test_other_numbers_are_left_alone(text):
    assert mask_identity_values(text) == text


def test_masking_a_big_page_is_cheap():
    """The hook runs the masking over whole bodies of masking scopes: a 1 MB page of the
    kind a 100-row list renders takes a few milliseconds (measured: ~20 ms; the bound is
    loose for a busy machine)."""
    number = make_id_number("330106", dt.date(1988, 3, 4), 12, "male")
    row = (f'<tr><td><a href="/personview/show/12345">张三</a></td><td>13812345678</td>'
           f'<td>330***********1234</td><td>2026-11-20 09:30:00</td>'
           f'<td>{make_uscc("330102", 5)}</td><td>{number}</td></tr>\n')
    body = row * (1_000_000 // len(row))
    started = time.perf_counter()
    masked = mask_identity_values(body)
    elapsed = time.perf_counter() - started
    assert number not in masked and masked.count(mask_id_number(number)) == body.count(number)
    assert elapsed < 0.5, f"{elapsed:.3f} s for {len(body)} characters"


# ------------------------------------------------------------------ demo-like records

@pytest.fixture(scope="module")
def planted(app):
    """Numbers outside any id_number column, on records of company_hz (Hangzhou: police_hz
    sees them, the association reads them masked)."""
    with data(app) as session:
        unit = session.query(AppUser).filter_by(username="company_hz").one().unit
        holder_number, old_number = fresh_id_number(), fresh_id_number()
        person = Person(id_number=holder_number, name=unique_name("驾证"), gender="male",
                        birth_date=dt.date(1988, 1, 1), phone="13800000001")
        session.add(person)
        session.add(Employment(person=person, unit=unit, role="guard",
                               start_date=dt.date(2024, 1, 1)))
        licence = Certificate(person=person, kind="driving_licence", number=holder_number,
                              level="C1", issuer="杭州市公安局交通警察支队",
                              issued_on=dt.date(2015, 5, 1))
        session.add(licence)
        investor_number = fresh_id_number()
        investor = Investor(unit=unit, kind="individual", name=unique_name("股东"),
                            identifier=investor_number, contribution=100)
        session.add(investor)
        rep_number = fresh_id_number()
        application = Application(
            number=f"BA2026120{unique_name('')[-5:]}", item="legal_rep_change",
            applicant_name="王经理", applicant_phone="13800000002", unit=unit,
            region_code=unit.region_code, status="submitted", channel="web",
            form={"new_legal_representative": "李新", "new_legal_rep_id_number": rep_number,
                  "reason": f"原法定代表人（身份证号{fresh_id_number()}）退休"},
            time_limit_days=20, days_used=0)
        application.events.append(ApplicationEvent(actor="王经理", action="submit",
                                                   to_status="submitted"))
        session.add(application)
        incident_number = fresh_id_number()
        incident = Incident(unit=unit, occurred_on=dt.date(2026, 11, 1), title="盗窃未遂",
                            description=f"嫌疑人身份证号{incident_number}，旧证{OLD_ID}")
        session.add(incident)
        doc_number = fresh_id_number()
        document = UnitDocument(unit=unit, title=f"法定代表人身份证 {doc_number}",
                                note=f"复印件 {doc_number}")
        session.add(document)
        session.flush()
        log = ChangeLog(entity="person", entity_id=person.id, action="update",
                        field="id_number", old_value=old_number, new_value=holder_number,
                        username="police_hz", unit_id=unit.id, person_id=person.id)
        session.add(log)
        session.commit()
        return {
            "numbers": [holder_number, old_number, investor_number, rep_number,
                        incident_number, doc_number],
            "person": person.id, "certificate": licence.id, "investor": investor.id,
            "application": application.id, "incident": incident.id,
            "document": document.id, "change_log": log.id, "unit": unit.id,
            "holder": holder_number, "name": person.name,
            "models": {Unit: unit.id, Person: person.id, Certificate: licence.id, Investor: investor.id,
                       Application: application.id, Incident: incident.id,
                       UnitDocument: document.id, ChangeLog: log.id},
        }


# ------------------------------------------------------------------ the route scan

def _texts(response):
    """The texts a body carries: a page or JSON as sent (and JSON decoded, since \\u escapes
    could hide a boundary), every XML part of an xlsx; nothing for images and PDFs."""
    body = response.get_data()
    mimetype = response.mimetype or ""
    if body[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(body)) as book:
            return [book.read(name).decode("utf-8", "replace")
                    for name in book.namelist() if name.endswith(".xml")]
    if mimetype.startswith("text/") or mimetype.endswith(("json", "xml", "javascript")):
        text = body.decode("utf-8", "replace")
        texts = [text]
        if "json" in mimetype:
            try:
                texts.append(json.dumps(json.loads(text), ensure_ascii=False))
            except ValueError:
                pass
        return texts
    return []


class Scan:
    def __init__(self, app, username, planted):
        self.app, self.planted = app, planted
        self.client = login(app.test_client(), username)  # its own session: nothing shared
        self.headers = api_headers(app, username)
        self.user_id = None
        with data(app) as session:
            self.user_id = session.query(AppUser.id).filter_by(username=username).scalar()
        self.seen, self.fetched, self.leaks = set(), 0, []

    def get(self, url):
        if url in self.seen:
            return None
        self.seen.add(url)
        headers = self.headers if url.startswith("/api/") else {}
        response = self.client.get(url, headers=headers)
        self.fetched += 1
        assert response.status_code < 500, (url, response.status_code)
        for text in _texts(response):
            for match in ID_SHAPED.findall(text):
                self.leaks.append((url, match))
            for number in self.planted["numbers"] + [OLD_ID]:
                if number in text:
                    self.leaks.append((url, number))
            # Lazily loaded tabs and panes: fetched as the browser would.
            for tab in re.findall(r'data-url="(/[^"]+)"', text):
                self.get(html_lib.unescape(tab))
        return response


def _view_of(app, endpoint):
    name = endpoint.split(".")[0]
    return next((v for v in app.appbuilder.baseviews if type(v).__name__ == name), None)


def _pks(app, scan, view):
    """The planted record of the view's model (if any) and the newest row the view lists
    for the scanning user."""
    model = PK_MODELS.get(type(view).__name__)
    datamodel = getattr(view, "datamodel", None)
    model = model or (datamodel.obj if datamodel is not None else None)
    if model is None:
        return None
    pks = []
    if model in scan.planted["models"]:
        pks.append(scan.planted["models"][model])
    with data(app) as session, app.test_request_context():
        g.user = session.get(AppUser, scan.user_id)
        pk_name = datamodel.get_pk_name() if datamodel is not None else "id"
        newest = None
        if datamodel is not None and hasattr(view, "_base_filters"):
            _count, items = datamodel.query(view._base_filters, order_column=pk_name,
                                            order_direction="desc", page=0, page_size=1)
            newest = getattr(items[0], pk_name) if items else None
        if newest is None:
            column = getattr(model, pk_name)
            row = session.query(column).order_by(desc(column)).first()
            newest = row[0] if row else None
        if newest is not None and newest not in pks:
            pks.append(newest)
    return pks


def _urls(app, scan, rule):
    """The URLs that fill the rule's parameters, or None when no one knows how."""
    from app.models.choices import CERTIFICATE_KINDS
    from app.services.application_items import ITEMS
    from app.views.lookup import LOOKUPS

    view = _view_of(app, rule.endpoint)
    args = set(rule.arguments)
    values = [{}]

    def expand(name, choices):
        nonlocal values
        values = [{**v, name: c} for v in values for c in choices]

    if "pk" in args:
        pks = _pks(app, scan, view) if view is not None else None
        if pks is None:
            return None
        expand("pk", pks)
    if "name" in args:  # a related list (tab) of a record page
        expand("name", [type(v).__name__ for v in getattr(view, "_related_views", [])])
    if "kind" in args:
        expand("kind", list(CERTIFICATE_KINDS))
    if "code" in args:
        expand("code", list(ITEMS))
    if "version" in args:
        expand("version", ["v1"])
    if "entity" in args:
        expand("entity", list(LOOKUPS))
    if "key" in args:  # the unit page's panes: found on the page itself (data-url)
        return []
    unknown = args - {"pk", "name", "kind", "code", "version", "entity"}
    if unknown:
        return None
    urls = []
    for value in values:
        built = rule.build(value, append_unknown=False)
        if built is not None:
            urls.append(built[1])
    return urls


def _with_queries(url, rule, scan):
    """Lists with 100 rows a page, lookups asked for the planted person."""
    yield url
    view = _view_of(scan.app, rule.endpoint)
    if rule.endpoint.endswith(".list") and view is not None:
        yield f"{url}?psize_{type(view).__name__}=100"
    if rule.endpoint.endswith(".get_list"):
        yield f"{url}?q=(page_size:100)"
    if rule.endpoint == "LookupView.search":
        yield f"{url}?q={scan.planted['name'][:2]}"
        yield f"{url}?q={scan.planted['holder']}"


def _scan_everything(app, scan):
    unresolved = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint in SKIP_ENDPOINTS or any(
                rule.endpoint.endswith(s) for s in SKIP_ENDPOINT_SUFFIXES):
            continue
        urls = _urls(app, scan, rule) if rule.arguments else [rule.rule]
        if urls is None:
            unresolved.append(rule.rule)
            continue
        for url in urls:
            for variant in _with_queries(url, rule, scan):
                scan.get(variant)
    return unresolved


def test_association_receives_no_full_identity_number_anywhere(app, planted):
    scan = Scan(app, "association", planted)
    holder, masked = planted["holder"], mask_id_number(planted["holder"])
    # Searching by a full number still finds the person; the answer shows it masked.
    searches = [f"/personview/list/?_flt_0_id_number={holder}",
                f"/guardlistview/list/?search={holder}",
                f"/api/v1/person/?q=(filters:!((col:id_number,opr:eq,value:'{holder}')))"]
    for url in searches:
        body = scan.get(url).get_data(as_text=True)
        assert planted["name"] in body or planted["name"] in json.dumps(
            json.loads(body), ensure_ascii=False), url
    # Lookups of form fields list only rows one may write: nothing for the association.
    for url in (f"/lookup/person/?q={holder}", f"/lookup/employment/?q={holder}"):
        scan.get(url)
    # The planted records, where each number shows (and must show masked).
    person_page = scan.get(f"/personview/show/{planted['person']}").get_data(as_text=True)
    tabs = re.findall(r'data-url="(/[^"]+/tab/CertificateView)"', person_page)
    assert tabs, "the person's page has no 证件信息 tab"
    certificate_tab = scan.client.get(html_lib.unescape(tabs[0])).get_data(as_text=True)
    assert masked in certificate_tab
    record = scan.client.get(f"/api/v1/certificate/{planted['certificate']}",
                             headers=scan.headers).json["result"]
    assert record["number"] == masked
    investor = scan.client.get(f"/api/v1/investor/{planted['investor']}",
                               headers=scan.headers).json["result"]
    assert investor["identifier"] == mask_id_number(planted["numbers"][2])
    log = scan.client.get(f"/api/v1/change_log/{planted['change_log']}",
                          headers=scan.headers).json["result"]
    assert log["old_value"] == mask_id_number(planted["numbers"][1])
    desk = scan.client.get(f"/applications/desk/{planted['application']}")
    if desk.status_code == 200:
        assert mask_id_number(planted["numbers"][3]) in desk.get_data(as_text=True)
    application = scan.client.get(f"/api/v1/application/{planted['application']}",
                                  headers=scan.headers).json["result"]
    assert mask_id_number(planted["numbers"][3]) in json.dumps(application, ensure_ascii=False)
    export = scan.client.get("/certificateview/export/")
    assert export.status_code == 200 and masked in "".join(_texts(export))

    unresolved = _scan_everything(app, scan)
    assert not unresolved, ("routes this scan cannot fill in (teach _urls their parameters "
                            f"or add them to the skip lists with a reason): {unresolved}")
    assert any("/pane/" in url for url in scan.seen), "no unit page pane was scanned"
    assert any("/tab/" in url for url in scan.seen), "no record page tab was scanned"
    assert any(url.endswith("/export/") for url in scan.seen)
    assert any(url.endswith("/_info") for url in scan.seen)
    assert not scan.leaks, f"{len(scan.leaks)} full ID numbers sent to the association " \
                           f"({scan.fetched} responses scanned), e.g. {scan.leaks[:10]}"


def test_police_still_see_full_numbers(app, planted):
    client = login(app.test_client(), "police_hz")
    headers = api_headers(app, "police_hz")
    holder = planted["holder"]
    person_page = client.get(f"/personview/show/{planted['person']}").get_data(as_text=True)
    tab = re.findall(r'data-url="(/[^"]+/tab/CertificateView)"', person_page)[0]
    assert holder in client.get(html_lib.unescape(tab)).get_data(as_text=True)
    assert client.get(f"/api/v1/certificate/{planted['certificate']}",
                      headers=headers).json["result"]["number"] == holder
    assert client.get(f"/api/v1/investor/{planted['investor']}",
                      headers=headers).json["result"]["identifier"] == planted["numbers"][2]
    incident = client.get(f"/incidentview/show/{planted['incident']}").get_data(as_text=True)
    assert planted["numbers"][4] in incident and OLD_ID in incident
    export = client.get("/certificateview/export/")
    assert holder in "".join(_texts(export))
