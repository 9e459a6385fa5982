"""The read side's pages: dashboards, a school's page, council and regional reports.

Mounted by config/urls.py under /m/<municipality_slug>/ and /r/<region_slug>/."""

from django.urls import path

from reporting.reports import views as reports
from reporting.views import dashboard, overview

municipality_patterns = [
    path("", overview.overview, name="overview"),
    path("schools/<int:school_id>/", overview.school_detail, name="school"),
    path("dashboard/schools/", dashboard.drilldown, name="dashboard_drilldown"),
    path("reports/", reports.report_list, name="reports"),
    path("reports/<int:report_id>/", reports.report_detail, name="report"),
    path("reports/<int:report_id>/progress/", reports.report_progress, name="report_progress"),
    path("reports/<int:report_id>/file/", reports.report_file, name="report_file"),
]

region_patterns = [
    path("", overview.region_overview, name="overview"),
    path("reports/", reports.region_report_list, name="reports"),
    path("reports/<int:report_id>/", reports.region_report_detail, name="report"),
    path("reports/<int:report_id>/progress/", reports.region_report_progress, name="report_progress"),
    path("reports/<int:report_id>/file/", reports.region_report_file, name="report_file"),
]
