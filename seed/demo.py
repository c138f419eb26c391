"""The deterministic demo data set of docs/roles.md: ten accounts, nine units in 杭州, 宁波 and 温州,
about 130 people with their employments and certificates, shared service targets of every
category, services and dispatches.

Everything goes through the ORM (so the change log records "system") and through
`app.services.rules.validate`, so the demo obeys the same rules as the pages. The only
exception is the branch: rules refuse to create branches by hand (only an approved branch
filing does), and the demo branch stands for such an approved filing.

Same rows on every run: one `random.Random(DEMO_SEED)` drives every choice, dates are fixed
(nothing depends on today's date), and ongoing employments, services and dispatches have no end
date.
"""
from __future__ import annotations

import datetime as dt
import functools
import random
from decimal import Decimal

from flask import current_app

from app.models import (AppUser, Certificate, ConductRecord, Dispatch, Employment,
                        EquipmentIssue, ExamResult, Person, PoliceAssistance, PopulationRecord,
                        Service, ServiceTarget, SocialRelation, TargetCategory, TrainingRecord,
                        Unit, WorkExperience)
from app.security import roles as R
from app.services import regions
from app.security.actor import acting_as
from app.services.idnumber import make_id_number
from app.security.scope import SYSTEM
from app.services.rules import validate
from app.services.uscc import make_uscc
from seed.data import names as N
from seed.reference import load_reference_data

DEMO_SEED = 20261127
D = dt.date

COMPANY_SCOPE = ("门卫、巡逻、守护、随身护卫、安全检查、区域秩序维护、安全技术防范、"
                 "安全风险评估")

# Units in creation order (a parent before its children). `guards`: active full-time guards;
# `part_time_from`: the unit whose full-time guards moonlight here as part-time guards (never
# linking 杭州 and 宁波, so no person works for both company_hz and company_nb); people who
# left this unit (`ended`) partly moved to that same unit.
UNITS = (
    dict(key="company_hz", kind="company", name="杭州上城安保服务有限公司", region="330102",
         address="庆春路168号", capital=500, grade="一级", licence="浙公保服20100012",
         licence_issued_on=D(2010, 5, 18), established_on=D(2010, 3, 2), scope=COMPANY_SCOPE,
         guards=12, ended=2, part_time_from="company_bj"),
    dict(key="company_bj", kind="company", name="杭州滨江平安保安服务有限公司", region="330108",
         address="江南大道3850号", capital=300, grade="二级", licence="浙公保服20150031",
         licence_issued_on=D(2015, 7, 22), established_on=D(2015, 6, 10), scope=COMPANY_SCOPE,
         guards=12, ended=2, part_time_from="selfhire_hz"),
    dict(key="branch_hz", kind="branch", name="杭州上城安保服务有限公司拱墅分公司",
         region="330105", parent="company_hz", address="莫干山路425号",
         established_on=D(2019, 4, 15), scope=COMPANY_SCOPE, guards=8, ended=1,
         part_time_from="company_bj"),
    dict(key="company_wz", kind="company", name="温州金盾押运保安服务有限公司", region="330302",
         address="车站大道577号", capital=3000, grade="一级", licence="浙公保服20110007",
         licence_issued_on=D(2011, 3, 30), established_on=D(2011, 1, 20), armed_escort=True,
         scope="武装守护押运、" + COMPANY_SCOPE, guards=12, ended=2,
         part_time_from="selfhire_nb"),
    dict(key="company_nb", kind="company", name="宁波海曙安邦保安服务有限公司", region="330203",
         address="中山西路138号", capital=800, grade="一级", licence="浙公保服20120025",
         licence_issued_on=D(2012, 9, 14), established_on=D(2012, 8, 8), scope=COMPANY_SCOPE,
         guards=12, ended=2, part_time_from="selfhire_nb"),
    dict(key="selfhire_hz", kind="self_hire", name="杭州西溪物业管理有限公司", region="330106",
         address="文二西路551号", capital=200, established_on=D(2008, 9, 9),
         scope="物业管理；停车场服务；本单位及客户单位的门卫、巡逻、守护",
         guards=12, ended=2, part_time_from="branch_hz"),
    dict(key="client_hz", kind="client", name="杭州黄龙商务大厦管理有限公司", region="330106",
         parent="selfhire_hz", address="曙光路122号", established_on=D(2016, 11, 1),
         scope="商务楼宇管理；会议服务", guards=3, ended=0, part_time_from="company_hz"),
    dict(key="selfhire_nb", kind="self_hire", name="宁波港城物业服务有限公司", region="330212",
         address="天童南路588号", capital=500, established_on=D(2009, 5, 26),
         scope="物业管理；停车场服务；本单位及客户单位的门卫、巡逻、守护",
         guards=12, ended=2, part_time_from="company_nb"),
    dict(key="school_hz", kind="training", name="杭州拱墅区保安培训学校", region="330105",
         address="湖州街58号", capital=150, licence="浙公保培20160003",
         licence_issued_on=D(2016, 4, 12), established_on=D(2016, 3, 1),
         scope="保安员职业技能培训", capacity=300,
         training_scope="保安员初任培训；保安员职业技能等级培训；保安师培训；消防安全知识培训；"
                        "武装守护押运人员培训"),
)

# Shared service targets: every one of the 16 categories (so tiers 1, 2 and 3 all appear).
TARGETS = (
    ("杭州市第二人民医院", "医院", "330102", "解放路1号"),
    ("中国工商银行杭州庆春路支行", "银行", "330102", "庆春路100号"),
    ("浙江大学紫金港校区", "大专院校", "330106", "余杭塘路866号"),
    ("杭州市上城区胜利实验学校", "中小学校", "330102", "西湖大道99号"),
    ("杭州湖滨银泰in77", "商业场所", "330102", "延安路258号"),
    ("杭州市燃气集团滨江调压站", "水电煤气", "330108", "西兴路1500号"),
    ("杭州市滨江区江南幼儿园", "幼儿园", "330108", "江南大道2000号"),
    ("杭州市公安局上城区分局湖滨派出所", "公安机关", "330102", "东坡路12号"),
    ("杭州市上城区人民政府", "其他党政机关", "330102", "江锦路159号"),
    ("杭州海康威视数字技术股份有限公司滨江园区", "工业企业", "330108", "阡陌路555号"),
    ("浙商证券杭州庆春路营业部", "其他金融机构", "330102", "庆春路200号"),
    ("浙江省农业科学院", "科研单位", "330102", "石桥路198号"),
    ("西湖文化广场", "文体场所", "330105", "中山北路580号"),
    ("杭州西湖国宾馆", "宾馆饭店", "330106", "杨公堤18号"),
    ("浙江省博物馆孤山馆区", "文博单位", "330106", "孤山路25号"),
    ("西溪天堂商业街区", "商业场所", "330106", "紫金港路21号"),
    ("杭州黄龙商务大厦管理有限公司", "商业场所", "330106", "曙光路122号"),
    ("中国农业银行温州鹿城支行", "银行", "330302", "人民中路88号"),
    ("温州博物馆", "文博单位", "330302", "市府路491号"),
    ("温州市鹿城区鞋业产业园", "工业企业", "330302", "双屿街道鞋都大道8号"),
    ("温州五马街欢乐KTV", "娱乐场所", "330302", "五马街66号"),
    ("宁波天一广场", "商业场所", "330203", "中山东路188号"),
    ("宁波市海曙区人民政府", "其他党政机关", "330203", "南门街道中山西路1号"),
    ("中国人寿宁波市分公司", "其他金融机构", "330203", "灵桥路228号"),
    ("宁波南苑饭店", "宾馆饭店", "330203", "灵桥路2号"),
    ("宁波市体育馆", "文体场所", "330212", "宁南南路1000号"),
    ("宁波鄞州万达广场", "商业场所", "330212", "四明中路999号"),
    ("宁波市鄞州区第二医院", "医院", "330212", "前河北路1号"),
)

# unit key → [(target, start, end)]: 3–5 ongoing services and one that ended.
SERVICES = {
    "company_hz": [("杭州市第二人民医院", D(2022, 1, 1), None),
                   ("中国工商银行杭州庆春路支行", D(2022, 7, 1), None),
                   ("杭州市上城区人民政府", D(2023, 1, 1), None),
                   ("浙江省农业科学院", D(2023, 6, 1), None),
                   ("杭州市公安局上城区分局湖滨派出所", D(2024, 1, 1), None),
                   ("杭州湖滨银泰in77", D(2020, 1, 1), D(2023, 12, 31))],
    "company_bj": [("杭州海康威视数字技术股份有限公司滨江园区", D(2021, 9, 1), None),
                   ("杭州市燃气集团滨江调压站", D(2022, 3, 1), None),
                   ("杭州市滨江区江南幼儿园", D(2023, 2, 15), None),
                   ("浙江大学紫金港校区", D(2023, 9, 1), None),
                   ("杭州西湖国宾馆", D(2020, 5, 1), D(2023, 4, 30))],
    "branch_hz": [("西湖文化广场", D(2021, 1, 1), None),
                  ("杭州市上城区胜利实验学校", D(2022, 9, 1), None),
                  ("浙商证券杭州庆春路营业部", D(2023, 3, 1), None),
                  ("浙江省博物馆孤山馆区", D(2020, 1, 1), D(2022, 12, 31))],
    "company_wz": [("中国农业银行温州鹿城支行", D(2021, 1, 1), None),
                   ("温州博物馆", D(2022, 4, 1), None),
                   ("温州市鹿城区鞋业产业园", D(2022, 10, 1), None),
                   ("温州五马街欢乐KTV", D(2023, 5, 1), None),
                   ("中国工商银行杭州庆春路支行", D(2019, 6, 1), D(2021, 5, 31))],
    "company_nb": [("宁波天一广场", D(2021, 6, 1), None),
                   ("宁波市海曙区人民政府", D(2022, 1, 1), None),
                   ("中国人寿宁波市分公司", D(2022, 8, 1), None),
                   ("宁波南苑饭店", D(2023, 3, 1), None),
                   ("宁波市体育馆", D(2020, 3, 1), D(2023, 2, 28))],
    "selfhire_hz": [("西溪天堂商业街区", D(2020, 7, 1), None),
                    ("杭州黄龙商务大厦管理有限公司", D(2021, 1, 1), None),
                    ("西湖文化广场", D(2023, 7, 1), None),
                    ("杭州西湖国宾馆", D(2019, 1, 1), D(2020, 4, 30))],
    "selfhire_nb": [("宁波鄞州万达广场", D(2020, 10, 1), None),
                    ("宁波市体育馆", D(2023, 3, 1), None),
                    ("宁波市鄞州区第二医院", D(2023, 8, 1), None),
                    ("宁波天一广场", D(2019, 1, 1), D(2021, 5, 31))],
}

# The ten accounts of docs/roles.md: (username, role, unit key, region, last name, first name).
ACCOUNTS = (
    ("admin", R.PROVINCE_ADMIN, None, "330000", "王", "建国"),
    ("police_hz", R.CITY_POLICE, None, "330100", "李", "振华"),
    ("police_nb", R.CITY_POLICE, None, "330200", "陈", "海峰"),
    ("police_sc", R.DISTRICT_POLICE, None, "330102", "周", "晓东"),
    ("company_hz", R.COMPANY_USER, "company_hz", None, None, None),
    ("company_nb", R.COMPANY_USER, "company_nb", None, None, None),
    ("selfhire_hz", R.SELF_HIRE_USER, "selfhire_hz", None, None, None),
    ("client_hz", R.CLIENT_UNIT_USER, "client_hz", None, None, None),
    ("school_hz", R.TRAINING_USER, "school_hz", None, None, None),
    ("association", R.ASSOCIATION, None, None, "孙", "丽华"),
)

# Birth regions from other provinces (current codes of 安徽, 河南, 江西, 四川, 贵州, 湖南, 湖北)
# and two abolished 杭州 districts (下城区, 江干区, merged away in 2021).
OTHER_PROVINCE_COUNTIES = ("340102", "340404", "340604", "340803", "410102", "410311",
                           "410922", "360102", "360302", "360429", "510112", "510321",
                           "520102", "522325", "430422", "430524", "420626", "422827")
ABOLISHED_COUNTIES = ("330103", "330104")

GUARD_START = (D(2018, 1, 1), D(2024, 6, 30))

# In the population registry but not (yet) in the system: candidates a clerk can add.
REGISTRY_ONLY = (
    ("male", "陈志远", "330106", D(1991, 4, 12)),
    ("female", "林晓燕", "330102", D(1994, 9, 3)),
    ("male", "王建国", "330205", D(1985, 11, 20)),
    ("male", "赵文斌", "341122", D(1989, 2, 27)),
    ("female", "周雅婷", "330304", D(1997, 6, 15)),
    ("male", "吴海涛", "330110", D(1979, 12, 1)),
)


class _Demo:
    def __init__(self, session):
        self.s = session
        self.rng = random.Random(DEMO_SEED)
        self.units: dict[str, Unit] = {}
        self.specs = {spec["key"]: spec for spec in UNITS}
        self.id_numbers: set[str] = set()
        self.cert_seq = 0
        self.counts = dict(units=0, people=0, employments=0, certificates=0, targets=0,
                           services=0, dispatches=0, conduct_records=0, accounts=0,
                           unit_records=0)
        zj = sorted(r.code for r in regions.all_regions()
                    if r.code.startswith("33") and regions.level(r.code) == "county"
                    and not r.abolished)
        self.zj_counties = zj
        self.city_counties = {}
        for code in zj:
            self.city_counties.setdefault(code[:4], []).append(code)

    # ------------------------------------------------------------ helpers
    def save(self, item, check=True):
        if check:
            validate(self.s, item, creating=True, scope=SYSTEM)
        self.s.add(item)
        self.s.flush()
        return item

    def date_between(self, start, end):
        return start + dt.timedelta(days=self.rng.randint(0, (end - start).days))

    def mobile(self):
        return self.rng.choice(N.MOBILE_PREFIXES) + f"{self.rng.randint(0, 99_999_999):08d}"

    def name(self, gender):
        given = N.MALE_GIVEN_NAMES if gender == "male" else N.FEMALE_GIVEN_NAMES
        return self.rng.choice(N.SURNAMES) + self.rng.choice(given)

    def weighted(self, pairs):
        return self.rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]

    def birth_region(self, home_region):
        roll = self.rng.random()
        if roll < 0.5:
            return self.rng.choice(self.city_counties[home_region[:4]])
        if roll < 0.75:
            return self.rng.choice(self.zj_counties)
        return self.rng.choice(OTHER_PROVINCE_COUNTIES)

    def street_address(self, region_code):
        rng = self.rng
        return (regions.full_name(region_code) + rng.choice(N.STREETS)
                + f"{rng.randint(1, 999)}号" + rng.choice(N.COMMUNITIES)
                + f"{rng.randint(1, 30)}幢{rng.randint(1, 3)}单元{rng.randint(101, 1802)}室")

    def household_address(self, region_code):
        rng = self.rng
        place = regions.full_name(region_code) + rng.choice(N.TOWNS)
        if rng.random() < 0.5:
            return place + rng.choice(N.VILLAGES) + f"{rng.randint(1, 200)}号"
        return place + rng.choice(N.STREETS) + f"{rng.randint(1, 500)}号"

    def person(self, home_region, born=(D(1968, 1, 1), D(2003, 12, 31)), gender=None,
               education=N.GUARD_EDUCATION, name=None, birth_region=None):
        """A new person with a valid ID number; gender and birth date follow the number."""
        rng = self.rng
        gender = gender or ("male" if rng.random() < 0.85 else "female")
        region = birth_region or self.birth_region(home_region)
        birth = self.date_between(*born)
        while True:
            number = make_id_number(region, birth, rng.randint(0, 499), gender)
            if number not in self.id_numbers:
                break
        self.id_numbers.add(number)
        person = Person(
            id_number=number, name=name or self.name(gender), phone=self.mobile(),
            household_address=self.household_address(region),
            residence_address=self.street_address(rng.choice(self.city_counties[home_region[:4]])),
            ethnicity=rng.choice(N.ETHNICITIES), education=self.weighted(education))
        self.save(person)
        self.counts["people"] += 1
        return person

    def employ(self, person, unit, role, start, end=None, position=None, key_manager=False,
               end_reason=None):
        emp = Employment(person=person, unit=unit, role=role, start_date=start, end_date=end,
                         end_reason=end_reason if end else None, position=position,
                         key_manager=key_manager)
        self.save(emp)
        self.counts["employments"] += 1
        return emp

    def guard_start(self, person):
        """A start date in GUARD_START, never before the 18th birthday."""
        start = self.date_between(*GUARD_START)
        adult = person.birth_date.replace(year=person.birth_date.year + 18) \
            if (person.birth_date.month, person.birth_date.day) != (2, 29) \
            else D(person.birth_date.year + 18, 3, 1)
        return max(start, adult + dt.timedelta(days=30))

    # ------------------------------------------------------------ units
    def create_units(self):
        for seq, spec in enumerate(UNITS, start=1):
            region = spec["region"]
            legal_gender = "male" if self.rng.random() < 0.8 else "female"
            legal = self.name(legal_gender)
            contact_gender = "male" if self.rng.random() < 0.5 else "female"
            unit = Unit(
                kind=spec["kind"], name=spec["name"], credit_code=make_uscc(region, seq),
                legal_representative=None if spec["kind"] == "branch" else legal,
                principal=legal, principal_phone=self.mobile(),
                contact_person=self.name(contact_gender), contact_phone=self.mobile(),
                address=regions.full_name(region) + spec["address"], region_code=region,
                registered_capital=Decimal(spec["capital"]) if spec.get("capital") else None,
                licence_number=spec.get("licence"),
                licence_issued_on=spec.get("licence_issued_on"), grade=spec.get("grade"),
                business_scope=spec["scope"], armed_escort=spec.get("armed_escort", False),
                foreign_invested=False, status="active",
                established_on=spec["established_on"],
                parent=self.units[spec["parent"]] if spec.get("parent") else None,
                training_capacity=spec.get("capacity"),
                training_scope=spec.get("training_scope"))
            # Rules refuse to create a branch by hand (only an approved branch filing does);
            # the demo branch stands for such a filing, its fields are set correctly above.
            self.save(unit, check=spec["kind"] != "branch")
            unit._demo_legal_gender = legal_gender
            unit._demo_contact_gender = contact_gender
            self.units[spec["key"]] = unit
            self.counts["units"] += 1

    # ------------------------------------------------------------ staff
    def create_staff(self):
        self.guards: dict[str, list[Employment]] = {}
        abolished = list(ABOLISHED_COUNTIES)
        for spec in UNITS:
            unit = self.units[spec["key"]]
            if unit.kind == "training":
                self.create_school_staff(unit)
                continue
            guards = self.guards.setdefault(spec["key"], [])
            for i in range(spec["guards"]):
                birth_region = abolished.pop(0) if abolished and unit.region_code.startswith(
                    "3301") and i == 0 else None
                person = self.person(unit.region_code, birth_region=birth_region)
                guards.append(self.employ(person, unit, "guard", self.guard_start(person),
                                          position="保安员"))
            self.create_other_staff(unit, 3 if unit.kind != "client" else 1)

    def create_other_staff(self, unit, count):
        positions = list(N.OTHER_STAFF_POSITIONS)
        self.rng.shuffle(positions)
        for i in range(count):
            if i == 0:
                # The general manager is the legal representative (or, in a branch, its
                # principal) and a key manager.
                person = self.person(unit.region_code, born=(D(1966, 1, 1), D(1985, 12, 31)),
                                     gender=unit._demo_legal_gender,
                                     education=N.STAFF_EDUCATION, name=unit.principal)
                self.employ(person, unit, "other_staff",
                            max(unit.established_on, D(2015, 1, 1)),
                            position="总经理" if unit.kind != "branch" else "分公司负责人",
                            key_manager=True)
                continue
            person = self.person(unit.region_code, born=(D(1970, 1, 1), D(1998, 12, 31)),
                                 gender="male" if self.rng.random() < 0.6 else "female",
                                 education=N.STAFF_EDUCATION)
            position = positions[i]
            self.employ(person, unit, "other_staff",
                        self.date_between(max(unit.established_on, D(2016, 1, 1)),
                                          D(2024, 3, 1)),
                        position=position, key_manager=position == "副总经理")

    def create_school_staff(self, unit):
        self.create_other_staff_school(unit)
        for i in range(3):
            person = self.person(unit.region_code, born=(D(1968, 1, 1), D(1990, 12, 31)),
                                 education=N.STAFF_EDUCATION)
            emp = self.employ(person, unit, "instructor",
                              self.date_between(D(2016, 6, 1), D(2023, 9, 1)),
                              position=N.INSTRUCTOR_POSITIONS[i])
            # Instructors hold a senior vocational level certificate.
            self.cert_seq += 1
            issued = max(emp.start_date, D(2018, 1, 1))
            self.cert(person, "vocational_level", f"S0000330{issued.year}{self.cert_seq:05d}",
                      level=("三级/高级工", "二级/技师")[i % 2], issuer="浙江省保安协会",
                      issued_on=issued)
        for _ in range(8):
            person = self.person(unit.region_code, born=(D(1980, 1, 1), D(2005, 6, 30)),
                                 education=N.STUDENT_EDUCATION)
            self.employ(person, unit, "student",
                        self.rng.choice((D(2025, 3, 3), D(2025, 5, 12), D(2025, 6, 9))),
                        position="初任培训班学员")

    def create_other_staff_school(self, unit):
        person = self.person(unit.region_code, born=(D(1966, 1, 1), D(1982, 12, 31)),
                             gender=unit._demo_legal_gender, education=N.STAFF_EDUCATION,
                             name=unit.principal)
        self.employ(person, unit, "other_staff", unit.established_on, position="校长",
                    key_manager=True)
        person = self.person(unit.region_code, born=(D(1975, 1, 1), D(1995, 12, 31)),
                             gender="female", education=N.STAFF_EDUCATION)
        self.employ(person, unit, "other_staff", D(2019, 2, 18),
                    position=self.rng.choice(N.SCHOOL_STAFF_POSITIONS))

    def create_history(self):
        """People who left: their ended guard employment; the first of each unit moved on to
        become a full-time guard of the unit's partner (the same city)."""
        for spec in UNITS:
            unit = self.units[spec["key"]]
            for i in range(spec.get("ended", 0)):
                person = self.person(unit.region_code, born=(D(1968, 1, 1), D(1998, 12, 31)))
                start = max(self.date_between(D(2016, 1, 1), D(2019, 12, 31)),
                            person.birth_date.replace(year=person.birth_date.year + 19,
                                                      day=min(person.birth_date.day, 28)))
                end = start + dt.timedelta(days=self.rng.randint(365, 3 * 365))
                end = min(end, D(2024, 6, 30))
                self.employ(person, unit, "guard", start, end, position="保安员",
                            end_reason="合同到期")
                if i == 0:
                    partner = self.units[spec["part_time_from"]]
                    new_start = end + dt.timedelta(days=self.rng.randint(5, 60))
                    self.guards[spec["part_time_from"]].append(
                        self.employ(person, partner, "guard", new_start, position="保安员"))

    def create_part_time(self):
        """Two part-time guards per unit (one at the client unit), each an active full-time
        guard of the unit named in `part_time_from`."""
        used = set()
        for spec in UNITS:
            if spec["kind"] == "training":
                continue
            unit = self.units[spec["key"]]
            pool = [e for e in self.guards[spec["part_time_from"]] if e.person_id not in used]
            count = 1 if unit.kind == "client" else 2
            for emp in self.rng.sample(pool, count):
                used.add(emp.person_id)
                start = max(emp.start_date, D(2023, 1, 1)) + dt.timedelta(
                    days=self.rng.randint(10, 300))
                self.employ(emp.person, unit, "part_time_guard", start, position="兼职保安员")

    # ------------------------------------------------------------ certificates
    def create_certificates(self):
        for spec in UNITS:
            for emp in self.guards.get(spec["key"], []):
                self.certificates_of(emp)

    def certificates_of(self, emp):
        rng, person, unit = self.rng, emp.person, emp.unit
        city = unit.region_code[:4] + "00"
        city_name = regions.lookup(city).name
        adult = D(person.birth_date.year + 18, 3, 1)
        if rng.random() < 0.85:
            issued = max(adult, emp.start_date - dt.timedelta(days=rng.randint(20, 400)))
            self.cert_seq += 1
            self.cert(person, "guard", f"浙{city}{issued.year}{self.cert_seq:04d}",
                      issuer=f"{city_name}公安局", issued_on=issued)
        if rng.random() < 0.3:
            issued = max(adult, self.date_between(D(2016, 1, 1), D(2024, 6, 30)))
            self.cert(person, "driving_licence", person.id_number,
                      level=rng.choice(("C1", "C1", "C2", "B2", "A2")),
                      issuer=f"{city_name}公安局交通警察支队", issued_on=issued,
                      expires_on=issued.replace(year=issued.year + 10, day=min(issued.day, 28)))
        if rng.random() < 0.15:
            issued = max(adult, self.date_between(D(2019, 1, 1), D(2024, 12, 31)))
            self.cert_seq += 1
            self.cert(person, "fire_control", f"{issued.year}33000{self.cert_seq:05d}",
                      level=rng.choice(("五级/初级工", "四级/中级工")),
                      issuer="浙江省消防行业职业技能鉴定站", issued_on=issued)
        if rng.random() < 0.2:
            issued = max(adult, self.date_between(D(2019, 1, 1), D(2024, 12, 31)))
            self.cert_seq += 1
            self.cert(person, "vocational_level", f"S0000330{issued.year}{self.cert_seq:05d}",
                      level=rng.choice(("五级/初级工", "五级/初级工", "四级/中级工",
                                        "三级/高级工")),
                      issuer="浙江省保安协会", issued_on=issued)
        if unit.armed_escort and rng.random() < 0.6:
            issued = max(emp.start_date, D(2020, 1, 1))
            self.cert_seq += 1
            self.cert(person, "firearm_permit", f"浙公枪{city[:4]}{self.cert_seq:05d}",
                      issuer=f"{city_name}公安局", issued_on=issued,
                      expires_on=issued.replace(year=issued.year + 5, day=min(issued.day, 28)))

    def create_revoked_certificate(self):
        """For the public register (/verify/): a former guard of company_hz who works nowhere
        now holds a revoked 保安员证 (README names it). Last, so nothing before changes."""
        unit = self.units["company_hz"]
        emp = next(e for e in self.s.query(Employment).filter_by(unit_id=unit.id, role="guard")
                   .filter(Employment.end_date.isnot(None)).order_by(Employment.id)
                   if all(o.end_date is not None for o in e.person.employments))
        self.cert_seq += 1
        issued = D(2017, 5, 10)
        self.save(Certificate(
            person=emp.person, kind="guard", number=f"浙330100{issued.year}{self.cert_seq:04d}",
            issuer="杭州市公安局", issued_on=issued, status="revoked",
            status_changed_on=D(2024, 8, 20),
            status_reason="因违法行为被处以行政拘留，依据《保安服务管理条例》第四十五条吊销"))
        self.counts["certificates"] += 1

    def cert(self, person, kind, number, **fields):
        self.save(Certificate(person=person, kind=kind, number=number, status="valid",
                              **fields))
        self.counts["certificates"] += 1

    # ------------------------------------------------------------ services
    def create_targets(self):
        categories = {c.name: c for c in self.s.query(TargetCategory)}
        self.targets = {}
        for name, category, region, address in TARGETS:
            contact_gender = "male" if self.rng.random() < 0.6 else "female"
            target = ServiceTarget(name=name, category=categories[category], region_code=region,
                                   address=regions.full_name(region) + address,
                                   contact_person=self.name(contact_gender),
                                   contact_phone=self.mobile())
            self.save(target)
            self.targets[name] = target
            self.counts["targets"] += 1

    def create_services(self):
        self.services: dict[str, list[Service]] = {}
        for key, entries in SERVICES.items():
            unit = self.units[key]
            for n, (target, start, end) in enumerate(entries, start=1):
                service = Service(
                    unit=unit, target=self.targets[target], start_date=start, end_date=end,
                    status="ended" if end else "active",
                    contract_number=f"BA{start.year}{unit.id:02d}{n:03d}",
                    note="合同期满，服务结束" if end else None)
                self.save(service)
                self.services.setdefault(key, []).append(service)
                self.counts["services"] += 1

    def create_dispatches(self):
        rng = self.rng
        for key, services in self.services.items():
            unit = self.units[key]
            posts = N.ESCORT_POSTS + N.POSTS[:3] if unit.armed_escort else N.POSTS
            active = [s for s in services if s.status == "active"]
            ended = [s for s in services if s.status == "ended"]
            guards = sorted(self.guards[key], key=lambda e: e.id)
            # History: guards who served the ended service until it ended.
            history = {}
            for service in ended:
                eligible = [e for e in guards
                            if e.start_date <= service.end_date - dt.timedelta(days=60)]
                for emp in rng.sample(eligible, min(2, len(eligible))):
                    start = max(service.start_date, emp.start_date) + dt.timedelta(
                        days=rng.randint(0, 20))
                    self.dispatch(service, emp, rng.choice(posts), start, service.end_date,
                                  "服务合同期满")
                    history[emp.id] = service.end_date
            # Now: 60–80 % of the active full-time guards posted to the ongoing services.
            count = round(len(guards) * rng.uniform(0.6, 0.8))
            chosen = sorted(rng.sample(guards, count), key=lambda e: e.id)
            for i, emp in enumerate(chosen):
                service = active[i % len(active)]
                start = max(service.start_date, emp.start_date,
                            history.get(emp.id, D(1900, 1, 1)) + dt.timedelta(days=1))
                start += dt.timedelta(days=rng.randint(0, 30))
                self.dispatch(service, emp, rng.choice(posts), start)

    def dispatch(self, service, emp, post, start, end=None, end_reason=None):
        self.save(Dispatch(service=service, employment=emp, post=post, start_date=start,
                           end_date=end, end_reason=end_reason))
        self.counts["dispatches"] += 1

    # ------------------------------------------------------------ accounts
    def create_accounts(self, password):
        sm = current_app.appbuilder.sm
        for username, role_name, unit_key, region, last, first in ACCOUNTS:
            role = sm.find_role(role_name) or sm.add_role(role_name)
            unit = self.units[unit_key] if unit_key else None
            phone = self.mobile()
            if unit is not None:
                last, first = unit.contact_person[0], unit.contact_person[1:]
                phone = unit.contact_phone
                region = unit.region_code
            user = sm.add_user(username, first, last, f"{username}@example.com", [role],
                               password=password, commit=False)
            if not user:
                raise RuntimeError(f"could not create demo account {username}")
            user.unit = unit
            user.region_code = region
            user.phone = phone
            self.counts["accounts"] += 1
        self.s.flush()

    def run(self, password):
        self.create_units()
        self.create_staff()
        self.create_history()
        self.create_part_time()
        self.create_certificates()
        self.create_targets()
        self.create_services()
        self.create_dispatches()
        self.create_conduct_records()
        self.create_accounts(password)
        self.create_registry()
        self.create_unit_records()
        self.create_screening()
        self.create_person_records()
        self.create_exam_system_account(password)
        self.create_applications()
        self.create_cross_province_filings()
        self.create_revoked_certificate()

    # ------------------------------------------------------------ person tabs
    def create_person_records(self):
        """Social relations, equipment, police assistance, an exam result and training and
        work experience for the first person of each unit who works only there (so every
        unit's accounts see such records and others do not); training records for every
        student and earlier work for every instructor."""
        rng = self.rng
        for key in sorted(self.units):
            unit = self.units[key]
            others = self.s.query(Employment.person_id).filter(Employment.unit_id != unit.id)
            person = (self.s.query(Person).join(Employment, Employment.person_id == Person.id)
                      .filter(Employment.unit_id == unit.id, Employment.end_date.is_(None),
                              ~Person.id.in_(others)).order_by(Person.id).first())
            if person is None:
                continue
            self.save(SocialRelation(person=person, relation=rng.choice(("配偶", "父亲", "母亲")),
                                     name=self.name(rng.choice(("male", "female"))),
                                     phone=self.mobile(), workplace="个体经营"))
            self.save(EquipmentIssue(person=person, item=rng.choice(("执勤服", "防刺背心", "对讲机")),
                                     quantity=1, issued_on=D(2024, 3, 1)))
            self.save(PoliceAssistance(person=person, occurred_on=D(2024, 8, rng.randint(1, 28)),
                                       title="协助民警疏导交通", police_unit=
                                       f"{regions.full_name(unit.region_code)}公安分局"))
            self.save(ExamResult(person=person, exam_date=D(2023, 5, 20),
                                 score=Decimal(rng.randint(62, 95)), passed=True,
                                 source="2023年第2期"))
            self.save(TrainingRecord(person=person, class_name="保安员初任培训班",
                                     start_date=D(2023, 4, 10), end_date=D(2023, 5, 10),
                                     hours=120, result="合格"))
            self.save(WorkExperience(person=person, employer="个体工商户", position="店员",
                                     start_date=D(2015, 3, 1), end_date=D(2017, 12, 31)))
        for emp in self.s.query(Employment).filter(Employment.role.in_(
                ("student", "instructor"))).order_by(Employment.id):
            if emp.role == "student":
                self.save(TrainingRecord(person=emp.person, class_name="保安员初任培训班",
                                         start_date=emp.start_date, hours=rng.choice((40, 80)),
                                         result="在训"))
            else:
                self.save(WorkExperience(person=emp.person, employer="某市公安局",
                                         position="民警", start_date=D(1995, 9, 1),
                                         end_date=D(2015, 12, 31)))

    def create_exam_system_account(self, password):
        """The exam system's API account (role exam_system: posting results only). A system
        account, not one of the ten people's accounts of docs/roles.md."""
        sm = current_app.appbuilder.sm
        role = sm.find_role(R.EXAM_SYSTEM) or sm.add_role(R.EXAM_SYSTEM)
        user = sm.add_user("exam_system", "考试系统", "省", "exam_system@example.com", [role],
                           password=password, commit=False)
        if not user:
            raise RuntimeError("could not create the exam system account")

    # ------------------------------------------------------------ 政务网业务办理
    def create_applications(self):
        """One open application concerning every unit: a cross-province filing of each
        company, a commendation recommended by every other unit (submitted, not yet accepted)."""
        from app.models import Application, ApplicationEvent
        from app.services.application_items import ITEMS

        submitted = dt.datetime(2026, 11, 20, 9, 30)
        for seq, key in enumerate(sorted(self.units), start=1):
            unit = self.units[key]
            if unit.kind == "company":
                item, form = "cross_province", {"province": "江苏省", "client_name": "苏州工业园区某银行",
                                                "start_date": "2026-12-01"}
            else:
                item, form = "commendation", {"title": "协助破获盗窃案", "description": "巡逻中发现并协助抓获盗窃嫌疑人",
                                              "unit_credit_codes": [unit.credit_code]}
            app = Application(number=f"BA20261120{seq:05d}", item=item,
                              applicant_name=unit.contact_person,
                              applicant_phone=unit.contact_phone, unit=unit,
                              region_code=unit.region_code, form=form, status="submitted",
                              channel="platform", submitted_at=submitted,
                              time_limit_days=ITEMS[item].time_limit, days_used=0)
            app.events.append(ApplicationEvent(actor=unit.contact_person, action="submit",
                                               to_status="submitted", at=submitted))
            self.s.add(app)
            self.counts["applications"] = self.counts.get("applications", 0) + 1
        self.s.flush()

    def create_cross_province_filings(self):
        """An earlier, approved 跨省备案 of every company: the approval's effect (the service's
        apply_effects) writes the CrossProvinceFiling on the company."""
        from app.models import Application, ApplicationEvent
        from app.services.application_items import ITEMS
        from app.services.applications import apply_effects

        submitted, decided = dt.datetime(2026, 10, 12, 10, 0), dt.datetime(2026, 10, 16, 15, 0)
        for seq, key in enumerate(sorted(self.units), start=1):
            unit = self.units[key]
            if unit.kind != "company":
                continue
            form = {"province": "上海市", "client_name": "上海某会展中心",
                    "start_date": "2026-10-20", "end_date": "2026-12-31"}
            app = Application(number=f"BA20261012{seq:05d}", item="cross_province",
                              applicant_name=unit.contact_person,
                              applicant_phone=unit.contact_phone, unit=unit,
                              region_code=unit.region_code, form=form, status="approved",
                              decision="approved", decided_at=decided, channel="platform",
                              submitted_at=submitted,
                              time_limit_days=ITEMS["cross_province"].time_limit, days_used=4)
            app.events.append(ApplicationEvent(actor=unit.contact_person, action="submit",
                                               to_status="submitted", at=submitted))
            app.events.append(ApplicationEvent(actor="police_hz", action="accept",
                                               from_status="submitted", to_status="accepted",
                                               at=submitted + dt.timedelta(days=1)))
            app.events.append(ApplicationEvent(actor="police_hz", action="approve",
                                               from_status="accepted", to_status="approved",
                                               at=decided))
            self.s.add(app)
            self.s.flush()
            apply_effects(self.s, app, decided.date())
            self.counts["applications"] = self.counts.get("applications", 0) + 1
            self.counts["cross_province_filings"] = \
                self.counts.get("cross_province_filings", 0) + 1
        self.s.flush()

    # ------------------------------------------------------------ population registry
    def create_registry(self):
        """The demo stand-in for the population registry: every demo person as registered,
        plus people not yet in the system whom a clerk can add (REGISTRY_ONLY)."""
        rows = [dict(id_number=p.id_number, name=p.name, gender=p.gender,
                     birth_date=p.birth_date, household_address=p.household_address)
                for p in self.s.query(Person).order_by(Person.id)]
        for gender, name, region, born in REGISTRY_ONLY:
            seq = 400 + len(rows) % 90
            number = make_id_number(region, born, seq, gender)
            rows.append(dict(id_number=number, name=name, gender=gender, birth_date=born,
                             household_address=self.household_address(region)))
        self.s.execute(PopulationRecord.__table__.insert(), rows)
        self.counts["registry"] = len(rows)

    # ------------------------------------------------------------ 比对预警
    SCREENING_PLAN = (  # (unit, plant a registry mismatch?)
        ("company_hz", True), ("selfhire_hz", True), ("company_nb", True),
        ("company_bj", False), ("client_hz", False))

    def create_screening(self):
        """Screen every guard opened as pending while the staff were added (now that the
        registry exists), after planting a registry mismatch (a failed identity case) in three
        units and a police-level and a unit-attention watch-list finding in five; one failed
        case is already with the police for review."""
        from app.models import PopulationRecord, WatchListEntry
        from app.security.scope import Scope
        from app.services import screening

        self.give_photos()
        failed = {}
        for key, mismatch in self.SCREENING_PLAN:
            active = [e for e in self.guards[key] if e.end_date is None]
            if mismatch:
                person = active[-1].person
                record = self.s.query(PopulationRecord).filter_by(
                    id_number=person.id_number).one()
                record.name = person.name[0] + ("伟" if person.name[-1] != "伟" else "强")
                failed[key] = person
            self.s.add(WatchListEntry(source="criminal_record", id_number=active[-2].person
                                      .id_number, reason_code="intentional_crime",
                                      detail="2015年因盗窃罪被判处有期徒刑一年"))
            self.s.add(WatchListEntry(source="drug_control", id_number=active[-3].person
                                      .id_number, reason_code="drug_use",
                                      detail="2019年吸毒被查获，已解除社区康复"))
        self.s.flush()
        screening.run_pending(self.s)
        screening.discard_queued(self.s)
        unit = self.units["selfhire_hz"]
        case = self.s.query(screening.IdentityCheck).filter_by(
            person_id=failed["selfhire_hz"].id, unit_id=unit.id).one()
        clerk = Scope(role=R.SELF_HIRE_USER, read_units=frozenset({unit.id}),
                      write_units=frozenset({unit.id}), unit_id=unit.id)
        with acting_as("selfhire_hz"):
            screening.confirm(self.s, case, clerk, "本人身份证原件已核对，姓名无误，系人口库登记错误")
        self.s.flush()
        self.counts["screening"] = self.s.query(screening.IdentityCheck).count()

    # The guard left without a photo: identity verification fails for it (照片缺失).
    NO_PHOTO_UNIT = "company_bj"

    def give_photos(self):
        """照片: every guard and part-time guard gets a small generated portrait, stored
        like an upload, except the last active guard of NO_PHOTO_UNIT who works nowhere else
        (one failed case, at that unit only)."""
        from app.services import storage

        store = storage.storage()
        unit = self.units[self.NO_PHOTO_UNIT]
        active = [e for e in self.guards[self.NO_PHOTO_UNIT] if e.end_date is None]
        planted = {e.person_id for e in active[-3:]}   # create_screening's mismatch, findings
        only_here = [e for e in active if e.person_id not in planted
                     and all(o.unit_id == unit.id for o in e.person.employments)]
        without = only_here[-1].person_id
        people = (self.s.query(Person).join(Employment, Employment.person_id == Person.id)
                  .filter(Employment.role.in_(("guard", "part_time_guard")))
                  .distinct().order_by(Person.id).all())
        for person in people:
            if person.id != without and not person.photo:
                person.photo = store.put(demo_photo_png(person.id), "png")
                self.counts["photos"] = self.counts.get("photos", 0) + 1
        self.s.flush()

    # ------------------------------------------------------------ 奖惩投诉
    def create_conduct_records(self):
        """Every unit has a commendation; some a violation or a complaint; a few guards of
        each unit are commended (bravery, assistance to the police)."""
        rng = self.rng
        for key in sorted(self.units):
            unit = self.units[key]
            self.save(ConductRecord(
                kind="commendation", unit=unit, occurred_on=self.date_between(
                    D(2022, 1, 1), D(2024, 12, 31)),
                title=rng.choice(("年度优秀保安服务单位", "平安护航先进集体", "治安防范工作先进单位")),
                authority=f"{regions.full_name(unit.region_code[:4] + '00')}公安局",
                document_number=f"公治〔{rng.randint(2022, 2024)}〕{rng.randint(10, 99)}号"))
            self.counts["conduct_records"] += 1
            if rng.random() < 0.5:
                self.save(ConductRecord(
                    kind=rng.choice(("violation", "complaint")), unit=unit,
                    occurred_on=self.date_between(D(2023, 1, 1), D(2024, 12, 31)),
                    title=rng.choice(("保安员未按规定着装上岗", "门岗值守期间脱岗",
                                      "服务对象投诉巡逻不到位")),
                    authority=rng.choice(("辖区派出所", "服务对象单位")),
                    result=rng.choice(("责令限期整改，已整改完毕", "警告", "已回访，客户满意"))))
                self.counts["conduct_records"] += 1
            if key == "selfhire_hz":
                # A complaint the police verified (信用评价 counts it, docs/credit.md).
                complaint = ConductRecord(
                    kind="complaint", unit=unit, occurred_on=D(2026, 5, 18),
                    title="服务对象投诉门岗人员无证上岗", authority="西湖区公安分局",
                    result="经派出所核实属实，责令整改")
                complaint.author_kind = "police"
                self.save(complaint)
                self.counts["conduct_records"] += 1
            guards = sorted((e for e in unit.employments if e.role == "guard" and e.active),
                            key=lambda e: e.id)
            for emp in guards[:2]:
                self.save(ConductRecord(
                    kind="commendation", unit=unit, person=emp.person,
                    occurred_on=self.date_between(max(emp.start_date, D(2022, 1, 1)),
                                                  D(2025, 6, 30)),
                    title=rng.choice(("协助民警抓获盗窃嫌疑人", "见义勇为", "拾金不昧")),
                    authority=f"{regions.full_name(unit.region_code)}公安分局"))
                self.counts["conduct_records"] += 1


    # ------------------------------------------------------------ unit records (unit pages)
    def create_unit_records(self):
        """Every unit gets one record of each kind its page shows: 办事材料 (the companies' with
        a file), 出资人, 发案记录, 安全检查, 物品信息 (firearms at armed-escort companies),
        临时活动, 年度数据 and a 单位变更; companies get a licence image."""
        from app.models import (AnnualReport, Incident, Inspection, Investor, TemporaryEvent,
                                UnitAsset, UnitChange, UnitDocument)
        from app.services import storage

        rng = self.rng
        store = storage.storage()
        gun_seq = 0
        for key in sorted(self.units):
            unit = self.units[key]
            if unit.licence_number:
                unit.licence_image = store.put(demo_licence_png(), "png")
            document = UnitDocument(unit=unit, title="保安服务许可证申请材料",
                                    filed_on=self.date_between(D(2023, 1, 1), D(2024, 12, 31)))
            if unit.kind in ("company", "training"):
                data = demo_pdf()
                document.file_key = store.put(data, "pdf")
                document.file_name, document.content_type = "申请材料.pdf", "application/pdf"
                document.file_size = len(data)
            self.save(document)
            self.save(Investor(unit=unit, kind="individual", name=unit.legal_representative
                               or unit.principal, contribution=Decimal(rng.choice((50, 100, 300))),
                               share_ratio=Decimal(rng.choice((51, 60, 100))),
                               contributed_on=unit.established_on))
            self.save(Incident(unit=unit, occurred_on=self.date_between(D(2023, 1, 1),
                                                                        D(2025, 6, 30)),
                               title=rng.choice(("服务区域内电动车被盗", "门岗发生口角纠纷",
                                                 "巡逻中发现可疑人员")),
                               place=unit.address, loss=Decimal(rng.choice((0, 800, 2500))),
                               handling="已报辖区派出所处理"))
            self.save(Inspection(unit=unit, kind=rng.choice(("safety", "supervisory", "fire")),
                                 inspected_on=self.date_between(D(2024, 1, 1), D(2025, 6, 30)),
                                 inspector=f"{regions.full_name(unit.region_code)}公安分局治安大队",
                                 findings="台账基本齐全，个别岗位值班记录不完整",
                                 result="合格", rectification="已补齐值班记录"))
            self.save(UnitAsset(unit=unit, kind="protection", name="视频监控系统",
                                model="DS-7808", quantity=rng.randint(8, 40)))
            if unit.armed_escort:
                for _ in range(2):
                    gun_seq += 1
                    self.save(UnitAsset(unit=unit, kind="firearm", name="97式防暴枪",
                                        gun_number=f"ZJ{unit.region_code}{gun_seq:05d}"))
                self.save(UnitAsset(unit=unit, kind="escort_vehicle", name="运钞车",
                                    number=f"浙C·{rng.randint(10000, 99999)}", model="依维柯"))
            start = self.date_between(D(2024, 3, 1), D(2025, 5, 31))
            self.save(TemporaryEvent(unit=unit, name=rng.choice(("马拉松赛事安保", "商场周年庆安保",
                                                               "演唱会现场秩序维护")),
                                     start_date=start, end_date=start + dt.timedelta(days=1),
                                     place=regions.full_name(unit.region_code),
                                     organiser="活动主办方", guard_count=rng.randint(10, 80)))
            staff = sum(1 for e in unit.employments if e.active)
            self.save(AnnualReport(unit=unit, year=2024,
                                   revenue=Decimal(rng.randint(200, 5000)),
                                   profit=Decimal(rng.randint(10, 400)),
                                   tax_paid=Decimal(rng.randint(5, 200)), staff_count=staff,
                                   guard_count=sum(1 for e in unit.employments
                                                   if e.active and e.role == "guard"),
                                   insured_count=staff, review_result="合格",
                                   review_date=D(2025, 4, 15)))
            # 2025's, filed in March 2026 (on time for 信用评价, docs/credit.md); 温州金盾's
            # 年审 found gaps in its escort records: 基本合格.
            # (no draw from rng: the demo's later records stay as they were)
            report = AnnualReport(unit=unit, year=2025, revenue=Decimal(1000 + 100 * unit.id),
                                  staff_count=staff, insured_count=staff,
                                  review_result="基本合格，押运台账须整改" if key == "company_wz"
                                  else "合格", review_date=D(2026, 4, 20))
            report.created_at = dt.datetime(2026, 3, 2 + unit.id % 25, 10)
            self.save(report)
            self.save(UnitChange(unit=unit, field="address", old_value="（原址）",
                                 new_value=unit.address, reason="经营场所搬迁",
                                 approved_by=f"{regions.full_name(unit.region_code)}公安分局",
                                 changed_on=self.date_between(D(2023, 1, 1), D(2024, 12, 31))))
            self.counts["unit_records"] += 1
        self.s.flush()


def _png(width, height, colour, level) -> bytes:
    """An RGB PNG of `colour(x, y)` → (r, g, b), encoded without Pillow."""
    import struct
    import zlib

    rows = b"".join(b"\x00" + b"".join(bytes(colour(x, y)) for x in range(width))
                    for y in range(height))

    def chunk(tag, data):
        return (struct.pack(">I", len(data)) + tag + data
                + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows, level)) + chunk(b"IEND", b""))


def demo_licence_png(width=480, height=320) -> bytes:
    """A plain licence-like picture (cream sheet, red border and seal)."""
    def colour(x, y):
        border = x < 12 or y < 12 or x >= width - 12 or y >= height - 12
        seal = (x - 380) ** 2 + (y - 230) ** 2 < 45 ** 2
        line = 60 <= y < 260 and (y - 60) % 40 < 3 and 40 <= x < 330
        return (190, 30, 30) if border or seal else (90, 90, 90) if line else (250, 244, 225)
    return _png(width, height, colour, 6)


def demo_photo_png(seed: int) -> bytes:
    """A small ID-photo-like portrait (plain background, head and shoulders), its colours
    varied by `seed` (nine variants)."""
    return _photo_png(seed % 9)


@functools.lru_cache(maxsize=None)
def _photo_png(seed: int, width=90, height=120) -> bytes:
    backgrounds = ((67, 142, 219), (235, 235, 235), (200, 40, 40))
    bg = backgrounds[seed % len(backgrounds)]
    shirt = ((40, 40, 60), (30, 60, 110), (70, 70, 70))[seed // 3 % 3]
    skin, hair = (238, 200, 170), (30, 25, 25)

    def colour(x, y):
        head = ((x - 45) / 20) ** 2 + ((y - 48) / 26) ** 2 <= 1
        top = ((x - 45) / 22) ** 2 + ((y - 40) / 24) ** 2 <= 1 and y < 36
        body = y > 84 and ((x - 45) / 42) ** 2 + ((y - 125) / 40) ** 2 <= 1
        return hair if top else skin if head else shirt if body else bg
    return _png(width, height, colour, 9)


def demo_pdf() -> bytes:
    """A one-page PDF standing for a filed document."""
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")


def seed_demo(session, password) -> str:
    """Load the demo data set into an empty database (one with no user accounts)."""
    load_reference_data(session)
    if session.query(AppUser.id).first() is not None:
        return "demo data already present"
    demo = _Demo(session)
    try:
        with acting_as("system"):
            demo.run(password)
        session.commit()
    except Exception:
        session.rollback()
        raise
    c = demo.counts
    return ("demo data: {accounts} accounts, {units} units, {people} people, "
            "{employments} employments, {certificates} certificates, {targets} service "
            "targets, {services} services, {dispatches} dispatches, {conduct_records} "
            "commendations, violations and complaints").format(**c)
