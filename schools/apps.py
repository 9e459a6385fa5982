from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchoolsConfig(AppConfig):
    name = "schools"
    verbose_name = _("Municipalities and schools")

    def ready(self) -> None:
        # app registry: these modules import models, which load only once every app is ready
        from infra.tasks import use_outbox
        from schools import outbox, signals  # noqa: F401  (audit of sign-in and MFA events)
        from schools.privacy.core import RosterData, TrailData
        from schools.privacy.registry import register

        use_outbox(outbox.store)
        register(RosterData())
        register(TrailData())
