"""Province-scale benchmark: `python -m tests.bench` (see README).

Builds the synthetic data set once per database and scale (cached: a SQLite file under
bench-results/cache/, a PostgreSQL database named bench_<people>), logs in as real users of
several roles, and measures every page a clerk waits for, 200 requests each by default, in
one run: in rounds of one request per page, so that the shared machine's slower minutes fall
on every page and the floor alike. Prints p50 / p95 and p95 as a multiple of the framework floor (an empty list page of a
tiny table, same run), plus an Excel export's time and peak memory growth at 10k and 100k
rows, and writes the table to bench-results/RESULTS.md.

Requests go through the WSGI app in-process (Flask test client): the figures are the
application's own time, without network or a front server.
"""
import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import threading
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from tests import bench_browser

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench-results"
CACHE_DIR = RESULTS_DIR / "cache"
PASSWORD = "Demo@2026"
PG_BASE = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
# Parallel worktrees benchmark side by side: BENCH_DB_SUFFIX keeps their PostgreSQL databases apart.
DB_SUFFIX = os.environ.get("BENCH_DB_SUFFIX", "")
TARGET_MULTIPLE = 2.0
TARGET_SAVE_MULTIPLE = 3.0
TARGET_SEARCH_MS = 50


# ---------------------------------------------------------------- data set (cached)

def database_url(kind, people):
    if kind == "sqlite":
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{CACHE_DIR / f'bench-{people}.db'}"
    return make_url(PG_BASE).set(database=f"bench_{people}{DB_SUFFIX}").render_as_string(
        hide_password=False)


def ensure_pg_database(url):
    url = make_url(url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                              {"n": url.database}).scalar()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()


def build_note(kind, people):
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    return CACHE_DIR / f"build-{kind}-{people}.txt"


def build_app(kind, people):
    """The app on the cached data set, building it first when missing."""
    url = database_url(kind, people)
    if kind == "postgresql":
        ensure_pg_database(url)
    from app import create_app
    from app.extensions import db
    from app.models import Person

    app = create_app("config.Config", AUTO_MIGRATE=True, SQLALCHEMY_DATABASE_URI=url,
                     AUTH_RATE_LIMIT="1000000 per minute", WTF_CSRF_ENABLED=False,
                     PUBLIC_REGISTER_RATE_LIMIT="1000000 per minute",
                     FAB_PASSWORD_HASH_METHOD="pbkdf2:sha256:1")
    with app.app_context():
        count = db.session.query(func.count(Person.id)).scalar()
        if count < people:
            started = time.perf_counter()
            from seed.demo import seed_demo
            from seed.reference import load_reference_data
            from seed.synthetic import seed_synthetic
            load_reference_data(db.session)
            app.appbuilder.add_permissions(update_perms=True)
            app.appbuilder.sm.sync_roles()
            seed_demo(db.session, PASSWORD)
            summary = seed_synthetic(db.session, people=people)
            print(summary)
            built = time.perf_counter() - started
            app.config["BENCH_BUILD"] = (built, summary)
            # Kept beside the cache, so that later runs on the cached set still report it.
            build_note(kind, people).write_text(
                f"{dt.datetime.now():%Y-%m-%d %H:%M}\n{built:.0f}\n{summary}\n", "utf-8")
            print(f"[{kind}] data set built in {built:.0f} s")
        else:
            app.appbuilder.add_permissions(update_perms=True)
            app.appbuilder.sm.sync_roles()
            print(f"[{kind}] cached data set: {count} people")
    return app


# ---------------------------------------------------------------- what is measured

CLERK = "bench_clerk"


def ensure_clerk(app, unit_id):
    """A company clerk of the biggest company in Hangzhou (synthetic units have no accounts):
    the dispatch form and its autocompletes are measured as that clerk."""
    from app.extensions import db
    from app.models import AppUser, Unit
    from app.security.roles import COMPANY_USER
    with app.app_context():
        sm = app.appbuilder.sm
        user = db.session.query(AppUser).filter_by(username=CLERK).one_or_none()
        if user is None:
            user = sm.add_user(CLERK, "文员", "测", f"{CLERK}@example.com",
                               [sm.find_role(COMPANY_USER)], password=PASSWORD)
        unit = db.session.get(Unit, unit_id)
        user.unit_id, user.region_code = unit.id, unit.region_code
        db.session.commit()


def sample_ids(app):
    """Real rows to ask for: the biggest unit of the largest city, its biggest company, one
    of its active services, a guard, a person…"""
    from app.extensions import db
    from app.models import Certificate, Employment, Person, Service, ServiceTarget, Unit
    with app.app_context():
        s = db.session

        def biggest(*conditions):
            return (s.query(Employment.unit_id, func.count(Employment.id))
                    .join(Unit, Unit.id == Employment.unit_id)
                    .filter(Unit.region_code.like("3301%"), Employment.end_date.is_(None),
                            *conditions)
                    .group_by(Employment.unit_id).order_by(func.count(Employment.id).desc())
                    .first()[0])
        unit_id = biggest()
        company_id = biggest(Unit.kind == "company")
        service_id = (s.query(Service.id).filter(Service.unit_id == company_id,
                                                 Service.status == "active")
                      .order_by(Service.id).first()[0])
        person = (s.query(Person).join(Employment, Employment.person_id == Person.id)
                  .filter(Employment.unit_id == unit_id, Employment.role == "guard",
                          Employment.end_date.is_(None))
                  .order_by(Person.id).first())
        company_person = (s.query(Person.id).join(Employment, Employment.person_id == Person.id)
                          .filter(Employment.unit_id == company_id, Employment.role == "guard",
                                  Employment.end_date.is_(None)).order_by(Person.id).first())
        guard = (s.query(Person.name).join(Employment, Employment.person_id == Person.id)
                 .filter(Employment.unit_id == company_id, Employment.role == "guard",
                         Employment.end_date.is_(None)).order_by(Person.id).first())
        target = s.query(ServiceTarget.name).order_by(ServiceTarget.id.desc()).first()[0]
        certificate = (s.query(Certificate.number).filter(Certificate.kind == "guard",
                                                          Certificate.status == "valid")
                       .order_by(Certificate.id.desc()).first()[0])
        total = s.query(func.count(Person.id)).scalar()
        births = {}
        for rows in (10_000, 100_000):
            if rows < total:
                births[rows] = s.execute(select(Person.birth_date).order_by(
                    Person.birth_date.desc()).offset(rows - 1).limit(1)).scalar()
        return dict(unit_id=unit_id, company_id=company_id, service_id=service_id,
                    company_person_id=company_person[0],
                    person_id=person.id, id_number=person.id_number,
                    name_prefix=person.name[:2], guard_prefix=guard[0][:1],
                    unit_name=s.get(Unit, unit_id).name, target_prefix=target[:4],
                    register_token=_register_token(app, certificate),
                    export_births=births, people=total)


def _register_token(app, number):
    """The signed token an e-certificate's QR code carries for the certificate `number`."""
    from app.services import register, signing
    with app.test_request_context():
        return signing.sign(register.guard_subject(number))


def endpoints(ids):
    """(name, user, url, kind) — kind: "page", "search" (≤ 50 ms target) or "floor"."""
    unit_q = quote(ids["unit_name"])
    return [
        ("framework floor: empty list of a tiny table", "admin",
         "/exportlogview/list/?_flt_0_username=nobody-at-all", "floor"),
        ("home page (police, city)", "police_hz", "/", "page"),
        # 统计分析: the dashboard of each breakdown (province by city, city by district,
        # district by unit), read from the newest snapshot (docs/dashboard.md).
        ("dashboard (province)", "admin", "/", "page"),
        ("dashboard (association)", "association", "/", "page"),
        ("dashboard (police, district)", "police_sc", "/", "page"),
        ("dashboard drill-down: active guards of a city (province)", "admin",
         "/employmentview/list/?figure=staff:guard&area=3301", "page"),
        ("statistical report page (association)", "association", "/stats/report/", "page"),
        ("statistical report page (police, city)", "police_hz", "/stats/report/", "page"),
        ("guard list, page 1 (police, city)", "police_hz", "/guardlistview/list/", "page"),
        ("guard list filtered by unit (police, city)", "police_hz",
         f"/guardlistview/list/?unit={unit_q}", "page"),
        ("search by ID number (police, city)", "police_hz",
         f"/guardlistview/list/?search={ids['id_number']}", "search"),
        ("search by name prefix (province)", "admin",
         f"/guardlistview/list/?search={quote(ids['name_prefix'])}", "search"),
        ("person page (police, city)", "police_hz", f"/personview/show/{ids['person_id']}",
         "page"),
        ("person page: work-history tab, loaded when shown", "police_hz",
         f"/personview/show/{ids['person_id']}/tab/EmploymentView", "page"),
        ("person page: dispatch tab, loaded when shown", "police_hz",
         f"/personview/show/{ids['person_id']}/tab/DispatchView", "page"),
        ("unit page with tabs (police, city)", "police_hz",
         f"/unitview/show/{ids['unit_id']}", "page"),
        ("unit page: guard tab, loaded when shown", "police_hz",
         f"/unitview/show/{ids['unit_id']}/pane/staff-guard", "page"),
        ("unit page: service tab, loaded when shown", "police_hz",
         f"/unitview/show/{ids['company_id']}/pane/services", "page"),
        ("dispatch form (company clerk)", CLERK,
         f"/servicedesk/{ids['service_id']}/dispatch/", "page"),
        ("service-target autocomplete (company clerk)", CLERK,
         f"/servicedesk/targets/?q={quote(ids['target_prefix'])}", "search"),
        ("guard autocomplete of the dispatch form (company clerk)", CLERK,
         f"/servicedesk/{ids['service_id']}/guards/?q={quote(ids['guard_prefix'])}",
         "search"),
        ("identity-verification queue (police, city)", "police_hz",
         "/identityqueueview/list/", "page"),
        ("background-alert queue (police, city)", "police_hz", "/alertqueueview/list/",
         "page"),
        ("application review desk (province)", "admin", "/applications/desk/", "page"),
        ("application review desk (police, city)", "police_hz", "/applications/desk/",
         "page"),
        ("unit list (province)", "admin", "/unitview/list/", "page"),
        ("dispatch list (police, city)", "police_hz", "/dispatchview/list/", "page"),
        # The public register answering an e-certificate's QR code: the signature, one query
        # by number, the log row (nobody signed in).
        ("public register: scanned QR code of a guard certificate", None,
         f"/verify/?t={ids['register_token']}", "page"),
    ]


def login(app, username):
    client = app.test_client()
    if username is None:        # a public page
        return client
    response = client.post("/login/", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302, f"login failed for {username}"
    return client


def measure_interleaved(pages, requests):
    """{name: (p50, p95)} of `pages` ((name, client, url)) measured in rounds, one request of
    each page per round: a slower minute of a shared machine then weighs on every page and on
    the floor alike, instead of on whichever pages it happened to fall (the ratios to the
    floor are the targets)."""
    for _name, client, url in pages:
        client.get(url)  # warm caches and the connection pool
    times = {name: [] for name, _client, _url in pages}
    for _ in range(requests):
        for name, client, url in pages:
            started = time.perf_counter()
            response = client.get(url)
            times[name].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
    found = {}
    for name, measured in times.items():
        measured.sort()
        found[name] = statistics.median(measured), measured[int(len(measured) * 0.95) - 1]
    return found


def sql_share(app, client, url, requests=10):
    """(statements, SQL ms) per request at the median, from engine events on a separate pass
    (the timed requests run without them): what a page's time is made of."""
    from sqlalchemy import event
    from app.extensions import db
    with app.app_context():
        engine = db.engine
    current = {"n": 0, "t": 0.0}

    def before(conn, *_args):
        conn.info["bench_t0"] = time.perf_counter()

    def after(conn, *_args):
        current["n"] += 1
        current["t"] += time.perf_counter() - conn.info.pop("bench_t0", time.perf_counter())
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        counts, times = [], []
        for _ in range(requests):
            current.update(n=0, t=0.0)
            client.get(url)
            counts.append(current["n"])
            times.append(current["t"] * 1000)
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    return statistics.median(counts), statistics.median(times)


class _FormFields(HTMLParser):
    """The fields a browser would submit from the page's form#model_form."""

    def __init__(self):
        super().__init__()
        self.fields, self._in_form, self._select, self._textarea = {}, False, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == "model_form":
            self._in_form = True
        if not self._in_form or not attrs.get("name"):
            if tag == "option" and self._select and "selected" in attrs:
                self.fields[self._select] = attrs.get("value", "")
            return
        if tag == "input" and attrs.get("type") not in ("checkbox", "submit", "file"):
            self.fields[attrs["name"]] = attrs.get("value", "")
        elif tag == "input" and attrs.get("type") == "checkbox" and "checked" in attrs:
            self.fields[attrs["name"]] = attrs.get("value", "y")
        elif tag == "select":
            self._select = attrs["name"]
            self.fields.setdefault(self._select, "")
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self.fields[self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data


def measure_save(client, url, requests):
    """A save of the person form as the browser posts it (a changed phone number): the POST
    and its redirect answer (the redirect is not followed: the page it leads to is measured
    on its own)."""
    parser = _FormFields()
    parser.feed(client.get(url).get_data(as_text=True))
    form = parser.fields
    assert "phone" in form, f"no person form at {url}"
    times = []
    for i in range(requests + 1):
        data = {**form, "phone": f"1390{i % 10_000_000:07d}"}
        started = time.perf_counter()
        response = client.post(url, data=data)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 302, (url, response.status_code)
        if i:                      # the first one warms up
            times.append(elapsed)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def _rss_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def measure_export(client, birth_after):
    """Seconds, rows and peak RSS growth (MB) of an Excel export of people born after a date."""
    baseline, peak, done = _rss_mb(), [0.0], threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], _rss_mb())
            time.sleep(0.02)
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    response = client.get(f"/personview/export/?_flt_1_birth_date={birth_after}")
    if response.status_code == 302 and response.headers["Location"].endswith("/jobs/"):
        # Above EXPORT_JOB_THRESHOLD rows the export is a job of 我的任务, run eagerly here
        # (no broker): the file is written by now; its download is part of the time.
        from app.extensions import db
        from app.models import Job
        with client.application.app_context():
            job_id = db.session.query(func.max(Job.id)).scalar()
            db.session.remove()
        response = client.get(f"/jobs/{job_id}/download")
    assert response.status_code == 200, response.status_code
    data = response.data
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    import io
    import zipfile
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        rows = book.read("xl/worksheets/sheet1.xml").decode().count("<row ") - 1
    return seconds, rows, max(peak[0] - baseline, 0.0)


SAVE_NAME = "save of the person form (company clerk)"
EXPORT_ROUNDS = 3


def browser_pages(ids):
    """(row name, user, url) measured in Chromium as well, and the save."""
    wanted = {"home page (police, city)", "guard list, page 1 (police, city)",
              "person page (police, city)", "unit page with tabs (police, city)",
              "dispatch form (company clerk)"}
    pages = [(name, user, url) for name, user, url, _c in endpoints(ids) if name in wanted]
    return pages, (SAVE_NAME, CLERK, ids["company_person_id"])


def xlsxwriter_floor(app, birth_after):
    """Seconds xlsxwriter alone takes to write the rows of the export (the same columns and
    values, already in memory, the same workbook options and a header row): the floor the
    export is measured against."""
    import tempfile
    import xlsxwriter
    from app.extensions import db
    from app.models import Person
    with app.app_context():
        rows = db.session.execute(
            select(Person.name, Person.id_number, Person.gender, Person.birth_date,
                   Person.phone, Person.household_address)
            .where(Person.birth_date > birth_after).order_by(Person.id)).all()
    rows = [[v.isoformat() if isinstance(v, dt.date) else (v or "") for v in row]
            for row in rows]
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        book = xlsxwriter.Workbook(f"{folder}/floor.xlsx", {
            "constant_memory": True, "tmpdir": folder, "strings_to_formulas": False,
            "strings_to_urls": False, "strings_to_numbers": False})
        sheet = book.add_worksheet("floor")
        sheet.write_row(0, 0, ["name", "id_number", "gender", "birth_date", "phone",
                               "household_address"])
        for number, row in enumerate(rows, 1):
            for col, value in enumerate(row):
                sheet.write_string(number, col, value)
        book.close()
        return time.perf_counter() - started


def run(kind, people, requests, only=None, browser_loads=30):
    app = build_app(kind, people)
    ids = sample_ids(app)
    ensure_clerk(app, ids["company_id"])
    clients = {}
    results = []
    shares = {}
    load_start = os.getloadavg()
    pages = []
    for name, user, url, category in endpoints(ids):
        if only and category != "floor" and not any(word in name for word in only):
            continue
        pages.append((name, category, clients.setdefault(user, login(app, user)), url))
    timed = measure_interleaved([(name, client, url) for name, _c, client, url in pages],
                                requests)
    for name, category, client, url in pages:
        p50, p95 = timed[name]
        results.append((name, category, p50, p95))
        shares[name] = sql_share(app, client, url)
        print(f"[{kind}] {name}: p50 {p50:.1f} ms, p95 {p95:.1f} ms, SQL "
              f"{shares[name][1]:.1f} ms in {shares[name][0]:.0f} statements", flush=True)
    clerk = clients.setdefault(CLERK, login(app, CLERK))
    p50, p95 = measure_save(clerk, f"/personview/edit/{ids['company_person_id']}", requests)
    results.append((SAVE_NAME, "save", p50, p95))
    print(f"[{kind}] {SAVE_NAME}: p50 {p50:.1f} ms, p95 {p95:.1f} ms", flush=True)
    browser = {}
    if browser_loads and bench_browser.available():
        pages, save = browser_pages(ids)
        browser = bench_browser.measure(app, pages, save, PASSWORD, loads=browser_loads)
    elif browser_loads:
        print(f"[{kind}] no Chromium at {bench_browser.CHROMIUM}: no browser column")
    exports = []
    admin = clients.setdefault("admin", login(app, "admin"))
    for rows, birth in sorted(ids["export_births"].items()) if not only else ():
        # Three rounds of the export and its floor in turn, the median of each: one run of
        # either on a shared machine strays by a third.
        measured, floors, growth = [], [], 0.0
        for _ in range(EXPORT_ROUNDS):
            seconds, got, grown = measure_export(admin, birth - dt.timedelta(days=1))
            measured.append(seconds)
            growth = max(growth, grown)
            floors.append(xlsxwriter_floor(app, birth - dt.timedelta(days=1)))
        seconds, floor_s = statistics.median(measured), statistics.median(floors)
        exports.append((rows, got, seconds, growth, floor_s))
        print(f"[{kind}] export ~{rows} rows: {got} rows in {seconds:.1f} s "
              f"(xlsxwriter alone {floor_s:.1f} s), +{growth:.0f} MB", flush=True)
    return dict(kind=kind, ids=ids, results=results, exports=exports, browser=browser,
                shares=shares, load_start=load_start,
                build=app.config.get("BENCH_BUILD"), load=os.getloadavg(),
                when=f"{dt.datetime.now():%Y-%m-%d %H:%M}")


# ---------------------------------------------------------------- 信用评价 (docs/credit.md)

CREDIT_INPUTS = 12  # police records of each kind per 100 units, added once to the cached set


def ensure_credit_inputs(app):
    """The synthetic set has no 奖惩 / 监督检查 / 年度数据: add a province's worth once (per
    100 units: 12 violations, 12 police-recorded complaints and incidents, 12 supervisory
    inspections, 12 commendations; an annual report of last year for most companies, some
    late, some 不合格), by bulk insert, so that every term's query has rows to group."""
    import random
    from app.extensions import db
    from app.models import (AnnualReport, ConductRecord, Incident, Inspection, Unit)
    with app.app_context():
        session = db.session
        if session.query(ConductRecord.id).filter(
                ConductRecord.title.like("基准%")).first() is not None:
            return
        rng = random.Random(20)
        units = [u for (u,) in session.query(Unit.id).filter(
            Unit.kind.in_(("company", "branch", "self_hire", "training")))]
        n = len(units) * CREDIT_INPUTS // 100
        year = dt.date.today().year
        day = lambda: dt.date(year - rng.randint(0, 2), rng.randint(1, 12), rng.randint(1, 28))
        conduct = []
        for kind in ("violation", "complaint", "commendation"):
            for _ in range(n):
                conduct.append(dict(kind=kind, unit_id=rng.choice(units), occurred_on=day(),
                                    title=f"基准{kind}", author_kind="police",
                                    result=rng.choice(("警告", "罚款3000元", "吊销许可证"))))
        session.execute(ConductRecord.__table__.insert(), conduct)
        session.execute(Incident.__table__.insert(), [
            dict(unit_id=rng.choice(units), occurred_on=day(), title="基准发案",
                 author_kind=rng.choice(("police", "unit"))) for _ in range(n)])
        session.execute(Inspection.__table__.insert(), [
            dict(unit_id=rng.choice(units), kind="supervisory", inspected_on=day(),
                 result=rng.choice(("合格", "基本合格", "不合格")), author_kind="police")
            for _ in range(n)])
        existing = {u for (u,) in session.query(AnnualReport.unit_id).filter(
            AnnualReport.year == year - 1)}
        session.execute(AnnualReport.__table__.insert(), [
            dict(unit_id=u, year=year - 1, review_result=rng.choice(("合格",) * 8 + (
                "基本合格", "不合格")),
                 created_at=dt.datetime(year, 3, 1) + dt.timedelta(days=rng.randint(0, 60)),
                 updated_at=dt.datetime(year, 3, 1))
            for u in units if u not in existing and rng.random() < 0.9])
        session.commit()


def credit_run(kind, people):
    """The nightly computation over every graded unit: compute only, then compute and store
    (first run: every grade inserted with its change log), then again (nothing changed)."""
    from app.extensions import db
    from app.security.actor import acting_as
    from app.services import credit
    app = build_app(kind, people)
    ensure_credit_inputs(app)
    figures = {}
    with app.app_context(), acting_as("system"):
        session = db.session
        started = time.perf_counter()
        results = credit.compute(session, credit.default_year())
        figures["compute"] = time.perf_counter() - started
        figures["units"] = len(results)
        figures["grades"] = {g: sum(1 for r in results.values() if r.grade == g)
                             for g in "ABCD"}
        session.rollback()
        for label in ("first", "again"):
            started = time.perf_counter()
            counts = credit.recompute(session)
            session.commit()
            figures[label] = (time.perf_counter() - started, counts)
    print(f"[{kind}] credit: {figures}", flush=True)
    return kind, figures


def credit_report(runs, people):
    load = os.getloadavg()
    lines = [f"# 信用评价: nightly computation at {people:,} people", "",
             f"{dt.datetime.now():%Y-%m-%d %H:%M}, {platform.python_version()}, load average "
             f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (2 cores shared)", "",
             "| database | graded units | compute (s) | compute + store, first run (s) | "
             "again, nothing changed (s) | A / B / C / D |", "|---|---|---|---|---|---|"]
    for kind, f in runs:
        lines.append(f"| {kind} | {f['units']:,} | {f['compute']:.1f} | {f['first'][0]:.1f} | "
                     f"{f['again'][0]:.1f} | " + " / ".join(str(f['grades'][g]) for g in "ABCD")
                     + " |")
    return "\n".join(lines)


# ---------------------------------------------------------------- report

def report(runs, people, requests):
    lines = [
        "# Benchmark results", "",
        f"`python -m tests.bench --people {people} --requests {requests}`, "
        f"{runs[0].get('when') if runs else ''}, {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}. Server columns: in-process WSGI requests (no "
        "network), the pages measured in rounds — one request of each page per round, "
        f"{requests} rounds — so that a slower minute of the shared machine weighs on every "
        "page and on the floor alike. Browser column: Chromium (headless, Playwright) on loopback against the "
        "same app served by a threaded WSGI server, warm cache, Navigation Timing from the "
        "start of the navigation to the end of the load event (tests/bench_browser.py).", "",
        f"Targets: every page p95 ≤ {TARGET_MULTIPLE}× the framework floor of the same run; "
        f"a save p95 ≤ {TARGET_SAVE_MULTIPLE}× the floor; searches and autocomplete p95 ≤ "
        f"{TARGET_SEARCH_MS} ms; in the browser a page load p95 ≤ "
        f"{bench_browser.TARGET_LOAD_MS} ms and a save ≤ {bench_browser.TARGET_SAVE_MS} ms; "
        "the export of 100,000 rows ≤ 1.2× writing the same rows with xlsxwriter alone, with "
        "memory growth under 100 MB.", "",
        "For scale, stock Flask-AppBuilder on a 350,000-row employment list with 300,000 people "
        "(figures from the issue): a 20 MB page in about 15 s (its filter widgets list every "
        "related row); with search columns restricted about 1.8× the floor but 73 SQL "
        "statements per page; a name-prefix search 180 ms at p95. Here no form or filter lists "
        "a big table (tests/test_no_big_dropdowns.py), every list page runs at most 15 "
        "statements whatever its page size (tests/test_query_counts.py), and the figures "
        "below are the staff list of a city and the searches a clerk uses.", ""]
    for run_ in runs:
        floor = next(p95 for _n, c, _p50, p95 in run_["results"] if c == "floor")
        lines += [f"## {run_['kind']} ({run_['ids']['people']:,} people)", ""]
        if run_["build"]:
            built, summary = run_["build"]
            lines += [f"Data set built in this run in {built:.0f} s (demo data, then the "
                      "bulk load below):", "", "```", summary, "```", ""]
        elif build_note(run_["kind"], people).exists():
            when, built, summary = build_note(run_["kind"], people).read_text(
                "utf-8").split("\n", 2)
            lines += [f"Data set from the cache, built on {when} in {built} s (demo data, then "
                      "the bulk load below):", "", "```", summary.strip(), "```", ""]
        else:
            lines += ["Data set from the cache (built by an earlier run).", ""]
        load, load_start = run_.get("load"), run_.get("load_start")
        if load:
            start = (f"{load_start[0]:.2f} at the start, " if load_start else "")
            lines += [f"Load average (1 min) {start}{load[0]:.2f} at the end of this run "
                      f"(5 and 15 min: {load[1]:.2f}, {load[2]:.2f}; 2 cores).", ""]
        shares = run_.get("shares") or {}
        lines += ["SQL columns: statements per request and their time at the median (engine "
                  "events on a separate pass of 10 requests); the rest of p50 is Python "
                  "(routing, security, the view, Jinja).", "",
                  "| page | p50 ms | p95 ms | p95 / floor | target | SQL stmts | SQL ms | "
                  "browser p50 ms | browser p95 ms | browser target |",
                  "|---|---:|---:|---:|---|---:|---:|---:|---:|---|"]
        browser = run_.get("browser") or {}
        misses = []
        for name, category, p50, p95 in run_["results"]:
            if category == "floor":
                verdict = "(floor)"
            elif category == "search":
                verdict = "ok" if p95 <= TARGET_SEARCH_MS else f"MISS (> {TARGET_SEARCH_MS} ms)"
            else:
                multiple = TARGET_SAVE_MULTIPLE if category == "save" else TARGET_MULTIPLE
                verdict = "ok" if p95 <= multiple * floor else f"MISS (> {multiple}×)"
            if verdict.startswith("MISS"):
                misses.append(name)
            if name in browser:
                b50, b95 = browser[name]
                limit = bench_browser.TARGET_SAVE_MS if category == "save" else \
                    bench_browser.TARGET_LOAD_MS
                b_verdict = "ok" if b95 <= limit else f"MISS (> {limit} ms)"
                if b_verdict != "ok":
                    misses.append(f"{name} (browser)")
                b_cells = f"{b50:.0f} | {b95:.0f} | {b_verdict}"
            else:
                b_cells = " | | "
            n_sql, sql_ms = shares.get(name, (None, None))
            sql_cells = f"{n_sql:.0f} | {sql_ms:.1f}" if n_sql is not None else " | "
            lines.append(f"| {name} | {p50:.1f} | {p95:.1f} | {p95 / floor:.2f}× | {verdict} | "
                         f"{sql_cells} | {b_cells} |")
        if misses:
            lines += ["", "Misses, what the measurement shows, and their cause:", ""]
            floor_row = next(r for r in run_["results"] if r[1] == "floor")
            causes = []
            for name in misses:
                note = _miss_note(run_["kind"], name)
                if note not in causes:
                    causes.append(note)
                lines.append(f"- **{name}**: {_measured(run_, name, floor_row)}"
                             f"(cause {causes.index(note) + 1})")
            lines += [""] + [f"{number}. {note}" for number, note in enumerate(causes, 1)]
        lines += ["", f"Excel export: medians of {EXPORT_ROUNDS} rounds, the export and "
                  "xlsxwriter alone in turn (the export above EXPORT_JOB_THRESHOLD rows runs "
                  "as a job of 我的任务, eagerly here, its download included).", "",
                  "| Excel export | rows | seconds | xlsxwriter alone, s | ratio | "
                  "memory growth MB |", "|---|---:|---:|---:|---:|---:|"]
        missed = False
        for wanted, rows, seconds, growth, floor_s in run_["exports"]:
            ratio = f"{seconds / floor_s:.2f}×" if floor_s else ""
            if floor_s and wanted >= 100_000 and seconds / floor_s > TARGET_EXPORT_MULTIPLE:
                ratio += f" MISS (> {TARGET_EXPORT_MULTIPLE}×)"
                missed = True
            lines.append(f"| people born after a cut-off (~{wanted:,}) | {rows:,} | "
                         f"{seconds:.1f} | {floor_s:.1f} | {ratio} | {growth:.0f} |")
        if missed:
            lines += ["", EXPORT_MISS_NOTE]
        lines.append("")
    imported = RESULTS_DIR / "IMPORT.md"
    if imported.exists():
        head = imported.read_text("utf-8").split("\n## ")[0].splitlines()
        lines += ["## Excel import of staff (issue 17)", "",
                  "From bench-results/IMPORT.md, where the runs and their causes are:", ""]
        lines += [line for line in head if line.startswith("`python")] + [""]
        lines += [line for line in head if line.startswith("|")] + [""]
    lines += ["## Known slow pages outside the measured list", ""]
    lines += [f"- {text}" for text in KNOWN_SLOW]
    lines.append("")
    return "\n".join(lines)


# Why a page misses its target on this machine, and what comes next; keyed by the page's
# name, or by (database, name) where the cause differs. Shown under a run's table for every
# page that missed in that run. "(browser)" keys explain a miss of the browser column.
_ROWS = (
    "The floor, an empty list of a tiny table, runs a few tiny statements and renders no "
    "row; the page pays (split above) for its statements over the jurisdiction's rows and "
    "for a page of rows (FAB's value lookup per column, the rows' markup) — measured with "
    "cProfile on the same data, the rows' rendering and the page's tabs or menus. Done in "
    "issue 21: filters converted once per model, row buttons made once per page, record tabs "
    "without FAB's warning-raising Query.get, unit ids once per request, rows rendered in "
    "Python from column tuples with each column's formatter looked up once per page "
    "(docs/speed.md).")
TARGET_EXPORT_MULTIPLE = 1.2
EXPORT_MISS_NOTE = (
    "The export's time over xlsxwriter alone is, measured with cProfile on the same data: "
    "reading the rows from the database (the floor writes rows already in memory; on "
    "PostgreSQL 100,000 rows of six columns come over the wire in 50 fetches, ~0.4 s of "
    "driver time), a code's label per row, and since issue 16 the job of 我的任务 (the "
    "count that decides it, 40–100 ms; progress writes; the file read back for the "
    "download). xlsxwriter itself is ~80 % of the export's profile. The same export in "
    "earlier quiet runs: 1.16–1.19× (bench-results/BACKGROUND.md has the job against the "
    "inline export: 1.07–1.18×).")
_PG = (
    " On PostgreSQL each statement is also a round trip to the server with its planning "
    "(the jurisdiction's ~665 unit ids bound as one int4[] text parameter), which the "
    "floor's few tiny statements hardly pay.")
_DASHBOARD = (
    "The figures are read from the newest dashboard snapshot (one indexed range per node "
    "level, a few hundred stat_count rows) and the tables are rendered as joined strings, "
    "links quoted once per figure; the rest is the live 待办 counts and the page's fixed "
    "cost (bench-results/DASHBOARD.md).")
MISS_NOTES = {
    "home page (police, city)": _DASHBOARD,
    "dashboard (province)": _DASHBOARD,
    "dashboard (association)": _DASHBOARD,
    "dashboard (police, district)": _DASHBOARD,
    "statistical report page (association)": _DASHBOARD,
    "statistical report page (police, city)": _DASHBOARD,
    "dashboard drill-down: active guards of a city (province)": (
        "The list a figure opens is the staff list of a whole city with the figure's "
        "conditions: counted for its pager (exactly: a figure's list is filtered) and 20 rows "
        "rendered, as the guard list. " + _ROWS),
    "home page (police, city) (browser)": "As the server figure.",
    "unit page with tabs (police, city)": (
        "Besides its own record the page builds the panes of its ~23 tabs (their filters and "
        "【导出】 links; the lists load when shown) and counts its certificates by kind. "
        + _ROWS),
    "application review desk (province)": (
        "The desk ranks all open work of the province by working days left (counted from "
        "the clock columns, a working-day calendar in Python) before it loads the 50 shown. "
        + _ROWS),
    "application review desk (police, city)": (
        "As the province's desk, for the city's open applications. " + _ROWS),
    "identity-verification queue (police, city)": (
        "Besides its list the queue counts its four tabs' badges (one statement grouped by "
        "state over the city's open cases). " + _ROWS),
}
for _name in ("guard list, page 1 (police, city)", "guard list filtered by unit (police, city)",
              "person page (police, city)", "person page: work-history tab, loaded when shown",
              "person page: dispatch tab, loaded when shown",
              "unit page: guard tab, loaded when shown",
              "unit page: service tab, loaded when shown", "background-alert queue (police, city)",
              "unit list (province)", "public register: scanned QR code of a guard certificate",
              "dispatch form (company clerk)", "dispatch list (police, city)"):
    MISS_NOTES.setdefault(("sqlite", _name), _ROWS)
    MISS_NOTES.setdefault(("postgresql", _name), _ROWS + _PG)
for _key in [k for k in MISS_NOTES if isinstance(k, str) and "(browser)" not in k]:
    MISS_NOTES.setdefault(("postgresql", _key), MISS_NOTES[_key] + _PG)
for _name in ("search by ID number (police, city)", "search by name prefix (province)",
              "service-target autocomplete (company clerk)",
              "guard autocomplete of the dispatch form (company clerk)",
              "save of the person form (company clerk)"):
    MISS_NOTES.setdefault(_name, (
        "Its SQL is one or two indexed statements (a save: the row, its change-log rows and "
        "the operation log); the rest is the request's fixed cost, that of the floor."))
_BROWSER = (
    "In the browser the page's HTML is the server's time above (the threaded test server "
    "shares the two cores with Chromium); static files come from the cache (no request: "
    "content-hash URLs, immutable). The load event also waits for the lazily loaded tabs a "
    "record page opens with, each a request of its own.")
for _name in ("guard list, page 1 (police, city)", "person page (police, city)",
              "unit page with tabs (police, city)", "dispatch form (company clerk)",
              "save of the person form (company clerk)"):
    MISS_NOTES.setdefault(f"{_name} (browser)", _BROWSER)
# Pages outside the measured list that are known to be slow at this scale.
KNOWN_SLOW = [
    "The bare people list (人员, `/personview/list/`) for city police: since issue 21 counted "
    "from the jurisdiction's employments (a bound on SQLite, the planner's estimate on "
    "PostgreSQL when huge) instead of probing every person (before: about 1 s on SQLite and "
    "90 ms on PostgreSQL); its page of rows still probes people in id order with the person "
    "rule's correlated EXISTS.",
]


def _measured(run_, name, floor_row):
    """The miss in figures: the page's p50 split into SQL and Python beside the floor's."""
    shares = run_.get("shares") or {}
    row = next((r for r in run_["results"] if r[0] == name), None)
    if row is None or name not in shares or floor_row[0] not in shares:
        return ""
    (n, sql), (fn, fsql) = shares[name], shares[floor_row[0]]
    python, floor_python = max(row[2] - sql, 0), max(floor_row[2] - fsql, 0)
    return (f"p50 {row[2]:.1f} ms = SQL {sql:.1f} ms in {n:.0f} statements + "
            f"{python:.1f} ms Python, against the floor's {floor_row[2]:.1f} ms "
            f"= {fsql:.1f} ms in {fn:.0f} + {floor_python:.1f} ms: over the floor "
            f"{sql - fsql:+.1f} ms SQL, {python - floor_python:+.1f} ms Python; "
            f"p95 / p50 {row[3] / row[2]:.2f} (floor {floor_row[3] / floor_row[2]:.2f}) ")


def _miss_note(kind, name):
    return (MISS_NOTES.get((kind, name)) or MISS_NOTES.get(name)
            or MISS_NOTES.get((kind, name.removesuffix(" (browser)")))
            or "not yet explained.")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=300_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--browser-loads", type=int, default=30,
                        help="page loads per page in Chromium (0: no browser column)")
    parser.add_argument("--out", default=str(RESULTS_DIR / "RESULTS.md"))
    parser.add_argument("--only", action="append",
                        help="measure only the pages whose name contains this (repeatable; "
                             "the floor always, no exports)")
    parser.add_argument("--credit", action="store_true",
                        help="Only the nightly 信用评价 computation (bench-results/CREDIT.md).")
    parser.add_argument("--report-only", action="store_true",
                        help="write the report again from the last run's figures")
    args = parser.parse_args(argv)
    kinds = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    if args.credit:
        text_ = credit_report([credit_run(kind, args.people) for kind in kinds], args.people)
        out = RESULTS_DIR / "CREDIT.md"
        out.write_text(text_ + "\n", encoding="utf-8")
        print(text_)
        print(f"written to {out}")
        return
    raw = CACHE_DIR / f"last-run-{args.people}.json"
    if args.report_only:
        # Rewrite RESULTS.md from the last run's figures (e.g. after explaining a miss).
        runs = json.loads(raw.read_text("utf-8"))
    else:
        runs = [run(kind, args.people, args.requests, args.only, args.browser_loads)
                for kind in kinds]
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        raw.write_text(json.dumps(runs, default=str), "utf-8")
    text_ = report(runs, args.people, args.requests)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text_ + "\n", encoding="utf-8")
    print(text_)
    print(f"written to {args.out}")


if __name__ == "__main__":
    sys.exit(main())
