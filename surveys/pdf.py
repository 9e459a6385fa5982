"""A school's readiness report as PDF, in the school's language (WeasyPrint, our fonts only)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation

from infra import pdf
from surveys import queries, scoring
from surveys.models import Response


def school_language(school) -> str:
    """Schools speak their municipality's language."""
    return school.municipality.language


def render_report(response: Response) -> bytes:
    campaign = response.campaign
    with translation.override(school_language(response.school)):
        stats = queries.teacher_stats(campaign).get(response.school_id, scoring.TeacherStats())
        evaluation = None
        if response.status == Response.Status.SUBMITTED and campaign.template.has_criteria:
            evaluation = scoring.evaluate(campaign.template.definition, response.answers, stats)
        html = render_to_string(
            "surveys/report_pdf.html",
            {
                "campaign": campaign,
                "response": response,
                "school": response.school,
                "municipality": campaign.municipality,
                "evaluation": evaluation,
                "teachers": stats,
                "sections": queries.answered_sections(campaign.template.definition, response.answers),
                "language": school_language(response.school),
                **pdf.dejavu_fonts(),
            },
        )
    return pdf.write_pdf(html)
