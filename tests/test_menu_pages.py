"""The menus (issue 14, points 6 and 15): every entry of the navbar, the user menu included,
opens a page that loads nothing from outside the app (the police network has no internet:
FAB's 用户统计 loaded Google Charts and stayed blank, so it is not served); the user menu's
【Chrome下载】 serves the configured installer or link, or says whom to ask."""
import re

import pytest

from app.services import settings
from app.services.errors import RuleViolation
from tests.conftest import login
from tests.helpers import parameters

# Tags that make the browser fetch something: scripts, styles, images, frames, objects.
FETCHING = re.compile(r'<(?:script|link|img|iframe|embed|object|source)\b[^>]*?'
                      r'\b(?:src|href|data)\s*=\s*["\']([^"\']+)["\']', re.I)
MENU_LINK = re.compile(r'<a\b[^>]*\bhref="(/[^"#]*)"')
NOT_PAGES = ("/logout/", "/lang/")


def _menu_links(html):
    """The links of the navbar: its menu and then the user menu, which ends with 【退出】."""
    start = html.index('<div class="navbar-collapse collapse">')
    navbar = html[start:html.index('href="/logout/"', start)]
    return sorted({link for link in MENU_LINK.findall(navbar)
                   if not link.startswith(NOT_PAGES)})


# Hosts a served script would fetch from at run time (FAB's chart widget serves
# google_charts.js locally, which then loads Google's loader from ajax.googleapis.com).
CDN = re.compile(r"https?://[\w.-]*(?:googleapis|gstatic|google\.com|cdnjs|jsdelivr|unpkg|"
                 r"bootcdn|staticfile|baidu\.com|bdstatic)[\w.-]*", re.I)
_script_hosts = {}


def _external(client, html):
    """What the page makes the browser fetch from outside the app: an absolute address in a
    tag, or a local script that fetches from a CDN."""
    found = []
    for url in FETCHING.findall(html):
        if re.match(r"^(?:[a-z]+:)?//", url, re.I):
            found.append(url)
        elif url.startswith("/") and url.split("?")[0].endswith(".js"):
            if url not in _script_hosts:
                _script_hosts[url] = CDN.findall(client.get(url).get_data(as_text=True))
            found += [f"{url} → {host}" for host in _script_hosts[url]]
    return found


def test_the_check_sees_fabs_chart_loader(client_for):
    """FAB's 用户统计 page would be caught: its chart script loads Google's servers."""
    client = client_for("admin")
    html = '<script src="/static/appbuilder/js/google_charts.js"></script>'
    assert _external(client, html)
    assert _external(client, '<link href="https://fonts.example.com/x.css">')


@pytest.mark.parametrize("username", ["admin", "police_hz", "company_hz", "school_hz"])
def test_no_menu_entry_opens_a_page_with_external_resources(client_for, username):
    client = client_for(username)
    home = client.get("/").get_data(as_text=True)
    links = _menu_links(home)
    assert "/download/chrome/" in links and len(links) > 5, links
    for link in links:
        response = client.get(link)
        assert response.status_code == 200, (username, link, response.status_code)
        if response.mimetype == "text/html":
            assert _external(client, response.get_data(as_text=True)) == [], (username, link)


def test_user_statistics_chart_is_not_served(app, client_for):
    home = client_for("admin").get("/").get_data(as_text=True)
    for text in ("User's Statistics", "用户统计", "userstatschartview"):
        assert text not in home
    assert not [rule.rule for rule in app.url_map.iter_rules()
                if "userstats" in rule.rule.lower()]
    assert client_for("admin").get("/userstatschartview/chart/").status_code == 404


def test_chrome_download_without_configuration_says_whom_to_ask(app, client_for):
    client = client_for("company_hz")
    home = client.get("/").get_data(as_text=True)
    assert re.search(r'href="/download/chrome/"[^>]*>.*?Chrome下载</a>', home, re.S)
    page = client.get("/download/chrome/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "尚未配置Chrome浏览器安装包" in html and "省厅系统管理员" in html
    assert "【" not in html


def test_chrome_download_serves_the_configured_file_or_link(app, client_for, tmp_path,
                                                              monkeypatch):
    (tmp_path / "downloads").mkdir()
    (tmp_path / "downloads" / "ChromeSetup.exe").write_bytes(b"MZ installer")
    (tmp_path.parent / "secret.txt").write_text("outside the instance folder")
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    client = client_for("police_hz")
    link = {"chrome.installer_url": "http://10.1.1.1/chrome.exe"}
    with parameters(app, {"chrome.installer_path": "downloads/ChromeSetup.exe", **link}):
        response = client.get("/download/chrome/")
        assert response.status_code == 200 and response.data == b"MZ installer"
        assert "attachment" in response.headers["Content-Disposition"]
        assert "ChromeSetup.exe" in response.headers["Content-Disposition"]
    # A missing file falls back to the link; a path leaving the instance folder is refused
    # as a parameter (and ignored by the view, should one be in the table anyway).
    with parameters(app, {"chrome.installer_path": "downloads/missing.exe", **link}):
        response = client.get("/download/chrome/")
        assert response.status_code == 302
        assert response.headers["Location"] == "http://10.1.1.1/chrome.exe"
    with app.app_context():
        for setting in ("../secret.txt", str(tmp_path.parent / "secret.txt")):
            with pytest.raises(RuleViolation):
                settings.PARAMS["chrome.installer_path"].parse(setting)
    assert "尚未配置" in client.get("/download/chrome/").get_data(as_text=True)


def test_chrome_download_needs_a_signed_in_user(app):
    response = app.test_client().get("/download/chrome/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
