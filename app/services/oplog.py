"""The append-only logs (登录日志, 操作日志, 导出日志, 人口信息查询记录) as hash chains
(docs/console.md#logs).

Every row carries the hash of the row before it (`prev_hash`) and its own (`hash`, SHA-256
over the previous hash and the row's `__chain_fields__`). An append locks the chain's head
row in `log_chain` first (an UPDATE: a row lock on PostgreSQL, the write lock on SQLite), so
concurrent writers take turns and the chain has no forks. `verify` walks a chain and names the
first row that does not fit; `prune` moves rows older than the retention into a gzip'd JSON
lines archive, whose last hash becomes the chain's base, so both stay verifiable.

Login and operation rows are written in short transactions of their own (they must stay when
the request's work is rolled back); export and registry rows in the request's transaction
(logged exactly when the export happened)."""
from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, update

from app.models import ExportLog, LogChain, LoginLog, OperationLog, RegistryLookup
from app.models.base import utcnow

CHAINED = {model.__chain__: model for model in (LoginLog, OperationLog, ExportLog,
                                                RegistryLookup)}
_head = LogChain.__table__


def _canonical(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="microseconds")
    if isinstance(value, int):
        return value
    return str(value)


def digest(prev_hash, fields, row) -> str:
    """The hash of a row: SHA-256 over the previous row's hash and the row's fields.
    (A frozen copy lives in migration 0860, which chained the rows logged before it.)"""
    payload = json.dumps([prev_hash or "", [_canonical(row[f]) for f in fields]],
                         ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _clip(value, length):
    return value[:length] if isinstance(value, str) else value


def append(conn, model, values: dict) -> int:
    """Append one row to the model's chain on `conn` (inside the caller's transaction, which
    holds the head's lock until it ends); returns the new row's id."""
    table = model.__table__
    values = {key: _clip(value, getattr(table.c[key].type, "length", None) or 10 ** 9)
              for key, value in values.items()}
    values.setdefault("at", utcnow())
    row = {field: values.get(field) for field in model.__chain_fields__}
    name = model.__chain__
    # The UPDATE comes first: it takes the lock before the previous hash is read.
    conn.execute(update(_head).where(_head.c.name == name).values(seq=_head.c.seq + 1))
    prev = conn.execute(select(_head.c.last_hash).where(_head.c.name == name)).scalar()
    if prev is None:
        raise LookupError(f"log chain {name} has no head row (migration 0860)")
    values.update(prev_hash=prev, hash=digest(prev, model.__chain_fields__, row))
    new_id = conn.execute(table.insert().values(**values)).inserted_primary_key[0]
    conn.execute(update(_head).where(_head.c.name == name).values(last_hash=values["hash"]))
    return new_id


def _side_engine():
    from app.extensions import side_engine
    return side_engine()


def append_alone(model, values: dict) -> int:
    """Append in a transaction of its own (login and operation rows)."""
    with _side_engine().begin() as conn:
        return append(conn, model, values)


# ---------------------------------------------------------------- the writers

def log_login(event, channel, username, user_id, success, reason, ip=None, user_agent=None):
    append_alone(LoginLog, dict(event=event, channel=channel, username=username or "",
                                user_id=user_id, success=bool(success), reason=reason,
                                ip=ip, user_agent=user_agent))


def log_operation(**values):
    append_alone(OperationLog, values)


# ---------------------------------------------------------------- verification

@dataclass(frozen=True)
class Break:
    chain: str
    row_id: int | None
    reason: str   # changed / missing_before / missing_after

    def __str__(self):
        where = f"row id {self.row_id}" if self.row_id is not None else "the end"
        text = {"changed": "its content or hash was changed",
                "missing_before": "it does not follow the row before it (a row before it "
                                  "was removed or changed)",
                "missing_after": "the last rows were removed"}[self.reason]
        return f"{self.chain}: first broken at {where}: {text}"


def _walk(rows, fields, expected_prev, chain, id_of):
    last_hash = expected_prev
    for row in rows:
        if (row["prev_hash"] or "") != last_hash:
            return Break(chain, id_of(row), "missing_before"), last_hash
        if digest(last_hash, fields, row) != row["hash"]:
            return Break(chain, id_of(row), "changed"), last_hash
        last_hash = row["hash"]
    return None, last_hash


def verify(conn, name) -> Break | None:
    """Walk the chain `name` from its base (the last archived hash) to its head."""
    model = CHAINED[name]
    head = conn.execute(select(_head).where(_head.c.name == name)).mappings().first()
    if head is None:
        return Break(name, None, "missing_after")
    table = model.__table__
    rows = conn.execution_options(yield_per=2000).execute(
        select(table).order_by(table.c.id)).mappings()
    found, last_hash = _walk(rows, model.__chain_fields__, head["base_hash"], name,
                             lambda row: row["id"])
    if found is None and last_hash != head["last_hash"]:
        found = Break(name, None, "missing_after")
    return found


def verify_archive(path) -> tuple[str, Break | None, str, str]:
    """(chain, first break or None, base hash, last hash) of an archive file."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        header = json.loads(handle.readline())
        model = CHAINED[header["chain"]]
        rows = (_decode(model, json.loads(line)) for line in handle if line.strip())
        found, last_hash = _walk(rows, model.__chain_fields__, header["base_hash"],
                                 header["chain"], lambda row: row["id"])
    return header["chain"], found, header["base_hash"], last_hash


# ---------------------------------------------------------------- retention

def _encode(row):
    return {key: (value.isoformat(timespec="microseconds") if isinstance(value, dt.datetime)
                  else value) for key, value in row.items()}


def _decode(model, data):
    for column in model.__table__.columns:
        if column.name in data and data[column.name] is not None and \
                isinstance(column.type.python_type, type) and \
                issubclass(column.type.python_type, dt.datetime):
            data[column.name] = dt.datetime.fromisoformat(data[column.name])
    return data


def prune(engine, name, retention_days: int, archive_dir, now=None) -> tuple[int, Path | None]:
    """Move the rows of chain `name` older than `retention_days` into an archive file
    (gzip'd JSON lines: a header naming the chain and the hash the first row follows, then
    the rows with their hashes) and delete them; the last archived hash becomes the chain's
    base. One transaction holding the chain's lock: no row is lost between the file and the
    delete. Returns (rows moved, the file)."""
    model = CHAINED[name]
    table = model.__table__
    cutoff = (now or utcnow()) - dt.timedelta(days=retention_days)
    with engine.begin() as conn:
        conn.execute(update(_head).where(_head.c.name == name).values(seq=_head.c.seq + 1))
        base = conn.execute(select(_head.c.base_hash).where(_head.c.name == name)).scalar()
        # The oldest rows up to the first one still kept (ids follow the chain's order).
        first_kept = conn.execute(select(table.c.id).where(table.c.at >= cutoff)
                                  .order_by(table.c.id).limit(1)).scalar()
        query = select(table).order_by(table.c.id)
        if first_kept is not None:
            query = query.where(table.c.id < first_kept)
        rows = conn.execute(query).mappings().all()
        if not rows:
            return 0, None
        directory = Path(archive_dir)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{name}-{rows[0]['id']}-{rows[-1]['id']}.jsonl.gz"
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            handle.write(json.dumps({"chain": name, "base_hash": base, "count": len(rows),
                                     "archived_at": utcnow().isoformat()}) + "\n")
            for row in rows:
                handle.write(json.dumps(_encode(dict(row)), ensure_ascii=False) + "\n")
        conn.execute(table.delete().where(table.c.id <= rows[-1]["id"]))
        conn.execute(update(_head).where(_head.c.name == name)
                     .values(base_hash=rows[-1]["hash"]))
    return len(rows), path


def prune_all(engine, retention_days: int, archive_dir, now=None) -> dict:
    """Prune every chain: chain → (rows moved, file)."""
    return {name: prune(engine, name, retention_days, archive_dir, now) for name in CHAINED}


def prune_expired(now=None) -> dict:
    """The retention task — schedule it daily (Celery beat; `flask --app run logs prune`):
    every log's rows older than the parameter logs.retention_days into LOG_ARCHIVE_DIR."""
    from flask import current_app

    from app.extensions import db

    from . import settings
    return prune_all(db.engine, settings.get("logs.retention_days"),
                     current_app.config["LOG_ARCHIVE_DIR"], now=now)
