from django.urls import path

from integrations.models import Provider
from integrations.views import connections, jobs, layout, plans, roster

# Mounted under /m/<municipality_slug>/ in the "schools" namespace (see config/urls.py).


def per_provider(route: str, view, name: str) -> list:
    """One URL per provider (``{p}`` in the route and name), with the provider passed to the view."""
    return [
        path(route.format(p=provider.value), view, {"provider": provider}, name=name.format(p=provider.value))
        for provider in Provider
    ]


urlpatterns = [
    path("connections/", connections.connection_list, name="connections"),
    *per_provider("connections/{p}/", connections.connection_edit, "connection_{p}"),
    *per_provider("connections/sandbox/{p}/", connections.connection_sandbox, "connection_sandbox_{p}"),
    path("connections/<int:connection_id>/test/", connections.connection_test, name="connection_test"),
    path("connections/<int:connection_id>/delete/", connections.connection_delete, name="connection_delete"),
    path("layout/", layout.layout_edit, name="layout"),
    path("logins/", layout.login_list, name="logins"),
    path("layout/domain/<int:connection_id>/", layout.domain_check, name="domain_check"),
    path("plans/", plans.plan_list, name="plans"),
    *per_provider("plans/new/{p}/", plans.plan_create, "plan_create_{p}"),
    path("plans/<int:plan_id>/", plans.plan_detail, name="plan"),
    path("plans/<int:plan_id>/progress/", plans.plan_progress, name="plan_progress"),
    path("plans/<int:plan_id>/csv/", plans.plan_download, name="plan_csv"),
    path("plans/<int:plan_id>/override/", plans.plan_override, name="plan_override"),
    path("plans/<int:plan_id>/apply/", jobs.plan_apply, name="plan_apply"),
    path("jobs/<int:job_id>/", jobs.job_detail, name="job"),
    path("jobs/<int:job_id>/progress/", jobs.job_progress, name="job_progress"),
    path("jobs/<int:job_id>/control/", jobs.job_control, name="job_control"),
    path("jobs/<int:job_id>/csv/", jobs.job_report, name="job_csv"),
    path("jobs/<int:job_id>/slips/", jobs.job_slips, name="job_slips"),
    path("people/import/", roster.roster_upload, name="roster_upload"),
    path("people/import/<int:import_id>/", roster.roster_review, name="roster_review"),
    path("people/import/<int:import_id>/discard/", roster.roster_discard, name="roster_discard"),
    path("people/import/<int:import_id>/progress/", roster.roster_progress, name="roster_progress"),
]
