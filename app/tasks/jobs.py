"""The task behind every 我的任务 job (app.services.jobs)."""
from app.services import jobs

from . import celery_app


@celery_app.task(name="app.tasks.jobs.run_job", bind=True)
def run_job(self, job_id):
    return jobs.run(job_id)
