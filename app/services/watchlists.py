"""Watch-list adapters for the background check (criminal records, drug control, wanted
persons, revoked certificates, public-order penalties). Pluggable like the population registry:
the dictionary 比对库 (系统管理 → 字典, entries of sys_dict_item "watch_list") names each list,
whether it is consulted and its adapter: "local" (the demo table watch_list_entry) or
"package.module:Class"; an adapter is constructed with (session, source) and answers
`lookup(id_number) -> list[Finding]`, raising WatchListUnavailable when it cannot answer."""
from dataclasses import dataclass
from importlib import import_module

from sqlalchemy import select

from app.models import WatchListEntry
from app.models.screening import ALERT_REASONS, WATCH_LISTS

from . import settings


class WatchListUnavailable(Exception):
    """The list did not answer (time-out, network); the background check stays pending."""


@dataclass(frozen=True)
class Finding:
    source: str
    reason_code: str
    detail: str | None = None

    @property
    def kind(self) -> str:
        """police for the Art. 17 reasons (and wanted persons), unit_attention otherwise."""
        return ALERT_REASONS.get(self.reason_code, (None, "police"))[1]


class LocalWatchList:
    def __init__(self, session, source):
        self.session = session
        self.source = source

    def lookup(self, id_number: str) -> list[Finding]:
        rows = self.session.execute(select(WatchListEntry).where(
            WatchListEntry.id_number == (id_number or "").upper(),
            WatchListEntry.source == self.source).order_by(WatchListEntry.id)).scalars()
        return [Finding(self.source, row.reason_code, row.detail) for row in rows]


def sources() -> dict:
    """list → adapter spec of the lists in use (the dictionary; before its data is there,
    every list from the local table)."""
    entries = settings.dictionary("watch_list")
    if not entries:
        return {name: "local" for name in WATCH_LISTS}
    return {e.code: (e.value or "local").strip() for e in entries
            if e.active and e.code in WATCH_LISTS}


def get_watch_lists(session) -> list:
    """The adapters of the lists in use, one per list."""
    adapters = []
    for source, spec in sources().items():
        if spec == "local":
            adapters.append(LocalWatchList(session, source))
        else:
            module, _, cls = spec.partition(":")
            adapters.append(getattr(import_module(module), cls)(session, source))
    return adapters
