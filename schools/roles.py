"""Role names. What each role may do is decided in ``schools/permissions.py`` only."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OFFICER = "officer", _("Municipal education officer")
    IT_ADMIN = "it_admin", _("IT administrator")
    DIRECTOR = "director", _("School director")
    TRAINER = "trainer", _("Trainer")
    TEACHER = "teacher", _("Teacher")
    COORDINATOR = "coordinator", _("Regional coordinator")

    @classmethod
    def municipal_choices(cls):
        return [
            (r.value, r.label) for r in (cls.OFFICER, cls.IT_ADMIN, cls.DIRECTOR, cls.TRAINER, cls.TEACHER)
        ]

    @classmethod
    def region_choices(cls):
        return [(cls.COORDINATOR.value, cls.COORDINATOR.label)]


# Roles that cannot use the portal before a second factor is enrolled (platform staff too).
MFA_ROLES = frozenset({Role.OFFICER, Role.IT_ADMIN, Role.COORDINATOR})


class PersonRole(models.TextChoices):
    """The role of someone on the roster (who gets which account), not a portal permission."""

    TEACHER = "teacher", _("Teacher")
    STAFF = "staff", _("Staff")
    DIRECTOR = "director", _("Director")
    STUDENT = "student", _("Student")
