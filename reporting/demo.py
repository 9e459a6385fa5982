"""Demo data the dashboards show that no app's own seed makes (Haskovo's pilot group, accounts
made at Google for most of its teachers, the budget, a half-yearly master-class quota). Runs
after every domain app's seeder (``schools.demo.register_seeder``, order 40)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.utils import timezone
from django_scopes import scope

from integrations.models import Job, JobItem, Plan, Provider
from integrations.provisioning.outcomes import mark_accounts_made
from rollout.demo import member
from rollout.models import BudgetLine, Programme
from rollout.queries import today_for
from schools.models import Municipality, Person
from schools.roles import Role
from surveys.models import Campaign, PilotGroup
from trainings.models import NetworkEvent, QuotaRule, QuotaSet
from trainings.models.events import EventKind


def seed() -> int:
    """Called by ``schools.demo.seed`` (inside its transaction, with scopes disabled)."""
    municipality = Municipality.objects.filter(slug="haskovo").first()
    if municipality is None:
        return 0
    with scope(municipality=municipality.pk):
        if not Programme.objects.exists() or Job.objects.exists():
            return 0
        _dashboard_sources(municipality)
    return 1


def _dashboard_sources(municipality) -> None:
    """What the Haskovo dashboard shows that no other seed makes: the pilot group (the
    programme's schools), accounts created at Google for most of their teachers, the budget,
    and a half-yearly master-class quota."""
    programme = Programme.objects.first()
    schools = list(programme.schools.order_by("name")) or list(municipality.schools.order_by("name")[:5])
    group = PilotGroup.objects.create(
        municipality=municipality,
        name="Пилотна група 2026",
        campaign=Campaign.objects.order_by("-created_at").first(),
        created_by=member(municipality, Role.OFFICER),
    )
    group.schools.set(schools)
    teachers = list(Person.objects.filter(role="teacher", schools__in=schools).distinct().order_by("pk"))
    plan = Plan.objects.create(
        municipality=municipality,
        provider=Provider.GOOGLE,
        status=Plan.Status.APPLIED,
        summary={},
        provider_state_hash="0" * 64,
    )
    created = teachers[: len(teachers) * 4 // 5]  # a few are still waiting for their account
    job = Job.objects.create(
        municipality=municipality,
        plan=plan,
        provider=Provider.GOOGLE,
        status="done",
        finished_at=timezone.now(),
        items_total=len(created),  # its counters, as a worker keeps them
        items_done=len(created),
        accounts_made=len(created),
    )
    JobItem.objects.bulk_create(
        JobItem(
            job=job,
            municipality=municipality,
            seq=index,
            phase=2,
            op="create_user",
            key=f"teacher{person.pk}@haskovo.example",
            person=person,
            payload={"person": person.pk},
            status=JobItem.Status.DONE,
            outcome="created",
            finished_at=timezone.now(),
        )
        for index, person in enumerate(created, start=1)
    )
    mark_accounts_made([person.pk for person in created])
    year = today_for(municipality).year
    BudgetLine.objects.create(
        municipality=municipality,
        programme=programme,
        year=year,
        line="Обучения на учители и администратори",
        planned=Decimal("12000"),
        actual=Decimal("7450.00"),
        note="Общински бюджет, дейност „Образование“",
    )
    quota_set = QuotaSet.objects.create(municipality=municipality, name="Училище в облака: мрежови събития")
    QuotaRule.objects.create(quota_set=quota_set, kind=EventKind.MASTER_CLASS, minimum=1, period="half_year")
    for school in schools[:3]:
        NetworkEvent.objects.create(
            municipality=municipality,
            kind=EventKind.MASTER_CLASS,
            title="Майсторски клас: Google Classroom в часа",
            school=school,
            starts_at=datetime(year, 4, 15, 12, tzinfo=timezone.get_current_timezone()),
            participants=24,
        )
