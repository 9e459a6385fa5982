from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingsConfig(AppConfig):
    name = "trainings"
    verbose_name = _("Trainings and events")

    def ready(self) -> None:
        # app registry: these modules import models, which load only once every app is ready
        from schools import facts
        from schools.demo import register_seeder
        from schools.privacy.registry import register
        from trainings import demo, queries
        from trainings.facts import EVENT_QUOTA, TEACHERS_TRAINED
        from trainings.privacy import TrainingData

        register(TrainingData())
        facts.register(TEACHERS_TRAINED)
        facts.register(EVENT_QUOTA)
        facts.register_query("teachers_trained", queries.teachers_trained_by_school)
        facts.register_query("events_held", queries.events_held_by_school)
        register_seeder("trainings", demo.seed, order=10)
