"""A task (an activity for one school or the programme): status, evidence, comments; my tasks;
notifications."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from infra.links import signed_download
from rollout import facts, queries
from rollout.actions import tasks as actions
from rollout.actions.notifications import mark_read, responsible_users
from rollout.forms import CommentForm, EvidenceForm, StatusForm
from rollout.models import Evidence, Notification, Task
from rollout.views.common import can_edit_task, serve_file, to, today
from schools.access import get_for
from schools.audit import context_from
from schools.views.decorators import tenant_view


def _task(request, task_id, *, edit=False) -> Task:
    tasks = Task.objects.select_related("activity", "activity__programme", "activity__stage", "school")
    task = get_for(request, tasks.prefetch_related("activity__responsible_users"), pk=task_id)
    if edit and not can_edit_task(request, task):
        raise PermissionDenied
    return task


@tenant_view("view_programmes")
def task_detail(request, task_id):
    task = _task(request, task_id)
    if task.activity.fact_kind and facts.is_available(task.activity.fact_kind):
        actions.refresh_facts(task.activity.programme, tasks=[task])
    day = today(request)
    return render(
        request,
        "rollout/task_detail.html",
        {
            "task": task,
            "shown_status": task.display_status(day),
            "can_edit": can_edit_task(request, task),
            "status_form": StatusForm(initial={"status": task.status}),
            "evidence_form": EvidenceForm(initial={"kind": Evidence.Kind.FILE}),
            "comment_form": CommentForm(),
            "evidence": task.evidence.select_related("created_by"),
            "comments": task.comments.select_related("author"),
            "fact_label": facts.REGISTRY[task.activity.fact_kind].label
            if task.activity.fact_kind in facts.REGISTRY
            else "",
            "responsible": responsible_users([task])[task.pk],
            "today": day,
        },
    )


def _back(request, task):
    target = request.POST.get("next", "")
    if target == "my":
        return to("my_tasks", request)
    return to("task", request, task_id=task.pk)


@require_POST
@tenant_view("view_programmes")
def task_status(request, task_id):
    task = _task(request, task_id, edit=True)
    form = StatusForm(request.POST)
    if form.is_valid():
        actions.set_status(context_from(request), task, form.cleaned_data["status"])
        messages.success(request, _("The status was saved."))
    return _back(request, task)


@require_POST
@tenant_view("view_programmes")
def task_automatic(request, task_id):
    task = _task(request, task_id, edit=True)
    actions.clear_override(context_from(request), task)
    messages.success(request, _("The activity follows its fact again."))
    return _back(request, task)


@require_POST
@tenant_view("view_programmes")
def task_evidence(request, task_id):
    task = _task(request, task_id, edit=True)
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        actions.add_evidence(
            context_from(request),
            task,
            kind=data["kind"],
            file=data.get("file") if data["kind"] == Evidence.Kind.FILE else None,
            url=data.get("url", "") if data["kind"] == Evidence.Kind.LINK else "",
            note=data.get("note", ""),
        )
        messages.success(request, _("The evidence was added."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return _back(request, task)


@require_POST
@tenant_view("view_programmes")
def task_comment(request, task_id):
    task = _task(request, task_id)
    form = CommentForm(request.POST)
    if form.is_valid():
        actions.add_comment(context_from(request), task, form.cleaned_data["body"])
    return _back(request, task)


@tenant_view("view_programmes")
@signed_download
def evidence_file(request, evidence_id):
    evidence = get_for(request, Evidence.objects.all(), pk=evidence_id)
    return serve_file(evidence.file)


@tenant_view("view_programmes")
def my_tasks(request):
    day = today(request)
    tasks = queries.my_tasks(request.tenant, request.user, day)
    programmes = {t.activity.programme for t in tasks}
    for programme in programmes:
        actions.refresh_facts(
            programme, tasks=[t for t in tasks if t.activity.programme == programme and t.activity.fact_kind]
        )
    groups: dict = {}
    tasks.sort(key=lambda t: (t.status == "done", t.activity.due_on or date.max))  # open ones first
    for task in tasks:
        task.shown_status = task.display_status(day)
        task.can_edit = can_edit_task(request, task)
        groups.setdefault(task.school, []).append(task)
    return render(
        request,
        "rollout/my_tasks.html",
        {
            "groups": sorted(groups.items(), key=lambda kv: (kv[0] is not None, kv[0].name if kv[0] else "")),
            "today": day,
            "status_choices": Task.STORED_STATUSES,
        },
    )


@tenant_view("view_programmes")
def notification_list(request):
    rows = Notification.objects.filter(user=request.user).select_related("task__activity", "task__school")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "rollout/notifications.html", {"page": page, "query_string": ""})


@require_POST
@tenant_view("view_programmes")
def notifications_read(request):
    mark_read(context_from(request))
    return to("notifications", request)
