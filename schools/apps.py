from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchoolsConfig(AppConfig):
    name = "schools"
    verbose_name = _("Municipalities and schools")

    def ready(self) -> None:
        from schools import signals  # noqa: F401  (audit of sign-in and MFA events)
