from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    """The read side: dashboards, indicators, charts, council and regional reports."""

    name = "reporting"
    verbose_name = _("Dashboards and reports")

    def ready(self) -> None:
        # app registry: the demo imports models, which load only once every app is ready
        from reporting import demo
        from schools.demo import register_seeder

        register_seeder("dashboards", demo.seed, order=40)
