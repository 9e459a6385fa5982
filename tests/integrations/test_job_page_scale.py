"""A job of 20,000 operations: its page answers from the job's counters and pages through its
items in the order of work, the last page as readily as the first."""

import pytest
from django_scopes import scope, scopes_disabled

from integrations import planning
from integrations.actions import connect_sandbox
from integrations.models import Job, JobItem, Layout
from integrations.provisioning import jobs
from schools.audit import ActionContext
from schools.models import Person, School

pytestmark = pytest.mark.django_db

TEACHERS = 6700  # an account and two memberships each: about 20,000 operations
SCHOOLS = 20


def big_roster(municipality) -> None:
    with scopes_disabled():
        Layout.objects.update_or_create(
            municipality=municipality,
            defaults={"domain": f"{municipality.slug}.sandbox.example", "name_language": "bg"},
        )
        schools = School.objects.bulk_create(
            School(municipality=municipality, name=f"Училище № {n + 1}", code=f"{n + 1:07d}")
            for n in range(SCHOOLS)
        )
        people = Person.objects.bulk_create(
            Person(municipality=municipality, first_name="Мария", last_name=f"Петрова{n}", role="teacher")
            for n in range(TEACHERS)
        )
        links = Person.schools.through
        links.objects.bulk_create(
            links(person_id=person.pk, school_id=schools[n % SCHOOLS].pk) for n, person in enumerate(people)
        )


def test_a_job_of_20000_operations_renders_and_pages_its_items(world, client_for, portal_uses):
    municipality = world.a.municipality
    big_roster(municipality)
    ctx = ActionContext(municipality)
    with scope(municipality=municipality.pk):
        connect_sandbox(ctx, "google")
        plan = planning.make_plan(ctx, "google")
        job = jobs.start_job(ctx, plan)
        total = JobItem.objects.filter(job=job).count()
        first, last = (
            JobItem.objects.filter(job=job).order_by("seq").first(),
            JobItem.objects.filter(job=job).order_by("seq").last(),
        )
        assert total >= 20_000
    admin = world.a.users["it_admin"]
    admin.language = "en"
    admin.save(update_fields=["language"])
    client = client_for(admin)
    url = f"/m/{municipality.slug}/jobs/{job.pk}/"
    pages = -(-total // 100)

    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert f"0 done · 0 failed · {total} remaining" in html
    assert f"Page 1 of {pages}" in html and first.key in html
    assert len(page.content) < 300_000

    html = client.get(f"{url}?page={pages}").content.decode()
    assert f"Page {pages} of {pages}" in html and last.key in html and first.key not in html

    html = client.get(f"{url}?show=failed").content.decode()
    assert "None." in html

    progress = client.get(f"{url}progress/").content.decode()
    assert f"0 done · 0 failed · {total} remaining" in progress
    with scopes_disabled():  # counted once, then read from the job
        assert Job.objects.get(pk=job.pk).items_total == total
