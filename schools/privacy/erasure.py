"""Erasing a person (GDPR art. 17): their cloud accounts first, then our records.

1. Each registered part closes what the person has outside the portal (the integrations part:
   every connected provider where the person has an account suspends or deletes it, per the
   municipality's policy). Any failure stops here: nothing of ours is changed, and the result
   says in plain words what to do.
2. In one transaction, each registered part pseudonymises its rows (``registry.PersonalData.erase``):
   the roster row gets a pseudonym and loses every personal field; job items, stored plans and
   uploaded roster files lose the name and address; feedback comments, certificate names and
   certification details are cleared; survey links are unlinked; audit events about the person
   are pseudonymised (the trigger allows it only inside ``schools.audit.redaction``); one
   "person.erase" event records it without personal data.

The retention job erases leavers with step 2 only: the plans suspended their accounts when
they left the roster.
"""

from __future__ import annotations

import re

from django.db import transaction

from schools.audit import ActionContext, record
from schools.models import Person
from schools.privacy.data import footprint
from schools.privacy.policy import policy_for
from schools.privacy.registry import ERASED, Erasing, ErasureResult, Footprint, parts, pseudonym


def erase_person(ctx: ActionContext, person: Person) -> ErasureResult:
    """Officer-initiated erasure (the view checks ``erase_person``)."""
    if person.is_erased:
        raise ValueError("already erased")
    policy = policy_for(ctx.tenant())
    prints = footprint(person)
    result = close_accounts(person, prints, policy.cloud_on_erasure)
    if result.failures:
        # Nothing of ours changes: the person can still be found and erased again.
        record(
            ctx,
            "person.erase_failed",
            changes={"person": person.pk, "providers": [label for label, _what in result.cloud]},
        )
        return result
    pseudonymise_people(ctx, [person], {person.pk: prints}, reason="request", cloud=dict(result.cloud))
    result.erased = True
    return result


def close_accounts(person: Person, prints: Footprint, action: str) -> ErasureResult:
    """Every part closes the person's accounts outside the portal; stop at the first failure."""
    result = ErasureResult(erased=False)
    for part in parts():
        part.close_accounts(person, prints, action, result)
        if result.failures:
            break
    return result


# --- our records ------------------------------------------------------------------------------
def _identifiers(person: Person, prints: Footprint) -> list[str]:
    """The strings that name the person; longest first so that a full name goes before a part."""
    names = {
        person.full_name,
        f"{person.first_name} {person.last_name}",
        f"{person.last_name} {person.first_name}",
        person.personal_email,
        person.account_email,
        *prints.addresses,
    }
    for part in parts():
        names.update(part.identifiers(person, prints))
    return sorted((n.strip() for n in names if n and len(n.strip()) >= 4), key=len, reverse=True)


def _replacer(names: dict[str, str]):
    """``names``: identifier (case-folded) → pseudonym. Replaces each in any casing."""
    if not names:
        return lambda text: text
    ordered = sorted(names, key=len, reverse=True)  # a full name before a part of it
    pattern = re.compile("|".join(re.escape(n) for n in ordered), re.IGNORECASE)
    return lambda text: pattern.sub(lambda match: names.get(match.group(0).casefold(), ERASED), text)


def _erasing(person: Person, prints: Footprint) -> Erasing:
    """What names the person, taken before their row changes."""
    return Erasing(
        person=person,
        prints=prints,
        name=pseudonym(person),
        identifiers=_identifiers(person, prints),
        user_id=person.user_id,
        first=person.first_name.strip().casefold(),
        last=person.last_name.strip().casefold(),
        addresses=set(prints.addresses),
        erased_address=f"erased-{person.pk}",
    )


@transaction.atomic
def pseudonymise_people(
    ctx: ActionContext,
    people: list[Person],
    prints: dict[int, Footprint] | None = None,
    *,
    reason: str,
    cloud: dict | None = None,
) -> int:
    """Erase our records of these people (of ``ctx``'s municipality) in one pass over the shared tables
    (audit trail, plans, roster files): the retention job erases many leavers at once."""
    # One erasure at a time per person: a second officer's click (or the retention job) finds
    # the row already erased and skips it.
    ids = set(
        Person.objects.select_for_update()
        .filter(pk__in=[p.pk for p in people], erased_at__isnull=True)
        .values_list("pk", flat=True)
    )
    people = [p for p in people if p.pk in ids]
    if not people:
        return 0
    prints = prints or {}
    erasing = [_erasing(person, prints.get(person.pk) or footprint(person)) for person in people]
    names: dict[str, str] = {}
    for entry in erasing:
        for identifier in entry.identifiers:
            names.setdefault(identifier.casefold(), entry.name)
    replace = _replacer(names)
    for part in parts():
        part.erase(erasing, replace)
    for entry in erasing:
        entry.person.refresh_from_db()
        record(ctx, "person.erase", entry.person, {"reason": reason, "cloud": cloud or {}})
    return len(erasing)
