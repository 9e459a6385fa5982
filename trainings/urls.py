from django.urls import path

from trainings.views import courses, personal, public, records

# Mounted under /m/<municipality_slug>/ in the ``schools`` namespace (see config/urls.py).
urlpatterns = [
    path("trainings/", courses.overview, name="trainings"),
    path("trainings/me/", personal.my_trainings, name="my_trainings"),
    path("trainings/me/calendar/renew/", personal.renew_feed, name="renew_calendar_feed"),
    path("trainings/curricula/new/", courses.curriculum_edit, name="curriculum_create"),
    path("trainings/curricula/examples/", courses.curriculum_examples, name="curriculum_examples"),
    path("trainings/curricula/<int:curriculum_id>/", courses.curriculum_detail, name="curriculum"),
    path("trainings/curricula/<int:curriculum_id>/edit/", courses.curriculum_edit, name="curriculum_edit"),
    path("trainings/sessions/new/", courses.session_edit, name="training_session_create"),
    path("trainings/sessions/<int:session_id>/", courses.session_detail, name="training_session"),
    path("trainings/sessions/<int:session_id>/edit/", courses.session_edit, name="training_session_edit"),
    path("trainings/sessions/<int:session_id>/enrol/", courses.session_enrol, name="session_enrol"),
    path(
        "trainings/sessions/<int:session_id>/attendance/",
        courses.session_attendance,
        name="session_attendance",
    ),
    path("trainings/sessions/<int:session_id>/check-in/", courses.session_checkin, name="session_checkin"),
    path(
        "trainings/enrolments/<int:enrolment_id>/cancel/", courses.enrolment_cancel, name="enrolment_cancel"
    ),
    path(
        "trainings/enrolments/<int:enrolment_id>/feedback/",
        courses.enrolment_feedback,
        name="enrolment_feedback",
    ),
    path("trainings/certificates/<int:certificate_id>/pdf/", courses.certificate_pdf, name="certificate_pdf"),
    path(
        "trainings/certificates/<int:certificate_id>/badge/",
        courses.certificate_badge,
        name="certificate_badge",
    ),
    path(
        "trainings/certificates/<int:certificate_id>/revoke/",
        courses.certificate_revoke,
        name="certificate_revoke",
    ),
    path("trainings/certifications/", records.certification_list, name="certifications"),
    path("trainings/certifications/new/", records.certification_edit, name="certification_create"),
    path(
        "trainings/certifications/<int:certification_id>/edit/",
        records.certification_edit,
        name="certification_edit",
    ),
    path(
        "trainings/certifications/<int:certification_id>/delete/",
        records.certification_delete,
        name="certification_delete",
    ),
    path("trainings/targets/", records.certification_targets, name="certification_targets"),
    path("trainings/events/", records.event_list, name="events"),
    path("trainings/events/new/", records.event_edit, name="event_create"),
    path("trainings/events/<int:event_id>/edit/", records.event_edit, name="event_edit"),
    path("trainings/events/<int:event_id>/delete/", records.event_delete, name="event_delete"),
    path("trainings/quotas/", records.quota_matrix, name="quota_matrix"),
    path("trainings/quotas/new/", records.quota_set_edit, name="quota_set_create"),
    path("trainings/quotas/<int:quota_set_id>/edit/", records.quota_set_edit, name="quota_set_edit"),
]

# Outside any tenant (config/urls.py): the public verification page and the secret-address calendars.
public_patterns = [
    path("verify/<str:code>/", public.verify_certificate, name="verify_certificate"),
    path("calendar/<str:token>.ics", public.calendar_feed, name="calendar_feed"),
]
