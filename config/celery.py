"""The Celery application: same code in embedded mode (file-system broker) and production (Redis)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Every task runs on infra.tasks.PortalTask (duration logged, delay_on_commit).
app = Celery("school_in_the_cloud", task_cls="infra.tasks:PortalTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
