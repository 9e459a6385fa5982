"""Who may do what: the one place role checks live (views, templates, forms and tasks use it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied

from schools.roles import Role

if TYPE_CHECKING:
    from schools.access import TenantContext

_ALL_MUNICIPAL = frozenset({Role.OFFICER, Role.IT_ADMIN, Role.DIRECTOR, Role.TRAINER, Role.TEACHER})

PERMISSIONS: dict[str, frozenset[str]] = {
    "view_municipality": _ALL_MUNICIPAL | {Role.COORDINATOR},
    "view_schools": _ALL_MUNICIPAL | {Role.COORDINATOR},
    "manage_schools": frozenset({Role.OFFICER}),
    # Names are the municipality's: a regional coordinator reads figures, not rosters.
    "view_people": frozenset({Role.OFFICER, Role.IT_ADMIN, Role.DIRECTOR}),
    "manage_people": frozenset({Role.OFFICER, Role.IT_ADMIN}),
    "view_members": frozenset({Role.OFFICER, Role.IT_ADMIN}),
    "manage_members": frozenset({Role.OFFICER, Role.IT_ADMIN}),
    "view_audit": frozenset({Role.OFFICER, Role.IT_ADMIN}),
    # Personal data (GDPR): the record of processing is for every member; the municipality's
    # officer is the controller's voice: the policy, the access log, exports and erasure.
    "view_privacy": _ALL_MUNICIPAL | {Role.COORDINATOR},
    "manage_privacy": frozenset({Role.OFFICER}),
    "export_person": frozenset({Role.OFFICER}),
    "erase_person": frozenset({Role.OFFICER}),
    "view_region": frozenset({Role.COORDINATOR}),
    "view_integrations": frozenset({Role.OFFICER, Role.IT_ADMIN}),
    "manage_integrations": frozenset({Role.IT_ADMIN}),
    "view_surveys": frozenset({Role.OFFICER, Role.DIRECTOR, Role.COORDINATOR}),
    "view_survey_results": frozenset({Role.OFFICER, Role.COORDINATOR}),
    "manage_surveys": frozenset({Role.OFFICER}),
    # Rollout programmes (rollout/)
    "view_programmes": _ALL_MUNICIPAL | {Role.COORDINATOR},
    "manage_programmes": frozenset({Role.OFFICER}),
    "view_monitoring": frozenset({Role.OFFICER, Role.IT_ADMIN, Role.COORDINATOR}),
    # The municipal dashboard and its drill-downs (reporting/views/dashboard.py)
    "view_dashboard": frozenset({Role.OFFICER, Role.IT_ADMIN, Role.COORDINATOR}),
    "view_budget": frozenset({Role.OFFICER, Role.COORDINATOR}),
    "manage_budget": frozenset({Role.OFFICER}),
    "view_library": _ALL_MUNICIPAL | {Role.COORDINATOR},
    "manage_library": frozenset({Role.OFFICER}),
    "view_agreements": _ALL_MUNICIPAL | {Role.COORDINATOR},
    "manage_agreements": frozenset({Role.OFFICER}),
    # Reports for the council (reporting/reports/); the region's own reports need "view_region"
    "view_reports": frozenset({Role.OFFICER, Role.IT_ADMIN, Role.DIRECTOR, Role.COORDINATOR}),
    "request_reports": frozenset({Role.OFFICER}),
    # Trainings, certifications and network events (trainings/)
    "view_trainings": _ALL_MUNICIPAL | {Role.COORDINATOR},
    "manage_trainings": frozenset({Role.OFFICER, Role.TRAINER}),
    "enrol_others": frozenset({Role.OFFICER, Role.DIRECTOR}),
    "view_certifications": frozenset({Role.OFFICER, Role.DIRECTOR, Role.TRAINER, Role.COORDINATOR}),
    "manage_certifications": frozenset({Role.OFFICER, Role.DIRECTOR}),
    "manage_certification_targets": frozenset({Role.OFFICER}),
    "view_events": _ALL_MUNICIPAL | {Role.COORDINATOR},
    "manage_events": frozenset({Role.OFFICER, Role.DIRECTOR}),
    "manage_quotas": frozenset({Role.OFFICER}),
}

# Which roles a role may hand out by invitation (no one invites above their own standing).
INVITABLE_ROLES: dict[str, tuple[str, ...]] = {
    Role.OFFICER: (Role.OFFICER, Role.IT_ADMIN, Role.DIRECTOR, Role.TRAINER, Role.TEACHER),
    Role.IT_ADMIN: (Role.IT_ADMIN, Role.DIRECTOR, Role.TRAINER, Role.TEACHER),
}


def has_perm(ctx: TenantContext | None, perm: str, obj=None) -> bool:
    if perm not in PERMISSIONS and perm not in _OBJECT_RULES:
        raise KeyError(f"Unknown permission {perm!r}")
    if ctx is None:
        return False
    if perm in _OBJECT_RULES:
        return _OBJECT_RULES[perm](ctx, obj)
    return bool(ctx.roles & PERMISSIONS[perm])


def require(ctx: TenantContext | None, perm: str, obj=None) -> None:
    """Raise 403 for a member whose role may only read (outsiders never get this far: 404)."""
    if not has_perm(ctx, perm, obj):
        raise PermissionDenied


def invitable_roles(ctx: TenantContext | None) -> list[str]:
    if ctx is None:
        return []
    allowed: set[str] = set()
    for role in ctx.roles:
        allowed.update(INVITABLE_ROLES.get(role, ()))
    return [value for value, _label in Role.municipal_choices() if value in allowed]


def _can_edit_school(ctx: TenantContext, school) -> bool:
    if Role.OFFICER in ctx.roles:
        return True
    return school is not None and Role.DIRECTOR in ctx.roles and school.pk in ctx.school_ids


def _can_edit_person(ctx: TenantContext, person) -> bool:
    if ctx.roles & PERMISSIONS["manage_people"]:
        return True
    if person is None or Role.DIRECTOR not in ctx.roles:
        return False
    return any(school.pk in ctx.school_ids for school in person.schools.all())


def _can_add_person(ctx: TenantContext, _obj) -> bool:
    return bool(ctx.roles & PERMISSIONS["manage_people"]) or (
        Role.DIRECTOR in ctx.roles and bool(ctx.school_ids)
    )


def _can_answer_survey(ctx: TenantContext, response) -> bool:
    """A school's survey is answered by its director (the officer may fill it in for the school)."""
    return response is not None and _can_edit_school(ctx, response.school)


def _can_edit_task(ctx: TenantContext, task) -> bool:
    """Officers; a director for their own schools' tasks; a role named responsible for the activity
    (IT admin, trainer). People named on the activity are checked by ``rollout.views`` too."""
    if Role.OFFICER in ctx.roles:
        return True
    if task is None:
        return False
    if Role.DIRECTOR in ctx.roles and task.school_id is not None and task.school_id in ctx.school_ids:
        return True
    role = task.activity.responsible_role
    return role != Role.DIRECTOR and role in ctx.roles and role != Role.COORDINATOR


def _can_run_session(ctx: TenantContext, session_and_user) -> bool:
    """Marking attendance, showing the check-in code: an officer, or the session's own trainer.
    The object is ``(session, user)`` since the context does not carry the user."""
    if Role.OFFICER in ctx.roles:
        return True
    session, user = session_and_user or (None, None)
    if session is None or Role.TRAINER not in ctx.roles:
        return False
    return session.trainer_id == getattr(user, "pk", None)


def _can_edit_event(ctx: TenantContext, event) -> bool:
    if Role.OFFICER in ctx.roles:
        return True
    return event is not None and Role.DIRECTOR in ctx.roles and event.school_id in ctx.school_ids


def _can_view_school_indicators(ctx: TenantContext, school) -> bool:
    """A school's indicators and next steps: whoever sees the dashboard, and the school's director."""
    if ctx.roles & PERMISSIONS["view_dashboard"]:
        return True
    return school is not None and Role.DIRECTOR in ctx.roles and school.pk in ctx.school_ids


_OBJECT_RULES = {
    "view_school_indicators": _can_view_school_indicators,
    "answer_survey": _can_answer_survey,
    "edit_school": _can_edit_school,
    "edit_person": _can_edit_person,
    "add_person": _can_add_person,
    "edit_task": _can_edit_task,
    "run_session": _can_run_session,
    "edit_event": _can_edit_event,
}


class Capabilities:
    """``{% if can.manage_schools %}`` in templates."""

    def __init__(self, ctx: TenantContext | None):
        self._ctx = ctx

    def __getitem__(self, perm: str) -> bool:
        return has_perm(self._ctx, perm)

    def __contains__(self, perm: str) -> bool:
        return self[perm]
