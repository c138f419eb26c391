"""A job kind for tests/test_worker.py, imported by the worker process through
CELERY_EXTRA_MODULES: counts to params["rows"] slowly with progress, then writes its result
file and appends a line to params["log"] (so the test counts how many runs finished).
FileTransport: the SMS transport of the worker (SMS_TRANSPORT), a line per text sent in the
file TEST_SMS_LOG names."""
import os
import time

from flask import current_app

from app.services import jobs


def slow(job, params, progress):
    rows = int(params["rows"])
    for done in range(1, rows + 1):
        time.sleep(float(params.get("pause", 0.1)))
        progress(done, rows)
    path = os.path.join(jobs.result_dir(current_app), f"slow-{job.id}-{os.getpid()}.txt")
    with open(path, "w") as out:
        out.write(f"{rows}\n")
    with open(params["log"], "a") as log:
        log.write(f"{job.id} {os.getpid()}\n")
    return path, "slow.txt"


jobs.register_kind("test_slow", slow)


class FileTransport:
    def deliver(self, phone, body):
        with open(os.environ["TEST_SMS_LOG"], "a", encoding="utf-8") as out:
            out.write(f"{phone} {body}\n")
