"""The one commit path: services flush and never commit; the web layer (pages and REST)
commits once per request, here.

    with atomic(db.session):
        service.act(db.session, ...)

commits when the block succeeds, and rolls back and re-raises on any error (a
RuleViolation, an IntegrityError, OutOfScope, anything else), so the caller maps the error
to its answer (a form error, a 400, a 404) with nothing half-written.
"""
from contextlib import contextmanager


@contextmanager
def atomic(session):
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
