"""The ten 政务网业务办理 items (docs/rules.md#applications): form fields, required documents, competent
levels and statutory time limits in working days, plus the working-day calendar."""
import datetime as dt
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.models.application import ITEM_TITLES

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
class Item:
    code: str
    category: str            # licence / filing / change
    fields: tuple
    documents: tuple         # (code, label)
    decider: str             # city or province; the city always accepts (and gives its opinion)
    time_limit: int          # statutory limit in working days, from acceptance
    needs_unit: tuple = ()   # unit kinds the application must concern (an existing unit)
    creates: str | None = None   # the unit kind an approval creates

    @property
    def title(self):
        return ITEM_TITLES[self.code]


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
_DOCS_COMPANY = (
    ("application_form", _l("Application form")),
    ("capital_proof", _l("Proof of registered capital")),
    ("legal_rep_id", _l("ID and record certificate of the legal representative")),
    ("managers", _l("Résumés and records of the key managers")),
    ("premises", _l("Proof of business premises")),
    ("charter", _l("Articles of association")),
)
_DOCS_TRAINING = (
    ("application_form", _l("Application form")),
    ("capital_proof", _l("Proof of registered capital")),
    ("instructors", _l("Instructor qualifications")),
    ("premises", _l("Proof of training premises")),
)

ITEMS = {item.code: item for item in (
    Item("company", "licence",
         _UNIT_FIELDS + (_COMPANY_CAPITAL, _ARMED_ESCORT), _DOCS_COMPANY, PROVINCE, 30,
         creates="company"),
    Item("company_foreign", "licence",
         _UNIT_FIELDS + (_COMPANY_CAPITAL, _ARMED_ESCORT,
                         Field("foreign_investor", _l("Foreign investor"))),
         _DOCS_COMPANY + (("commerce_approval", _l("Approval of the commerce authority")),),
         PROVINCE, 30, creates="company"),
    Item("training", "licence", _UNIT_FIELDS + (_CAPITAL, Field(
             "training_capacity", _l("Training capacity"), "number")),
         _DOCS_TRAINING, PROVINCE, 30, creates="training"),
    Item("training_promise", "licence", _UNIT_FIELDS + (_CAPITAL, Field(
             "training_capacity", _l("Training capacity"), "number")),
         (("application_form", _l("Application form")),
          ("commitment", _l("Signed letter of commitment"))), PROVINCE, 5,
         creates="training"),
    Item("guard_certificate", "licence",
         (Field("name", _l("Name")), Field("id_number", _l("ID number"), "idnumber"),
          Field("education", _l("Education"), "choice",
                choices=("primary", "junior", "senior", "vocational", "college", "bachelor",
                         "master")),
          Field("exam_score", _l("Exam score"), "number")),
         (("photo", _l("Photo")), ("exam_result", _l("Exam result")),
          ("health", _l("Health declaration"))), CITY, 15),
    Item("self_hire", "filing",
         (Field("action", _l("Filing or revocation"), "choice", choices=("file", "revoke")),
          Field("name", _l("Unit name")),
          Field("credit_code", _l("Unified social credit code")),
          Field("legal_representative", _l("Legal representative"), required=False),
          Field("address", _l("Address"), required=False),
          Field("contact_phone", _l("Contact phone"), required=False)),
         (("filing_form", _l("Filing form")), ("licence", _l("Business licence"))), CITY, 15,
         creates="self_hire"),
    Item("client", "filing",
         _UNIT_FIELDS, (("filing_form", _l("Filing form")),
                        ("contract", _l("Service contract"))), CITY, 15,
         needs_unit=("self_hire",), creates="client"),
    Item("branch", "filing",
         (Field("name", _l("Branch name")), Field("principal", _l("Branch principal")),
          Field("address", _l("Address")), Field("established_on", _l("Established on"),
                                                 "date")),
         (("filing_form", _l("Filing form")), ("branch_licence", _l("Branch business licence"))),
         CITY, 15, needs_unit=("company",), creates="branch"),
    Item("cross_province", "filing",
         (Field("province", _l("Province served")), Field("client_name", _l("Client")),
          Field("start_date", _l("Start date"), "date"),
          Field("end_date", _l("End date"), "date", required=False)),
         (("filing_form", _l("Filing form")), ("contract", _l("Service contract"))), CITY, 15,
         needs_unit=("company",)),
    Item("commendation", "filing",
         (Field("title", _l("Commendation")),
          Field("unit_credit_codes", _l("Credit codes of the units commended"), "list",
                required=False),
          Field("guard_id_numbers", _l("ID numbers of the guards commended"), "list",
                required=False),
          Field("description", _l("Deeds"))),
         (("recommendation", _l("Recommendation letter")),), CITY, 20),
    Item("legal_rep_change", "change",
         (Field("new_legal_representative", _l("New legal representative")),
          Field("new_legal_rep_id_number", _l("ID number of the new legal representative"),
                "idnumber")),
         (("change_form", _l("Change application form")),
          ("legal_rep_id", _l("ID and record certificate of the legal representative")),
          ("resolution", _l("Shareholders' resolution"))), PROVINCE, 15,
         needs_unit=("company",)),
)}

# Public holidays (法定节假日) and adjusted working Saturdays/Sundays (调休上班) by date; the
# State Council publishes them each December. Keep the coming year here when it is published.
HOLIDAYS = frozenset(dt.date.fromisoformat(d) for d in (
    "2026-01-01", "2026-01-02", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19",
    "2026-02-20", "2026-02-23", "2026-04-06", "2026-05-01", "2026-05-04", "2026-05-05",
    "2026-06-19", "2026-09-25", "2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06",
    "2026-10-07",
))
EXTRA_WORKDAYS = frozenset(dt.date.fromisoformat(d) for d in (
    "2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10",
))


def is_working_day(day: dt.date) -> bool:
    if day in EXTRA_WORKDAYS:
        return True
    return day.weekday() < 5 and day not in HOLIDAYS


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start).

    Counted, not walked (the review desk asks this for every open application): any seven
    consecutive days hold five weekdays; then holidays on weekdays come off and adjusted
    working weekend days go on."""
    if end <= start:
        return 0
    weeks, rest = divmod((end - start).days, 7)
    count = 5 * weeks + sum(1 for i in range(1, rest + 1)
                            if (start + dt.timedelta(days=i)).weekday() < 5)
    count -= sum(1 for day in HOLIDAYS
                 if start < day <= end and day.weekday() < 5 and day not in EXTRA_WORKDAYS)
    count += sum(1 for day in EXTRA_WORKDAYS if start < day <= end and day.weekday() >= 5)
    return count


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date `days` working days after `start` (the clock starts the day after)."""
    day = start
    while days > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            days -= 1
    return day


def get_item(code: str) -> Item | None:
    return ITEMS.get(code)
