"""Synthetic province-scale data for benchmarks: `seed_synthetic(session, people=300_000)` loads
about 300,000 people, 350,000 employments, 3,000 units over all 11 cities of Zhejiang, 30,000
service targets, 60,000 services, 600,000 dispatches, 240,000 certificates, an identity
verification case for every active guard (a few percent open in the screening queues),
background-check alerts for about 1 % of them, and 3,000 政务网 applications.

Everything scales with `people`: units people/100, service targets people/10, services
people/5, employments 1.17×people, dispatches 2×people, certificates about 0.8×people,
identity cases about 0.75×people, applications people/100.

Speed matters more than anything here, so this is a bulk load: SQLAlchemy Core
`insert()` executemany in batches of 10,000 rows with precomputed ids (after the current
maximum of each table), one commit per table, no ORM objects. It therefore deliberately
bypasses the ORM events: no change-log rows are written for synthetic data, and
`app.services.rules.validate` is not called. Instead the generator itself keeps every rule
and constraint the database and the rules enforce:

- one active full-time guard employment per person; part-time guards only for people who are
  an active full-time guard of another unit; roles allowed for the unit kind; guards are 18 or
  older when they start;
- one active dispatch per person; dispatches only of full-time guards of the serving unit, with
  unit_id/person_id copied from the service and the employment, dates inside both the service
  period and the employment period; an active dispatch only on an active service of an active
  employment;
- branches under a company, client units under a self-hiring unit, nothing else has a parent;
- region codes are current county codes of the 11 cities; ID numbers and credit codes are valid;
- unit names, credit codes, licence numbers, ID numbers, target names and certificate numbers
  never collide with rows already there (demo data, or an earlier synthetic load): names carry
  the marker "合成" and the row id, and every natural key is checked against the database.

Deterministic for a given `random_seed` and starting database. Dates are fixed (the data set's
"today" is REF_DATE); only created_at/updated_at carry the time of the load.
"""
from __future__ import annotations

import datetime as dt
import itertools
import random
import time
from decimal import Decimal

from sqlalchemy import func, select, text

from app.models import (Application, BackgroundAlert, Certificate, Dispatch, Employment,
                        IdentityCheck, Person, Region, Service, ServiceTarget, TargetCategory,
                        Unit)
from app.models.screening import ALERT_REASONS
from app.services.application_items import ITEMS
from app.models.base import utcnow
from app.services import regions
from app.services.idnumber import compute_check_digit
from app.services.uscc import make_uscc
from seed.data import names as N
from seed.reference import load_reference_data

BATCH = 10_000
# A watch list for each finding, and what a failed identity check says.
ALERT_SOURCES = {
    "reeducation": "public_order", "labour_reeducation": "public_order",
    "detention_3": "public_order", "detention": "public_order",
    "public_order_fine": "public_order", "compulsory_rehab": "drug_control",
    "drug_use": "drug_control", "intentional_crime": "criminal_record",
    "negligent_crime": "criminal_record", "revoked_recent": "revoked_certificates",
    "revoked_twice": "revoked_certificates", "revoked_old": "revoked_certificates",
    "wanted": "wanted_persons",
}
SCREENING_REASONS = ("姓名与人口信息库不一致。", "身份证号码不在人口信息库中。", "未上传照片。")
D = dt.date
REF_DATE = D(2025, 6, 30)          # the data set's "today"
ADULT_DAYS = 18 * 365 + 5          # at least 18 full years whatever the leap days

# City prefix → short name and a weight (roughly the share of security staff).
CITIES = {
    "3301": ("杭州", 22), "3302": ("宁波", 16), "3303": ("温州", 14), "3304": ("嘉兴", 8),
    "3305": ("湖州", 5), "3306": ("绍兴", 9), "3307": ("金华", 11), "3308": ("衢州", 3),
    "3309": ("舟山", 2), "3310": ("台州", 8), "3311": ("丽水", 2),
}
# Share of units per kind (companies take the rest).
KIND_SHARES = {"branch": 0.12, "self_hire": 0.12, "client": 0.08, "training": 0.05}
# How many people a unit of each kind employs, relatively.
KIND_SIZE = {"company": 1.0, "branch": 0.6, "self_hire": 0.7, "client": 0.3, "training": 0.5}
GUARD_KINDS = ("company", "branch", "self_hire", "client")
SERVING_KINDS = ("company", "branch", "self_hire")
KIND_NAMES = {
    "company": "合成保安服务有限公司",
    "self_hire": "合成物业管理有限公司",
    "client": "合成商务大厦管理有限公司",
    "training": "合成保安培训学校",
}
# Target name endings per category (all 16 appear).
TARGET_WORDS = {
    "大专院校": "职业技术学院", "中小学校": "实验学校", "医院": "人民医院", "商业场所": "购物中心",
    "银行": "银行支行", "水电煤气": "供水站", "幼儿园": "幼儿园", "公安机关": "派出所",
    "其他党政机关": "街道办事处", "工业企业": "制造有限公司", "其他金融机构": "证券营业部",
    "科研单位": "研究所", "娱乐场所": "娱乐会所", "文体场所": "体育馆", "宾馆饭店": "大酒店",
    "文博单位": "博物馆",
}
TARGET_WEIGHTS = {"商业场所": 5, "工业企业": 5, "银行": 3, "医院": 2, "中小学校": 2,
                  "其他党政机关": 2, "宾馆饭店": 2}
OTHER_PROVINCES = ("34", "36", "41", "42", "43", "51", "52", "50", "45", "32", "35", "61")
END_REASONS = ("合同到期", "合同到期", "辞职", "单位辞退")


class _Synthetic:
    def __init__(self, session, people, seed):
        self.s = session
        self.n = int(people)
        self.rng = random.Random(seed)
        self.now = utcnow()
        self.timings = []
        self.counts = {}
        self.postgres = session.get_bind().dialect.name == "postgresql"

    # ------------------------------------------------------------ plumbing
    def max_id(self, model):
        return self.s.execute(select(func.coalesce(func.max(model.id), 0))).scalar()

    def existing(self, *columns):
        rows = self.s.execute(select(*columns)).all()
        if len(columns) == 1:
            return {r[0] for r in rows if r[0] is not None}
        return {tuple(r) for r in rows}

    def insert(self, model, rows):
        """Insert an iterable of row dicts in batches; commit; record count and seconds."""
        started = time.perf_counter()
        table = model.__table__
        count = 0
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH:
                self.s.execute(table.insert(), batch)
                count += len(batch)
                batch = []
        if batch:
            self.s.execute(table.insert(), batch)
            count += len(batch)
        self.s.commit()
        self.timings.append((table.name, count, time.perf_counter() - started))
        self.counts[table.name] = count

    def date_between(self, start, end):
        return start + dt.timedelta(days=self.rng.randint(0, max(0, (end - start).days)))

    def mobile(self):
        return self.rng.choice(N.MOBILE_PREFIXES) + f"{self.rng.randrange(100_000_000):08d}"

    def name(self, gender):
        given = N.MALE_GIVEN_NAMES if gender == "male" else N.FEMALE_GIVEN_NAMES
        return self.rng.choice(N.SURNAMES) + self.rng.choice(given)

    def stamp(self, row):
        row["created_at"] = row["updated_at"] = self.now
        return row

    # ------------------------------------------------------------ reference
    def load_reference(self):
        current = self.s.execute(select(Region.code).where(
            Region.level == "county", Region.end_year.is_(None))).scalars().all()
        abolished = self.s.execute(select(Region.code).where(
            Region.level == "county", Region.end_year.is_not(None),
            Region.code.like("33%"))).scalars().all()
        current = sorted(current)
        self.counties = {city: [c for c in current if c.startswith(city)] for city in CITIES}
        missing = [city for city, codes in self.counties.items() if not codes]
        if missing:
            raise RuntimeError(f"no current county codes for cities {missing}: load reference data")
        self.zj_counties = [c for city in CITIES for c in self.counties[city]]
        self.abolished_counties = sorted(c for c in abolished
                                         if regions.lookup(c) and regions.full_name(c))
        self.other_counties = [c for c in current if c[:2] in OTHER_PROVINCES]
        self.city_keys = list(CITIES)
        self.city_cum = list(itertools.accumulate(w for _, w in CITIES.values()))
        self.categories = {name: cid for name, cid in self.s.execute(
            select(TargetCategory.name, TargetCategory.id))}
        self._full = {}

    def full_name(self, code):
        name = self._full.get(code)
        if name is None:
            name = self._full[code] = regions.full_name(code) or ""
        return name

    def pick_city(self):
        return self.rng.choices(self.city_keys, cum_weights=self.city_cum)[0]

    def street(self):
        rng = self.rng
        return f"{rng.choice(N.STREETS)}{rng.randint(1, 999)}号"

    # ------------------------------------------------------------ units
    def make_units(self):
        rng = self.rng
        total = max(len(CITIES), self.n // 100)
        counts = {kind: max(1, round(total * share)) for kind, share in KIND_SHARES.items()}
        counts["company"] = max(1, total - sum(counts.values()))
        kinds = [k for k, c in counts.items() for _ in range(c)]
        rng.shuffle(kinds)
        # Parentless units first (their ids must exist before a child names them).
        kinds.sort(key=lambda k: k in ("branch", "client"))
        names = self.existing(Unit.name)
        codes = self.existing(Unit.credit_code)
        licences = self.existing(Unit.licence_number)
        next_id = self.max_id(Unit) + 1
        units = []
        by_kind = {}
        for i, kind in enumerate(kinds):
            uid = next_id + i
            # Every city gets a unit of the first kinds, then cities by weight.
            city = self.city_keys[i % len(CITIES)] if i < len(CITIES) else self.pick_city()
            region = rng.choice(self.counties[city])
            short = CITIES[city][0]
            parent = None
            if kind == "branch":
                parent = rng.choice(by_kind["company"])
                name = f"{parent['name']}{regions.lookup(region).name}分公司{uid:05d}"
            elif kind == "client":
                same_city = [u for u in by_kind["self_hire"] if u["city"] == city]
                parent = rng.choice(same_city or by_kind["self_hire"])
                name = f"{short}{KIND_NAMES[kind]}{uid:05d}"
            else:
                name = f"{short}{KIND_NAMES[kind]}{uid:05d}"
            while name in names:
                name += "新"
            names.add(name)
            seq = (100_000 + uid) % 1_000_000
            code = make_uscc(region, seq)
            while code in codes:
                seq = (seq + 1) % 1_000_000
                code = make_uscc(region, seq)
            codes.add(code)
            established = self.date_between(D(2000, 1, 1), D(2023, 12, 31))
            licence = licence_on = capital = grade = None
            armed = False
            if kind in ("company", "training"):
                licence_on = established + dt.timedelta(days=rng.randint(20, 120))
                prefix = "浙公保服" if kind == "company" else "浙公保培"
                licence = f"{prefix}{licence_on.year}{uid:05d}"
                while licence in licences:
                    licence += "A"
                licences.add(licence)
            if kind == "company":
                armed = rng.random() < 0.03
                capital = rng.choice((1000, 2000, 5000) if armed else (100, 200, 300, 500, 1000))
                grade = rng.choice(("一级", "二级", "二级", "三级", "三级"))
            elif kind == "self_hire":
                capital = rng.choice((50, 100, 200, 500, 1000, 3000))
            elif kind == "training":
                capital = rng.choice((100, 150, 200, 300))
            legal_gender = "male" if rng.random() < 0.8 else "female"
            legal = self.name(legal_gender)
            row = dict(
                id=uid, kind=kind, name=name, credit_code=code,
                legal_representative=None if kind == "branch" else legal,
                principal=legal, principal_phone=self.mobile(),
                contact_person=self.name("male" if rng.random() < 0.5 else "female"),
                contact_phone=self.mobile(),
                address=self.full_name(region) + self.street(), region_code=region,
                registered_capital=Decimal(capital) if capital is not None else None,
                licence_number=licence, licence_issued_on=licence_on, licence_image=None,
                grade=grade,
                business_scope=("武装守护押运、" if armed else "") + "门卫、巡逻、守护、随身护卫、"
                "安全检查、区域秩序维护" if kind in ("company", "branch") else None,
                foreign_invested=False, armed_escort=armed, status="active",
                established_on=established, parent_id=parent["id"] if parent else None,
                training_capacity=rng.choice((100, 200, 300, 500)) if kind == "training" else None,
                training_scope="保安员初任培训；保安员职业技能等级培训" if kind == "training" else None)
            unit = dict(id=uid, kind=kind, region=region, city=city, name=name, armed=armed,
                        size=KIND_SIZE[kind] * rng.uniform(0.3, 1.7))
            units.append(unit)
            by_kind.setdefault(kind, []).append(unit)
            yield self.stamp(row)
        self.units = units
        self.guard_units = [u for u in units if u["kind"] in GUARD_KINDS]
        self.guard_cum = list(itertools.accumulate(u["size"] for u in self.guard_units))

    # ------------------------------------------------------------ people and employments
    def plan_people(self):
        """Decide each new person's birth, gender, ID number and main employment."""
        rng = self.rng
        n = self.n
        cum = list(itertools.accumulate(u["size"] for u in self.units))
        primary_units = rng.choices(self.units, cum_weights=cum, k=n)
        ids = self.existing(Person.id_number)
        next_id = self.max_id(Person) + 1
        birth_lo, birth_hi = D(1966, 7, 1), D(2005, 6, 30)
        span = (birth_hi - birth_lo).days
        self.people = people = []
        for i in range(n):
            unit = primary_units[i]
            kind = unit["kind"]
            gender = "male" if rng.random() < 0.85 else "female"
            birth = birth_lo + dt.timedelta(days=rng.randint(0, span))
            roll = rng.random()
            if roll < 0.45:
                region = rng.choice(self.counties[unit["city"]])
            elif roll < 0.72:
                region = rng.choice(self.zj_counties)
            elif roll < 0.74 and self.abolished_counties:
                region = rng.choice(self.abolished_counties)
            else:
                region = rng.choice(self.other_counties)
            while True:
                order = 2 * rng.randint(0, 499) + (1 if gender == "male" else 0)
                body = f"{region}{birth:%Y%m%d}{order:03d}"
                number = body + compute_check_digit(body)
                if number not in ids:
                    break
            ids.add(number)
            if kind == "training":
                role = rng.choices(("student", "instructor", "other_staff"), (80, 10, 10))[0]
            else:
                role = "guard" if rng.random() < 0.88 else "other_staff"
            adult = birth + dt.timedelta(days=ADULT_DAYS)
            low = max(adult, D(2023, 1, 1) if role == "student" else D(2010, 1, 1))
            start = self.date_between(low, REF_DATE - dt.timedelta(days=30))
            end = None
            if rng.random() < (0.4 if role == "student" else 0.08):
                end = self.date_between(start + dt.timedelta(days=10), REF_DATE)
            people.append(dict(id=next_id + i, number=number, gender=gender, birth=birth,
                               region=region, unit=unit, role=role, start=start, end=end,
                               adult=adult))

    def person_rows(self):
        rng = self.rng
        edu_guard = [e for e, _ in N.GUARD_EDUCATION], [w for _, w in N.GUARD_EDUCATION]
        edu_staff = [e for e, _ in N.STAFF_EDUCATION], [w for _, w in N.STAFF_EDUCATION]
        for p in self.people:
            region = p["region"]
            household = self.full_name(region) + rng.choice(N.TOWNS) + (
                rng.choice(N.VILLAGES) if rng.random() < 0.5 else rng.choice(N.STREETS)) \
                + f"{rng.randint(1, 300)}号"
            unit_region = p["unit"]["region"]
            edu = edu_guard if p["role"] in ("guard", "student") else edu_staff
            yield self.stamp(dict(
                id=p["id"], id_number=p["number"], name=self.name(p["gender"]),
                gender=p["gender"], birth_date=p["birth"], household_region_code=region,
                household_address=household,
                residence_address=self.full_name(unit_region) + self.street()
                + rng.choice(N.COMMUNITIES) + f"{rng.randint(1, 30)}幢{rng.randint(101, 1802)}室",
                phone=self.mobile(), ethnicity=rng.choice(N.ETHNICITIES),
                education=rng.choices(*edu)[0], photo=None, note=None))

    def employment_rows(self):
        """Main employments, earlier (ended) ones, and part-time guards; the guard
        employments at serving units are remembered for the dispatches."""
        rng = self.rng
        next_id = itertools.count(self.max_id(Employment) + 1)
        self.guard_jobs = []   # (employment id, person id, unit, start, end)
        self.guard_people = []  # (person, unit) of every guard employment, for certificates
        self.screened = []      # (employment id, person, unit) of active main guard jobs
        positions = N.OTHER_STAFF_POSITIONS

        def row(person, unit, role, start, end, position=None, key_manager=False):
            eid = next(next_id)
            if role == "guard":
                if unit["kind"] in SERVING_KINDS:
                    self.guard_jobs.append((eid, person["id"], unit, start, end))
                self.guard_people.append((person, unit))
            return self.stamp(dict(
                id=eid, person_id=person["id"], unit_id=unit["id"], role=role,
                position=position, key_manager=key_manager, start_date=start, end_date=end,
                end_reason=rng.choice(END_REASONS) if end else None))

        for p in self.people:
            unit, role = p["unit"], p["role"]
            key = role == "other_staff" and rng.random() < 0.25
            position = {"guard": "保安员", "student": "初任培训班学员",
                        "instructor": "教员"}.get(role) or (
                "总经理" if key else rng.choice(positions))
            main = row(p, unit, role, p["start"], p["end"], position, key)
            if role == "guard" and p["end"] is None:
                self.screened.append((main["id"], p, unit))
            yield main

        # Earlier employments (work history): 12 % of people, ended before the main one.
        wanted = round(0.12 * self.n)
        for index in rng.sample(range(self.n), self.n):
            if wanted <= 0:
                break
            p = self.people[index]
            low = max(p["adult"], D(2006, 1, 1))
            if (p["start"] - low).days < 400:
                continue
            unit = self.other_guard_unit(p["unit"])
            start = self.date_between(low, p["start"] - dt.timedelta(days=200))
            end = self.date_between(start + dt.timedelta(days=30),
                                    p["start"] - dt.timedelta(days=1))
            role = "guard" if rng.random() < 0.85 else "other_staff"
            wanted -= 1
            yield row(p, unit, role, start, end, "保安员" if role == "guard" else "内勤")

        # Part-time guards: 5 % of people, each an active full-time guard elsewhere.
        wanted = round(0.05 * self.n)
        for index in rng.sample(range(self.n), self.n):
            if wanted <= 0:
                break
            p = self.people[index]
            if p["role"] != "guard" or p["end"] is not None:
                continue
            unit = self.other_guard_unit(p["unit"])
            start = self.date_between(max(p["start"], D(2015, 1, 1)),
                                      REF_DATE - dt.timedelta(days=10))
            end = self.date_between(start, REF_DATE) if rng.random() < 0.15 else None
            wanted -= 1
            yield self.stamp(dict(
                id=next(next_id), person_id=p["id"], unit_id=unit["id"],
                role="part_time_guard", position="兼职保安员", key_manager=False,
                start_date=start, end_date=end, end_reason="合同到期" if end else None))

    def other_guard_unit(self, not_this):
        while True:
            unit = self.rng.choices(self.guard_units, cum_weights=self.guard_cum)[0]
            if unit is not not_this or len(self.guard_units) == 1:
                return unit

    # ------------------------------------------------------------ targets and services
    def target_rows(self):
        rng = self.rng
        names = self.existing(ServiceTarget.name)
        next_id = self.max_id(ServiceTarget) + 1
        categories = list(TARGET_WORDS)
        weights = [TARGET_WEIGHTS.get(c, 1) for c in categories]
        total = max(len(categories), self.n // 10)
        self.targets_by_city = {city: [] for city in CITIES}
        for i in range(total):
            tid = next_id + i
            # The first 16 cover every category; then weighted.
            category = categories[i] if i < len(categories) else rng.choices(categories,
                                                                              weights)[0]
            city = self.pick_city()
            region = rng.choice(self.counties[city])
            name = f"{self.full_name(region)}合成{TARGET_WORDS[category]}{tid:06d}"
            while name in names:
                name += "新"
            names.add(name)
            self.targets_by_city[city].append(tid)
            yield self.stamp(dict(
                id=tid, name=name, category_id=self.categories[category], region_code=region,
                address=self.full_name(region) + self.street(),
                contact_person=self.name("male" if rng.random() < 0.6 else "female"),
                contact_phone=self.mobile()))
        self.all_targets = [t for ts in self.targets_by_city.values() for t in ts]

    def service_rows(self):
        rng = self.rng
        next_id = self.max_id(Service) + 1
        total = max(1, self.n // 5)
        guards_at = {}
        for _eid, _pid, unit, _s, _e in self.guard_jobs:
            guards_at[unit["id"]] = guards_at.get(unit["id"], 0) + 1
        serving = [u for u in self.units if u["kind"] in SERVING_KINDS]
        # Every serving unit with guards gets at least one ongoing service, then by size.
        first = [u for u in serving if guards_at.get(u["id"])][:total]
        cum = list(itertools.accumulate(guards_at.get(u["id"], 0) + 1 for u in serving))
        chosen = first + rng.choices(serving, cum_weights=cum, k=total - len(first))
        self.services_of = {}
        for i, unit in enumerate(chosen):
            sid = next_id + i
            ongoing = i < len(first) or rng.random() < 0.8
            if ongoing:
                start, end = self.date_between(D(2016, 1, 1), D(2025, 3, 31)), None
            else:
                start = self.date_between(D(2014, 1, 1), D(2023, 6, 30))
                end = min(start + dt.timedelta(days=rng.randint(180, 2000)),
                          REF_DATE - dt.timedelta(days=1))
            pool = self.targets_by_city[unit["city"]] or self.all_targets
            self.services_of.setdefault(unit["id"], []).append((sid, start, end))
            yield self.stamp(dict(
                id=sid, unit_id=unit["id"], target_id=rng.choice(pool),
                contract_number=f"HC{sid:08d}", start_date=start, end_date=end,
                status="active" if end is None else "ended",
                note=None if end is None else "合同期满"))

    # ------------------------------------------------------------ dispatches
    def dispatch_rows(self):
        """Each guard employment at a serving unit is cut into consecutive stretches, each
        posted to a service of the unit that runs at that time; the last stretch of an active
        employment stays open (the one active dispatch) on an ongoing service."""
        rng = self.rng
        next_id = itertools.count(self.max_id(Dispatch) + 1)
        jobs = [j for j in self.guard_jobs if self.services_of.get(j[2]["id"])]
        target = 2 * self.n
        made = tried = 0
        for done, (eid, pid, unit, emp_start, emp_end) in enumerate(jobs):
            services = self.services_of[unit["id"]]
            ongoing = [s for s in services if s[2] is None]
            posts = N.ESCORT_POSTS + N.POSTS if unit["armed"] else N.POSTS
            # Stretches that find no running service are skipped, and short employments
            # hold fewer stretches: aim at what is still missing, scaled by the hit rate.
            mean = (target - made) / (len(jobs) - done) * (tried / made if made else 1.1)
            k = int(mean) + (1 if rng.random() < mean - int(mean) else 0)
            last = emp_end or REF_DATE
            days = (last - emp_start).days
            k = max(1, min(k, days // 15 if days >= 15 else 1))
            if made + k > target:
                k = target - made
                if k <= 0:
                    break
            cuts = sorted(rng.sample(range(1, days), k - 1)) if k > 1 and days > k else []
            bounds = [emp_start + dt.timedelta(days=c) for c in cuts]
            starts = [emp_start] + bounds
            ends = [b - dt.timedelta(days=1) for b in bounds] + [last]
            open_last = emp_end is None and ongoing and rng.random() < 0.85
            tried += len(starts)
            for n_piece, (a, b) in enumerate(zip(starts, ends)):
                is_last = n_piece == len(starts) - 1
                if is_last and open_last:
                    sid, s_start, _ = rng.choice(ongoing)
                    start = max(a, s_start)
                    if start > REF_DATE:
                        continue
                    made += 1
                    yield self.stamp(dict(
                        id=next(next_id), service_id=sid, employment_id=eid,
                        unit_id=unit["id"], person_id=pid, post=rng.choice(posts),
                        start_date=start, end_date=None, end_reason=None))
                    continue
                for _attempt in range(4):
                    sid, s_start, s_end = rng.choice(services)
                    if s_start <= b and (s_end is None or s_end >= a):
                        break
                else:
                    continue
                start = max(a, s_start)
                end = min(b, s_end) if s_end is not None else b
                reason = ("服务合同期满" if s_end is not None and end == s_end else
                          "离职" if emp_end is not None and end == emp_end else "岗位调整")
                made += 1
                yield self.stamp(dict(
                    id=next(next_id), service_id=sid, employment_id=eid, unit_id=unit["id"],
                    person_id=pid, post=rng.choice(posts), start_date=start, end_date=end,
                    end_reason=reason))

    # ------------------------------------------------------------ certificates
    def certificate_rows(self):
        rng = self.rng
        taken = self.existing(Certificate.kind, Certificate.number)
        next_id = itertools.count(self.max_id(Certificate) + 1)
        seq = itertools.count(60_000_000 + self.max_id(Certificate))

        def number(kind, make):
            while True:
                value = make(next(seq))
                if (kind, value) not in taken:
                    taken.add((kind, value))
                    return value

        def cert(person, kind, value, issued, expires=None, level=None, issuer=None):
            return self.stamp(dict(
                id=next(next_id), person_id=person["id"], kind=kind, number=value,
                level=level, issuer=issuer, issued_on=issued, expires_on=expires,
                status="valid"))

        certified = set()
        for person, unit in self.guard_people:
            if person["id"] in certified or rng.random() >= 0.7:
                continue
            certified.add(person["id"])
            city = unit["city"] + "00"
            issued = self.date_between(person["adult"], REF_DATE)
            yield cert(person, "guard", number("guard", lambda n: f"浙{city}{n % 10**8:08d}"),
                       issued, issuer=f"{CITIES[unit['city']][0]}市公安局")
            if unit["armed"] and rng.random() < 0.5:
                yield cert(person, "firearm_permit",
                           number("firearm_permit", lambda n: f"浙公枪S{n:08d}"),
                           issued, issued + dt.timedelta(days=5 * 365),
                           issuer=f"{CITIES[unit['city']][0]}市公安局")
        for person in self.people:
            roll = rng.random()
            if roll < 0.1:
                issued = self.date_between(person["adult"], REF_DATE)
                yield cert(person, "driving_licence", person["number"], issued,
                           issued + dt.timedelta(days=3652), rng.choice(("C1", "C2", "B2")),
                           "公安局交通警察支队")
            elif roll < 0.15:
                issued = self.date_between(max(person["adult"], D(2019, 1, 1)), REF_DATE)
                yield cert(person, "fire_control",
                           number("fire_control", lambda n: f"{issued.year}33{n:08d}"),
                           issued, level="五级/初级工", issuer="浙江省消防行业职业技能鉴定站")
            elif roll < 0.2:
                issued = self.date_between(max(person["adult"], D(2019, 1, 1)), REF_DATE)
                yield cert(person, "vocational_level",
                           number("vocational_level", lambda n: f"S33{issued.year}{n:08d}"),
                           issued, level=rng.choice(("五级/初级工", "四级/中级工")),
                           issuer="浙江省保安协会")

    # ------------------------------------------------------------ screening, applications
    def identity_check_rows(self):
        """One identity case per active guard job: most verified with the background check
        done, a few percent open in the queues (failed, at police review, returned, pending),
        waiting from an hour to two months."""
        rng = self.rng
        next_id = itertools.count(self.max_id(IdentityCheck) + 1)
        now = self.now  # naive UTC (models.base.utcnow)
        self.verified_cases = []
        states = ("passed", "failed", "police_review", "returned", "pending", "cleared")
        weights = (95.5, 1.6, 0.7, 0.4, 0.8, 1.0)
        for eid, person, unit in self.screened:
            state = rng.choices(states, weights)[0]
            case_id = next(next_id)
            waiting = now - dt.timedelta(hours=rng.randint(1, 60 * 24))
            open_ = state in ("failed", "police_review", "returned", "pending")
            reasons = None
            if state in ("failed", "police_review", "returned", "cleared"):
                reasons = rng.choice(SCREENING_REASONS)
            if state in ("passed", "cleared"):
                self.verified_cases.append((case_id, person, unit, waiting))
            yield self.stamp(dict(
                id=case_id, person_id=person["id"], unit_id=unit["id"], employment_id=eid,
                state=state, reasons=reasons, fingerprint=None,
                note="信息无误，请民警核查" if state == "police_review" else (
                    "请核对姓名" if state == "returned" else None),
                attempts=0 if state == "pending" else 1, last_error=None,
                background_state="done" if state in ("passed", "cleared") else "not_run",
                waiting_since=waiting, closed_at=None if open_ else waiting))

    def background_alert_rows(self):
        """Watch-list findings for about 1 % of the verified cases: police alerts and unit
        attention, mostly closed, some open."""
        rng = self.rng
        next_id = itertools.count(self.max_id(BackgroundAlert) + 1)
        codes = list(ALERT_REASONS)
        for case_id, person, unit, verified in self.verified_cases:
            if rng.random() >= 0.01:
                continue
            code = rng.choice(codes)
            text_, kind = ALERT_REASONS[code]
            state = rng.choices(("open", "signed" if kind == "unit_attention" else "closed"),
                                (35, 65))[0]
            yield self.stamp(dict(
                id=next(next_id), person_id=person["id"], unit_id=unit["id"],
                identity_check_id=case_id, kind=kind, source=ALERT_SOURCES[code],
                reason_code=code, reason_text=str(text_),
                state=state, note=None if state == "open" else "已核实处理",
                waiting_since=verified, closed_at=None if state == "open" else verified))

    def application_rows(self):
        """政务网 applications, people/100 of them over the year before REF_DATE: about a
        tenth still open at the desks (submitted, accepted, at the province, returned)."""
        rng = self.rng
        next_id = itertools.count(self.max_id(Application) + 1)
        numbers = self.existing(Application.number)
        items = [code for code, item in ITEMS.items() if not item.needs_unit]
        per_day = {}
        for _ in range(max(1, self.n // 100)):
            code = rng.choice(items)
            item = ITEMS[code]
            submitted = self.date_between(REF_DATE - dt.timedelta(days=365), REF_DATE)
            while True:
                per_day[submitted] = per_day.get(submitted, 0) + 1
                number = f"BA{submitted:%Y%m%d}{50000 + per_day[submitted]:05d}"
                if number not in numbers:
                    break
            numbers.add(number)
            status = rng.choices(
                ("submitted", "accepted", "province_review", "returned", "approved",
                 "rejected", "withdrawn"), (4, 4, 1, 1, 75, 10, 5))[0]
            if status == "province_review" and item.decider != "province":
                status = "accepted"
            city = self.pick_city()
            region = rng.choice(self.counties[city])
            decided = status in ("approved", "rejected")
            yield self.stamp(dict(
                id=next(next_id), number=number, item=code,
                applicant_name=self.name("male"), applicant_phone=self.mobile(),
                unit_id=None, region_code=region, form={"name": f"合成申请{number}"},
                status=status, returned_from="accepted" if status == "returned" else None,
                correction_note="请补充材料" if status == "returned" else None,
                channel=rng.choice(("web", "platform")),
                submitted_at=dt.datetime.combine(submitted, dt.time(9, 30)),
                time_limit_days=item.time_limit,
                days_used=rng.randint(0, item.time_limit - 1),
                clock_started_on=submitted if status in ("accepted", "province_review")
                else None,
                decision=status if decided else None,
                decision_reason="材料不符合要求" if status == "rejected" else None,
                decided_at=dt.datetime.combine(submitted, dt.time(16)) if decided else None,
                decided_by="synthetic" if decided else None,
                result_unit_id=None, result_note=None))

    # ------------------------------------------------------------ run
    def finish_postgres(self):
        """PostgreSQL: explicit ids do not advance the id sequences, so move them on; and
        vacuum and refresh the planner statistics at once rather than whenever autovacuum does.
        SQLite: gather its planner statistics (sqlite_stat1) once, too."""
        if not self.postgres:
            started = time.perf_counter()
            self.s.execute(text("ANALYZE"))
            self.s.commit()
            self.timings.append(("(analyze)", 1, time.perf_counter() - started))
            return
        started = time.perf_counter()
        tables = [m.__tablename__ for m in (Unit, Person, Employment, ServiceTarget, Service,
                                             Dispatch, Certificate, IdentityCheck,
                                             BackgroundAlert, Application)]
        for table in tables:
            self.s.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"))
        self.s.commit()
        # VACUUM too: it sets the visibility map, without which the counts over a city read
        # every heap page instead of the index alone (index-only scans), until autovacuum.
        with self.s.get_bind().connect().execution_options(
                isolation_level="AUTOCOMMIT") as conn:
            for table in tables:
                conn.execute(text(f"VACUUM ANALYZE {table}"))
        self.timings.append(("(sequences, vacuum)", len(tables), time.perf_counter() - started))

    def run(self):
        started = time.perf_counter()
        self.load_reference()
        self.s.commit()
        self.insert(Unit, self.make_units())
        plan = time.perf_counter()
        self.plan_people()
        self.timings.append(("(plan people)", len(self.people), time.perf_counter() - plan))
        self.insert(Person, self.person_rows())
        self.insert(Employment, self.employment_rows())
        self.insert(ServiceTarget, self.target_rows())
        self.insert(Service, self.service_rows())
        self.insert(Dispatch, self.dispatch_rows())
        self.insert(Certificate, self.certificate_rows())
        self.insert(IdentityCheck, self.identity_check_rows())
        self.insert(BackgroundAlert, self.background_alert_rows())
        self.insert(Application, self.application_rows())
        self.finish_postgres()
        total = time.perf_counter() - started
        lines = [f"synthetic data ({self.n} people, {total:.1f} s):"]
        lines += [f"  {name:<22} {count:>9,} rows {seconds:7.1f} s"
                  for name, count, seconds in self.timings]
        return "\n".join(lines)


def seed_synthetic(session, people=100_000, random_seed=2026) -> str:
    """Append a synthetic data set scaled by `people` (see the module docstring)."""
    load_reference_data(session)
    return _Synthetic(session, people, random_seed).run()
