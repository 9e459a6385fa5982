"""The fact kind surveys provide to self-ticking activities (``schools.facts``), registered by
``SurveysConfig.ready()``."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from schools.facts import FactKind, Result
from surveys.queries import schools_with_submitted_survey


def _survey_submitted(subject, schools) -> dict[int, Result]:
    slug = (subject.fact_params or {}).get("template_slug")
    done = schools_with_submitted_survey(schools, template_slug=slug)  # one query for all
    out = {}
    for school in schools:
        ok = school.pk in done
        out[school.pk] = (ok, _("Readiness survey submitted") if ok else _("Readiness survey not submitted"))
    return out


SURVEY_SUBMITTED = FactKind(
    "survey_submitted", gettext_lazy("Readiness survey submitted"), _survey_submitted, order=30
)
