from django import template

from rollout.models import TaskStatus

register = template.Library()

_CLASSES = {
    TaskStatus.PLANNED: "secondary",
    TaskStatus.IN_PROGRESS: "primary",
    TaskStatus.DONE: "success",
    TaskStatus.BLOCKED: "warning",
    TaskStatus.OVERDUE: "danger",
}


@register.inclusion_tag("rollout/_status.html")
def status_badge(status: str):
    return {"label": TaskStatus(status).label, "css": _CLASSES.get(status, "secondary"), "status": status}


@register.filter
def status_css(status: str) -> str:
    return _CLASSES.get(status, "secondary")


@register.filter
def get_item(mapping, key):
    return mapping.get(key, 0) if mapping else 0
