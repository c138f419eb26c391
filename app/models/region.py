"""GB/T 2260 administrative divisions (current and historical), seeded from seed/data/regions.csv."""
from sqlalchemy import Column, Index, Integer, String

from .authority import POLICE_RECORD
from .base import Model


class Region(Model):
    __tablename__ = "region"
    __scope__ = ("shared",)
    __authority__ = POLICE_RECORD  # GB/T 2260, loaded from seed/

    code = Column(String(6), primary_key=True)
    name = Column(String(100), nullable=False)
    level = Column(String(10), nullable=False)  # province / city / county
    parent_code = Column(String(6), index=True)
    start_year = Column(Integer)
    end_year = Column(Integer)  # null while the code is in use

    __table_args__ = (Index("ix_region_name", "name"),)

    @property
    def abolished(self) -> bool:
        return self.end_year is not None

    @property
    def display_name(self) -> str:
        return self.name + ("（已撤销）" if self.abolished else "")

    def __str__(self):
        return f"{self.display_name}（{self.code}）"
