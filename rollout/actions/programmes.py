"""Programmes, their stages and activities, and the tasks they give each school."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from django.db import transaction

from rollout import facts
from rollout.actions.notifications import notify
from rollout.models import Activity, Notification, Programme, ProgrammeTemplate, Stage, Task, TaskStatus
from rollout.programme_templates import text
from rollout.queries import covered_schools, pilot_groups
from schools.actions import Edit, save_for_tenant
from schools.audit import ActionContext, record

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
    ctx: ActionContext,
    template: dict,
    *,
    language: str,
    starts_on: date,
    coverage: str = Programme.Coverage.ALL,
    schools=(),
    pilot_group_id: int | None = None,
    name: str = "",
) -> Programme:
    """A programme built from a template (shipped or the municipality's own), with its tasks."""
    municipality = ctx.municipality
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
        created_by=ctx.actor,
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
    record(
        ctx,
        "programme.create",
        programme,
        {"template": template.get("key", ""), "language": language, "coverage": coverage},
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
def save_programme(ctx: ActionContext, edit: Edit) -> Programme:
    programme = save_for_tenant(ctx, edit, audit_action="programme", creator_field="created_by")
    if programme.coverage == Programme.Coverage.PILOT and programme.pilot_group_id:
        programme.schools.set(_pilot_schools(programme.municipality, programme.pilot_group_id))
    sync_tasks(programme)
    return programme


@transaction.atomic
def save_as_template(ctx: ActionContext, programme: Programme, name: str) -> ProgrammeTemplate:
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
        created_by=ctx.actor,
    )
    record(ctx, "programme_template.create", template, {"from": programme.pk})
    return template


def save_stage(ctx: ActionContext, edit: Edit, programme: Programme) -> Stage:
    return save_for_tenant(ctx, edit, audit_action="stage", programme=programme)


@transaction.atomic
def save_activity(ctx: ActionContext, edit: Edit, programme: Programme) -> Activity:
    activity = edit.instance
    before = set() if activity.pk is None else set(activity.responsible_users.values_list("pk", flat=True))
    fact_kind = activity.fact_kind if facts.is_available(activity.fact_kind) else ""
    activity = save_for_tenant(ctx, edit, audit_action="activity", programme=programme, fact_kind=fact_kind)
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
    return activity
