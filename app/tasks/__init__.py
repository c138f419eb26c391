"""Background work on Celery (docs/background.md).

`celery_app` is configured from the Flask config by `init_celery(app)` (create_app calls it):
- CELERY_BROKER_URL (redis://…) set: tasks go to the broker and run on
  `celery -A app.tasks.worker worker`; `celery -A app.tasks.worker beat` sends the
  scheduled ones (app.tasks.schedule.BEAT_SCHEDULE).
- unset (the two-command demo, unit tests): `task_always_eager`, every task runs in-process
  at once, so `python run.py` alone still does everything.
Tasks acknowledge late and are requeued when their worker is lost (task_acks_late,
task_reject_on_worker_lost): every task body is safe to run twice. Each task runs in an app
context of its own (a database session of its own), also when eager inside a request.
Another issue adds its tasks by naming its module in TASK_MODULES and its schedule entries
in app.tasks.schedule.BEAT_SCHEDULE.
"""
from celery import Celery, Task
from flask import current_app, has_app_context

# Modules holding tasks, imported by every worker (and by init_celery, so eager calls find
# them). Another issue appends its own (e.g. "app.tasks.credit").
TASK_MODULES = ["app.tasks.jobs", "app.tasks.maintenance", "app.tasks.screening",
                "app.tasks.sms", "app.tasks.reminders", "app.tasks.credit"]


class AppContextTask(Task):
    """Runs the task body inside a fresh app context of the Flask app: the current one's
    app when called eagerly inside it (tests build several apps), else the worker's."""
    abstract = True

    def __call__(self, *args, **kwargs):
        app = current_app._get_current_object() if has_app_context() \
            else self.app.flask_app
        with app.app_context():
            return self.run(*args, **kwargs)


celery_app = Celery("sss", task_cls=AppContextTask)
celery_app.flask_app = None


def celery_config(config) -> dict:
    broker = config.get("CELERY_BROKER_URL") or ""
    from .schedule import BEAT_SCHEDULE
    settings = {
        "broker_url": broker or "memory://",
        "result_backend": config.get("CELERY_RESULT_BACKEND") or None,
        "task_ignore_result": not config.get("CELERY_RESULT_BACKEND"),
        "task_always_eager": not broker,
        "task_eager_propagates": bool(config.get("CELERY_EAGER_PROPAGATES", False)),
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_default_queue": config.get("CELERY_QUEUE", "sss"),
        # An unacknowledged task (its worker died) is delivered again after this long.
        "broker_transport_options": {
            "visibility_timeout": int(config.get("CELERY_VISIBILITY_TIMEOUT", 3600))},
        "broker_connection_retry_on_startup": True,
        "beat_schedule": BEAT_SCHEDULE,
        "timezone": config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai"),
        "enable_utc": True,
        "imports": list(TASK_MODULES) + list(config.get("CELERY_EXTRA_MODULES") or ()),
    }
    return settings


def init_celery(app) -> Celery:
    settings = celery_config(app.config)
    if celery_app.conf.broker_url != settings["broker_url"]:
        # Another app of this process (tests, the benchmark) used another broker: the
        # connection and producer pools were made for it. They live in kombu's global
        # registry, keyed by broker: closing ours alone left closed pools there, handed back
        # when this broker came again ("Acquire on closed pool" — Celery takes a producer
        # even for an eager call). reset() closes them all and empties the registry.
        from kombu import pools
        pools.reset()
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
    celery_app.conf.update(settings)
    celery_app.flask_app = app
    app.extensions["celery"] = celery_app
    from importlib import import_module
    for name in TASK_MODULES + list(app.config.get("CELERY_EXTRA_MODULES") or ()):
        import_module(name)
    from app.services import dashboard, jobs, screening, sms
    from .jobs import run_job
    from .maintenance import refresh_dashboard
    from .screening import screen_people
    from .sms import send_sms

    def enqueue(job_id):
        return run_job.apply_async(args=[job_id]).id
    jobs.set_enqueue(enqueue)
    # A stale dashboard's refresh, claimed by the page (docs/dashboard.md).
    dashboard.set_enqueue(lambda: refresh_dashboard.apply_async(kwargs={"claimed": True}))
    sms.install()
    brokered = bool(app.config.get("CELERY_BROKER_URL"))
    # Screening: on a worker when there is one; eager, the service keeps its own thread.
    screening.set_enqueue((lambda ids: screen_people.apply_async(args=[ids]))
                          if brokered else None)
    sms.set_enqueue(lambda message_id: send_sms.apply_async(args=[message_id]))
    return celery_app
