from datetime import date

from django.db.models import F
from django_scopes import scopes_disabled

from integrations.models import Job, JobItem
from integrations.provisioning.outcomes import mark_accounts_made
from rollout.actions.programmes import create_programme
from rollout.models import Programme, Task
from rollout.programme_templates import SHIPPED
from schools.audit import ActionContext
from tests.factories import PersonFactory


def start(
    tenant, key="haskovo-school-in-the-cloud", *, language="bg", schools=None, starts_on=date(2026, 9, 1)
):
    with scopes_disabled():
        return create_programme(
            ActionContext(tenant.municipality),
            SHIPPED[key],
            language=language,
            starts_on=starts_on,
            coverage=Programme.Coverage.CHOSEN if schools else Programme.Coverage.ALL,
            schools=schools or [],
        )


def task_of(programme, title_part, school=None):
    with scopes_disabled():
        return (
            Task.objects.select_related("activity", "activity__programme", "school")
            .filter(activity__programme=programme, activity__title__icontains=title_part, school=school)
            .get()
        )


def teachers(tenant, school, n):
    with scopes_disabled():
        people = [PersonFactory(municipality=tenant.municipality) for _ in range(n)]
        for person in people:
            person.schools.add(school)
    return people


def account_created(tenant, person, seq):
    with scopes_disabled():
        JobItem.objects.create(
            job=tenant.job,
            municipality=tenant.municipality,
            seq=seq,
            phase=1,
            op="create_user",
            key=f"p{person.pk}@{tenant.municipality.slug}.example",
            person=person,
            payload={"person": person.pk, "given": person.first_name},
            status=JobItem.Status.DONE,
            outcome="created",
        )
        mark_accounts_made([person.pk])
        # …and its job counts it, as the engine does when it records the item.
        Job.objects.filter(pk=tenant.job.pk).update(accounts_made=F("accounts_made") + 1)


def bg(message: str, **values) -> str:
    """A fact's text as the (Bulgarian) municipality reads it: facts are written in its language."""
    from django.utils import translation

    with translation.override("bg"):
        return translation.gettext(message) % values
