"""Uploads for pages and REST, handled one way: the form field of a file, the file a request
carries, a record's file replaced over REST, and a stored file served back. What a file
may be (content, size) and where it is kept are rules of app.services.storage."""
from urllib.parse import quote

from flask import Response, abort, has_request_context, request, session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField

from app.services import storage
from app.services.errors import RuleViolation

from .transaction import atomic


def upload_field(label, images=False):
    """The form field of a file: PNG or JPEG images, or also PDF documents."""
    return FileField(label, description=_l("PNG or JPEG; at most 10 MB.") if images
                     else _l("PDF, PNG or JPEG; at most 10 MB."))


def uploaded_file(name):
    """The file the request carries in field `name`, or None when none was chosen."""
    upload = request.files.get(name) if has_request_context() else None
    return upload if upload is not None and upload.filename else None


def uploaded_files(name):
    """Every file the request carries in field `name` (a multiple file input)."""
    return [upload for upload in request.files.getlist(name) if upload and upload.filename]


def take_upload(name, store):
    """Pass the file chosen in form field `name`, if any, to store(data, file name)."""
    upload = uploaded_file(name)
    if upload is not None:
        store(upload.read(), upload.filename)


def put_upload(api, item, name, store):
    """REST: replace the file of `item` (already in the caller's write scope) with the one
    in multipart field `name`, through store(data, file name), and save the record."""
    upload = uploaded_file(name)
    if upload is None:
        return api.response_400(message={name: [_("Choose a file to upload.")]})
    try:
        with atomic(api.datamodel.session):
            store(upload.read(), upload.filename)
            api.pre_update(item)
    except RuleViolation as violation:
        return api.response_400(message=violation.as_dict())
    return api.response(200, message="OK")


def serve_stored(key, content_type, name=None):
    """A stored file, inline, never cached by shared caches; 404 when missing."""
    try:
        data = storage.stored_file(key)
    except FileNotFoundError:
        abort(404)
    return stored_response(data, content_type, name)


def stored_response(data, content_type, name=None):
    """Stored bytes, inline, never cached by shared caches, never sniffed by the browser."""
    response = Response(data, mimetype=content_type or "application/octet-stream")
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    if name:
        response.headers["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(name)}"
    return response


class DraftUploads:
    """The files of a form kept across a failed submit (the public application form): each
    file chosen is checked and kept as a draft (app.services.storage), its key in this
    browser's session only, under `form_key`; a file chosen again replaces the kept one.
    `files()` gives {field: (file name, bytes, content type)} of what is chosen or kept,
    `errors` {field: message} of files refused, `kept()` {field: file name} for the page,
    `clear()` forgets them once the form is saved."""
    SESSION_KEY = "upload_drafts"

    def __init__(self, form_key, names):
        self.form_key, self.names, self.errors = form_key, tuple(names), {}

    def _entries(self):
        return dict((session.get(self.SESSION_KEY) or {}).get(self.form_key) or {})

    def _save(self, entries):
        drafts = dict(session.get(self.SESSION_KEY) or {})
        if entries:
            drafts[self.form_key] = entries
        else:
            drafts.pop(self.form_key, None)
        session[self.SESSION_KEY] = drafts

    def files(self):
        entries, files = self._entries(), {}
        for name in self.names:
            upload = uploaded_file(name)
            if upload is not None:
                old = entries.pop(name, None)
                if old:
                    storage.delete_draft(old["key"])
                data = upload.read()
                try:
                    key, content_type = storage.put_draft(data, name)
                except RuleViolation as violation:
                    self.errors[name] = violation.message
                    continue
                if key is None:   # drafts are full: used now, not kept
                    files[name] = (upload.filename[-200:], data, content_type)
                    continue
                entries[name] = {"key": key, "name": upload.filename[-200:],
                                 "type": content_type}
            entry = entries.get(name)
            if entry is None:
                continue
            try:
                files[name] = (entry["name"], storage.get_draft(entry["key"]), entry["type"])
            except FileNotFoundError:  # expired: the applicant chooses it again
                entries.pop(name)
        self._save(entries)
        return files

    def kept(self):
        return {name: entry["name"] for name, entry in self._entries().items()}

    def clear(self):
        for entry in self._entries().values():
            storage.delete_draft(entry["key"])
        self._save({})
