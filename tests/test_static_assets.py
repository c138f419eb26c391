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
    url = "/static/appbuilder/css/bootstrap.min.css"
    plain = client.get(url)
    packed = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in plain.headers
    assert plain.data == (FABS / "css/bootstrap.min.css").read_bytes()
    assert gzip.decompress(packed.data) == plain.data
    assert len(packed.data) < len(plain.data) / 3


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
