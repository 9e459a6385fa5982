from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RolloutConfig(AppConfig):
    name = "rollout"
    verbose_name = _("Rollout programmes")

    def ready(self):
        from rollout import signals  # noqa: F401
