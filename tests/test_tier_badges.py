"""The coloured tier label shows wherever a service target shows; exports carry the tier as
text (一级/二级/三级)."""
import io
import zipfile

import pytest

from app.models import AppUser, Dispatch, Service, ServiceTarget
from app.web.transaction import atomic
from tests.helpers import page_with_tabs
from tests.test_dispatch_workflow import guard_of, new_service

COLOURS = {1: "tier-red", 2: "tier-yellow", 3: "tier-green"}
TIER_TEXT = {1: "一级", 2: "二级", 3: "三级"}


@pytest.fixture
def posted(db_session):
    """A company_hz service with one dispatched guard."""
    from app.security.scope import scope_for_user
    from app.services import dispatch as workflow
    import datetime as dt

    service = new_service(db_session, "company_hz")
    guard = guard_of(db_session, service.unit)
    user = db_session.query(AppUser).filter_by(username="company_hz").one()
    with atomic(db_session):
        dispatch = workflow.dispatch_guards(db_session, scope_for_user(user), service, [guard.id],
                                            dt.date(2024, 2, 1))[0]
    return service, dispatch


def test_every_page_showing_a_target_shows_its_coloured_tier(client_for, db_session, posted):
    service, dispatch = posted
    colour = COLOURS[service.target.tier]
    client = client_for("company_hz")
    pages = {
        "service list": f"/serviceview/list/?_flt_0_contract_number={service.contract_number}",
        "service page": f"/serviceview/show/{service.id}",
        "dispatch list": "/dispatchview/list/?_oc_DispatchView=start_date&_od_DispatchView=desc",
        "target list": f"/servicetargetview/list/?_flt_0_name={service.target.name}",
        "target page": f"/servicetargetview/show/{service.target_id}",
        "unit page": f"/unitview/show/{service.unit_id}",
        "person work history": f"/personview/show/{dispatch.person_id}",
        "service desk list": f"/servicedesk/list/?q={service.target.name}",
        "service desk details": f"/servicedesk/{service.id}/",
        "dispatch form": f"/servicedesk/{service.id}/dispatch/",
    }
    for page, url in pages.items():
        html = page_with_tabs(client, url)
        assert f'class="tier-badge {colour}"' in html, page


def _xlsx_text(data):
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return "".join(book.read(name).decode("utf-8") for name in book.namelist()
                       if name.startswith("xl/"))


def test_exports_carry_the_tier_as_text(client_for, db_session, posted):
    service, _dispatch = posted
    client = client_for("company_hz")
    text = TIER_TEXT[service.target.tier]
    for url in ("/serviceview/export/", "/dispatchview/export/",
                f"/servicetargetview/export/?_flt_0_name={service.target.name}"):
        response = client.get(url)
        assert response.status_code == 200, url
        content = _xlsx_text(response.data)
        assert "等级" in content and text in content, url
