"""Static assets cached for good (docs/static-assets.md).

Every static URL the templates build — ours (`url_for('static', …)`) and Flask-AppBuilder's
(`url_for('appbuilder.static', …)`, 28 of them in FAB's templates) — carries `?v=<hash of the
file's content>`, computed once per file. A request whose `v` is the file's current hash is
answered with `Cache-Control: public, max-age=31536000, immutable`: the browser never asks
again, and a release that changes the file changes its URL, so it is fetched at once. A
request without the current hash (fonts and images referenced from inside a style sheet, an
old page) gets `no-cache` with the hash as ETag (a 304 when unchanged).

Text assets (scripts, styles, SVG, JSON, fonts without their own compression) are sent gzip-
compressed when the browser accepts it, compressed once per file and kept in memory.

Static responses never open the session: `StaticSessionInterface` gives them an empty session
that is never saved, so there is no `Vary: Cookie` and no Set-Cookie on them (Flask-Login, FAB's
locale and Flask-Babel all touch the session in every request's hooks, static ones included).
In production nginx serves /static/ directly (README, Operations); these headers are what the
app answers when it serves them itself.
"""
import gzip
import hashlib
import mimetypes
import os
import posixpath
import re
import threading

from flask import Response, current_app, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from werkzeug.exceptions import NotFound
from werkzeug.security import safe_join

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
_COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml",
                 "application/xml", "font/ttf", "font/otf", "application/vnd.ms-fontobject",
                 "application/x-font-ttf", "font/eot")
_MIN_COMPRESS = 512


# url(…) in a style sheet: relative references to fonts and images, without a query.
_CSS_URL = re.compile(rb"""url\(\s*(['"]?)(?![a-z]+:|/|#|data:)([^'")?#\s]+)(#[^'")\s]*)?\1\s*\)""",
                      re.IGNORECASE)


class _Asset:
    __slots__ = ("mtime", "digest", "data", "gzipped", "mimetype")

    def __init__(self, path, version_of=None):
        with open(path, "rb") as handle:
            self.data = handle.read()
        self.mtime = os.stat(path).st_mtime
        self.mimetype = mimetypes.guess_type(path)[0] or "application/octet-stream"
        if self.mimetype == "text/css" and version_of is not None:
            # Fonts and images a style sheet names get the same content-hash query, so they
            # are cached for good as well; the sheet's own hash covers theirs.
            self.data = _CSS_URL.sub(lambda m: _versioned_ref(m, version_of), self.data)
        self.digest = hashlib.sha256(self.data).hexdigest()[:16]
        self.gzipped = None
        if self.mimetype.startswith(_COMPRESSIBLE) and len(self.data) >= _MIN_COMPRESS:
            packed = gzip.compress(self.data, compresslevel=9, mtime=0)
            if len(packed) < len(self.data):
                self.gzipped = packed


def _versioned_ref(match, version_of):
    quote, ref, fragment = match.group(1), match.group(2), match.group(3) or b""
    digest = version_of(ref.decode("utf-8", "replace"))
    if digest is None:
        return match.group(0)
    return b"url(" + quote + ref + b"?v=" + digest.encode() + fragment + quote + b")"


class AssetStore:
    """The static folders by endpoint, and each file read, hashed and compressed once."""

    def __init__(self, folders, watch=False):
        self.folders = folders  # endpoint → folder
        self.watch = watch      # debug: notice edited files (one stat per lookup)
        self._assets = {}
        self._lock = threading.Lock()

    def get(self, endpoint, filename):
        folder = self.folders.get(endpoint)
        path = safe_join(folder, filename) if folder and filename else None
        key = (endpoint, filename)
        asset = self._assets.get(key)
        if asset is not None and not (self.watch and path and
                                      os.path.getmtime(path) != asset.mtime):
            return asset
        if path is None or not os.path.isfile(path):
            return None

        def version_of(ref):
            target = posixpath.normpath(posixpath.join(posixpath.dirname(filename), ref))
            if target.startswith("..") or target.endswith(".css"):
                return None
            found = self.get(endpoint, target)
            return found.digest if found is not None else None
        asset = _Asset(path, version_of)
        with self._lock:
            self._assets[key] = asset
        return asset

    def version(self, endpoint, values):
        """url_defaults hook: `v=<content hash>` on every static URL built."""
        if endpoint not in self.folders or "v" in values:
            return
        asset = self.get(endpoint, values.get("filename"))
        if asset is not None:
            values["v"] = asset.digest

    def view(self, endpoint):
        def serve_static(filename):
            asset = self.get(endpoint, filename)
            if asset is None:
                raise NotFound()
            return _response(asset)
        serve_static.__name__ = f"serve_static_{endpoint.replace('.', '_')}"
        return serve_static


def _response(asset):
    use_gzip = asset.gzipped is not None and "gzip" in request.accept_encodings
    response = Response(asset.gzipped if use_gzip else asset.data, mimetype=asset.mimetype)
    if asset.gzipped is not None:
        response.vary.add("Accept-Encoding")
    if use_gzip:
        response.content_encoding = "gzip"
    versioned = request.args.get("v") == asset.digest
    response.headers["Cache-Control"] = IMMUTABLE if versioned else REVALIDATE
    response.set_etag(asset.digest + ("-gz" if use_gzip else ""))
    return response.make_conditional(request)


class StaticSessionInterface(SecureCookieSessionInterface):
    """No session for static files: an empty one, never read from or written to the cookie."""

    def open_session(self, app, request_):
        if _is_static(app, request_.path):
            return SecureCookieSession()
        return super().open_session(app, request_)

    def save_session(self, app, session, response):
        if _is_static(app, request.path):
            return None
        return super().save_session(app, session, response)


def _is_static(app, path):
    prefix = (app.static_url_path or "/static") + "/"
    return path.startswith(prefix)


def install(app):
    """Versioned URLs, long caching, gzip and no session for the app's and every blueprint's
    static folder (FAB's `appbuilder.static`; Flask-Admin's console keeps its own `v=`)."""
    folders = {"static": app.static_folder}
    for name, blueprint in app.blueprints.items():
        if blueprint.static_folder and f"{name}.static" in app.view_functions:
            folders[f"{name}.static"] = blueprint.static_folder
    store = AssetStore(folders, watch=app.debug)
    app.extensions["asset_store"] = store
    app.url_default_functions.setdefault(None, []).append(store.version)
    for endpoint in folders:
        app.view_functions[endpoint] = store.view(endpoint)
    app.session_interface = StaticSessionInterface()


def asset_store():
    return current_app.extensions["asset_store"]
