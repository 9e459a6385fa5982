"""Every write of the schools app: atomic, audited, Celery work enqueued on commit."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from schools.audit import form_changes, log_action
from schools.models import Invitation, Membership, Person, School
from schools.roles import Role

_INVITATION_SALT = "schools.invitation"


@transaction.atomic
def save_tenant_form(request, form, action: str):
    """Create or update a tenant-owned object from a validated model form; audited as
    ``<action>.create`` or ``<action>.update`` with the fields that changed."""
    creating = form.instance.pk is None
    obj = form.save(commit=False)
    obj.municipality = request.tenant.municipality
    obj.save()
    form.save_m2m()
    log_action(
        f"{action}.create" if creating else f"{action}.update",
        obj=obj,
        changes=form_changes(form),
        request=request,
    )
    return obj


def save_school(request, form) -> School:
    return save_tenant_form(request, form, "school")


def save_person(request, form) -> Person:
    return save_tenant_form(request, form, "person")


@transaction.atomic
def delete_person(request, person: Person) -> None:
    log_action("person.delete", obj=person, request=request)
    person.delete()


@transaction.atomic
def invite(request, *, email: str, role: str, schools, language: str) -> Invitation:
    """Create an invitation (replacing a pending one for the same address and role) and send it."""
    municipality = request.tenant.municipality
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
        invited_by=request.user,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_DAYS),
    )
    invitation.schools.set(schools)
    log_action(
        "invitation.create",
        obj=invitation,
        changes={"role": role, "schools": [s.pk for s in schools], "language": language},
        request=request,
    )
    _send_on_commit(invitation)
    return invitation


def _send_on_commit(invitation: Invitation) -> None:
    from schools.tasks import send_invitation  # cycle: schools.tasks imports invitation_token

    send_invitation.delay_on_commit(invitation.pk, invitation.municipality_id)


@transaction.atomic
def resend_invitation(request, invitation: Invitation) -> None:
    invitation.nonce = secrets.token_urlsafe(24)
    invitation.expires_at = timezone.now() + timedelta(days=settings.INVITATION_DAYS)
    invitation.sent_at = None
    invitation.save(update_fields=["nonce", "expires_at", "sent_at"])
    log_action("invitation.resend", obj=invitation, request=request)
    _send_on_commit(invitation)


@transaction.atomic
def revoke_invitation(request, invitation: Invitation) -> None:
    Invitation.objects.filter(pk=invitation.pk, revoked_at=None, accepted_at=None).update(
        revoked_at=timezone.now()
    )
    log_action("invitation.revoke", obj=invitation, request=request)


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
def accept_invitation(request, invitation: Invitation, user) -> Membership:
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
    log_action(
        "invitation.accept",
        actor=user,
        municipality=locked.municipality,
        obj=membership,
        changes={"role": locked.role, "invitation": locked.pk},
        request=request,
    )
    return membership


@transaction.atomic
def register_invited_user(request, invitation: Invitation, *, full_name: str, password: str):
    """Create the account for a new invitee. The link proved the address, so it counts as verified."""
    from allauth.account.models import EmailAddress

    user = get_user_model().objects.create_user(
        invitation.email, password, full_name=full_name.strip(), language=invitation.language
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    log_action("user.create", actor=user, municipality=invitation.municipality, obj=user, request=request)
    return user


@transaction.atomic
def remove_membership(request, membership: Membership) -> None:
    log_action("membership.delete", obj=membership, changes={"role": membership.role}, request=request)
    membership.delete()


@transaction.atomic
def update_director_schools(request, membership: Membership, schools) -> None:
    before = sorted(membership.schools.values_list("pk", flat=True))
    membership.schools.set(schools)
    log_action(
        "membership.update",
        obj=membership,
        changes={"schools": [before, sorted(s.pk for s in schools)]},
        request=request,
    )


def set_language(request, language: str) -> None:
    user = request.user
    if user.is_authenticated and user.language != language:
        get_user_model().objects.filter(pk=user.pk).update(language=language)
        user.language = language
        log_action("user.language", actor=user, obj=user, changes={"language": language}, request=request)
