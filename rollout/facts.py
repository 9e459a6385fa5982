"""Activities that tick themselves: the kinds of fact in the registry ``schools.facts``, read for
an activity and its schools.

A kind answers, for an activity and a batch of schools, whether the fact holds and the text to
show ("12 of 14 teachers have an account"). The batch form keeps the number of queries
independent of the number of schools; ``check(activity, school)`` is the single-school form of
the contract. The apps that own the data (integrations, surveys, trainings) register their kinds
from their ``AppConfig.ready()``; this module keeps rollout's own kind (teachers' accounts,
counted from the roster) and reads the registry.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from schools.facts import KINDS, FactKind, Result, available_kinds, is_available  # noqa: F401 (read from here)
from schools.models import Person

REGISTRY = KINDS  # the registered kinds by key


def choices() -> list[tuple[str, str]]:
    return [("", _("Nothing: ticked by hand"))] + [(k.key, k.label) for k in available_kinds()]


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
    from rollout.queries import covered_schools  # cycle: rollout.queries reads account_counts here

    return covered_schools(activity.programme)


# --- Rollout's own kind: counted from the roster ------------------------------------------------


def account_counts(schools) -> dict[int, tuple[int, int]]:
    """School id → (teachers on the roster, of them with an account at a provider); one query."""
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


TEACHER_ACCOUNTS = FactKind(
    "teacher_accounts", gettext_lazy("Accounts created for all teachers"), _teacher_accounts, order=10
)
