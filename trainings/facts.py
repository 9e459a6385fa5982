"""What trainings provide to other apps through ``schools.facts``: the fact kinds of self-ticking
activities and the per-school counts of a programme's monitoring page. Registered by
``TrainingsConfig.ready()``."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from schools.facts import FactKind, Result
from trainings.queries import event_quota_met_by_school, teachers_trained_by_school


def _teachers_trained(subject, schools) -> dict[int, Result]:
    params = subject.fact_params or {}
    needed = int(params.get("n", 1))
    counts = teachers_trained_by_school(schools, curriculum=params.get("curriculum")) if schools else {}
    out = {}
    for school in schools:
        count = counts.get(school.pk, 0)
        out[school.pk] = (
            count >= needed,
            _("%(count)s of %(needed)s teachers trained") % {"count": count, "needed": needed},
        )
    return out


def _event_quota(subject, schools) -> dict[int, Result]:
    start, end = subject.fact_period
    met = event_quota_met_by_school(schools, start, end) if schools else {}
    out = {}
    for school in schools:
        ok = met.get(school.pk, False)
        out[school.pk] = (ok, _("Quota of events met") if ok else _("Quota of events not met yet"))
    return out


TEACHERS_TRAINED = FactKind(
    "teachers_trained", gettext_lazy("Training attended by at least N teachers"), _teachers_trained, order=40
)
EVENT_QUOTA = FactKind("event_quota", gettext_lazy("Quota of events met"), _event_quota, order=50)
