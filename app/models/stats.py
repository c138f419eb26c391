"""统计分析 snapshots: the dashboard's counts per jurisdiction node, taken by one refresh
(docs/dashboard.md). A refresh writes a whole snapshot in one transaction and readers take
the newest one, so nobody ever sees a half-updated set."""
from sqlalchemy import Column, Date, DateTime, ForeignKey, Index, Integer, String

from .authority import SYSTEM_RECORD
from .base import Model


class StatSnapshot(Model):
    __tablename__ = "stat_snapshot"
    __authority__ = SYSTEM_RECORD   # taken by dashboard.refresh, never written by hand
    __scope__ = ("admin_only",)

    id = Column(Integer, primary_key=True)
    taken_at = Column(DateTime, nullable=False)     # 截至 (UTC)
    today = Column(Date, nullable=False)            # the day the date-bound figures used


class StatCount(Model):
    """One figure of one node: node '33' (province), '3301' (city), '330102' (district) or
    '330102/17' (unit 17, under its district); family and value as in
    app.services.dashboard.FAMILIES ('' for a family without a split)."""
    __tablename__ = "stat_count"
    __authority__ = SYSTEM_RECORD
    __scope__ = ("admin_only",)

    snapshot_id = Column(Integer, ForeignKey("stat_snapshot.id", ondelete="CASCADE"),
                         primary_key=True)
    level = Column(String(10), primary_key=True)    # province / city / district / unit
    node = Column(String(20), primary_key=True)
    family = Column(String(32), primary_key=True)
    value = Column(String(40), primary_key=True)
    count = Column(Integer, nullable=False)

    __table_args__ = ()


class StatRefresh(Model):
    """The lock of the one snapshot being taken (docs/dashboard.md, "Snapshots"): a refresh
    claims the row by setting claimed_at (one conditional UPDATE, so two callers never both
    win) and clears it when done; a claim older than dashboard.CLAIM_EXPIRES (a lost worker)
    may be taken over."""
    __tablename__ = "stat_refresh"
    __authority__ = SYSTEM_RECORD
    __scope__ = ("admin_only",)

    name = Column(String(32), primary_key=True)
    claimed_at = Column(DateTime)                   # UTC; NULL: no refresh running
