"""Shared security state: login failures and locks, revoked tokens. Several app servers must
see the same state, so it lives in Redis (`redis://…`) when configured, else in the database
(`database`, table security_state); `memory://` keeps it in this process only (one server,
or tests). Values are short strings with an expiry; expiry only collects garbage, the rules
compare the timestamps they store (so a test can move their clock)."""
import datetime as dt
import json
import threading
import time

from flask import current_app
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import side_engine

from app.models import SecurityState


def default_uri(config) -> str:
    """Redis when the rate limits use Redis (the servers share one), else the database."""
    limits = config.get("RATELIMIT_STORAGE_URI") or ""
    return limits if limits.startswith(("redis://", "rediss://")) else "database"


class MemoryStore:
    def __init__(self):
        self._data, self._lock = {}, threading.Lock()

    def _live(self, key):
        value = self._data.get(key)
        if value is not None and value[1] <= time.time():
            del self._data[key]
            return None
        return value

    def get(self, key):
        with self._lock:
            value = self._live(key)
            return value[0] if value else None

    def set(self, key, value, ttl):
        with self._lock:
            self._data[key] = (value, time.time() + ttl)

    def delete(self, key):
        with self._lock:
            self._data.pop(key, None)

    def add_event(self, key, at, window):
        with self._lock:
            value = self._live(key)
            events = [t for t in (value[0] if value else []) if t > at - window] + [at]
            self._data[key] = (events, time.time() + window + 60)
            return len(events)


class RedisStore:
    def __init__(self, url, prefix):
        import redis
        self._redis = redis.Redis.from_url(url, socket_timeout=5, decode_responses=True)
        self._prefix = prefix

    def get(self, key):
        return self._redis.get(self._prefix + key)

    def set(self, key, value, ttl):
        self._redis.set(self._prefix + key, value, px=max(1, int(ttl * 1000)))

    def delete(self, key):
        self._redis.delete(self._prefix + key)

    def add_event(self, key, at, window):
        key = self._prefix + key
        pipe = self._redis.pipeline(transaction=True)  # MULTI: concurrent failures all count
        pipe.zadd(key, {f"{at!r}:{time.perf_counter_ns()}": at})
        pipe.zremrangebyscore(key, "-inf", at - window)
        pipe.zcard(key)
        pipe.expire(key, int(window) + 60)
        return pipe.execute()[2]


class DatabaseStore:
    """Own short transactions on the engine: never mixed into the request's ORM session."""

    table = SecurityState.__table__

    @staticmethod
    def _now():
        return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)

    def _engine(self):
        return side_engine()

    def get(self, key):
        with self._engine().connect() as conn:
            return conn.execute(select(self.table.c.value).where(
                self.table.c.key == key, self.table.c.expires_at > self._now())).scalar()

    def set(self, key, value, ttl):
        expires = self._now() + dt.timedelta(seconds=ttl)
        with self._engine().begin() as conn:
            self._write(conn, key, value, expires)

    def _write(self, conn, key, value, expires):
        done = conn.execute(update(self.table).where(self.table.c.key == key).values(
            value=value, expires_at=expires)).rowcount
        if not done:
            try:
                with conn.begin_nested():
                    conn.execute(insert(self.table).values(key=key, value=value,
                                                           expires_at=expires))
            except IntegrityError:  # written meanwhile by another server
                conn.execute(update(self.table).where(self.table.c.key == key).values(
                    value=value, expires_at=expires))

    def delete(self, key):
        with self._engine().begin() as conn:
            conn.execute(delete(self.table).where(self.table.c.key == key))

    def add_event(self, key, at, window):
        now = self._now()
        with self._engine().begin() as conn:
            # Garbage first (indexed range), then this key's row under a row lock
            # (PostgreSQL; SQLite serialises writers anyway).
            conn.execute(delete(self.table).where(self.table.c.expires_at <= now))
            raw = conn.execute(select(self.table.c.value).where(self.table.c.key == key)
                               .with_for_update()).scalar()
            events = [t for t in (json.loads(raw) if raw else []) if t > at - window] + [at]
            self._write(conn, key, json.dumps(events),
                        now + dt.timedelta(seconds=window + 60))
        return len(events)


def store(config_key: str):
    """The store named by the setting `config_key` (cached per app)."""
    app = current_app._get_current_object()
    uri = app.config.get(config_key) or default_uri(app.config)
    cache = app.extensions.setdefault("security_state", {})
    if uri not in cache:
        if uri.startswith(("redis://", "rediss://")):
            # Beside the rate limits' keys when no prefix of its own is set.
            prefix = app.config.get("SECURITY_STATE_KEY_PREFIX") or (
                (app.config.get("RATELIMIT_KEY_PREFIX") or "") + "security:")
            cache[uri] = RedisStore(uri, prefix)
        elif uri.startswith("memory://"):
            cache[uri] = MemoryStore()
        elif uri == "database":
            cache[uri] = DatabaseStore()
        else:
            raise ValueError(f"{config_key}: unsupported storage {uri!r} "
                             "(redis://…, memory:// or database)")
    return cache[uri]
