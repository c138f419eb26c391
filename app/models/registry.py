"""The local population registry (人口信息库) used in demo mode and tests. Production plugs a
real registry adapter in through app.services.registry; this table is its stand-in."""
from sqlalchemy import Boolean, Column, Date, DateTime, Index, Integer, String

from .authority import SYSTEM_RECORD
from .base import ChainedLog, Model, utcnow


class PopulationRecord(Model):
    __tablename__ = "population_record"
    __authority__ = SYSTEM_RECORD
    __scope__ = ("admin_only",)  # reference data behind an interface, not a page for clerks

    id = Column(Integer, primary_key=True)
    id_number = Column(String(18), nullable=False, unique=True)
    name = Column(String(50), nullable=False)
    gender = Column(String(6), nullable=False)
    birth_date = Column(Date, nullable=False)
    household_address = Column(String(300))


class RegistryLookup(ChainedLog, Model):
    """One look-up of the population registry from the staff add form (who asked for which
    number, when, and whether the registry knew it), for the province admin to read: the
    form echoes the registered name and address, so its use is logged and rate limited."""
    __tablename__ = "registry_lookup"
    __authority__ = SYSTEM_RECORD
    __scope__ = ("admin_only",)
    __chain__ = "registry_lookup"
    __chain_fields__ = ("at", "user_id", "username", "id_number", "found")

    id = Column(Integer, primary_key=True)
    user_id = Column(Integer)  # no FK: the log outlives a deleted account
    username = Column(String(100), nullable=False)
    id_number = Column(String(18), nullable=False)
    found = Column(Boolean, nullable=False, default=False)
    at = Column(DateTime, nullable=False, default=utcnow)

    __table_args__ = (Index("ix_registry_lookup_at", "at"),
                      Index("ix_registry_lookup_user", "user_id", "at"))
