"""Rollout pages, mounted by config/urls.py under /m/<municipality_slug>/ (and /r/<region_slug>/)."""

from django.urls import path

from rollout.views import library, monitoring, programmes, tasks

municipality_patterns = [
    path("programmes/", programmes.programme_list, name="programmes"),
    path("programmes/new/", programmes.programme_create, name="programme_create"),
    path("programmes/<int:programme_id>/", programmes.programme_board, name="programme"),
    path("programmes/<int:programme_id>/edit/", programmes.programme_edit, name="programme_edit"),
    path("programmes/<int:programme_id>/timeline/", programmes.programme_timeline, name="programme_timeline"),
    path(
        "programmes/<int:programme_id>/save-template/",
        programmes.programme_save_template,
        name="programme_save_template",
    ),
    path("programmes/<int:programme_id>/stages/new/", programmes.stage_create, name="stage_create"),
    path("programmes/<int:programme_id>/activities/new/", programmes.activity_create, name="activity_create"),
    path("programmes/<int:programme_id>/snapshot/", monitoring.snapshot_take, name="snapshot_take"),
    path("stages/<int:stage_id>/edit/", programmes.stage_edit, name="stage_edit"),
    path("activities/<int:activity_id>/", programmes.activity_detail, name="activity"),
    path("activities/<int:activity_id>/edit/", programmes.activity_edit, name="activity_edit"),
    path("activities/<int:activity_id>/delete/", programmes.activity_delete, name="activity_delete"),
    path("tasks/<int:task_id>/", tasks.task_detail, name="task"),
    path("tasks/<int:task_id>/status/", tasks.task_status, name="task_status"),
    path("tasks/<int:task_id>/automatic/", tasks.task_automatic, name="task_automatic"),
    path("tasks/<int:task_id>/evidence/", tasks.task_evidence, name="task_evidence"),
    path("tasks/<int:task_id>/comments/", tasks.task_comment, name="task_comment"),
    path("evidence/<int:evidence_id>/file/", tasks.evidence_file, name="evidence_file"),
    path("my-tasks/", tasks.my_tasks, name="my_tasks"),
    path("notifications/", tasks.notification_list, name="notifications"),
    path("notifications/read/", tasks.notifications_read, name="notifications_read"),
    path("monitoring/", monitoring.snapshot_list, name="snapshots"),
    path("budget/", library.budget, name="budget"),
    path("budget/new/", library.budget_create, name="budget_create"),
    path("budget/<int:budget_line_id>/edit/", library.budget_edit, name="budget_edit"),
    path("budget/<int:budget_line_id>/file/", library.budget_file, name="budget_file"),
    path("library/", library.library, name="library"),
    path("library/new/", library.library_create, name="library_create"),
    path("library/<int:document_id>/file/", library.library_file, name="library_file"),
    path("library/<int:document_id>/delete/", library.library_delete, name="library_delete"),
    path("agreements/", library.agreement_list, name="agreements"),
    path("agreements/new/", library.agreement_create, name="agreement_create"),
    path("agreements/<int:agreement_id>/", library.agreement_detail, name="agreement"),
    path("agreements/<int:agreement_id>/edit/", library.agreement_edit, name="agreement_edit"),
    path("agreements/<int:agreement_id>/file/", library.agreement_file, name="agreement_file"),
    path(
        "agreements/<int:agreement_id>/parties/",
        library.agreement_add,
        {"part": "party"},
        name="agreement_party",
    ),
    path(
        "agreements/<int:agreement_id>/plan/", library.agreement_add, {"part": "plan"}, name="agreement_plan"
    ),
    path(
        "agreements/<int:agreement_id>/review/",
        library.agreement_add,
        {"part": "review"},
        name="agreement_review",
    ),
]

region_patterns = [
    path("monitoring/", monitoring.region_snapshots, name="snapshots"),
]
