"""The personal data of programmes: none about roster people. Programmes, tasks, evidence,
comments, library documents, notifications and reports name portal members (who made, did or
received them), which a roster person's erasure keeps. Registered by ``RolloutConfig.ready()`` in
the personal data registry (``schools.privacy.registry``) so that the declaration is checked."""

from __future__ import annotations

from schools.privacy.registry import MEMBER_REFERENCE, PersonalData


class ProgrammeData(PersonalData):
    key = "rollout"
    order = 40
    kept = dict.fromkeys(
        (
            "rollout.ProgrammeTemplate",
            "rollout.Programme",
            "rollout.Activity",
            "rollout.Task",
            "rollout.Evidence",
            "rollout.Comment",
            "rollout.LibraryDocument",
            "rollout.Notification",
            "rollout.DigestLog",
            "rollout.Report",
        ),
        MEMBER_REFERENCE,
    )
