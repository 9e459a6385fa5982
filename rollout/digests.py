"""The weekly e-mail digest: each responsible person's upcoming and overdue items, in their
language, at most once per ISO week (``DigestLog`` has one row per person and week)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from rollout.actions.notifications import responsible_users
from rollout.models import DigestLog, Task, TaskStatus
from rollout.queries import today_for

UPCOMING_DAYS = 14


def digest_items(municipality, today) -> dict:
    """User → (user, [(task, overdue: bool)]) for open tasks due within two weeks or overdue."""
    tasks = list(
        Task.objects.exclude(status=TaskStatus.DONE)
        .filter(activity__due_on__lte=today + timedelta(days=UPCOMING_DAYS))
        .select_related("activity", "activity__programme", "school")
        .prefetch_related("activity__responsible_users")
        .order_by("activity__due_on", "activity__order", "school__name")
    )
    people = responsible_users(tasks)
    out: dict[int, tuple] = {}
    for task in tasks:
        for user in people[task.pk]:
            out.setdefault(user.pk, (user, []))[1].append((task, task.activity.due_on < today))
    return out


def send_digests(municipality, now=None) -> int:
    """Send this week's digest to everyone who has not had it yet; returns how many were sent."""
    now = now or timezone.now()
    today = today_for(municipality, now)
    week = today - timedelta(days=today.weekday())
    sent = 0
    for user, items in digest_items(municipality, today).values():
        if not user.is_active or not user.email:
            continue
        try:
            with transaction.atomic():
                DigestLog.objects.create(municipality=municipality, user=user, week=week, items=len(items))
                _send(municipality, user, items, today)
        except IntegrityError:
            continue  # already sent this week (another run got there first)
        sent += 1
    return sent


def _send(municipality, user, items, today) -> None:
    link = f"{settings.SITE_URL}/m/{municipality.slug}/my-tasks/"
    with translation.override(user.language or municipality.language):
        context = {
            "user": user,
            "municipality": municipality,
            "overdue": [task for task, late in items if late],
            "upcoming": [task for task, late in items if not late],
            "link": link,
            "today": today,
        }
        subject = render_to_string("rollout/email/digest_subject.txt", context).strip()
        body = render_to_string("rollout/email/digest.txt", context)
    send_mail(subject, body, None, [user.email])
