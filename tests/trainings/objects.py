"""One of each trainings object for a test tenant, made on first use (the isolation walk's ids)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_scopes import scopes_disabled

from schools.models import Person
from trainings import actions
from trainings.models import (
    Certificate,
    Curriculum,
    Enrolment,
    ExternalCertification,
    NetworkEvent,
    QuotaRule,
    QuotaSet,
    TrainingSession,
)


def training_objects(t) -> dict:
    """Curriculum, session, enrolment (of a person linked to the tenant's all-roles user),
    certificate, certification, event and quota set of the tenant ``t`` (tests.factories.Tenant)."""
    municipality = t.municipality
    with scopes_disabled():
        curriculum = Curriculum.objects.filter(municipality=municipality).first()
        if curriculum is None:
            curriculum = actions.create_curriculum(
                municipality,
                title="Училище в облака: въведение",
                description="",
                language="bg",
                target_roles=["teacher"],
                modules=[("Gmail", 2)],
                questions=["Полезно ли беше?"],
            )
        session = TrainingSession.objects.filter(municipality=municipality).first()
        if session is None:
            now = timezone.now()
            session = TrainingSession.objects.create(
                municipality=municipality,
                curriculum=curriculum,
                place="Зала 1",
                starts_at=now + timedelta(days=1),
                ends_at=now + timedelta(days=1, hours=3),
                trainer=t.users["trainer"],
            )
        person = Person.objects.filter(municipality=municipality, user=t.users["all"]).first()
        if person is None:
            person = Person.objects.create(
                municipality=municipality, first_name="Анна", last_name="Петрова", user=t.users["all"]
            )
            person.schools.add(t.school)
        enrolment = Enrolment.objects.filter(session=session).first()
        if enrolment is None:
            enrolment = Enrolment.objects.create(
                municipality=municipality, session=session, person=person, queued_at=timezone.now()
            )
        certificate = Certificate.objects.filter(municipality=municipality).first()
        if certificate is None:
            certificate = Certificate.objects.create(
                municipality=municipality,
                enrolment=enrolment,
                code=actions.new_certificate_code(),
                holder_name=person.full_name,
                course=curriculum.title,
                issued_on=timezone.localdate(),
                issuer=municipality.name,
                language=municipality.language,
            )
        certification = ExternalCertification.objects.filter(municipality=municipality).first()
        if certification is None:
            certification = ExternalCertification.objects.create(
                municipality=municipality,
                person=person,
                kind=ExternalCertification.Kind.GOOGLE_EDUCATOR_1,
                obtained_on=timezone.localdate(),
            )
        event = NetworkEvent.objects.filter(municipality=municipality).first()
        if event is None:
            event = NetworkEvent.objects.create(
                municipality=municipality,
                kind="webinar",
                title="Вебинар",
                school=t.school,
                starts_at=timezone.now(),
            )
        quota_set = QuotaSet.objects.filter(municipality=municipality).first()
        if quota_set is None:
            quota_set = QuotaSet.objects.create(municipality=municipality, name="Квоти")
            QuotaRule.objects.create(quota_set=quota_set, kind="webinar", minimum=1, period="quarter")
    return {
        "curriculum": curriculum,
        "session": session,
        "person": person,
        "enrolment": enrolment,
        "certificate": certificate,
        "certification": certification,
        "event": event,
        "quota_set": quota_set,
    }


TRAINING_KWARGS = {
    "curriculum_id": lambda t: training_objects(t)["curriculum"].pk,
    "session_id": lambda t: training_objects(t)["session"].pk,
    "enrolment_id": lambda t: training_objects(t)["enrolment"].pk,
    "certificate_id": lambda t: training_objects(t)["certificate"].pk,
    "certification_id": lambda t: training_objects(t)["certification"].pk,
    "event_id": lambda t: training_objects(t)["event"].pk,
    "quota_set_id": lambda t: training_objects(t)["quota_set"].pk,
}
