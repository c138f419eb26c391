"""Celery beat's schedule (docs/background.md, "Schedule"): task name → when. Another issue
adds its own entries here (e.g. a nightly credit run), and its module to
app.tasks.TASK_MODULES. Times are Asia/Shanghai (celery timezone)."""
from celery.schedules import crontab

BEAT_SCHEDULE = {
    "prune-job-results": {"task": "app.tasks.maintenance.prune_jobs",
                          "schedule": crontab(minute=17)},
    # 信用评价: every unit's grade of the year, each night (docs/credit.md).
    "credit-grades": {"task": "app.tasks.credit.recompute_grades",
                      "schedule": crontab(hour=2, minute=30)},
}
