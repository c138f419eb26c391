"""Who is acting, for the change log: the signed-in user in a request, or a named system
actor for CLI commands, seeding and background jobs."""
from contextlib import contextmanager
from contextvars import ContextVar

from flask import g, has_request_context

_system_actor: ContextVar[tuple] = ContextVar("system_actor", default=(None, "system"))


@contextmanager
def acting_as(username: str, user_id: int | None = None):
    token = _system_actor.set((user_id, username))
    try:
        yield
    finally:
        _system_actor.reset(token)


def current_actor() -> tuple:
    if has_request_context():
        user = getattr(g, "user", None)
        if user is not None and getattr(user, "is_authenticated", False):
            return user.id, user.username
    return _system_actor.get()
