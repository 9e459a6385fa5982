"""The personal data of surveys: the personal links sent to teachers (their answers are anonymous
by design). Registered by ``SurveysConfig.ready()`` in the personal data registry
(``schools.privacy.registry``); on erasure a link is unlinked from the person."""

from __future__ import annotations

from schools.privacy.registry import MEMBER_REFERENCE, PersonalData, when
from surveys.models import TeacherLink


class SurveyData(PersonalData):
    key = "surveys"
    order = 30
    models = ("surveys.TeacherLink",)
    kept = {
        "surveys.Campaign": MEMBER_REFERENCE,
        "surveys.Response": MEMBER_REFERENCE + " (a school's answers, given by its director)",
        "surveys.PilotGroup": MEMBER_REFERENCE,
    }
    sections = ("survey_links",)

    def collect(self, person, prints) -> list[TeacherLink]:
        return list(
            TeacherLink.objects.filter(person=person).select_related("campaign", "school").order_by("pk")
        )

    def export(self, person, prints):
        return {
            "survey_links": [
                {
                    "campaign": link.campaign.name,
                    "school": link.school.name,
                    "sent_at": when(link.sent_at),
                    "answered_on": when(link.used_at),
                }
                for link in prints.of(self.key)
            ]
        }

    def erase(self, erasing, replace):
        TeacherLink.objects.filter(person__in=[entry.person for entry in erasing]).update(person=None)
