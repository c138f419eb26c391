"""The population registry interface (local demo adapter; pluggable)."""
import datetime as dt

import pytest

from app.models import Person, PopulationRecord
from app.services.registry import (LocalRegistry, RegistryEntry, RegistryUnavailable, compare,
                                   get_registry)


class _DownRegistry:
    def __init__(self, session):
        self.session = session

    def lookup(self, id_number):
        raise RegistryUnavailable("timeout")


def test_demo_people_are_registered(db_session):
    person = db_session.query(Person).order_by(Person.id).first()
    entry = LocalRegistry(db_session).lookup(person.id_number.lower())
    assert entry.name == person.name and entry.birth_date == person.birth_date
    assert compare(entry, person.name, person.gender, person.birth_date) == []


def test_unknown_number_is_none(db_session):
    assert LocalRegistry(db_session).lookup("110101199003070000") is None


def test_mismatches_are_reported_field_by_field():
    entry = RegistryEntry("330102199001010012", "张三", "male", dt.date(1990, 1, 1))
    found = compare(entry, "张叁", "female", dt.date(1990, 1, 1))
    assert [(m.field, m.entered, m.registered) for m in found] == [
        ("name", "张叁", "张三"), ("gender", "female", "male")]


def test_adapter_is_pluggable(db_session):
    registry = get_registry(db_session, {"POPULATION_REGISTRY": f"{__name__}:_DownRegistry"})
    with pytest.raises(RegistryUnavailable):
        registry.lookup("330102199001010012")
    assert isinstance(get_registry(db_session, {}), LocalRegistry)


class _CountingRegistry(LocalRegistry):
    """The local adapter, counting its per-number look-ups."""

    def __init__(self, session):
        super().__init__(session)
        self.asked = []

    def lookup(self, id_number):
        self.asked.append(id_number)
        return super().lookup(id_number)


class _BatchDown(_CountingRegistry):
    def lookup_many(self, numbers):
        raise RegistryUnavailable("timeout")


def test_prefetched_answers_a_batch_as_lookup_does(db_session):
    from app.services.registry import Prefetched
    person = db_session.query(Person).order_by(Person.id).first()
    unknown = "110101199003070000"
    inner = _CountingRegistry(db_session)
    batch = Prefetched(inner, [person.id_number, unknown])
    assert batch.lookup(person.id_number.lower()) == inner.lookup(person.id_number)
    assert batch.lookup(unknown) is None
    assert inner.asked == [person.id_number]          # only the comparison above asked it
    # Outside the batch: asked. A registry record (other tests add people it does not hold).
    other = db_session.query(PopulationRecord).filter(
        PopulationRecord.id_number != person.id_number).order_by(PopulationRecord.id.desc()).first()
    assert batch.lookup(other.id_number).name == other.name
    assert inner.asked[-1] == other.id_number


def test_prefetched_falls_back_per_number_when_the_batch_is_not_answered(db_session):
    from app.services.registry import Prefetched
    person = db_session.query(Person).order_by(Person.id).first()
    inner = _BatchDown(db_session)
    batch = Prefetched(inner, [person.id_number])
    assert batch.lookup(person.id_number).name == person.name
    assert inner.asked == [person.id_number]
    with pytest.raises(RegistryUnavailable):
        Prefetched(_DownRegistry(db_session), [person.id_number]).lookup(person.id_number)
