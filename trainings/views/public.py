"""Pages outside any tenant: the certificate verification page and the secret-address calendars."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django_scopes import scopes_disabled

from schools.access import municipality_scope
from trainings import feeds
from trainings.models import CalendarFeed, Certificate


@never_cache
def verify_certificate(request, code):
    """Anyone with the code (from the PDF's QR code): valid or revoked, name, course, date, issuer."""
    # ESCAPE HATCH: the code itself names the certificate; the page shows only what it prints.
    with scopes_disabled():
        certificate = (
            Certificate.objects.filter(code=code.strip().upper())
            .only("code", "holder_name", "course", "issued_on", "issuer", "revoked_at", "language")
            .first()
        )
    if certificate is None:
        return render(request, "trainings/verify.html", {"code": code}, status=404)
    return render(request, "trainings/verify.html", {"certificate": certificate, "code": code})


@never_cache
def calendar_feed(request, token):
    # ESCAPE HATCH: the secret token in the address names the feed and its municipality.
    with scopes_disabled():
        feed = CalendarFeed.objects.select_related("municipality", "user").filter(token=token).first()
    if feed is None:
        raise Http404
    with municipality_scope(feed.municipality_id), timezone.override(feed.municipality.time_zone):
        body = feeds.render_feed(feed)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="calendar.ics"'
    return response
