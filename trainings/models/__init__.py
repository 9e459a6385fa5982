"""Trainings, feedback, certificates, external certifications and targets, network events and quotas."""

from trainings.models.calendars import CalendarFeed
from trainings.models.certifications import CertificationTarget, ExternalCertification
from trainings.models.courses import (
    Attendance,
    Certificate,
    Curriculum,
    CurriculumModule,
    Enrolment,
    Feedback,
    FeedbackAnswer,
    FeedbackQuestion,
    TrainingSession,
)
from trainings.models.events import EventKind as EventKindChoices
from trainings.models.events import NetworkEvent, QuotaRule, QuotaSet

__all__ = [
    "Attendance",
    "CalendarFeed",
    "Certificate",
    "CertificationTarget",
    "Curriculum",
    "CurriculumModule",
    "Enrolment",
    "EventKindChoices",
    "ExternalCertification",
    "Feedback",
    "FeedbackAnswer",
    "FeedbackQuestion",
    "NetworkEvent",
    "QuotaRule",
    "QuotaSet",
    "TrainingSession",
]
