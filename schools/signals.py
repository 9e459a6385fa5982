"""Sign-in, sign-out and MFA events go to the audit trail; the account's own address counts as proven."""

from dataclasses import replace

from allauth.account.models import EmailAddress
from allauth.account.signals import password_changed, password_reset
from allauth.mfa.signals import authenticator_added, authenticator_removed
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import pre_save
from django.dispatch import receiver

from schools.audit import ActionContext, context_from, record
from schools.middleware import forget_mfa_state


def _audit(request, action: str, user=None, changes: dict | None = None) -> None:
    """An account event; ``user`` is the account, the actor when given (else whoever is signed in)."""
    ctx = context_from(request) if request is not None else ActionContext(None)
    record(replace(ctx, actor=user or ctx.actor), action, user, changes)


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    _audit(request, "user.login", user)
    if request is not None:
        request.signed_in_login = user.email  # remembered as a known device (KnownDeviceMiddleware)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        _audit(request, "user.logout", user)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    email = str(credentials.get("email") or credentials.get("username") or "")[:254]
    _audit(request, "user.login_failed", changes={"email": email})


@receiver(pre_save, sender=EmailAddress)
def _account_address_is_proven(sender, instance, **kwargs):
    """The address an account was made for is proven: accounts come only from invitations,
    whose link went to it (or from the platform's staff). allauth records it unverified when
    the e-mail page is first opened, and an unverified address blocks TOTP enrolment — so an
    officer who looked at that page first could not enrol. Other addresses a person adds stay
    unverified until confirmed."""
    if not instance.verified and instance.user_id and instance.email.lower() == instance.user.email.lower():
        instance.verified = True


@receiver(authenticator_added)
def _mfa_added(sender, request, user, authenticator, **kwargs):
    _audit(request, "user.mfa_added", user, {"type": authenticator.type})


@receiver(authenticator_removed)
def _mfa_removed(sender, request, user, authenticator, **kwargs):
    forget_mfa_state(request)
    _audit(request, "user.mfa_removed", user, {"type": authenticator.type})


@receiver(password_changed)
@receiver(password_reset)
def _password_changed(sender, request, user, **kwargs):
    _audit(request, "user.password_changed", user)
