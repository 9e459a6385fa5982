"""Every model that points at a person on the roster or at a portal user is declared by the app
that owns it in the personal data registry (``schools.privacy.registry``): exported, erased or
purged by its part (``models``), or kept as it is with a reason (``kept``)."""

from __future__ import annotations

from django.apps import apps
from django.conf import settings

from schools.privacy.registry import covered_models, kept_models, parts, sections

# Models that belong to no app of ours, so no part can declare them; each with its reason.
EXEMPT = {
    # Django admin's log of what platform staff did in the Django admin: staff are on no roster.
    "admin.LogEntry",
    # allauth's records of a member's sign-in (addresses, second factors, external sign-in): they
    # belong to the sign-in, which a roster person's erasure unlinks but keeps (the Members page
    # removes a member).
    "account.EmailAddress",
    "mfa.Authenticator",
    "socialaccount.SocialAccount",
}


def _referencing_models() -> set[str]:
    """Models with a foreign key, one-to-one or many-to-many field to ``Person`` or the user model
    (an auto-created many-to-many table counts for the model that declares the field)."""
    targets = {apps.get_model("schools", "Person"), apps.get_model(settings.AUTH_USER_MODEL)}
    found = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if field.concrete and field.is_relation and field.related_model in targets:
                found.add(model._meta.label)
    return found


def test_every_model_pointing_at_a_person_or_a_user_is_declared_by_a_part():
    declared = set(covered_models()) | set(kept_models()) | EXEMPT
    missing = sorted(_referencing_models() - declared)
    assert not missing, (
        f"{missing}: declare them in the owning app's privacy module (export/erase/purge them, "
        "or keep them with a reason)"
    )


def test_declarations_name_real_models_of_the_declaring_app_once():
    for part in parts():
        app = type(part).__module__.split(".")[0]
        for label in (*part.models, *part.kept):
            assert apps.get_model(label)._meta.app_label == app, (part.key, label)
            assert label not in EXEMPT, label
        for label, reason in part.kept.items():
            assert len(reason) > 20, (part.key, label)  # a reason, not a placeholder
    assert not set(covered_models()) & set(kept_models())


def test_every_app_of_ours_registered_its_part_and_the_export_sections_are_unique():
    owners = {type(part).__module__.split(".")[0] for part in parts()}
    assert {"schools", "integrations", "rollout", "surveys", "trainings"} <= owners
    assert len(sections()) == len(set(sections()))
    assert sections()[:2] == ("person", "schools") and sections()[-2:] == ("audit", "access_log")
