"""A task's life: status set by a person, evidence, comments, and self-ticking from facts."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone, translation

from rollout import facts
from rollout.actions.notifications import notify, notify_done, responsible_users
from rollout.models import Comment, Evidence, Notification, Programme, Task, TaskStatus
from rollout.queries import covered_schools
from schools.audit import ActionContext, log_action, record


@transaction.atomic
def set_status(ctx: ActionContext, task: Task, status: str) -> Task:
    """A person sets the status. On a self-ticking activity that is an override, audited as such."""
    if status not in dict(Task.STORED_STATUSES):
        raise ValueError(status)
    before = task.status
    task.status = status
    fields = ["status", "updated_at"]
    if status == TaskStatus.DONE and before != TaskStatus.DONE:
        task.done_at, task.done_by = timezone.now(), ctx.actor
        fields += ["done_at", "done_by"]
    elif status != TaskStatus.DONE:
        task.done_at, task.done_by = None, None
        fields += ["done_at", "done_by"]
    is_override = bool(task.activity.fact_kind)
    if is_override:
        task.override, task.auto_done = True, False
        fields += ["override", "auto_done"]
    task.save(update_fields=fields)
    record(
        ctx,
        "task.override" if is_override else "task.status",
        task,
        {"status": [before, status], **({"fact": task.fact_text} if is_override else {})},
    )
    if status == TaskStatus.DONE and before != TaskStatus.DONE:
        notify_done(task, ctx.actor)
    return task


@transaction.atomic
def clear_override(ctx: ActionContext, task: Task) -> Task:
    """Hand the task back to its fact."""
    Task.objects.filter(pk=task.pk).update(override=False)
    task.override = False
    record(ctx, "task.automatic", task)
    refresh_facts(task.activity.programme, tasks=[task])
    task.refresh_from_db()
    return task


@transaction.atomic
def add_evidence(
    ctx: ActionContext, task: Task, *, kind: str, file=None, url: str = "", note: str = ""
) -> Evidence:
    evidence = Evidence.objects.create(
        task=task,
        municipality_id=task.municipality_id,
        kind=kind,
        file=file or "",
        url=url,
        note=note,
        created_by=ctx.actor,
    )
    record(
        ctx,
        "evidence.create",
        evidence,
        {"task": task.pk, "kind": kind, "file": evidence.filename, "url": url},
    )
    return evidence


@transaction.atomic
def add_comment(ctx: ActionContext, task: Task, body: str) -> Comment:
    comment = Comment.objects.create(
        task=task, municipality_id=task.municipality_id, author=ctx.actor, body=body.strip()
    )
    record(ctx, "comment.create", comment, {"task": task.pk})
    people = [u for u in responsible_users([task])[task.pk] if ctx.actor is None or u.pk != ctx.actor.pk]
    notify(people, Notification.Kind.COMMENT, task, municipality=task.municipality)
    return comment


def refresh_facts(programme: Programme, *, tasks=None, now=None) -> int:
    """Recompute the facts of a programme's self-ticking tasks; returns how many changed.

    A fact that holds ticks the task (unless a person overrode it); a fact that stops holding
    reopens a task that only the fact had ticked. Queries per kind, not per school. The fact's
    text is written in the municipality's language, whoever's request or task recomputes it."""
    with translation.override(programme.municipality.language):
        return _refresh_facts(programme, tasks=tasks, now=now)


def _refresh_facts(programme: Programme, *, tasks=None, now=None) -> int:
    now = now or timezone.now()
    if tasks is None:
        tasks = list(
            Task.objects.filter(activity__programme=programme)
            .exclude(activity__fact_kind="")
            .select_related("activity", "school")
        )
    by_activity: dict[int, list[Task]] = {}
    for task in tasks:
        if facts.is_available(task.activity.fact_kind):
            by_activity.setdefault(task.activity_id, []).append(task)
    if not by_activity:
        return 0
    all_schools = None
    changed = []
    for activity_tasks in by_activity.values():
        activity = activity_tasks[0].activity
        activity.programme = programme
        kind = facts.REGISTRY[activity.fact_kind]
        schools = [t.school for t in activity_tasks if t.school_id]
        if any(t.school_id is None for t in activity_tasks):
            all_schools = all_schools if all_schools is not None else list(covered_schools(programme))
            schools = list({s.pk: s for s in [*schools, *all_schools]}.values())
        results = kind.batch(activity, schools) if schools else {}
        for task in activity_tasks:
            if task.school_id:
                met, shown = results.get(task.school_id, (False, ""))
            else:
                met, shown = facts.summarise(
                    [results[s.pk] for s in all_schools or []], len(all_schools or [])
                )
            before = (task.status, task.fact_met, task.fact_text, task.auto_done)
            task.fact_met, task.fact_text, task.fact_checked_at = met, shown[:300], now
            if not task.override:
                if met and task.status != TaskStatus.DONE:
                    task.status, task.auto_done, task.done_at, task.done_by = TaskStatus.DONE, True, now, None
                elif not met and task.auto_done:
                    task.status, task.auto_done, task.done_at = TaskStatus.IN_PROGRESS, False, None
            if (task.status, task.fact_met, task.fact_text, task.auto_done) != before:
                changed.append((task, before[0]))
    if changed:
        with transaction.atomic():
            Task.objects.bulk_update(
                [t for t, _b in changed],
                ["status", "fact_met", "fact_text", "fact_checked_at", "auto_done", "done_at", "done_by"],
            )
            for task, before in changed:
                if task.status != before:
                    log_action(
                        "task.self_tick",
                        municipality=programme.municipality,
                        obj=task,
                        changes={"status": [before, task.status], "fact": task.fact_text},
                    )
    return len(changed)
