"""Survey objects for a test tenant (used by the isolation walk and the survey tests)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone
from django_scopes import scopes_disabled

from surveys.models import Campaign, Evidence, Response, SurveyTemplate


@dataclass
class SurveyObjects:
    campaign: Campaign
    response: Response
    evidence: Evidence


def template(slug: str = "altai-pilot-criteria") -> SurveyTemplate:
    return SurveyTemplate.objects.filter(slug=slug).order_by("-version").first()


def survey_objects(tenant) -> SurveyObjects:
    """An Altai campaign sent to both schools of the tenant, with one evidence file (made once)."""
    cached = getattr(tenant, "_survey_objects", None)
    if cached is not None:
        return cached
    with scopes_disabled():
        campaign = Campaign.objects.create(
            municipality=tenant.municipality,
            template=template(),
            teacher_template=template("digcompedu"),
            name="Отбор пилотных школ",
            deadline=timezone.localdate() + timedelta(days=14),
        )
        response = Response.objects.create(
            municipality=tenant.municipality, campaign=campaign, school=tenant.school
        )
        Response.objects.create(
            municipality=tenant.municipality, campaign=campaign, school=tenant.other_school
        )
        evidence = Evidence(
            municipality=tenant.municipality,
            response=response,
            question="library_lan_evidence",
            name="lan.txt",
        )
        evidence.file.save("lan.txt", ContentFile(b"network plan"), save=True)
    tenant._survey_objects = SurveyObjects(campaign, response, evidence)
    return tenant._survey_objects
