"""The task bodies of screening (eager, unit tests of app.tasks.screening): after a commit
the people go to the queue when a broker is configured; the task retries with backoff while
an adapter does not answer, and leaves the case 核验中 with its last error."""
import pytest
from celery.exceptions import Retry

from app.extensions import db
from app.models import IdentityCheck
from app.services import screening
from app.tasks import screening as screening_tasks


def test_dispatch_hands_people_to_the_queue(app):
    queued = []
    old = app.config["SCREENING_SYNC"]
    app.config["SCREENING_SYNC"] = False
    screening.set_enqueue(queued.append)
    try:
        with app.app_context():
            screening.dispatch([1, 2])
    finally:
        screening.set_enqueue(None)
        app.config["SCREENING_SYNC"] = old
    assert queued == [[1, 2]]


def test_task_retries_with_backoff_while_the_registry_is_down(app, monkeypatch):
    with app.app_context():
        case = db.session.query(IdentityCheck).filter_by(state="passed").first()
        person_id, case_id = case.person_id, case.id
        case.state = "pending"
        db.session.commit()

    class Down:
        def lookup(self, id_number):
            raise OSError("人口库连接超时")
    monkeypatch.setattr(screening, "get_registry", lambda session, config: Down())
    task = screening_tasks.screen_people
    delays = []

    def retry(countdown=None, **kwargs):
        delays.append(countdown)
        raise Retry()
    monkeypatch.setattr(task, "retry", retry)
    with app.app_context():
        for attempt in range(2):
            task.push_request(retries=attempt, is_eager=False)
            try:
                with pytest.raises(Retry):
                    task.run([person_id])
            finally:
                task.pop_request()
        case = db.session.get(IdentityCheck, case_id)
        assert case.state == "pending" and case.state_label == "核验中"
        assert case.last_error == "人口库连接超时"
    assert delays == [app.config["SCREENING_RETRY_DELAY"], app.config["SCREENING_RETRY_DELAY"] * 2]
    monkeypatch.undo()
    with app.app_context():  # the registry answers again: verified, no retry
        task.push_request(retries=2, is_eager=False)
        try:
            assert task.run([person_id]) is False
        finally:
            task.pop_request()
        assert db.session.get(IdentityCheck, case_id).state in ("passed", "failed")


def test_eager_tasks_still_run_after_the_app_switched_brokers_and_back(app):
    """init_celery with another broker (test_worker's real Redis, the benchmark) and then the
    eager app again: an eager task still runs. Celery 5.7 takes a producer even for an eager
    call; the pools of the first broker had been closed but stayed in kombu's global
    registry, so every later eager call failed with "Acquire on closed pool"."""
    import copy

    from app.tasks import celery_app, init_celery
    from app.tasks.maintenance import prune_jobs

    assert celery_app.conf.task_always_eager
    with app.app_context():
        prune_jobs.apply_async()  # the memory:// pools exist now
    other = copy.copy(app)
    other.config = copy.copy(app.config)
    other.config["CELERY_BROKER_URL"] = "redis://127.0.0.1:1/15"  # never connected to
    try:
        init_celery(other)
        assert not celery_app.conf.task_always_eager
    finally:
        init_celery(app)
    assert celery_app.conf.task_always_eager
    with app.app_context():
        prune_jobs.apply_async()
