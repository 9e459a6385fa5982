"""The personal data of trainings: enrolments (with attendance, feedback and the certificate) and
external certifications. Registered by ``TrainingsConfig.ready()`` in the personal data registry
(``schools.privacy.registry``). On erasure the statistics stay; the person's words and name go."""

from __future__ import annotations

from schools.privacy.registry import ERASED, MEMBER_REFERENCE, PersonalData, when
from trainings.models import Certificate, Enrolment, ExternalCertification, Feedback


def _certificate(enrolment):
    try:
        return enrolment.certificate
    except Enrolment.certificate.RelatedObjectDoesNotExist:
        return None


def _feedback(enrolment):
    try:
        return enrolment.feedback
    except Enrolment.feedback.RelatedObjectDoesNotExist:
        return None


class TrainingData(PersonalData):
    key = "trainings"
    order = 20
    models = (
        "trainings.Enrolment",
        "trainings.Attendance",
        "trainings.Feedback",
        "trainings.Certificate",
        "trainings.ExternalCertification",
    )
    kept = {
        "trainings.TrainingSession": MEMBER_REFERENCE,
        "trainings.NetworkEvent": MEMBER_REFERENCE,
        "trainings.CalendarFeed": (
            "a member's private calendar link: a token of their sign-in, which a roster person's "
            "erasure keeps; it goes with the member's account"
        ),
    }
    sections = ("trainings", "certifications")

    def collect(self, person, prints) -> dict[str, list]:
        return {
            "enrolments": list(
                Enrolment.objects.filter(person=person)
                .select_related("session__curriculum", "certificate", "feedback")
                .prefetch_related("attendances", "feedback__answers__question")
                .order_by("queued_at", "pk")
            ),
            "certifications": list(
                ExternalCertification.objects.filter(person=person).order_by("obtained_on", "pk")
            ),
        }

    def export(self, person, prints):
        rows = prints.of(self.key)
        return {
            "trainings": [_enrolment(e) for e in rows["enrolments"]],
            "certifications": [
                {
                    "certification": c.name,
                    "obtained_on": when(c.obtained_on),
                    "expires_on": when(c.expires_on),
                    "evidence_url": c.evidence_url,
                }
                for c in rows["certifications"]
            ],
        }

    def identifiers(self, person, prints):
        return [
            e.certificate.holder_name for e in prints.of(self.key)["enrolments"] if hasattr(e, "certificate")
        ]

    def audit_objects(self, person, prints):
        rows = prints.of(self.key)
        return {
            "trainings.enrolment": [e.pk for e in rows["enrolments"]],
            "trainings.externalcertification": [c.pk for c in rows["certifications"]],
            "trainings.certificate": [
                e.certificate.pk for e in rows["enrolments"] if _certificate(e) is not None
            ],
        }

    def preview(self, person, prints):
        return {"enrolments": len(prints.of(self.key)["enrolments"])}

    def erase(self, erasing, replace):
        for entry in erasing:
            enrolment_ids = [e.pk for e in entry.prints.of(self.key)["enrolments"]]
            Feedback.objects.filter(enrolment_id__in=enrolment_ids).update(comment="")
            Certificate.objects.filter(enrolment_id__in=enrolment_ids).update(holder_name=entry.name)
            certifications = ExternalCertification.objects.filter(person=entry.person)
            certifications.update(evidence_url="")
            certifications.filter(kind=ExternalCertification.Kind.CUSTOM).update(custom_name=ERASED)


def _enrolment(enrolment) -> dict:
    certificate = _certificate(enrolment)
    feedback = _feedback(enrolment)
    return {
        "course": enrolment.session.curriculum.title,
        "session_starts": when(enrolment.session.starts_at),
        "status": enrolment.status,
        "completed_at": when(enrolment.completed_at),
        "meetings_attended": ", ".join(str(a.meeting) for a in enrolment.attendances.all()),
        "feedback_comment": feedback.comment if feedback else "",
        "feedback_scores": (
            "; ".join(f"{a.question.text}: {a.score}" for a in feedback.answers.all()) if feedback else ""
        ),
        "certificate": certificate.code if certificate else "",
        "certificate_name": certificate.holder_name if certificate else "",
        "certificate_issued_on": when(certificate.issued_on) if certificate else "",
    }
