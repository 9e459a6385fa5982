from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RolloutConfig(AppConfig):
    name = "rollout"
    verbose_name = _("Rollout programmes")

    def ready(self):
        # app registry: these modules import models, which load only once every app is ready
        from rollout import demo, signals  # noqa: F401  (signals: a new school joins programmes)
        from rollout.facts import TEACHER_ACCOUNTS
        from rollout.privacy import ProgrammeData
        from schools import facts
        from schools.demo import register_seeder
        from schools.privacy.registry import register

        register(ProgrammeData())
        facts.register(TEACHER_ACCOUNTS)
        register_seeder("programmes", demo.seed, order=30)
