"""Sign-in, sign-out and MFA events go to the audit trail."""

from allauth.account.signals import password_changed, password_reset
from allauth.mfa.signals import authenticator_added, authenticator_removed
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from schools.audit import log_action
from schools.middleware import forget_mfa_state


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    log_action("user.login", actor=user, obj=user, request=request)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        log_action("user.logout", actor=user, obj=user, request=request)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    email = str(credentials.get("email") or credentials.get("username") or "")[:254]
    log_action("user.login_failed", changes={"email": email}, request=request)


@receiver(authenticator_added)
def _mfa_added(sender, request, user, authenticator, **kwargs):
    log_action("user.mfa_added", actor=user, obj=user, changes={"type": authenticator.type}, request=request)


@receiver(authenticator_removed)
def _mfa_removed(sender, request, user, authenticator, **kwargs):
    forget_mfa_state(request)
    log_action(
        "user.mfa_removed", actor=user, obj=user, changes={"type": authenticator.type}, request=request
    )


@receiver(password_changed)
@receiver(password_reset)
def _password_changed(sender, request, user, **kwargs):
    log_action("user.password_changed", actor=user, obj=user, request=request)
