"""Celery beat's schedule (docs/background.md, "Schedule"): task name → when. Another issue
adds its own entries here (e.g. a nightly credit run), and its module to
app.tasks.TASK_MODULES. Times are Asia/Shanghai (celery timezone)."""
from celery.schedules import crontab

BEAT_SCHEDULE = {
    "prune-job-results": {"task": "app.tasks.maintenance.prune_jobs",
                          "schedule": crontab(minute=17)},
    # log retention (docs/console.md): daily, after the night's credit run
    "prune-logs": {"task": "app.tasks.maintenance.prune_logs",
                   "schedule": crontab(hour=3, minute=10)},
    # 统计分析 snapshot (docs/dashboard.md): younger than DASHBOARD_MAX_AGE_MINUTES (10)
    "dashboard-refresh": {"task": "app.tasks.maintenance.refresh_dashboard",
                          "schedule": crontab(minute="*/5")},
    # checks still pending (a registry or watch list was down longer than the retries)
    "screening-run-pending": {"task": "app.tasks.screening.run_pending",
                              "schedule": crontab(minute="*/10")},
    # SMS still 待发送 (a broker outage, a restart)
    "sms-send-queued": {"task": "app.tasks.sms.send_queued",
                        "schedule": crontab(minute="*/15")},
    # reminders (app.services.reminders): daily, before the working day
    "reminders-scan": {"task": "app.tasks.reminders.scan", "schedule": crontab(hour=6, minute=30)},
    # 信用评价: every unit's grade of the year, each night (docs/credit.md).
    "credit-grades": {"task": "app.tasks.credit.recompute_grades",
                      "schedule": crontab(hour=2, minute=30)},
}
