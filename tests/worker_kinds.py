"""A job kind for tests/test_worker.py, imported by the worker process through
CELERY_EXTRA_MODULES: counts to params["rows"] slowly with progress, then writes its result
file and appends a line to params["log"] (so the test counts how many runs finished).
FileTransport: the SMS transport of the worker (SMS_TRANSPORT), a line per text sent in the
file TEST_SMS_LOG names. FirstTickScheduler: beat with the app's own schedule, each entry due
once as beat starts (a test cannot wait for 06:30), then on its schedule."""
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


import heapq

from celery.beat import PersistentScheduler
from celery.schedules import schedstate


class FirstTickScheduler(PersistentScheduler):
    def __init__(self, *args, **kwargs):
        self.sent_once = set()
        super().__init__(*args, **kwargs)

    def populate_heap(self, *args, **kwargs):
        super().populate_heap(*args, **kwargs)
        # every entry at the head of beat's heap at once (beat checks only the head)
        self._heap = [type(event)(0, index, event[2]) for index, event in enumerate(self._heap)]
        heapq.heapify(self._heap)

    def is_due(self, entry):
        due, next_time = super().is_due(entry)
        if entry.name not in self.sent_once:
            self.sent_once.add(entry.name)
            return schedstate(True, next_time)
        return schedstate(due, next_time)
