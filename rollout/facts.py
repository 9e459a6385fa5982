"""Activities that tick themselves: a registry of kinds of fact, each read from the system.

A kind answers, for an activity and a batch of schools, whether the fact holds and the text to
show ("12 of 14 teachers have an account"). The batch form keeps the number of queries
independent of the number of schools for the kinds we compute here; ``check(activity, school)``
is the single-school form of the contract. Kinds provided by other apps (surveys, trainings)
are offered only when that app and its query function are there, and are called by name.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

Result = tuple[bool, str]


@dataclass(frozen=True)
class FactKind:
    key: str
    label: str
    batch: Callable  # (activity, schools: list[School]) -> {school_id: (met, text)}
    available: Callable[[], bool] = lambda: True


REGISTRY: dict[str, FactKind] = {}


def register(kind: FactKind) -> None:
    REGISTRY[kind.key] = kind


def available_kinds() -> list[FactKind]:
    return [kind for kind in REGISTRY.values() if kind.available()]


def choices() -> list[tuple[str, str]]:
    return [("", _("Nothing: ticked by hand"))] + [(k.key, k.label) for k in available_kinds()]


def is_available(key: str) -> bool:
    kind = REGISTRY.get(key)
    return kind is not None and kind.available()


def check(activity, school) -> Result:
    """(met, shown fact) for one school; ``school=None`` means the programme as a whole."""
    kind = REGISTRY[activity.fact_kind]
    schools = [school] if school is not None else list(_covered(activity))
    results = kind.batch(activity, schools)
    if school is not None:
        return results.get(school.pk, (False, ""))
    return summarise(list(results.values()), len(schools))


def summarise(results: list[Result], total: int) -> Result:
    met = sum(1 for ok, _text in results if ok)
    if total and len(results) == 1:
        return results[0]
    return met == total and total > 0, _("%(met)s of %(total)s schools") % {"met": met, "total": total}


def _covered(activity):
    from rollout.queries import covered_schools

    return covered_schools(activity.programme)


def _function(module: str, name: str, app: str):
    """A query function of another app, only when that app is installed and provides it."""
    if not apps.is_installed(app):
        return None
    try:
        return getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None


# --- Kinds computed from this project's own data ---------------------------------------------


def account_counts(schools) -> dict[int, tuple[int, int]]:
    """School id → (teachers on the roster, of them with an account at a provider); one query."""
    from schools.models import Person

    ids = [s.pk for s in schools]
    rows = Person.schools.through.objects.filter(school_id__in=ids, person__role="teacher").values_list(
        "school_id", "person__account_email", "person__account_made_at"
    )
    teachers: dict[int, int] = dict.fromkeys(ids, 0)
    with_account: dict[int, int] = dict.fromkeys(ids, 0)
    for school_id, account_email, account_made_at in rows:
        teachers[school_id] += 1
        if account_email or account_made_at:
            with_account[school_id] += 1
    return {pk: (teachers[pk], with_account[pk]) for pk in ids}


def _teacher_accounts(activity, schools) -> dict[int, Result]:
    out = {}
    for school_id, (teachers, done) in account_counts(schools).items():
        out[school_id] = (
            teachers > 0 and done == teachers,
            _("%(done)s of %(total)s teachers have an account") % {"done": done, "total": teachers},
        )
    return out


def _domain_verified(activity, schools) -> dict[int, Result]:
    from integrations.models import Layout, Provider

    layout = Layout.objects.first()
    if layout is None:
        result = (False, _("No domain chosen yet"))
    else:
        verified = [
            str(Provider(provider).label)
            for provider, status in sorted(layout.domain_status.items())
            if status.get("verified") and provider in Provider.values
        ]
        if verified:
            result = (
                True,
                _("%(domain)s is verified at %(providers)s")
                % {"domain": layout.domain, "providers": ", ".join(verified)},
            )
        else:
            result = (False, _("%(domain)s is not verified yet") % {"domain": layout.domain})
    return {school.pk: result for school in schools}


register(FactKind("teacher_accounts", gettext_lazy("Accounts created for all teachers"), _teacher_accounts))
register(FactKind("domain_verified", gettext_lazy("Domain verified"), _domain_verified))


# --- Kinds from the surveys and trainings apps (when installed) ------------------------------


def _survey_submitted(activity, schools) -> dict[int, Result]:
    submitted = _function("surveys.queries", "schools_with_submitted_survey", "surveys")
    slug = (activity.fact_params or {}).get("template_slug")
    done = submitted(schools, template_slug=slug) if submitted else set()  # one query for all
    out = {}
    for school in schools:
        ok = school.pk in done
        out[school.pk] = (ok, _("Readiness survey submitted") if ok else _("Readiness survey not submitted"))
    return out


def _teachers_trained(activity, schools) -> dict[int, Result]:
    trained = _function("trainings.queries", "teachers_trained_by_school", "trainings")
    params = activity.fact_params or {}
    needed = int(params.get("n", 1))
    counts = trained(schools, curriculum=params.get("curriculum")) if trained and schools else {}
    out = {}
    for school in schools:
        count = counts.get(school.pk, 0)
        out[school.pk] = (
            count >= needed,
            _("%(count)s of %(needed)s teachers trained") % {"count": count, "needed": needed},
        )
    return out


def _event_quota(activity, schools) -> dict[int, Result]:
    quota_met = _function("trainings.queries", "event_quota_met_by_school", "trainings")
    start = activity.starts_on or activity.programme.starts_on
    end = activity.due_on or activity.programme.ends_on or start
    met = quota_met(schools, start, end) if quota_met and schools else {}
    out = {}
    for school in schools:
        ok = met.get(school.pk, False)
        out[school.pk] = (ok, _("Quota of events met") if ok else _("Quota of events not met yet"))
    return out


register(
    FactKind(
        "survey_submitted",
        gettext_lazy("Readiness survey submitted"),
        _survey_submitted,
        lambda: _function("surveys.queries", "survey_submitted", "surveys") is not None,
    )
)
register(
    FactKind(
        "teachers_trained",
        gettext_lazy("Training attended by at least N teachers"),
        _teachers_trained,
        lambda: _function("trainings.queries", "teachers_trained", "trainings") is not None,
    )
)
register(
    FactKind(
        "event_quota",
        gettext_lazy("Quota of events met"),
        _event_quota,
        lambda: _function("trainings.queries", "event_quota_met", "trainings") is not None,
    )
)
