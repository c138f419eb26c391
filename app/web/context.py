"""The request's user and scope: the one place the web layer binds the access policy
(app/security/scope.py) and the actor (app/security/actor.py), which know no Flask, to the
signed-in user of a request."""
from flask import g, has_request_context

from app.security.actor import install_actor_source
from app.security.scope import DENY, install_scope_source, scope_for_user


def request_scope():
    """The scope of the user of this request (computed once per request); DENY outside."""
    if not has_request_context():
        return DENY
    user = getattr(g, "user", None)
    # Keyed on the user object: g can outlive a request when an app context is already
    # pushed around several requests (tests), and must never carry another user's scope.
    cached = g.get("scope_cache")
    if cached is None or cached[0] is not user:
        cached = (user, scope_for_user(user))
        g.scope_cache = cached
    return cached[1]


def request_actor():
    """(id, username) of the signed-in user of this request; None outside or anonymous."""
    if has_request_context():
        user = getattr(g, "user", None)
        if user is not None and getattr(user, "is_authenticated", False):
            return user.id, user.username
    return None


def install() -> None:
    install_scope_source(request_scope)
    install_actor_source(request_actor)
