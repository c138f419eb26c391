"""Watch-list adapters for the background check (criminal records, drug control, wanted
persons, revoked certificates, public-order penalties). Pluggable like the population registry:
config SCREENING_WATCH_LISTS maps a list name to "local" (the demo table watch_list_entry) or
"package.module:Class"; an adapter is constructed with (session, source) and answers
`lookup(id_number) -> list[Finding]`, raising WatchListUnavailable when it cannot answer."""
from dataclasses import dataclass
from importlib import import_module

from sqlalchemy import select

from app.models import WatchListEntry
from app.models.screening import ALERT_REASONS, WATCH_LISTS


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


def get_watch_lists(session, config) -> list:
    """The configured adapters, one per list."""
    specs = config.get("SCREENING_WATCH_LISTS") or {name: "local" for name in WATCH_LISTS}
    adapters = []
    for source, spec in specs.items():
        if spec == "local":
            adapters.append(LocalWatchList(session, source))
        else:
            module, _, cls = spec.partition(":")
            adapters.append(getattr(import_module(module), cls)(session, source))
    return adapters
