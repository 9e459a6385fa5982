from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    """The read side: dashboards, indicators, charts, council and regional reports."""

    name = "reporting"
    verbose_name = _("Dashboards and reports")
