from django import template

from rollout.models import Notification, TaskStatus

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


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int:
    """How many of the signed-in person's notifications in this municipality are unread."""
    request = context.get("request")
    if request is None or getattr(request, "tenant", None) is None or request.tenant.municipality is None:
        return 0
    return Notification.objects.filter(user=request.user, read_at=None).count()
