"""The project's URLs plus two deliberately wrong views, to show the isolation check fails."""

from django.http import HttpResponse
from django.urls import path
from django_scopes import scopes_disabled

from config.urls import urlpatterns as project_patterns
from schools.models import School


def broken_school(request, municipality_slug, school_id):
    # WRONG on purpose: lifts the tenant scope and trusts the id from the URL.
    with scopes_disabled():
        school = School.objects.get(pk=school_id)
    return HttpResponse(school.name)


def mystery(request):
    return HttpResponse("?")


urlpatterns = [
    *project_patterns,
    path("m/<slug:municipality_slug>/broken/<int:school_id>/", broken_school, name="broken_school"),
    path("mystery/", mystery, name="mystery"),
]
