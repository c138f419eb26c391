"""A big export the way a clerk clicks it: 【导出】 on the people list above the job threshold
goes to 我的任务, whose progress bar follows the job (polled every second) until the download
link appears; the file downloads; the bell shows the 待办 that the export finished.
A thread stands in for the worker (the queue hands the job over with a delay, so the page
first shows it queued and the bar moves without a reload)."""
import threading
import time

import pytest
from playwright.sync_api import expect

from app.services import jobs


@pytest.fixture
def background_queue(live_app):
    old_threshold = live_app.config["EXPORT_JOB_THRESHOLD"]
    live_app.config["EXPORT_JOB_THRESHOLD"] = 2
    previous = jobs._ENQUEUE

    def later(job_id):
        def work():
            time.sleep(2)
            with live_app.app_context():
                jobs.run(job_id)
        threading.Thread(target=work, daemon=True).start()
        return f"thread-{job_id}"
    jobs.set_enqueue(later)
    yield
    jobs.set_enqueue(previous)
    live_app.config["EXPORT_JOB_THRESHOLD"] = old_threshold


def test_export_as_job_with_progress_and_download(live_app, login_as, base_url, artifacts,
                                                  background_queue):
    page = login_as("company_hz")
    page.goto(f"{base_url}/personview/export/")
    page.wait_for_url(f"{base_url}/jobs/")
    row = page.locator("tr.job-row").first
    expect(row).to_contain_text("排队中")
    expect(page.locator(".alert")).to_contain_text("已转入后台运行")
    bar = row.locator(".job-bar")
    expect(bar).to_have_attribute("aria-valuenow", "100", timeout=20_000)
    expect(row.locator(".job-state")).to_have_text("已完成")
    link = row.locator("a.job-download")
    expect(link).to_have_text("下载")
    page.screenshot(path=str(artifacts / "my-jobs.png"), full_page=True)
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    with open(download.path(), "rb") as data:
        assert data.read(2) == b"PK"
    page.reload()
    expect(page.locator("#todo-count")).to_be_visible()
    page.click("#todo-bell")
    expect(page.locator("table.todo-list")).to_contain_text("可在“我的任务”中下载结果")
