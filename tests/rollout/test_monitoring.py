"""Notifications, the weekly digest (once per person and week, in their language), and frozen
monitoring snapshots that a regional coordinator sees for all of the region's municipalities."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from rollout.actions.monitoring import take_snapshots
from rollout.actions.notifications import notify_overdue
from rollout.digests import send_digests
from rollout.models import DigestLog, Notification, Snapshot, Task
from rollout.queries import period_label, previous_period, today_for
from rollout.tasks import send_weekly_digests, take_due_snapshots
from schools.audit import ActionContext
from tests.rollout.helpers import account_created, start, task_of

pytestmark = pytest.mark.django_db


def snapshots(programme, **kwargs) -> int:
    """The snapshots a system job (no actor) takes of ``programme``."""
    return take_snapshots(ActionContext(programme.municipality), programme, **kwargs)


def _monday(day: date) -> datetime:
    monday = day - timedelta(days=day.weekday())
    return datetime(monday.year, monday.month, monday.day, 8, 0, tzinfo=UTC)


def test_weekly_digest_is_sent_once_a_week_per_person_in_their_language(world, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    programme = start(world.a, schools=[world.a.school])
    task = task_of(programme, "Подпомагане на училищата", world.a.school)
    director = world.a.users["director"]
    director.language = "bg"
    director.save(update_fields=["language"])
    now = _monday(task.activity.due_on) + timedelta(days=14)  # two weeks after the deadline
    with scope(municipality=world.a.municipality.pk):
        assert send_digests(world.a.municipality, now) >= 1
        assert send_digests(world.a.municipality, now + timedelta(days=2)) == 0  # same week
    to_director = [m for m in mail.outbox if m.to == [director.email]]
    assert len(to_director) == 1
    body = to_director[0].body
    assert task.activity.title in body and world.a.school.name in body
    assert task.activity.due_on.strftime("%d.%m.%Y") in body  # Bulgarian date format
    with scope(municipality=world.a.municipality.pk):
        assert send_digests(world.a.municipality, now + timedelta(days=7)) >= 1  # the next week
    assert len([m for m in mail.outbox if m.to == [director.email]]) == 2
    with scopes_disabled():
        assert DigestLog.objects.filter(user=director).count() == 2


def test_the_beat_task_sends_each_digest_once(world, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    programme = start(world.a, schools=[world.a.school], starts_on=timezone.localdate() - timedelta(days=30))
    with scopes_disabled():
        Task.objects.filter(activity__programme=programme).update(status="planned")
    first = send_weekly_digests()
    assert first >= 1 and len(mail.outbox) == first
    assert send_weekly_digests() == 0
    assert len(mail.outbox) == first


def test_overdue_and_comment_notifications(world, client_for):
    programme = start(world.a, schools=[world.a.school], starts_on=date(2020, 1, 1))
    director = world.a.users["director"]
    with scope(municipality=world.a.municipality.pk):
        told = notify_overdue(world.a.municipality)
        assert told >= 1
        assert notify_overdue(world.a.municipality) == 0  # once per task and person
        assert Notification.objects.filter(user=director, kind="overdue").exists()
    task = task_of(programme, "Подпомагане на училищата", world.a.school)
    client_for(world.a.users["officer"]).post(
        f"/m/{world.a.municipality.slug}/tasks/{task.pk}/comments/", {"body": "Моля, качете правилника."}
    )
    page = client_for(director).get(f"/m/{world.a.municipality.slug}/notifications/")
    assert task.activity.title in page.content.decode()
    with scope(municipality=world.a.municipality.pk):
        assert Notification.objects.filter(user=director, kind="comment", task=task).count() == 1


def test_snapshots_are_frozen_and_taken_once_per_period(world):
    programme = start(world.a, schools=[world.a.school, world.a.other_school], starts_on=date(2026, 9, 1))
    account_created(world.a, world.a.person, 1)
    task = task_of(programme, "Подпомагане на училищата", world.a.school)
    now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    with scope(municipality=world.a.municipality.pk):
        assert snapshots(programme, now=now) == 2
        snap = Snapshot.objects.get(school=world.a.school)
        assert snap.period == "2026-Q4" and snap.taken_on == date(2026, 11, 20)
        assert (snap.teachers, snap.accounts, snap.tasks_done) == (1, 1, 0)
        assert snap.stage_name.startswith("Етап 1")
        Task.objects.filter(pk=task.pk).update(status="done")
        assert snapshots(programme, now=now + timedelta(days=5)) == 0
        snap.refresh_from_db()
        assert snap.tasks_done == 0  # later changes do not alter it
        with pytest.raises(ValueError, match="frozen"):
            snap.save()
        # Next quarter, a new snapshot shows the progress.
        assert snapshots(programme, now=datetime(2027, 1, 5, 9, tzinfo=UTC)) == 2
        assert Snapshot.objects.get(school=world.a.school, period="2027-Q1").tasks_done == 1


def test_the_daily_task_freezes_the_period_that_ended(world):
    start(world.a, schools=[world.a.school], starts_on=timezone.localdate() - timedelta(days=400))
    assert take_due_snapshots() == 1
    assert take_due_snapshots() == 0
    with scopes_disabled():
        snap = Snapshot.objects.get()
    today = today_for(world.a.municipality)
    assert snap.taken_on == today
    assert snap.period == previous_period(today, 3) != period_label(today, 3)


def test_regional_coordinator_sees_every_municipality_of_the_region(world, client_for):
    programme = start(world.a, schools=[world.a.school])
    theirs = start(world.b, "pruszkow-edu-kompas", language="pl", schools=[world.b.school])
    with scopes_disabled():
        snapshots(programme)
        snapshots(theirs)
    coordinator = client_for(world.coordinator)
    page = coordinator.get(f"/r/{world.region.slug}/monitoring/").content.decode()
    assert world.a.municipality.name in page and world.a.school.name in page
    assert world.b.school.name not in page  # Beta is in another region
    assert coordinator.get(f"/r/{world.other_region.slug}/monitoring/").status_code == 404
    # The coordinator reads the municipality's monitoring too, but cannot take snapshots.
    slug = world.a.municipality.slug
    assert coordinator.get(f"/m/{slug}/monitoring/").status_code == 200
    assert coordinator.post(f"/m/{slug}/programmes/{programme.pk}/snapshot/").status_code == 403


def test_no_snapshot_for_a_period_before_the_programme_started(world):
    programme = start(world.a, schools=[world.a.school], starts_on=date(2026, 11, 2))
    with scope(municipality=world.a.municipality.pk):
        assert snapshots(programme, now=datetime(2026, 11, 20, tzinfo=UTC), previous=True) == 0
        assert snapshots(programme, now=datetime(2027, 1, 2, 9, tzinfo=UTC), previous=True) == 1
        assert Snapshot.objects.get().period == "2026-Q4"
    assert period_label(date(2026, 10, 5), 1) == "2026-P10" > period_label(date(2026, 2, 5), 1) == "2026-P02"
