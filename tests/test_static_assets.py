"""Static assets cached for good (app/web/assets.py, docs/static-assets.md): content-hash URLs,
`immutable` for a year, gzip, no session (no Vary: Cookie), while pages stay no-store."""
import gzip
import hashlib
import re
from pathlib import Path

import flask_appbuilder

from app.web.assets import IMMUTABLE

STATIC_URL = re.compile(r'(?:src|href)="(/static/[^"]+)"')
OURS = Path(__file__).resolve().parents[1] / "app/static"
FABS = Path(flask_appbuilder.__file__).resolve().parent / "static/appbuilder"


def _static_urls(html):
    return [url.replace("&amp;", "&") for url in STATIC_URL.findall(html)]


def test_every_static_url_of_a_page_carries_its_content_hash(client_for):
    html = client_for("police_hz").get("/").get_data(as_text=True)
    urls = _static_urls(html)
    assert any(u.startswith("/static/appbuilder/") for u in urls)   # FAB's url_for
    assert any(u.startswith("/static/css/app.css") for u in urls)   # ours
    for url in urls:
        path, _q, query = url.partition("?")
        version = dict(p.split("=", 1) for p in query.split("&") if "=" in p).get("v")
        assert version, url
        local = (FABS / path.removeprefix("/static/appbuilder/")
                 if path.startswith("/static/appbuilder/")
                 else OURS / path.removeprefix("/static/"))
        if path.endswith(".css"):   # hashed as served: its url(…) references versioned
            continue
        assert version == hashlib.sha256(local.read_bytes()).hexdigest()[:16], url


def test_versioned_asset_is_immutable_compressed_and_sessionless(client_for):
    client = client_for("police_hz")   # signed in: the cookie is sent, and must not matter
    html = client.get("/").get_data(as_text=True)
    for url in [u for u in _static_urls(html) if u.endswith((".css", ".js")) or ".js?" in u
                or ".css?" in u][:6]:
        response = client.get(url, headers={"Accept-Encoding": "gzip, deflate"})
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == IMMUTABLE, url
        assert "Cookie" not in response.headers.get("Vary", ""), url
        assert "Set-Cookie" not in response.headers, url
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        if len(response.data) > 600:
            assert response.headers["Content-Encoding"] == "gzip", url
            assert "Accept-Encoding" in response.headers["Vary"]
            gzip.decompress(response.data)  # a real gzip stream


def test_gzip_body_is_the_file(app):
    client = app.test_client()
    url = "/static/appbuilder/js/jquery-latest.js"
    plain = client.get(url)
    packed = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in plain.headers
    assert plain.data == (FABS / "js/jquery-latest.js").read_bytes()
    assert gzip.decompress(packed.data) == plain.data
    assert len(packed.data) < len(plain.data) / 2


def test_fonts_and_images_named_by_a_style_sheet_are_versioned(app):
    """A style sheet's url(…) references get their file's hash, so they are immutable too,
    and the sheet's own hash (its URL) changes when one of them does."""
    client = app.test_client()
    sheet = client.get("/static/appbuilder/css/fontawesome/solid.min.css").get_data(
        as_text=True)
    refs = re.findall(r"url\(([^)]+)\)", sheet)
    woff2 = next(ref for ref in refs if ".woff2" in ref)
    font = (FABS / "css/webfonts/fa-solid-900.woff2").read_bytes()
    assert woff2 == "../webfonts/fa-solid-900.woff2?v=" + hashlib.sha256(font).hexdigest()[:16]
    response = client.get("/static/appbuilder/css/webfonts/" + woff2.rsplit("/", 1)[1])
    assert response.status_code == 200 and response.data == font
    assert response.headers["Cache-Control"] == IMMUTABLE
    assert "Content-Encoding" not in response.headers   # woff2 is compressed already
    # The sheet's hash is that of what is served (its references rewritten).
    with app.test_request_context():
        from flask import url_for
        url = url_for("appbuilder.static", filename="css/fontawesome/solid.min.css")
    served = client.get("/static/appbuilder/css/fontawesome/solid.min.css").data
    assert url.endswith("?v=" + hashlib.sha256(served).hexdigest()[:16])


def test_unversioned_or_stale_url_revalidates(app):
    client = app.test_client()
    for url in ("/static/js/forms.js", "/static/js/forms.js?v=0000000000000000"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-cache"
        assert "Cookie" not in response.headers.get("Vary", "")
        again = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304


def test_missing_and_escaping_files_are_404(app):
    client = app.test_client()
    for url in ("/static/js/nope.js", "/static/../config.py", "/static/appbuilder/../../x.py",
                "/static/%2e%2e/config.py"):
        assert client.get(url).status_code == 404, url


def test_authenticated_pages_stay_no_store(client_for):
    client = client_for("police_hz")
    for url in ("/", "/guardlistview/list/"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
