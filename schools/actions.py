"""Every write of the schools app: atomic, audited, Celery work enqueued on commit."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django_scopes import scopes_disabled

from schools.audit import ActionContext, record
from schools.models import Invitation, Membership
from schools.roles import Role

_INVITATION_SALT = "schools.invitation"


@dataclass(frozen=True)
class Edit:
    """A row of the municipality to create or update, as values: the instance carrying its new
    field values (not saved yet), its many-to-many values by field name, and what changed as
    ``{field: [old, new]}`` for the audit trail. A view makes one from a model form
    (``schools.forms.edit_from``); an API or a command can build one itself."""

    instance: Model
    m2m: dict[str, Any] = field(default_factory=dict)
    changes: dict[str, Any] = field(default_factory=dict)


@transaction.atomic
def save_for_tenant(
    ctx: ActionContext,
    edit: Edit,
    *,
    audit_action: str,
    audit_extra: dict | None = None,
    creator_field: str = "",
    **fields,
):
    """Create or update a row the municipality owns, also setting ``fields`` (e.g. its parent) and,
    when it is new, the acting user as ``creator_field``; audited as ``<audit_action>.create`` or
    ``.update`` with what changed (and ``audit_extra``)."""
    obj = edit.instance
    creating = obj.pk is None
    obj.municipality = ctx.tenant()  # ValueError outside a municipality
    if creating and creator_field:
        setattr(obj, creator_field, ctx.actor)
    for name, value in fields.items():
        setattr(obj, name, value)
    obj.save()
    for name, value in edit.m2m.items():
        obj._meta.get_field(name).save_form_data(obj, value)
    record(
        ctx,
        f"{audit_action}.create" if creating else f"{audit_action}.update",
        obj,
        {**edit.changes, **(audit_extra or {})},
    )
    return obj


@transaction.atomic
def delete_for_tenant(ctx: ActionContext, obj, *, audit_action: str, changes: dict | None = None) -> None:
    """Delete a row the municipality owns, audited as ``<audit_action>.delete``."""
    record(ctx, f"{audit_action}.delete", obj, changes)
    obj.delete()


@transaction.atomic
def remove_from_roster(ctx: ActionContext, person, *, school_ids=None) -> str:
    """Take a person off the roster without destroying anything: they are marked as having left
    today (plans then suspend their accounts; the retention policy erases their data later), and
    their certificates and training records stay. With ``school_ids`` (a director's schools)
    only those links go while the person still works in another school; "left" when none is
    left. Destroying personal data is the officer's audited erasure (``schools.privacy``).
    Returns what happened: "unlinked" or "left"."""
    person = type(person).objects.select_for_update().get(pk=person.pk)
    today = timezone.localdate()
    if school_ids is not None:
        others = list(person.schools.exclude(pk__in=school_ids).values_list("pk", flat=True))
        if others:
            removed = list(person.schools.filter(pk__in=school_ids).values_list("pk", flat=True))
            person.schools.remove(*removed)
            record(ctx, "person.unlink", person, {"schools": removed})
            return "unlinked"
    if person.left_on is None or person.left_on > today:
        person.left_on = today
        person.save(update_fields=["left_on", "updated_at"])
    record(ctx, "person.leave", person, {"left_on": today.isoformat()})
    return "left"


@transaction.atomic
def invite(ctx: ActionContext, *, email: str, role: str, schools, language: str) -> Invitation:
    """Create an invitation (replacing a pending one for the same address and role) and send it."""
    municipality = ctx.municipality
    email = email.strip().lower()
    Invitation.objects.filter(email=email, role=role, accepted_at=None, revoked_at=None).update(
        revoked_at=timezone.now()
    )
    invitation = Invitation.objects.create(
        municipality=municipality,
        email=email,
        role=role,
        language=language,
        nonce=secrets.token_urlsafe(24),
        invited_by=ctx.actor,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_DAYS),
    )
    invitation.schools.set(schools)
    record(
        ctx,
        "invitation.create",
        invitation,
        {"role": role, "schools": [s.pk for s in schools], "language": language},
    )
    _send_on_commit(invitation)
    return invitation


def _send_on_commit(invitation: Invitation) -> None:
    from schools.tasks import send_invitation  # cycle: schools.tasks uses invitation_token from here

    send_invitation.delay_on_commit(invitation.pk, invitation.municipality_id)


@transaction.atomic
def resend_invitation(ctx: ActionContext, invitation: Invitation) -> None:
    invitation.nonce = secrets.token_urlsafe(24)
    invitation.expires_at = timezone.now() + timedelta(days=settings.INVITATION_DAYS)
    invitation.sent_at = None
    invitation.save(update_fields=["nonce", "expires_at", "sent_at"])
    record(ctx, "invitation.resend", invitation)
    _send_on_commit(invitation)


@transaction.atomic
def revoke_invitation(ctx: ActionContext, invitation: Invitation) -> None:
    Invitation.objects.filter(pk=invitation.pk, revoked_at=None, accepted_at=None).update(
        revoked_at=timezone.now()
    )
    record(ctx, "invitation.revoke", invitation)


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt=_INVITATION_SALT, compress=True)


def invitation_from_token(token: str) -> Invitation | None:
    """The pending invitation a link points to, or None if the link is forged, stale or used."""
    max_age = timedelta(days=settings.INVITATION_DAYS)
    try:
        data = signing.loads(token, salt=_INVITATION_SALT, max_age=max_age)
    except signing.BadSignature:
        return None
    # ESCAPE HATCH: the token itself says which tenant; nobody is signed in to one yet.
    with scopes_disabled():
        invitation = (
            Invitation.objects.select_related("municipality")
            .filter(pk=data.get("i"), nonce=data.get("n"))
            .first()
        )
    if invitation is None or invitation.status != "pending":
        return None
    return invitation


@transaction.atomic
def accept_invitation(ctx: ActionContext, invitation: Invitation, user) -> Membership:
    """Bind the membership the invitation names to ``user`` (whose e-mail matched or who just registered)."""
    with scopes_disabled():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.status != "pending":
            raise ValueError("invitation is no longer pending")
        membership, _created = Membership.objects.get_or_create(
            user=user, municipality=locked.municipality, role=locked.role
        )
        if locked.role == Role.DIRECTOR:
            membership.schools.add(*locked.schools.all())
        locked.accepted_at = timezone.now()
        locked.accepted_by = user
        locked.save(update_fields=["accepted_at", "accepted_by"])
    record(
        replace(ctx, municipality=locked.municipality, actor=user),
        "invitation.accept",
        membership,
        {"role": locked.role, "invitation": locked.pk},
    )
    return membership


@transaction.atomic
def register_invited_user(ctx: ActionContext, invitation: Invitation, *, full_name: str, password: str):
    """Create the account for a new invitee. The link proved the address, so it counts as verified."""
    user = get_user_model().objects.create_user(
        invitation.email, password, full_name=full_name.strip(), language=invitation.language
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    record(replace(ctx, municipality=invitation.municipality, actor=user), "user.create", user)
    return user


def remove_membership(ctx: ActionContext, membership: Membership) -> None:
    delete_for_tenant(ctx, membership, audit_action="membership", changes={"role": membership.role})


@transaction.atomic
def update_director_schools(ctx: ActionContext, membership: Membership, schools) -> None:
    before = sorted(membership.schools.values_list("pk", flat=True))
    membership.schools.set(schools)
    record(ctx, "membership.update", membership, {"schools": [before, sorted(s.pk for s in schools)]})


def set_language(ctx: ActionContext, language: str) -> None:
    """The acting user's own language (nothing for an anonymous visitor: the cookie keeps it)."""
    user = ctx.actor
    if user is not None and user.language != language:
        get_user_model().objects.filter(pk=user.pk).update(language=language)
        user.language = language
        record(ctx, "user.language", user, {"language": language})
