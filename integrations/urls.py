from django.urls import path

from integrations import job_views, layout_views, plan_views, views
from integrations.models import Provider
from integrations.roster import views as roster_views

# Mounted under /m/<municipality_slug>/ in the "schools" namespace (see config/urls.py).


def per_provider(route: str, view, name: str) -> list:
    """One URL per provider (``{p}`` in the route and name), with the provider passed to the view."""
    return [
        path(route.format(p=provider.value), view, {"provider": provider}, name=name.format(p=provider.value))
        for provider in Provider
    ]


urlpatterns = [
    path("connections/", views.connection_list, name="connections"),
    *per_provider("connections/{p}/", views.connection_edit, "connection_{p}"),
    *per_provider("connections/sandbox/{p}/", views.connection_sandbox, "connection_sandbox_{p}"),
    path("connections/<int:connection_id>/test/", views.connection_test, name="connection_test"),
    path("connections/<int:connection_id>/delete/", views.connection_delete, name="connection_delete"),
    path("layout/", layout_views.layout_edit, name="layout"),
    path("logins/", layout_views.login_list, name="logins"),
    path("layout/domain/<int:connection_id>/", layout_views.domain_check, name="domain_check"),
    path("plans/", plan_views.plan_list, name="plans"),
    *per_provider("plans/new/{p}/", plan_views.plan_create, "plan_create_{p}"),
    path("plans/<int:plan_id>/", plan_views.plan_detail, name="plan"),
    path("plans/<int:plan_id>/csv/", plan_views.plan_download, name="plan_csv"),
    path("plans/<int:plan_id>/override/", plan_views.plan_override, name="plan_override"),
    path("plans/<int:plan_id>/apply/", job_views.plan_apply, name="plan_apply"),
    path("jobs/<int:job_id>/", job_views.job_detail, name="job"),
    path("jobs/<int:job_id>/progress/", job_views.job_progress, name="job_progress"),
    path("jobs/<int:job_id>/control/", job_views.job_control, name="job_control"),
    path("jobs/<int:job_id>/csv/", job_views.job_report, name="job_csv"),
    path("jobs/<int:job_id>/slips/", job_views.job_slips, name="job_slips"),
    path("people/import/", roster_views.roster_upload, name="roster_upload"),
    path("people/import/<int:import_id>/", roster_views.roster_review, name="roster_review"),
    path("people/import/<int:import_id>/discard/", roster_views.roster_discard, name="roster_discard"),
]
