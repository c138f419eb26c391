"""Server-side sign-in sessions and the shared security state (lockouts, revoked tokens)."""
from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, Text

from .authority import SYSTEM_RECORD
from .base import Model, utcnow


class UserSession(Model):
    """One browser sign-in. The random id lives in the (signed) Flask session cookie; a row
    that is ended, missing or idle too long turns the cookie into an anonymous one."""
    __tablename__ = "user_session"
    __scope__ = ("admin_only",)
    __authority__ = SYSTEM_RECORD  # written by sign-in and sign-out only

    id = Column(String(64), primary_key=True)
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    last_seen_at = Column(DateTime, nullable=False, default=utcnow)
    ip = Column(String(45))
    user_agent = Column(String(300))
    ended_at = Column(DateTime)
    end_reason = Column(String(20))  # logout / idle / password / forced
    channel = Column(String(10), nullable=False, default="form", server_default="form")

    __table_args__ = (Index("ix_user_session_user_open", "user_id", "ended_at"),)


class SecurityState(Model):
    """Key → value with an expiry: the database backend of app.services.state_store (login
    failures and locks, revoked JWTs) when no Redis is configured."""
    __tablename__ = "security_state"
    __scope__ = ("admin_only",)
    __authority__ = SYSTEM_RECORD

    key = Column(String(200), primary_key=True)
    value = Column(Text, nullable=False)
    expires_at = Column(DateTime, nullable=False, index=True)
