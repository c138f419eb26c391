"""Who is acting, for the change log and the author of a record: the signed-in user of a
request (the web layer installs that source, app/web/context.py), or a named system actor
for CLI commands, seeding and background jobs."""
from contextlib import contextmanager
from contextvars import ContextVar

_system_actor: ContextVar[tuple] = ContextVar("system_actor", default=(None, "system"))
_actor_source = None


def install_actor_source(source) -> None:
    """`source()` → (user id, username) of the signed-in user, or None when nobody is."""
    global _actor_source
    _actor_source = source


@contextmanager
def acting_as(username: str, user_id: int | None = None):
    token = _system_actor.set((user_id, username))
    try:
        yield
    finally:
        _system_actor.reset(token)


def current_actor() -> tuple:
    actor = _actor_source() if _actor_source is not None else None
    return actor if actor is not None else _system_actor.get()
