"""Population registry interface: look a person up by ID number and compare what the clerk
entered with what the registry holds. The adapter is pluggable (config POPULATION_REGISTRY:
"local" for the demo table, or "package.module:Class" for a real interface); adapters raise
RegistryUnavailable when the registry cannot answer, so callers can keep a check pending."""
from dataclasses import dataclass
from importlib import import_module

from sqlalchemy import select

from app.models import PopulationRecord, RegistryLookup

from .oplog import append


class RegistryUnavailable(Exception):
    """The registry did not answer (time-out, network); the check stays pending."""


@dataclass(frozen=True)
class RegistryEntry:
    id_number: str
    name: str
    gender: str
    birth_date: object
    household_address: str | None = None


@dataclass(frozen=True)
class Mismatch:
    field: str       # name / gender / birth_date
    entered: object
    registered: object


class LocalRegistry:
    """Reads the population_record table (demo mode, tests)."""

    def __init__(self, session):
        self.session = session

    def lookup(self, id_number: str) -> RegistryEntry | None:
        row = self.session.execute(select(PopulationRecord).where(
            PopulationRecord.id_number == (id_number or "").upper())).scalar_one_or_none()
        if row is None:
            return None
        return _entry(row)

    def lookup_many(self, numbers) -> dict:
        """{number: RegistryEntry or None} for many numbers, a query per 500."""
        numbers = sorted({(n or "").upper() for n in numbers})
        found = dict.fromkeys(numbers)
        for start in range(0, len(numbers), 500):
            for row in self.session.execute(select(PopulationRecord).where(
                    PopulationRecord.id_number.in_(numbers[start:start + 500]))).scalars():
                found[row.id_number] = _entry(row)
        return found


def _entry(row):
    return RegistryEntry(row.id_number, row.name, row.gender, row.birth_date,
                         row.household_address)


class Prefetched:
    """An adapter with the answers for a batch of numbers fetched at once (an import's
    file: one query for the file instead of one a row, docs/import.md), asked through the
    same `lookup` the rules call. Adapters without `lookup_many`, and numbers outside the
    batch, are looked up one at a time as before; a registry that does not answer the
    batch is asked again per number, so each row gets its own "unavailable"."""

    def __init__(self, registry, numbers):
        self.registry = registry
        self.answers = {}
        many = getattr(registry, "lookup_many", None)
        if many is not None:
            try:
                self.answers = dict(many(numbers))
            except RegistryUnavailable:
                self.answers = {}

    def lookup(self, id_number: str) -> RegistryEntry | None:
        number = (id_number or "").upper()
        if number in self.answers:
            return self.answers[number]
        return self.registry.lookup(number)


def get_registry(session, config):
    """The configured adapter, constructed with the session."""
    spec = config.get("POPULATION_REGISTRY", "local")
    if spec == "local":
        return LocalRegistry(session)
    module, _, cls = spec.partition(":")
    return getattr(import_module(module), cls)(session)


def compare(entry: RegistryEntry, name, gender=None, birth_date=None) -> list[Mismatch]:
    """What differs between the entered identity and the registry (empty: it matches)."""
    differences = []
    if (name or "").strip() != entry.name:
        differences.append(Mismatch("name", name, entry.name))
    if gender is not None and gender != entry.gender:
        differences.append(Mismatch("gender", gender, entry.gender))
    if birth_date is not None and birth_date != entry.birth_date:
        differences.append(Mismatch("birth_date", birth_date, entry.birth_date))
    return differences


def log_lookup(session, user_id, username, id_number, found) -> int:
    """Record one look-up of the registry made for a user (the staff add form echoes what
    the registry holds, so who asked for which number and when is kept for the province
    admin: 系统管理 → 人口信息查询记录), appended to its hash chain (app.services.oplog) in
    the caller's transaction. Returns the row's id; never commits."""
    return append(session.connection(), RegistryLookup, dict(
        user_id=user_id, username=username or "", id_number=(id_number or "")[:18],
        found=bool(found)))
