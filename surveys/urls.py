from django.urls import path

from surveys import views

# Mounted under /m/<municipality_slug>/ in the "schools" namespace (see config/urls.py).
urlpatterns = [
    path("surveys/", views.survey_index, name="surveys"),
    path("surveys/new/", views.campaign_create, name="survey_launch"),
    path("surveys/<int:campaign_id>/", views.campaign_detail, name="survey_campaign"),
    path(
        "surveys/<int:campaign_id>/results.csv",
        views.campaign_export,
        {"fmt": "csv"},
        name="survey_export_csv",
    ),
    path(
        "surveys/<int:campaign_id>/results.xlsx",
        views.campaign_export,
        {"fmt": "xlsx"},
        name="survey_export_xlsx",
    ),
    path("surveys/<int:campaign_id>/status/", views.campaign_status, name="survey_campaign_status"),
    path("surveys/<int:campaign_id>/pilot-group/", views.pilot_group_create, name="survey_pilot_group"),
    path("surveys/responses/<int:response_id>/", views.response_detail, name="survey_response"),
    path("surveys/responses/<int:response_id>/autosave/", views.response_autosave, name="survey_autosave"),
    path("surveys/responses/<int:response_id>/reopen/", views.response_reopen, name="survey_reopen"),
    path("surveys/responses/<int:response_id>/report.pdf", views.response_report, name="survey_report"),
    path(
        "surveys/responses/<int:response_id>/teachers/", views.response_teachers, name="survey_teacher_links"
    ),
    path("surveys/evidence/<int:survey_file_id>/", views.evidence_download, name="survey_evidence"),
]

# Outside any municipality: a teacher's anonymous personal link needs no account.
public_urlpatterns = [
    path("t/<str:token>/", views.teacher_assessment, name="teacher_assessment"),
]
