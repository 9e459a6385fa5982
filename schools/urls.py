from django.urls import path

from schools.views import members, people, portal, privacy

# Mounted under /m/<municipality_slug>/ by config/urls.py. Object ids are named
# <model>_id so the isolation test can fill them in for every pattern.
municipality_patterns = [
    path("schools/", portal.school_list, name="schools"),
    path("schools/new/", portal.school_create, name="school_create"),
    path("schools/<int:school_id>/edit/", portal.school_edit, name="school_edit"),
    path("people/", people.person_list, name="people"),
    path("people/new/", people.person_create, name="person_create"),
    path("people/<int:person_id>/edit/", people.person_edit, name="person_edit"),
    path("people/<int:person_id>/delete/", people.person_delete, name="person_delete"),
    path("people/<int:person_id>/data.json", privacy.person_export, {"fmt": "json"}, name="person_json"),
    path("people/<int:person_id>/data.csv", privacy.person_export, {"fmt": "csv"}, name="person_csv"),
    path("people/<int:person_id>/erase/", privacy.person_erase, name="person_erase"),
    path("privacy/", privacy.record, name="privacy"),
    path("privacy/policy/", privacy.policy_edit, name="privacy_policy"),
    path("privacy/access/", privacy.access_log, name="privacy_access"),
    path("privacy/access.csv", privacy.access_log_export, {"fmt": "csv"}, name="privacy_access_csv"),
    path("privacy/access.xlsx", privacy.access_log_export, {"fmt": "xlsx"}, name="privacy_access_xlsx"),
    path("privacy/purges/", privacy.purge_reports, name="privacy_purges"),
    path("members/", members.member_list, name="members"),
    path("members/invite/", members.invitation_create, name="invite"),
    path("members/<int:membership_id>/remove/", members.membership_remove, name="membership_remove"),
    path("members/<int:membership_id>/schools/", members.membership_schools, name="membership_schools"),
    path("invitations/<int:invitation_id>/resend/", members.invitation_resend, name="invitation_resend"),
    path("invitations/<int:invitation_id>/revoke/", members.invitation_revoke, name="invitation_revoke"),
    path("audit/", members.audit_log, name="audit"),
]
