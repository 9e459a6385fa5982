from django.apps import AppConfig


class InfraConfig(AppConfig):
    """Installed only for its template tags (downloads, exports); it has no models."""

    name = "infra"
    verbose_name = "Portal infrastructure"
