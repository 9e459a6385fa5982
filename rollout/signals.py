"""A school added to a municipality joins its programmes that cover all schools."""

from django.db.models.signals import post_save
from django.dispatch import receiver
from django_scopes import scope

from rollout.actions.programmes import sync_tasks
from rollout.models import Programme
from schools.models import School


@receiver(post_save, sender=School, dispatch_uid="rollout.school_joins_programmes")
def school_joins_programmes(sender, instance: School, created: bool, raw: bool = False, **kwargs):
    if not created or raw:
        return
    with scope(municipality=instance.municipality_id):
        for programme in Programme.objects.filter(coverage=Programme.Coverage.ALL):
            sync_tasks(programme)
