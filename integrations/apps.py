from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = _("Provider integrations")

    def ready(self) -> None:
        # app registry: these modules import models, which load only once every app is ready
        from integrations.facts import DOMAIN_VERIFIED
        from integrations.privacy import ProvisioningData
        from schools import facts
        from schools.privacy.registry import register

        register(ProvisioningData())
        facts.register(DOMAIN_VERIFIED)
