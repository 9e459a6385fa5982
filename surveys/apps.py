from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    """Readiness surveys, criteria, teacher self-assessments and pilot groups (inside rollout/)."""

    name = "surveys"
    label = "surveys"
    verbose_name = _("Readiness surveys")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from surveys.shipped import install_shipped_templates

        post_migrate.connect(install_shipped_templates, sender=self)
