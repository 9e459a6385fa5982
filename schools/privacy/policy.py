"""The municipality's personal data policy, with defaults for a municipality that never saved one."""

from __future__ import annotations

from django.conf import settings

from schools.models import Municipality, PrivacyPolicy

# Category → the policy field holding its retention in days (the purge report uses these names).
CATEGORIES = {
    "leavers": "leavers_days",
    "imports": "imports_days",
    "credentials": "credentials_days",
    "audit": "audit_days",
}


def policy_for(municipality: Municipality) -> PrivacyPolicy:
    """The saved policy, or an unsaved one with the defaults (reading never writes)."""
    policy = PrivacyPolicy.objects.filter(municipality=municipality).first()
    if policy is None:
        policy = PrivacyPolicy(municipality=municipality)
    # The platform's ceiling for temporary passwords wins over a longer municipal choice.
    policy.credentials_days = min(policy.credentials_days, settings.CREDENTIAL_RETENTION_DAYS)
    return policy


def retention_days(policy: PrivacyPolicy) -> dict[str, int]:
    return {category: getattr(policy, field) for category, field in CATEGORIES.items()}
