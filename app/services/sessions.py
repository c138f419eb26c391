"""Server-side sign-in sessions: a random id in the Flask session cookie names a
user_session row; logout, a password change or IDLE_TIMEOUT_MINUTES without a request end
it, and the cookie then counts as anonymous, on every app server alike. Checking costs one
primary-key lookup per request; last_seen_at is written at most once a minute. Writes run in
their own short transactions, never mixed into the request's ORM session."""
import datetime as dt
import secrets

from flask import current_app
from sqlalchemy import select, update

from app.extensions import db, side_engine

from app.models import UserSession
from app.models.base import utcnow

TOUCH_EVERY = dt.timedelta(minutes=1)
_table = UserSession.__table__


def _engine():
    return side_engine()


def idle_timeout() -> dt.timedelta:
    return dt.timedelta(minutes=float(current_app.config.get("IDLE_TIMEOUT_MINUTES", 30)))


def start(user_id: int, ip: str | None, user_agent: str | None, channel: str = "form") -> str:
    """A new sign-in session: a browser's (form) or a JWT client's (api)."""
    sid = secrets.token_urlsafe(32)
    at = utcnow()
    with _engine().begin() as conn:
        conn.execute(_table.insert().values(
            id=sid, user_id=user_id, created_at=at, last_seen_at=at, channel=channel,
            ip=(ip or "")[:45] or None, user_agent=(user_agent or "")[:300] or None))
    return sid


def check_api(sid: str | None, user_id: int) -> bool:
    """Is the JWT's sign-in session still open? Tokens issued before sessions were named in
    them carry none (their own revocation rules apply). No idle end: a refresh token lives
    its lifetime unless signed out or forced out."""
    if not sid:
        return True
    row = db.session.execute(select(_table.c.user_id, _table.c.last_seen_at,
                                    _table.c.ended_at).where(_table.c.id == sid)).first()
    if row is None or row.user_id != user_id or row.ended_at is not None:
        return False
    at = utcnow()
    if at - row.last_seen_at >= TOUCH_EVERY:
        with _engine().begin() as conn:
            conn.execute(update(_table).where(_table.c.id == sid).values(last_seen_at=at))
    return True


def check(sid: str | None, user_id: int) -> bool:
    """Is this the user's open, recently used session? Ends it when idle too long."""
    if not sid:
        return False
    row = db.session.execute(select(_table.c.user_id, _table.c.last_seen_at,
                                    _table.c.ended_at).where(_table.c.id == sid)).first()
    if row is None or row.user_id != user_id or row.ended_at is not None:
        return False
    at = utcnow()
    if at - row.last_seen_at > idle_timeout():
        end(sid, "idle")
        return False
    if at - row.last_seen_at >= TOUCH_EVERY:
        with _engine().begin() as conn:
            conn.execute(update(_table).where(_table.c.id == sid).values(last_seen_at=at))
    return True


def end(sid: str, reason: str):
    with _engine().begin() as conn:
        conn.execute(update(_table).where(_table.c.id == sid, _table.c.ended_at.is_(None))
                     .values(ended_at=utcnow(), end_reason=reason))


def end_user_sessions(user_id: int, reason: str, keep: str | None = None) -> int:
    """End every open session of the user but `keep` (the one changing the password)."""
    where = [_table.c.user_id == user_id, _table.c.ended_at.is_(None)]
    if keep:
        where.append(_table.c.id != keep)
    with _engine().begin() as conn:
        return conn.execute(update(_table).where(*where)
                            .values(ended_at=utcnow(), end_reason=reason)).rowcount


def online_clause():
    """Open sessions used within the idle timeout (在线用户)."""
    return (UserSession.ended_at.is_(None),
            UserSession.last_seen_at > utcnow() - idle_timeout())


def online(session):
    """Open sessions used within the idle timeout, latest first (在线用户)."""
    return session.execute(select(UserSession).where(*online_clause())
                           .order_by(UserSession.last_seen_at.desc())).scalars().all()


def force_out(sid: str) -> bool:
    """【强制下线】: end the session at once — its browser cookie counts as anonymous from the
    next request, and the JWTs naming it (access and refresh) are refused."""
    with _engine().begin() as conn:
        return bool(conn.execute(update(_table).where(_table.c.id == sid,
                                                      _table.c.ended_at.is_(None))
                                 .values(ended_at=utcnow(), end_reason="forced")).rowcount)
