"""Who is responsible for a task, and the notifications they get (assigned, comment, done, overdue)."""

from __future__ import annotations

from django.utils import timezone

from rollout.models import Activity, Notification, Task, TaskStatus
from rollout.queries import directors_of, today_for
from schools.audit import ActionContext


def responsible_users(tasks) -> dict[int, list]:
    """Task id → the people responsible: named on the activity, or the school's directors."""
    tasks = list(tasks)
    directors = directors_of({t.school_id for t in tasks if t.school_id})
    out = {}
    for task in tasks:
        people = {u.pk: u for u in task.activity.responsible_users.all()}
        if task.school_id and task.activity.responsible_role == Activity.Responsible.DIRECTOR:
            people.update({u.pk: u for u in directors.get(task.school_id, [])})
        if task.school_id and not people:
            people.update({u.pk: u for u in directors.get(task.school_id, [])})
        out[task.pk] = list(people.values())
    return out


def notify(users, kind: str, task: Task | None, *, municipality) -> None:
    Notification.objects.bulk_create(
        [Notification(municipality=municipality, user=user, kind=kind, task=task) for user in users]
    )


def notify_done(task: Task, by) -> None:
    """Tell the programme's author that someone else finished one of its tasks."""
    programme = task.activity.programme
    if programme.created_by_id and programme.created_by_id != getattr(by, "pk", None):
        notify([programme.created_by], Notification.Kind.DONE, task, municipality=task.municipality)


def mark_read(ctx: ActionContext, ids=None) -> int:
    """The acting user's notifications (all, or those of ``ids``) are read."""
    rows = Notification.objects.filter(user=ctx.actor, read_at=None)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    return rows.update(read_at=timezone.now())


def notify_overdue(municipality, now=None) -> int:
    """Tell the responsible people once when a task becomes overdue (daily, Celery beat)."""
    today = today_for(municipality, now)
    tasks = list(
        Task.objects.exclude(status=TaskStatus.DONE)
        .filter(activity__due_on__lt=today)
        .select_related("activity")
        .prefetch_related("activity__responsible_users")
    )
    told = set(
        Notification.objects.filter(kind=Notification.Kind.OVERDUE, task__in=tasks).values_list(
            "task_id", "user_id"
        )
    )
    people = responsible_users(tasks)
    new = [
        Notification(municipality=municipality, user=user, kind=Notification.Kind.OVERDUE, task=task)
        for task in tasks
        for user in people[task.pk]
        if (task.pk, user.pk) not in told
    ]
    Notification.objects.bulk_create(new)
    return len(new)
