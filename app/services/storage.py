"""File storage for uploads (licence images, 办事材料): a small interface so that S3 can
replace the local folder later. Files live under config UPLOAD_ROOT (outside the web root)
with random keys; they are served only through scoped views, never by URL.

`check_upload` decides by content (magic bytes), not by file name: PNG, JPEG, PDF only, and
at most the parameter upload.max_file_kb (系统管理 → 参数)."""
import os
import secrets
import time
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from . import settings
from .errors import RuleViolation

# magic bytes → (content type, extension)
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", ("image/png", "png")),
    (b"\xff\xd8\xff", ("image/jpeg", "jpg")),
    (b"%PDF-", ("application/pdf", "pdf")),
)
IMAGE_TYPES = ("image/png", "image/jpeg")


def sniff(data: bytes):
    for magic, kind in _SIGNATURES:
        if data.startswith(magic):
            return kind
    return None


def check_upload(data: bytes, field: str, allowed=None, max_bytes=None):
    """(content type, extension) of acceptable content; RuleViolation at `field` otherwise."""
    max_bytes = max_bytes or settings.get("upload.max_file_kb") * 1024
    if not data:
        raise RuleViolation(field, _("The file is empty."))
    if len(data) > max_bytes:
        raise RuleViolation(field, _("The file is too large (at most %(mb)s MB).",
                                     mb=round(max_bytes / 1024 / 1024, 1)))
    kind = sniff(data)
    if kind is None or (allowed and kind[0] not in allowed):
        if allowed == IMAGE_TYPES:
            raise RuleViolation(field, _("Only PNG or JPEG images can be uploaded."))
        raise RuleViolation(field, _("Only PDF files or PNG/JPEG images can be uploaded."))
    return kind


class LocalStorage:
    """Files in a local folder; keys are random and never derived from user input."""

    def __init__(self, root):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if not key or not all(c.isalnum() or c in "._" for c in key) or key.startswith("."):
            raise FileNotFoundError(key)
        return self.root / key[:2] / key

    def put(self, data: bytes, extension: str) -> str:
        key = f"{secrets.token_hex(16)}.{extension}"
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        return key

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink()
        except FileNotFoundError:
            pass


def storage() -> LocalStorage:
    return LocalStorage(current_app.config["UPLOAD_ROOT"])


def store_upload(data: bytes, field: str, allowed=None):
    """Check and store an upload: (key, content type)."""
    content_type, extension = check_upload(data, field, allowed)
    return storage().put(data, extension), content_type


def store_image(data: bytes, field: str) -> str:
    """Check and store a PNG or JPEG upload (a photo, a licence image): its key."""
    return store_upload(data, field, allowed=IMAGE_TYPES)[0]


def attach_file(record, data: bytes, filename: str, field: str) -> None:
    """Check and store an upload as the file of a record with file_key, content_type,
    file_name and file_size columns (办事材料)."""
    record.file_key, record.content_type = store_upload(data, field)
    record.file_name, record.file_size = filename[-200:], len(data)


def stored_file(key: str) -> bytes:
    """The bytes of a stored file; FileNotFoundError when there is none."""
    if not key:
        raise FileNotFoundError("no file")
    return storage().get(key)


def stored_image(key: str):
    """(data, content type by its content) of a stored file; FileNotFoundError when there
    is none."""
    data = stored_file(key)
    return data, (sniff(data) or ("application/octet-stream",))[0]


# ---------------------------------------------------------------- drafts
# Files of a form kept across a failed submit (the public application form): checked like
# any upload, kept in a folder of their own for draft_max_age() at most, under keys that only
# the browser session holding them knows (the caller keeps them there). Older drafts are
# removed whenever a new one is stored.


def draft_max_age() -> int:
    """Seconds a draft is kept (the parameter upload.draft_max_age_minutes)."""
    return settings.get("upload.draft_max_age_minutes") * 60


def draft_storage() -> LocalStorage:
    return LocalStorage(Path(current_app.config["UPLOAD_ROOT"]) / "drafts")




def purge_drafts(max_age=None) -> int:
    """Remove drafts older than max_age seconds (upload.draft_max_age_minutes); the bytes of
    those that remain."""
    max_age = max_age or draft_max_age()
    root, kept = draft_storage().root, 0
    cutoff = time.time() - max_age
    for path in root.glob("*/*") if root.exists() else ():
        try:
            stat = path.stat()
            if stat.st_mtime < cutoff:
                path.unlink()
            else:
                kept += stat.st_size
        except FileNotFoundError:
            continue
    return kept


def put_draft(data: bytes, field: str):
    """Check and keep an upload as a draft: (key, content type); the key is None (the file
    is not kept) while the drafts together hold upload.drafts_max_mb, so anonymous forms
    cannot fill the disk."""
    content_type, extension = check_upload(data, field)
    limit = settings.get("upload.drafts_max_mb") * 1024 * 1024
    if purge_drafts() + len(data) > limit:
        return None, content_type
    return draft_storage().put(data, extension), content_type


def get_draft(key: str) -> bytes:
    """A draft's bytes; FileNotFoundError when it is gone or expired."""
    path = draft_storage()._path(key)
    max_age = draft_max_age()
    if not path.exists() or path.stat().st_mtime < time.time() - max_age:
        raise FileNotFoundError(key)
    return path.read_bytes()


def delete_draft(key: str) -> None:
    draft_storage().delete(key)


# ---------------------------------------------------------------- stored files follow their rows
# Columns holding storage keys. A key that is replaced, or whose row is deleted, is removed
# from storage once the transaction commits (never before: a rollback keeps the old file).
FILE_COLUMNS = {"UnitDocument": ("file_key",), "Unit": ("licence_image",),
                "Person": ("photo",)}


def _collect_discarded(session, _flush_context, _instances):
    from sqlalchemy import inspect as sa_inspect

    keys = session.info.setdefault("storage_discard", set())
    for item in session.deleted:
        for column in FILE_COLUMNS.get(type(item).__name__, ()):
            if getattr(item, column, None):
                keys.add(getattr(item, column))
    for item in session.dirty:
        for column in FILE_COLUMNS.get(type(item).__name__, ()):
            history = sa_inspect(item).attrs[column].history
            keys.update(k for k in history.deleted if k)


def _discard_after_commit(session):
    keys = session.info.pop("storage_discard", set())
    if keys:
        store = storage()
        for key in keys:
            store.delete(key)


def _forget(session):
    session.info.pop("storage_discard", None)


def install():
    """Attach the listeners to every session (idempotent)."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    if not event.contains(Session, "before_flush", _collect_discarded):
        event.listen(Session, "before_flush", _collect_discarded)
        event.listen(Session, "after_commit", _discard_after_commit)
        event.listen(Session, "after_soft_rollback", lambda session, _tx: _forget(session))
