"""Erasing a person (GDPR art. 17): their cloud accounts first, then our records.

1. Through the provider interface, every connected provider where the person has an account
   suspends or deletes it (the municipality's policy). Any failure stops here: nothing of ours
   is changed, and the result says in plain words what to do.
2. In one transaction: the roster row gets a pseudonym and loses every personal field; job
   items, stored plans and uploaded roster files lose the name and address; feedback comments,
   certificate names and certification details are cleared; survey links are unlinked; audit
   events about the person are pseudonymised (the trigger allows it only inside
   ``schools.audit.redaction``); one "person.erase" event records it without personal data.

The retention job erases leavers with step 2 only: the plans suspended their accounts when
they left the roster.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from schools.audit import log_action, redaction
from schools.models import AuditEvent, Person
from schools.privacy.data import Footprint, footprint
from schools.privacy.policy import policy_for

ERASED = "[erased]"


def pseudonym(person: Person) -> str:
    return f"Erased person #{person.pk}"


@dataclass
class ErasureResult:
    erased: bool
    # (provider label, what happened): "suspended", "deleted", "no account"
    cloud: list[tuple[str, str]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    # Providers where the person has an account the portal can no longer reach (no connection).
    unreachable: list[str] = field(default_factory=list)


def erase_person(request, person: Person) -> ErasureResult:
    """Officer-initiated erasure (the view checks ``erase_person``)."""
    if person.is_erased:
        raise ValueError("already erased")
    municipality = request.tenant.municipality
    policy = policy_for(municipality)
    prints = footprint(person)
    result = close_cloud_accounts(person, prints, policy.cloud_on_erasure)
    if result.failures:
        # Nothing of ours changes: the person can still be found and erased again.
        log_action(
            "person.erase_failed",
            municipality=municipality,
            changes={"person": person.pk, "providers": [label for label, _what in result.cloud]},
            request=request,
        )
        return result
    pseudonymise(
        person,
        prints,
        actor=request.user,
        request=request,
        reason="request",
        cloud=dict(result.cloud),
    )
    result.erased = True
    return result


def _addresses_by_provider(person: Person, prints: Footprint) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for item in prints.job_items:
        if item.op.endswith("_user") and "@" in item.key:
            found.setdefault(item.job.provider, set()).add(item.key)
    return found


def close_cloud_accounts(person: Person, prints: Footprint, action: str) -> ErasureResult:
    """Suspend or delete the person's accounts at every connected provider; stop at the first failure."""
    from integrations.models import Connection, Provider
    from integrations.providers import PermanentError, TemporaryError, client_for

    labels = dict(Provider.choices)
    result = ErasureResult(erased=False)
    by_provider = _addresses_by_provider(person, prints)
    connections = list(Connection.objects.order_by("provider"))
    connected = {c.provider for c in connections}
    result.unreachable = [str(labels[p]) for p in sorted(by_provider) if p not in connected]
    op = "delete_user" if action == "delete" else "suspend_user"
    for connection in connections:
        label = str(labels.get(connection.provider, connection.provider))
        addresses = by_provider.get(connection.provider, set()) | ({person.account_email} - {""})
        if not addresses:
            continue
        try:
            client = client_for(connection)
        except Exception:  # a stored secret the client cannot use: the connection is broken
            result.failures.append(
                _(
                    "%(provider)s: the portal cannot use the stored connection. Nothing was erased in the "
                    "portal. Fix the connection on the Connections page (or close the account at "
                    "%(provider)s yourself), then erase again."
                )
                % {"provider": label}
            )
            return result
        try:
            outcomes = []
            for address in sorted(addresses):
                if client.apply("find_user", address, {}) == "absent":
                    continue
                outcomes.append(client.apply(op, address, {}))
        except TemporaryError as error:
            result.failures.append(
                _(
                    "%(provider)s did not answer in time (%(reason)s). Nothing was erased in the portal. "
                    "Try again in a few minutes; if it keeps failing, test the connection on the "
                    "Connections page."
                )
                % {"provider": label, "reason": error}
            )
            return result
        except PermanentError as error:
            result.failures.append(
                _(
                    "%(provider)s refused (%(reason)s). Nothing was erased in the portal. Fix the "
                    "connection's permissions (or close the account at %(provider)s yourself), then "
                    "erase again."
                )
                % {"provider": label, "reason": error}
            )
            return result
        finally:
            client.close()
        result.cloud.append((label, outcomes[0] if outcomes else "no account"))
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
        *(e.certificate.holder_name for e in prints.enrolments if hasattr(e, "certificate")),
    }
    if person.user_id:
        names |= {person.user.email, person.user.full_name}
    return sorted((n.strip() for n in names if n and len(n.strip()) >= 4), key=len, reverse=True)


def _replacer(names: dict[str, str]):
    """``names``: identifier (case-folded) → pseudonym. Replaces each in any casing."""
    if not names:
        return lambda text: text
    ordered = sorted(names, key=len, reverse=True)  # a full name before a part of it
    pattern = re.compile("|".join(re.escape(n) for n in ordered), re.IGNORECASE)
    return lambda text: pattern.sub(lambda match: names.get(match.group(0).casefold(), ERASED), text)


def _scrub(value, replace):
    """Every string inside a JSON value passed through ``replace``."""
    if isinstance(value, str):
        return replace(value)
    if isinstance(value, list):
        return [_scrub(v, replace) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, replace) for k, v in value.items()}
    return value


@transaction.atomic
def pseudonymise(
    person: Person,
    prints: Footprint | None = None,
    *,
    actor=None,
    request=None,
    reason: str,
    cloud: dict | None = None,
) -> None:
    pseudonymise_people(
        [person],
        {person.pk: prints} if prints else None,
        actor=actor,
        request=request,
        reason=reason,
        cloud=cloud,
    )


@transaction.atomic
def pseudonymise_people(
    people: list[Person],
    prints: dict[int, Footprint] | None = None,
    *,
    actor=None,
    request=None,
    reason: str,
    cloud: dict | None = None,
) -> int:
    """Erase our records of these people (one municipality) in one pass over the shared tables
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
    erasing = [_Erasing(person, prints.get(person.pk) or footprint(person)) for person in people]
    names: dict[str, str] = {}
    for entry in erasing:
        for identifier in entry.identifiers:
            names.setdefault(identifier.casefold(), entry.name)
    replace = _replacer(names)
    for entry in erasing:
        _erase_own_rows(entry, replace)
    _scrub_plans(erasing, replace)
    _scrub_roster_files(erasing)
    _pseudonymise_audit(erasing, replace)
    for entry in erasing:
        entry.person.refresh_from_db()
        log_action(
            "person.erase",
            actor=actor,
            municipality=entry.person.municipality,
            obj=entry.person,
            changes={"reason": reason, "cloud": cloud or {}},
            request=request,
        )
    return len(erasing)


class _Erasing:
    """One person being erased: what names them, before their row changes."""

    def __init__(self, person: Person, prints: Footprint):
        self.person = person
        self.prints = prints
        self.name = pseudonym(person)
        self.identifiers = _identifiers(person, prints)
        self.user_id = person.user_id
        self.first = person.first_name.strip().casefold()
        self.last = person.last_name.strip().casefold()
        self.addresses = set(prints.addresses)
        self.erased_address = f"erased-{person.pk}"


def _erase_own_rows(entry: _Erasing, replace) -> None:
    from integrations.models import JobItem
    from surveys.models import TeacherLink
    from trainings.models import Certificate, ExternalCertification, Feedback

    person, prints = entry.person, entry.prints
    now = timezone.now()
    Person.objects.filter(pk=person.pk).update(
        first_name="Erased person",
        middle_name="",
        last_name=f"#{person.pk}",
        personal_email="",
        account_email="",
        account_made_at=None,
        login_override="",
        user=None,
        erased_at=now,
        updated_at=now,
    )
    person.schools.clear()

    # Provisioning: job items keep what happened, not who it happened to.
    for item in prints.job_items:
        payload = _scrub(item.payload, replace)
        for key in ("given", "family"):
            if key in payload:
                payload[key] = ERASED
        JobItem.objects.filter(pk=item.pk).update(
            key=entry.erased_address if item.key in entry.addresses else replace(item.key),
            payload=payload,
            secret_ciphertext="",
        )
    if entry.addresses:
        memberships = JobItem.objects.filter(
            op__in=["add_member", "remove_member"], payload__member__in=sorted(entry.addresses)
        )
        for item in memberships.only("pk", "payload"):
            JobItem.objects.filter(pk=item.pk).update(
                payload={**item.payload, "member": entry.erased_address}
            )

    # Trainings and surveys: statistics stay, the person's words and name go.
    enrolment_ids = [e.pk for e in prints.enrolments]
    Feedback.objects.filter(enrolment_id__in=enrolment_ids).update(comment="")
    Certificate.objects.filter(enrolment_id__in=enrolment_ids).update(holder_name=entry.name)
    ExternalCertification.objects.filter(person=person).update(evidence_url="")
    ExternalCertification.objects.filter(person=person, kind=ExternalCertification.Kind.CUSTOM).update(
        custom_name=ERASED
    )
    TeacherLink.objects.filter(person=person).update(person=None)


def _scrub_plans(erasing: list[_Erasing], replace) -> None:
    from integrations.models import Plan

    by_id = {entry.person.pk for entry in erasing}
    addresses = set().union(*(entry.addresses for entry in erasing))
    for plan in Plan.objects.only("pk", "items").iterator(chunk_size=20):
        items, changed = [], False
        for item in plan.items:
            details = item.get("details") or {}
            if (
                item.get("person") in by_id
                or item.get("key") in addresses
                or details.get("member") in addresses
            ):
                item = _scrub(item, replace)
                details = item.get("details") or {}
                item["details"] = {k: ERASED if k in ("given", "family") else v for k, v in details.items()}
                changed = True
            items.append(item)
        if changed:
            Plan.objects.filter(pk=plan.pk).update(items=items)


def _scrub_roster_files(erasing: list[_Erasing]) -> None:
    """A row of an uploaded file that holds a person's first and last name is blanked."""
    from integrations.models import RosterImport

    for upload in RosterImport.objects.only("pk", "table").iterator(chunk_size=20):
        table, changed = upload.table, False
        for row in table.get("rows", []):
            cells = {str(c).strip().casefold() for c in row}
            if any(entry.first in cells and entry.last in cells for entry in erasing):
                row[:] = ["" for _cell in row]
                changed = True
        if changed:
            RosterImport.objects.filter(pk=upload.pk).update(table=table)


def _pseudonymise_audit(erasing: list[_Erasing], replace) -> None:
    """Every event of the municipality that names one of the people, and every event their portal
    users did, says "Erased person #id" instead; events about their roster rows keep no value."""
    rows = {str(entry.person.pk): entry.name for entry in erasing}
    users = {entry.user_id: entry.name for entry in erasing if entry.user_id is not None}
    changed = []
    with redaction():
        events = AuditEvent.objects.only(
            "pk", "object_type", "object_id", "object_repr", "changes", "actor", "actor_label"
        )
        for event in events.iterator(chunk_size=2000):
            own = rows.get(event.object_id) if event.object_type == "schools.person" else None
            if own is not None:  # everything an event about the person's row recorded was theirs
                repr_, changes = own, _scrub(event.changes, lambda _text: ERASED)
            else:
                repr_, changes = replace(event.object_repr), _scrub(event.changes, replace)
            actor_label, actor_id = event.actor_label, event.actor_id
            if actor_id in users:
                actor_label, actor_id = users[actor_id], None
            if (repr_, changes, actor_label, actor_id) != (
                event.object_repr,
                event.changes,
                event.actor_label,
                event.actor_id,
            ):
                event.object_repr, event.changes = repr_[:255], changes
                event.actor_label, event.actor_id = actor_label, actor_id
                changed.append(event)
        for start in range(0, len(changed), 500):
            AuditEvent.objects.bulk_update(
                changed[start : start + 500], ["object_repr", "changes", "actor_label", "actor"]
            )
