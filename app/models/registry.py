"""The local population registry (人口信息库) used in demo mode and tests. Production plugs a
real registry adapter in through app.services.registry; this table is its stand-in."""
from sqlalchemy import Column, Date, Integer, String

from .authority import SYSTEM_RECORD
from .base import Model


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
