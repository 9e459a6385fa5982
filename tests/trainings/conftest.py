from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from schools.models import Person
from tests.factories import PersonFactory
from trainings import actions
from trainings.models import TrainingSession


@pytest.fixture
def course(world):
    """Tenant A's curriculum (two questions, feedback required) and a session of one meeting
    with room for 20, run by A's trainer."""
    with scopes_disabled():
        curriculum = actions.create_curriculum(
            world.a.municipality,
            title="Училище в облака: въведение",
            description="Основи",
            language="bg",
            target_roles=["teacher"],
            modules=[("Gmail и календар", 2), ("Drive", 2)],
            questions=["Беше ли полезно?", "Ясно ли беше?"],
        )
        now = timezone.now()
        session = TrainingSession.objects.create(
            municipality=world.a.municipality,
            curriculum=curriculum,
            place="СУ „Иван Вазов“, зала 12",
            capacity=20,
            trainer=world.a.users["trainer"],
            starts_at=now + timedelta(days=2),
            ends_at=now + timedelta(days=2, hours=4),
        )
    return curriculum, session


def make_teachers(world, n: int) -> list[Person]:
    with scopes_disabled():
        people = []
        for _ in range(n):
            person = PersonFactory(municipality=world.a.municipality)
            person.schools.add(world.a.school)
            people.append(person)
        return people


@pytest.fixture
def eager_tasks():
    """Tasks enqueued on commit run at once in the test process (the worker's job, without a worker)."""
    from config.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False
