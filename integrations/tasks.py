"""Thin Celery tasks: ids in, the tenant's scope restored (``schools.tasks.TenantTask``), the
engine called."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from infra.tasks import recipient_language
from integrations import planning
from integrations.models import Job, JobItem, Plan, RosterImport
from integrations.provisioning import claims, jobs, progress, runner
from integrations.roster import staging
from schools.access import municipality_scope
from schools.audit import ActionContext
from schools.models import User
from schools.tasks import TenantTask


@shared_task(base=TenantTask, tenant_objects={"plan_id": Plan}, acks_late=True)
def make_plan(plan_id: int, municipality_id: int) -> None:
    """Make a plan asked for in the page: read the provider, store the operations as rows."""
    plan = Plan.objects.select_related("municipality").get(pk=plan_id)
    planning.build_plan(plan)


APPLY_RETRY_SECONDS = 2  # a plan held by another task is asked for again this soon


@shared_task(base=TenantTask, tenant_objects={"plan_id": Plan}, acks_late=True)
def apply_plan(plan_id: int, municipality_id: int, asked_by: int | None = None) -> None:
    """ "Apply" asked for in the page: the provider read again and, unchanged, the job started."""
    plan = Plan.objects.select_related("municipality").get(pk=plan_id)
    asked_by = asked_by or plan.progress.get("apply_by")  # the user's id: the job is theirs
    actor = User.objects.filter(pk=asked_by).first() if asked_by else None
    with planning.exclusive(plan) as mine:
        if mine:
            plan.refresh_from_db()
            jobs.apply_requested(ActionContext(plan.municipality, actor), plan)
            return
    # Another task holds the plan (a late copy of its making, or a second delivery of this one):
    # the request is not dropped but asked again shortly, until the plan is no longer waiting.
    if Plan.objects.filter(pk=plan_id, status=Plan.Status.APPLYING).exists():
        apply_plan.apply_async(args=[plan_id, municipality_id, asked_by], countdown=APPLY_RETRY_SECONDS)


@shared_task
def reconcile_plans() -> None:
    """Every minute (Celery beat): plans still waiting for a worker a while after they were asked
    for (the broker was down then, or lost the task) are queued again. A plan a worker is busy
    with is left to it (``planning.exclusive``)."""
    cutoff = timezone.now() - timedelta(seconds=settings.PLAN_REQUEUE_SECONDS)
    with scopes_disabled():  # ESCAPE HATCH: the waiting plans span every tenant
        waiting = list(
            Plan.objects.filter(
                status__in=[Plan.Status.MAKING, Plan.Status.APPLYING], created_at__lt=cutoff
            ).values_list("pk", "municipality_id", "status")
        )
    for plan_id, municipality_id, status in waiting:
        if status == Plan.Status.MAKING:
            make_plan.delay(plan_id, municipality_id)
        else:
            apply_plan.delay(plan_id, municipality_id, None)  # the plan knows who asked


@shared_task(base=TenantTask, tenant_objects={"job_id": Job}, acks_late=True)
def work_job(job_id: int, municipality_id: int) -> None:
    """Work on a job for a short while, then hand the rest to the next task (tasks stay short)."""
    more = runner.work(job_id)
    if more:
        work_job.apply_async(args=[job_id, municipality_id], countdown=1)


@shared_task
def reconcile_jobs() -> None:
    """Every minute (Celery beat): release items held by workers that died and keep running jobs
    moving, so a job whose worker was killed, or whose queued tasks a broker lost, or that was
    applied while the broker was down, continues once any worker is up again."""
    with scopes_disabled():  # ESCAPE HATCH: the list of running jobs spans every tenant
        # Queued too: a job stored while the broker was down has had no task yet.
        running = list(
            Job.objects.filter(status__in=[Job.Status.QUEUED, Job.Status.RUNNING]).values_list(
                "pk", "municipality_id"
            )
        )
    for job_id, municipality_id in running:
        with municipality_scope(municipality_id):
            job = Job.objects.filter(pk=job_id).first()
            if job is not None and (claims.reconcile(job) or claims.idle(job)):
                work_job.delay(job_id, municipality_id)


@shared_task
def purge_initial_passwords() -> int:
    """Temporary passwords are deleted once the retention period after their job has passed."""
    cutoff = timezone.now() - timedelta(days=settings.CREDENTIAL_RETENTION_DAYS)
    with scopes_disabled():  # ESCAPE HATCH: retention applies to every tenant alike
        return (
            JobItem.objects.filter(finished_at__lt=cutoff)
            .exclude(secret_ciphertext="")
            .update(secret_ciphertext="")
        )


@shared_task(
    base=TenantTask,
    tenant_objects={"job_id": Job},
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def notify_job_finished(job_id: int, municipality_id: int) -> None:
    """E-mail the person who started a job when it ends, in their language."""
    job = Job.objects.select_related("created_by", "municipality").filter(pk=job_id).first()
    if job is None or job.created_by is None:
        return
    user = job.created_by
    counts = progress.progress(job)
    link = f"{settings.SITE_URL}/m/{job.municipality.slug}/jobs/{job.pk}/"
    with recipient_language(user.language):
        context = {"job": job, "progress": counts, "link": link}
        subject = render_to_string("integrations/email/job_finished_subject.txt", context).strip()
        body = render_to_string("integrations/email/job_finished.txt", context)
    send_mail(subject, body, None, [user.email])


# --- Roster imports ---------------------------------------------------------------------------
@shared_task(base=TenantTask, tenant_objects={"roster_import_id": RosterImport})
def check_roster_import(roster_import_id: int, municipality_id: int, generation: int = 1) -> None:
    """Check an uploaded roster file into staging rows, in the uploader's language."""
    uploader = RosterImport.objects.select_related("uploaded_by").get(pk=roster_import_id).uploaded_by
    with recipient_language(uploader.language if uploader else None):
        staging.run_check(roster_import_id, generation)


@shared_task(base=TenantTask, tenant_objects={"roster_import_id": RosterImport}, acks_late=True)
def apply_roster_import(roster_import_id: int, municipality_id: int) -> None:
    """Import the checked rows (one transaction). An error leaves the roster as it was and the
    import failed with a reason; a worker that dies leaves it "being imported", to be confirmed
    again or picked up by ``reconcile_roster_imports``."""
    confirmed_by = RosterImport.objects.select_related("confirmed_by").get(pk=roster_import_id).confirmed_by
    try:
        staging.run_apply(roster_import_id)
    except Exception as error:
        with recipient_language(confirmed_by.language if confirmed_by else None):
            reason = _(
                "The import stopped on an unexpected error and nothing was changed. Confirm it again; "
                "if it stops again, send this to the portal's support: %(error)s"
            ) % {"error": type(error).__name__}
        with transaction.atomic():
            RosterImport.objects.filter(pk=roster_import_id, status=RosterImport.Status.APPLYING).update(
                status=RosterImport.Status.FAILED, error=reason
            )
        raise


@shared_task
def reconcile_roster_imports() -> None:
    """Every minute (Celery beat): an import whose worker died goes on. A check that has shown
    no progress for ``ROSTER_CHECK_STALE_SECONDS`` starts again (its run number bumped, so a
    slow run still alive stops); an import "being imported" whose row no transaction holds
    (the one applying it was rolled back with its worker) is queued again."""
    stale = timezone.now() - timedelta(seconds=settings.ROSTER_CHECK_STALE_SECONDS)
    with scopes_disabled():  # ESCAPE HATCH: the imports left behind span every tenant
        waiting = list(
            RosterImport.objects.filter(
                status__in=[RosterImport.Status.CHECKING, RosterImport.Status.APPLYING], progress_at__lt=stale
            ).values_list("pk", "municipality_id", "status")
        )
    for roster_import_id, municipality_id, status in waiting:
        with municipality_scope(municipality_id), transaction.atomic():
            locked = (
                RosterImport.objects.select_for_update(skip_locked=True)
                .filter(pk=roster_import_id, status=status, progress_at__lt=stale)
                .first()
            )
            if locked is None:
                continue  # being applied right now, or moved on
            if status == RosterImport.Status.CHECKING:
                locked.generation += 1
                RosterImport.objects.filter(pk=locked.pk).update(
                    generation=locked.generation, rows_read=0, progress_at=timezone.now()
                )
                check_roster_import.delay_on_commit(locked.pk, municipality_id, locked.generation)
            else:
                RosterImport.objects.filter(pk=locked.pk).update(progress_at=timezone.now())
                apply_roster_import.delay_on_commit(locked.pk, municipality_id)
