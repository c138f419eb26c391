"""Browser tests: Playwright drives Debian's Chromium against the app served in-process.

The app gets its own demo database; Chromium comes from the system (`playwright install`
cannot download here). Without /usr/bin/chromium the tests skip, unless REQUIRE_BROWSER=1
(CI sets it), in which case they fail.
"""
import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from tests.conftest import build_app

CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")


def pytest_collection_modifyitems(config, items):
    if os.path.exists(CHROMIUM):
        return
    if os.environ.get("REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(f"REQUIRE_BROWSER=1 but no Chromium at {CHROMIUM}")
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM}")
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": [
        "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run"]}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "viewport": {"width": 1400,
                                                                    "height": 900}}


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser")
    url = os.environ.get("TEST_DATABASE_URL") and None  # browser tests use their own SQLite
    return build_app(tmp, database_url=url or f"sqlite:///{tmp / 'browser.db'}",
                     WTF_CSRF_ENABLED=True)


@pytest.fixture(scope="session")
def base_url(live_app):
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def login_as(page, base_url):
    from tests.conftest import DEMO_PASSWORD

    def login(username):
        page.goto(f"{base_url}/login/")
        page.fill("#username", username)
        page.fill("#password", DEMO_PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url(f"{base_url}/")
        return page
    return login


@pytest.fixture(scope="session")
def artifacts():
    """Screenshots for a human to look at (git-ignored)."""
    from pathlib import Path
    folder = Path(__file__).resolve().parents[2] / "test-results"
    folder.mkdir(exist_ok=True)
    return folder
