"""The ten 政务网业务办理 items (docs/rules.md#applications). What the province may change is data,
read through app.services.settings (系统管理 → 办事事项): each item's title, competent level,
statutory time limit in working days and required documents; and the working-day calendar
(法定节假日 and 调休, 系统管理 → 工作日历). The form fields, the unit an item concerns and
what an approval creates are code (FORMS)."""
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from . import settings

CITY, PROVINCE = "city", "province"


@dataclass(frozen=True)
class Field:
    name: str
    label: object
    kind: str = "text"       # text / number / date / idnumber / choice / list
    required: bool = True
    choices: tuple = ()
    hint: object = None      # shown under the field on the public form


@dataclass(frozen=True)
class Form:
    """The code side of an item: its form and effects."""
    code: str
    category: str            # licence / filing / change
    fields: tuple
    needs_unit: tuple = ()   # unit kinds the application must concern (an existing unit)
    creates: str | None = None   # the unit kind an approval creates


@dataclass(frozen=True)
class Item:
    """An item as offered: its form (code) and what the province set (data)."""
    code: str
    category: str
    fields: tuple
    title: str
    documents: tuple         # (code, label)
    decider: str             # city or province; the city always accepts (and gives its opinion)
    time_limit: int          # statutory limit in working days, from acceptance
    needs_unit: tuple = ()
    creates: str | None = None


_UNIT_FIELDS = (
    Field("name", _l("Unit name")),
    Field("credit_code", _l("Unified social credit code")),
    Field("legal_representative", _l("Legal representative")),
    Field("address", _l("Address")),
    Field("contact_phone", _l("Contact phone")),
)
_CAPITAL = Field("registered_capital", _l("Registered capital (10,000 yuan)"), "number")
# 保安服务管理条例 Art. 8: a company's capital (at least 100万元; 1000万元 with armed escort).
_COMPANY_CAPITAL = Field("registered_capital", _l("Registered capital (10,000 yuan)"), "number",
                         hint=_l("At least 1 million yuan; at least 10 million yuan for armed "
                                 "escort (Regulations on Security Services, Art. 8)."))
_ARMED_ESCORT = Field("armed_escort", _l("Armed escort"), "choice", required=False,
                      choices=("no", "yes"))
FORMS = {form.code: form for form in (
    Form("company", "licence", _UNIT_FIELDS + (_COMPANY_CAPITAL, _ARMED_ESCORT),
         creates="company"),
    Form("company_foreign", "licence",
         _UNIT_FIELDS + (_COMPANY_CAPITAL, _ARMED_ESCORT,
                         Field("foreign_investor", _l("Foreign investor"))),
         creates="company"),
    Form("training", "licence", _UNIT_FIELDS + (_CAPITAL, Field(
        "training_capacity", _l("Training capacity"), "number")), creates="training"),
    Form("training_promise", "licence", _UNIT_FIELDS + (_CAPITAL, Field(
        "training_capacity", _l("Training capacity"), "number")), creates="training"),
    Form("guard_certificate", "licence",
         (Field("name", _l("Name")), Field("id_number", _l("ID number"), "idnumber"),
          Field("education", _l("Education"), "choice",
                choices=("primary", "junior", "senior", "vocational", "college", "bachelor",
                         "master")),
          Field("exam_score", _l("Exam score"), "number"))),
    Form("self_hire", "filing",
         (Field("action", _l("Filing or revocation"), "choice", choices=("file", "revoke")),
          Field("name", _l("Unit name")),
          Field("credit_code", _l("Unified social credit code")),
          Field("legal_representative", _l("Legal representative"), required=False),
          Field("address", _l("Address"), required=False),
          Field("contact_phone", _l("Contact phone"), required=False)),
         creates="self_hire"),
    Form("client", "filing", _UNIT_FIELDS, needs_unit=("self_hire",), creates="client"),
    Form("branch", "filing",
         (Field("name", _l("Branch name")), Field("principal", _l("Branch principal")),
          Field("address", _l("Address")), Field("established_on", _l("Established on"),
                                                 "date")),
         needs_unit=("company",), creates="branch"),
    Form("cross_province", "filing",
         (Field("province", _l("Province served")), Field("client_name", _l("Client")),
          Field("start_date", _l("Start date"), "date"),
          Field("end_date", _l("End date"), "date", required=False)),
         needs_unit=("company",)),
    Form("commendation", "filing",
         (Field("title", _l("Commendation")),
          Field("unit_credit_codes", _l("Credit codes of the units commended"), "list",
                required=False),
          Field("guard_id_numbers", _l("ID numbers of the guards commended"), "list",
                required=False),
          Field("description", _l("Deeds")))),
    Form("legal_rep_change", "change",
         (Field("new_legal_representative", _l("New legal representative")),
          Field("new_legal_rep_id_number", _l("ID number of the new legal representative"),
                "idnumber")),
         needs_unit=("company",)),
)}


def items() -> dict:
    """code → Item: the items whose form is code and whose catalogue entry is data, in the
    catalogue's order."""
    return {code: Item(code, FORMS[code].category, FORMS[code].fields, data.title,
                       data.documents, data.decider, data.time_limit, FORMS[code].needs_unit,
                       FORMS[code].creates)
            for code, data in settings.application_items().items() if code in FORMS}


class _Catalogue(Mapping):
    """ITEMS[code], ITEMS.get(code), ITEMS.values(): the catalogue as it stands now (read
    through the settings service at each use, so a change in the console applies at once)."""

    def __getitem__(self, code):
        return items()[code]

    def __iter__(self):
        return iter(items())

    def __len__(self):
        return len(items())


ITEMS = _Catalogue()


def is_working_day(day: dt.date) -> bool:
    return _working(day, *settings.calendar())


def _working(day, holidays, workdays) -> bool:
    if day in workdays:
        return True
    return day.weekday() < 5 and day not in holidays


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start).

    Counted, not walked (the review desk asks this for every open application): any seven
    consecutive days hold five weekdays; then holidays on weekdays come off and adjusted
    working weekend days go on."""
    if end <= start:
        return 0
    holidays, workdays = settings.calendar()
    weeks, rest = divmod((end - start).days, 7)
    count = 5 * weeks + sum(1 for i in range(1, rest + 1)
                            if (start + dt.timedelta(days=i)).weekday() < 5)
    count -= sum(1 for day in holidays
                 if start < day <= end and day.weekday() < 5 and day not in workdays)
    count += sum(1 for day in workdays if start < day <= end and day.weekday() >= 5)
    return count


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date `days` working days after `start` (the clock starts the day after)."""
    calendar = settings.calendar()   # once, not per day walked
    day = start
    while days > 0:
        day += dt.timedelta(days=1)
        if _working(day, *calendar):
            days -= 1
    return day


def get_item(code: str) -> Item | None:
    return items().get(code)
