"""Helpers shared by the rollout views."""

from __future__ import annotations

import mimetypes

from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.http import content_disposition_header

from rollout.queries import today_for
from schools.permissions import has_perm


def today(request):
    return today_for(request.tenant.municipality)


def serve_file(field_file):
    """A stored file as a download. The caller found the row inside the tenant scope, so another
    municipality's id has already given 404; nothing is served from MEDIA_URL."""
    if not field_file:
        raise Http404
    try:
        with field_file.open("rb") as handle:  # uploads are size-limited: read whole, close at once
            content = handle.read()
    except FileNotFoundError as error:
        raise Http404 from error
    name = field_file.name.rsplit("/", 1)[-1]
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def can_edit_task(request, task) -> bool:
    if has_perm(request.tenant, "edit_task", task):
        return True
    return any(user.pk == request.user.pk for user in task.activity.responsible_users.all())


def to(name: str, request, **kwargs):
    return redirect(f"schools:{name}", municipality_slug=request.tenant.municipality.slug, **kwargs)
