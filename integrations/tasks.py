"""Thin Celery tasks: ids in, the tenant's scope restored, the engine called."""

from celery import shared_task

from integrations import engine
from integrations.models import Job
from schools.access import municipality_scope


@shared_task(acks_late=True)
def work_job(job_id: int, municipality_id: int) -> None:
    """Work on a job for a short while, then hand the rest to the next task (tasks stay short)."""
    with municipality_scope(municipality_id):
        # Filtered by the tenant it was given: an id from another municipality finds nothing.
        if not Job.objects.filter(pk=job_id).exists():
            return
        more = engine.work(job_id)
    if more:
        work_job.apply_async(args=[job_id, municipality_id], countdown=1)
