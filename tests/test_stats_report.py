"""统计报表 (issue 15): the standard tables by year and region inside the scope, the Excel
file with native charts, logged like every export; a region outside the scope is 404."""
import datetime as dt
import io
import zipfile

import pytest

from app.models import ExportLog
from app.services import dashboard


@pytest.fixture(autouse=True)
def fresh_snapshot(app):
    from app.extensions import db
    with app.app_context():
        dashboard.refresh(db.session)
        db.session.commit()


@pytest.mark.parametrize("username", ["admin", "association", "police_hz", "police_sc"])
def test_report_page(client_for, username):
    response = client_for(username).get("/stats/report/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for key in ("staff", "tiers", "units", "throughput"):
        assert f'id="table-{key}"' in page
    assert "持证率" in page and "echarts.min.js" in page


def test_region_choice_and_scope(client_for):
    police = client_for("police_hz")
    assert police.get("/stats/report/?region=3302").status_code == 404
    assert police.get("/stats/report/export/?region=3302").status_code == 404
    page = police.get("/stats/report/?region=330102").get_data(as_text=True)
    assert "宁波" not in _table(page, "staff")
    assert client_for("police_sc").get("/stats/report/?region=330105").status_code == 404
    page = client_for("association").get("/stats/report/?region=3302").get_data(as_text=True)
    assert "上城区" not in _table(page, "staff")
    page = client_for("association").get("/stats/report/").get_data(as_text=True)
    assert "杭州市" in _table(page, "staff") and "宁波市" in _table(page, "staff")
    # The region list is the province's (the code table holds the whole country's).
    choices = page[page.index('id="report-region"'):page.index("</select>",
                                                                 page.index('id="report-region"'))]
    assert 'value="3302"' in choices and 'value="330102"' in choices
    assert 'value="1101' not in choices and 'value="3201' not in choices
    assert client_for("association").get("/stats/report/?region=3201").status_code == 404


def _table(page, key):
    start = page.index(f'id="table-{key}"')
    return page[start:page.index("</table>", start)]


@pytest.mark.parametrize("username", ["company_hz", "school_hz"])
def test_units_have_no_report(client_for, username):
    response = client_for(username).get("/stats/report/")
    assert response.status_code in (302, 403, 404)
    assert client_for(username).get("/stats/report/export/").status_code in (302, 403, 404)


def test_export_has_native_charts_and_is_logged(app, client_for, db_session):
    year = dt.date.today().year
    before = db_session.query(ExportLog).filter_by(resource="StatsReport").count()
    response = client_for("association").get(f"/stats/report/export/?year={year}")
    assert response.status_code == 200
    book = zipfile.ZipFile(io.BytesIO(response.data))
    names = book.namelist()
    assert any(n.startswith("xl/charts/chart") for n in names)
    sheet = book.read("xl/sharedStrings.xml").decode()
    assert "持证率" in sheet and "一级" in sheet or "Tier" not in sheet
    db_session.expire_all()
    logs = db_session.query(ExportLog).filter_by(resource="StatsReport").all()
    assert len(logs) == before + 1
    assert str(year) in logs[-1].filters and logs[-1].username == "association"


def test_report_figures_equal_a_recount(app, db_session):
    """The quarterly and kind × grade tables against plain counts of the rows."""
    from sqlalchemy import extract, func

    from app.models import Application, IdentityCheck, Unit
    from app.security.scope import Scope
    from app.services import reports
    year = dt.date.today().year
    scope = Scope(role="association", read_all=True, mask_id_numbers=True)
    _region, _snapshot, tables = reports.build(db_session, scope, year, "3301")
    by_key = {t.key: t for t in tables}
    total = by_key["throughput"].rows[-1]
    received = db_session.query(func.count(Application.id)).filter(
        Application.region_code.startswith("3301"),
        extract("year", Application.submitted_at) == year).scalar()
    opened = db_session.query(func.count(IdentityCheck.id)).join(
        Unit, Unit.id == IdentityCheck.unit_id).filter(
        Unit.region_code.startswith("3301"),
        extract("year", IdentityCheck.created_at) == year).scalar()
    assert total[5] == received and total[1] == opened
    companies = db_session.query(Unit).filter(Unit.region_code.startswith("3301"),
                                              Unit.kind == "company",
                                              Unit.status == "active").count()
    row = next(r for r in by_key["units"].rows if r[0] == "保安服务公司")
    assert row[-1] == companies
