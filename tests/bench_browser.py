"""The browser column of the benchmark (`python -m tests.bench`, README "Speed at province
scale"): what the clerk feels, measured in Chromium.

The app is served by a threaded WSGI server on loopback (in this process, like the browser
tests); Playwright drives Debian's Chromium (headless). Each user signs in once; every page is
loaded twice to warm the browser's cache, then `loads` times, each a fresh navigation
(`page.goto`). The figure is the Navigation Timing of that load: from the start of the
navigation to the end of the load event (`loadEventEnd`), i.e. the HTML, every script, style,
font and image the page needs (from the cache or the server), and its scripts run.

The save is the person form of a company clerk: the person's page → 【编辑】 form → a changed
phone number → 【保存】. Its figure is the navigation started by the submit: the POST, the
redirect and the person's page loaded again, to its load event (`redirectStart` included).
"""
import os
import shutil
import statistics
import threading

CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run"]
TARGET_LOAD_MS = 300
TARGET_SAVE_MS = 500
NAVIGATION_MS = ("(() => { const n = performance.getEntriesByType('navigation')[0];"
                 " return n.loadEventEnd - n.startTime; })()")


def available():
    if not os.path.exists(CHROMIUM):
        return False
    try:
        import playwright  # noqa: F401
    except ImportError:
        return False
    return True


def _serve(app):
    from werkzeug.serving import make_server
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def _percentiles(times):
    times = sorted(times)
    return statistics.median(times), times[max(int(len(times) * 0.95) - 1, 0)]


def measure(app, pages, save, password, loads=30):
    """pages: [(name, user, url)]; save: (name, user, person_id) or None.
    → {name: (p50, p95)} in ms."""
    from playwright.sync_api import sync_playwright
    server, base = _serve(app)
    results = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                 args=LAUNCH_ARGS)
            contexts = {}

            def page_for(user):
                if user not in contexts:
                    context = browser.new_context(locale="zh-CN",
                                                  viewport={"width": 1400, "height": 900})
                    page = context.new_page()
                    page.goto(f"{base}/login/")
                    page.fill("#username", user)
                    page.fill("#password", password)
                    page.click("input[type=submit]")
                    page.wait_for_url(f"{base}/")
                    contexts[user] = page
                return contexts[user]

            for name, user, url in pages:
                page = page_for(user)
                for _ in range(2):   # warm: the browser's cache, the server's
                    page.goto(base + url, wait_until="load")
                times = []
                for _ in range(loads):
                    response = page.goto(base + url, wait_until="load")
                    assert response.status == 200, (url, response.status)
                    times.append(page.evaluate(NAVIGATION_MS))
                results[name] = _percentiles(times)
                print(f"[browser] {name}: p50 {results[name][0]:.0f} ms, "
                      f"p95 {results[name][1]:.0f} ms", flush=True)
            if save:
                name, user, person_id = save
                page = page_for(user)
                times = []
                for i in range(-2, loads):
                    page.goto(f"{base}/personview/show/{person_id}", wait_until="load")
                    page.goto(f"{base}/personview/edit/{person_id}", wait_until="load")
                    page.fill("#phone", f"1391{(i + 2) % 10000:07d}")
                    with page.expect_navigation(wait_until="load"):
                        page.click("form#model_form button[type=submit], "
                                   "form#model_form input[type=submit]")
                    assert f"/personview/show/{person_id}" in page.url, page.url
                    if i >= 0:
                        times.append(page.evaluate(NAVIGATION_MS))
                results[name] = _percentiles(times)
                print(f"[browser] {name}: p50 {results[name][0]:.0f} ms, "
                      f"p95 {results[name][1]:.0f} ms", flush=True)
            browser.close()
    finally:
        server.shutdown()
    return results
