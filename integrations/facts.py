"""The fact kind provisioning provides to self-ticking activities (``schools.facts``), registered
by ``IntegrationsConfig.ready()``."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from integrations.models import Layout, Provider
from schools.facts import FactKind, Result


def _domain_verified(subject, schools) -> dict[int, Result]:
    layout = Layout.objects.first()
    if layout is None:
        result = (False, _("No domain chosen yet"))
    else:
        verified = [
            str(Provider(provider).label)
            for provider, status in sorted(layout.domain_status.items())
            if status.get("verified") and provider in Provider.values
        ]
        if verified:
            result = (
                True,
                _("%(domain)s is verified at %(providers)s")
                % {"domain": layout.domain, "providers": ", ".join(verified)},
            )
        else:
            result = (False, _("%(domain)s is not verified yet") % {"domain": layout.domain})
    return {school.pk: result for school in schools}


DOMAIN_VERIFIED = FactKind("domain_verified", gettext_lazy("Domain verified"), _domain_verified, order=20)
