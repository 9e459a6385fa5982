from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    """Readiness surveys, criteria, teacher self-assessments and pilot groups."""

    name = "surveys"
    label = "surveys"
    verbose_name = _("Readiness surveys")

    def ready(self) -> None:
        # app registry: these modules import models, which load only once every app is ready
        from django.db.models.signals import post_migrate

        from schools import facts
        from schools.demo import register_seeder
        from schools.privacy.registry import register
        from surveys import queries
        from surveys.demo import seed_surveys
        from surveys.facts import SURVEY_SUBMITTED
        from surveys.privacy import SurveyData
        from surveys.shipped import install_shipped_templates

        post_migrate.connect(install_shipped_templates, sender=self)
        register(SurveyData())
        facts.register(SURVEY_SUBMITTED)
        facts.register_query("pilot_groups", queries.pilot_groups)
        register_seeder("surveys", seed_surveys, order=20)
