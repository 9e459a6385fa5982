"""Every write of the rollout app: atomic, audited, Celery work enqueued on commit."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone, translation

from rollout import facts
from rollout.models import (
    Activity,
    Comment,
    Evidence,
    Notification,
    Programme,
    ProgrammeTemplate,
    Snapshot,
    Stage,
    Task,
    TaskStatus,
)
from rollout.programme_templates import text
from rollout.queries import (
    covered_schools,
    directors_of,
    indicators,
    period_label,
    previous_period,
    today_for,
)
from schools.audit import form_changes, log_action


def _actor(request, actor):
    if actor is None and request is not None and request.user.is_authenticated:
        return request.user
    return actor


# --- Dates from template offsets ----------------------------------------------------------------


def _shift(start: date, unit: str, offset: int) -> date:
    if unit == "week":
        return start + timedelta(weeks=offset)
    if unit == "day":
        return start + timedelta(days=offset)
    index = start.year * 12 + start.month - 1 + offset
    year, month = index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def window(start: date, unit: str, first: int, last: int) -> tuple[date, date]:
    """The dates an inclusive offset range covers: [first, last + 1) in the template's unit."""
    return _shift(start, unit, first), _shift(start, unit, last + 1) - timedelta(days=1)


# --- Programmes ----------------------------------------------------------------------------------


@transaction.atomic
def create_programme(
    municipality,
    template: dict,
    *,
    language: str,
    starts_on: date,
    coverage: str = Programme.Coverage.ALL,
    schools=(),
    pilot_group_id: int | None = None,
    name: str = "",
    request=None,
    actor=None,
) -> Programme:
    """A programme built from a template (shipped or the municipality's own), with its tasks."""
    actor = _actor(request, actor)
    unit = template.get("unit", "month")
    stage_data = template.get("stages", [])
    spans = [window(starts_on, unit, s["start"], s["end"]) for s in stage_data]
    programme = Programme.objects.create(
        municipality=municipality,
        name=name or text(template["name"], language),
        description=text(template.get("description", ""), language),
        language=language,
        source=template.get("key", ""),
        starts_on=starts_on,
        ends_on=max((end for _s, end in spans), default=None),
        coverage=coverage,
        pilot_group_id=pilot_group_id,
        created_by=actor,
    )
    programme.schools.set(_pilot_schools(municipality, pilot_group_id) if coverage == "pilot" else schools)
    order = 0
    for index, data in enumerate(stage_data):
        begins, ends = spans[index]
        stage = Stage.objects.create(
            programme=programme,
            municipality=municipality,
            order=index,
            name=text(data["name"], language),
            expected_result=text(data.get("expected", ""), language),
            starts_on=begins,
            ends_on=ends,
        )
        for item in data.get("activities", []):
            order += 1
            _activity_from(programme, stage, item, unit, order, language)
    for item in template.get("activities", []):
        order += 1
        _activity_from(programme, None, item, unit, order, language)
    sync_tasks(programme)
    log_action(
        "programme.create",
        actor=actor,
        municipality=municipality,
        obj=programme,
        changes={"template": template.get("key", ""), "language": language, "coverage": coverage},
        request=request,
    )
    return programme


def _activity_from(programme, stage, item: dict, unit: str, order: int, language: str) -> Activity:
    starts_on, due_on = window(programme.starts_on, unit, item.get("start", 0), item.get("end", 0))
    fact = item.get("fact", "")
    description = text(item.get("description", ""), language)
    when = text(item.get("when", ""), language)
    if when:
        description = f"{when}\n{description}".strip()
    return Activity.objects.create(
        programme=programme,
        stage=stage,
        municipality=programme.municipality,
        order=order,
        title=text(item["title"], language),
        description=description,
        per_school=bool(item.get("per_school")),
        responsible_role=item.get("role", Activity.Responsible.OFFICER),
        responsible_label=text(item.get("label", ""), language),
        starts_on=starts_on,
        due_on=due_on,
        fact_kind=fact if facts.is_available(fact) else "",
        fact_params=item.get("params", {}) if facts.is_available(fact) else {},
    )


def _pilot_schools(municipality, pilot_group_id):
    from rollout.queries import pilot_groups

    for group in pilot_groups(municipality):
        if group.pk == pilot_group_id:
            return list(group.schools.all())
    return []


def sync_tasks(programme: Programme) -> None:
    """One task per covered school for per-school activities, one for the others. Tasks of schools
    no longer covered go, unless someone already worked on them."""
    schools = list(covered_schools(programme))
    school_ids = {s.pk for s in schools}
    activities = list(Activity.objects.filter(programme=programme))
    existing = set(Task.objects.filter(activity__programme=programme).values_list("activity_id", "school_id"))
    new = []
    for activity in activities:
        wanted = [s.pk for s in schools] if activity.per_school else [None]
        for school_id in wanted:
            if (activity.pk, school_id) not in existing:
                new.append(
                    Task(activity=activity, municipality_id=programme.municipality_id, school_id=school_id)
                )
    Task.objects.bulk_create(new)
    stale = Task.objects.filter(activity__programme=programme, activity__per_school=True).exclude(
        school_id__in=school_ids
    )
    stale.filter(status=TaskStatus.PLANNED, evidence=None, comments=None).delete()
    Task.objects.filter(activity__programme=programme, activity__per_school=False).exclude(
        school=None
    ).filter(status=TaskStatus.PLANNED).delete()


@transaction.atomic
def save_programme(request, form) -> Programme:
    programme = form.save(commit=False)
    programme.municipality = request.tenant.municipality
    creating = programme.pk is None
    if creating:
        programme.created_by = request.user
    programme.save()
    form.save_m2m()
    if programme.coverage == Programme.Coverage.PILOT and programme.pilot_group_id:
        programme.schools.set(_pilot_schools(programme.municipality, programme.pilot_group_id))
    sync_tasks(programme)
    log_action(
        "programme.create" if creating else "programme.update",
        obj=programme,
        changes=form_changes(form),
        request=request,
    )
    return programme


@transaction.atomic
def save_as_template(request, programme: Programme, name: str) -> ProgrammeTemplate:
    """The programme's stages and activities, with dates as days from its start."""
    start = programme.starts_on
    stages = []
    activities = list(Activity.objects.filter(programme=programme).order_by("order", "pk"))

    def item(a: Activity) -> dict:
        first = a.starts_on or a.due_on or start
        last = a.due_on or first
        return {
            "title": a.title,
            "description": a.description,
            "per_school": a.per_school,
            "role": a.responsible_role,
            "label": a.responsible_label,
            "start": (first - start).days,
            "end": (last - start).days,
            "fact": a.fact_kind,
            "params": a.fact_params,
        }

    for stage in Stage.objects.filter(programme=programme).order_by("order", "starts_on"):
        stages.append(
            {
                "name": stage.name,
                "expected": stage.expected_result,
                "start": (stage.starts_on - start).days,
                "end": (stage.ends_on - start).days,
                "activities": [item(a) for a in activities if a.stage_id == stage.pk],
            }
        )
    data = {
        "key": "",
        "languages": [programme.language],
        "unit": "day",
        "name": name,
        "description": programme.description,
        "stages": stages,
        "activities": [item(a) for a in activities if a.stage_id is None],
    }
    template = ProgrammeTemplate.objects.create(
        municipality=programme.municipality,
        name=name,
        language=programme.language,
        data=data,
        created_by=request.user,
    )
    log_action("programme_template.create", obj=template, changes={"from": programme.pk}, request=request)
    return template


@transaction.atomic
def save_stage(request, form, programme: Programme) -> Stage:
    stage = form.save(commit=False)
    creating = stage.pk is None
    stage.programme = programme
    stage.municipality = programme.municipality
    stage.save()
    log_action(
        "stage.create" if creating else "stage.update", obj=stage, changes=form_changes(form), request=request
    )
    return stage


@transaction.atomic
def save_activity(request, form, programme: Programme) -> Activity:
    activity = form.save(commit=False)
    creating = activity.pk is None
    before = set() if creating else set(activity.responsible_users.values_list("pk", flat=True))
    activity.programme = programme
    activity.municipality = programme.municipality
    if not facts.is_available(activity.fact_kind):
        activity.fact_kind = ""
    activity.save()
    form.save_m2m()
    sync_tasks(programme)
    added = [u for u in activity.responsible_users.all() if u.pk not in before]
    if added:
        tasks = list(Task.objects.filter(activity=activity)[:1])
        notify(
            added,
            Notification.Kind.ASSIGNED,
            tasks[0] if tasks else None,
            municipality=programme.municipality,
        )
    log_action(
        "activity.create" if creating else "activity.update",
        obj=activity,
        changes=form_changes(form),
        request=request,
    )
    return activity


@transaction.atomic
def delete_activity(request, activity: Activity) -> None:
    log_action("activity.delete", obj=activity, request=request)
    activity.delete()


# --- Tasks: status, evidence, comments, self-ticking ----------------------------------------------


@transaction.atomic
def set_status(request, task: Task, status: str) -> Task:
    """A person sets the status. On a self-ticking activity that is an override, audited as such."""
    if status not in dict(Task.STORED_STATUSES):
        raise ValueError(status)
    before = task.status
    task.status = status
    fields = ["status", "updated_at"]
    if status == TaskStatus.DONE and before != TaskStatus.DONE:
        task.done_at, task.done_by = timezone.now(), request.user
        fields += ["done_at", "done_by"]
    elif status != TaskStatus.DONE:
        task.done_at, task.done_by = None, None
        fields += ["done_at", "done_by"]
    is_override = bool(task.activity.fact_kind)
    if is_override:
        task.override, task.auto_done = True, False
        fields += ["override", "auto_done"]
    task.save(update_fields=fields)
    log_action(
        "task.override" if is_override else "task.status",
        obj=task,
        changes={"status": [before, status], **({"fact": task.fact_text} if is_override else {})},
        request=request,
    )
    if status == TaskStatus.DONE and before != TaskStatus.DONE:
        _notify_done(task, request.user)
    return task


@transaction.atomic
def clear_override(request, task: Task) -> Task:
    """Hand the task back to its fact."""
    Task.objects.filter(pk=task.pk).update(override=False)
    task.override = False
    log_action("task.automatic", obj=task, request=request)
    refresh_facts(task.activity.programme, tasks=[task])
    task.refresh_from_db()
    return task


@transaction.atomic
def add_evidence(request, task: Task, *, kind: str, file=None, url: str = "", note: str = "") -> Evidence:
    evidence = Evidence.objects.create(
        task=task,
        municipality_id=task.municipality_id,
        kind=kind,
        file=file or "",
        url=url,
        note=note,
        created_by=request.user,
    )
    log_action(
        "evidence.create",
        obj=evidence,
        municipality=task.municipality,
        changes={"task": task.pk, "kind": kind, "file": evidence.filename, "url": url},
        request=request,
    )
    return evidence


@transaction.atomic
def add_comment(request, task: Task, body: str) -> Comment:
    comment = Comment.objects.create(
        task=task, municipality_id=task.municipality_id, author=request.user, body=body.strip()
    )
    log_action(
        "comment.create",
        obj=comment,
        municipality=task.municipality,
        changes={"task": task.pk},
        request=request,
    )
    people = [u for u in responsible_users([task])[task.pk] if u.pk != request.user.pk]
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


# --- Notifications ---------------------------------------------------------------------------------


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


def _notify_done(task: Task, by) -> None:
    programme = task.activity.programme
    if programme.created_by_id and programme.created_by_id != by.pk:
        notify([programme.created_by], Notification.Kind.DONE, task, municipality=task.municipality)


def mark_read(request, ids=None) -> int:
    rows = Notification.objects.filter(user=request.user, read_at=None)
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


# --- Monitoring snapshots ---------------------------------------------------------------------------


@transaction.atomic
def take_snapshots(programme: Programme, *, now=None, previous: bool = False, request=None) -> int:
    """Freeze every covered school's indicators for the current period, or with ``previous`` for
    the period that ended last (what the daily beat task does). Once per school and period."""
    today = today_for(programme.municipality, now)
    period = period_label(today, programme.snapshot_months)
    if previous:
        period = previous_period(today, programme.snapshot_months)
        if (
            period is None
            or programme.starts_on > today
            or period_label(programme.starts_on, programme.snapshot_months) > period
        ):
            return 0  # the programme had not started in the period that ended
    schools = list(covered_schools(programme))
    taken = set(
        Snapshot.objects.filter(programme=programme, period=period).values_list("school_id", flat=True)
    )
    missing = [s for s in schools if s.pk not in taken]
    if not missing:
        return 0
    values = indicators(programme, missing, today)
    Snapshot.objects.bulk_create(
        [
            Snapshot(
                programme=programme,
                municipality=programme.municipality,
                school=school,
                period=period,
                taken_on=today,
                **values[school.pk],
            )
            for school in missing
        ]
    )
    log_action(
        "snapshot.create",
        municipality=programme.municipality,
        obj=programme,
        changes={"period": period, "schools": len(missing)},
        request=request,
    )
    return len(missing)


# --- Budget, library, agreements (simple audited saves) ---------------------------------------------


@transaction.atomic
def save_owned(request, form, action: str, **extra):
    """Create or update a row owned by the municipality from a validated model form."""
    creating = form.instance.pk is None
    obj = form.save(commit=False)
    obj.municipality = request.tenant.municipality
    for name, value in extra.items():
        setattr(obj, name, value)
    obj.save()
    form.save_m2m()
    log_action(
        f"{action}.create" if creating else f"{action}.update",
        obj=obj,
        changes=form_changes(form),
        request=request,
    )
    return obj


@transaction.atomic
def delete_owned(request, obj, action: str) -> None:
    log_action(f"{action}.delete", obj=obj, request=request)
    obj.delete()


@transaction.atomic
def save_review(request, agreement, year: int, review_text: str):
    from rollout.models import AgreementReview

    review, _created = AgreementReview.objects.update_or_create(
        agreement=agreement,
        year=year,
        defaults={"text": review_text, "municipality": agreement.municipality},
    )
    log_action("agreement_review.save", obj=review, changes={"year": year}, request=request)
    return review
