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
    from integrations.base import PermanentError, TemporaryError, client_for
    from integrations.models import Connection, Provider

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
                    "%(provider)s: the portal cannot use the stored connection. Nothing was erased. "
                    "Fix the connection on the Connections page (or close the account at %(provider)s "
                    "yourself), then erase again."
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
                    "%(provider)s did not answer in time (%(reason)s). Nothing was erased. "
                    "Try again in a few minutes; if it keeps failing, test the connection on the "
                    "Connections page."
                )
                % {"provider": label, "reason": error}
            )
            return result
        except PermanentError as error:
            result.failures.append(
                _(
                    "%(provider)s refused (%(reason)s). Nothing was erased. Fix the connection's "
                    "permissions (or close the account at %(provider)s yourself), then erase again."
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


def _replacer(identifiers: list[str], replacement: str):
    if not identifiers:
        return lambda text: text
    pattern = re.compile("|".join(re.escape(n) for n in identifiers), re.IGNORECASE)
    return lambda text: pattern.sub(replacement, text)


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
    from integrations.models import JobItem, Plan, RosterImport
    from rollout.surveys.models import TeacherLink
    from trainings.models import Certificate, ExternalCertification, Feedback

    # One erasure at a time per person: a second officer's click (or the retention job) finds
    # the row already erased and stops.
    if not Person.objects.select_for_update().filter(pk=person.pk, erased_at__isnull=True).exists():
        return
    prints = prints or footprint(person)
    name = pseudonym(person)
    identifiers = _identifiers(person, prints)
    replace = _replacer(identifiers, name)
    user_id = person.user_id
    first, last = person.first_name.strip().casefold(), person.last_name.strip().casefold()
    now = timezone.now()

    Person.objects.filter(pk=person.pk).update(
        first_name="Erased person",
        middle_name="",
        last_name=f"#{person.pk}",
        personal_email="",
        account_email="",
        login_override="",
        user=None,
        erased_at=now,
        updated_at=now,
    )
    person.schools.clear()

    # Provisioning: job items keep what happened, not who it happened to.
    erased_address = f"erased-{person.pk}"
    for item in prints.job_items:
        payload = _scrub(item.payload, replace)
        for key in ("given", "family"):
            if key in payload:
                payload[key] = ERASED
        JobItem.objects.filter(pk=item.pk).update(
            key=erased_address if "@" in item.key and item.key in prints.addresses else replace(item.key),
            payload=payload,
            secret_ciphertext="",
        )
    memberships = JobItem.objects.filter(op__in=["add_member", "remove_member"])
    memberships.filter(payload__member__in=prints.addresses).update(payload={"member": erased_address})
    for plan in Plan.objects.only("pk", "items"):
        items, changed = [], False
        for entry in plan.items:
            details = entry.get("details") or {}
            if (
                entry.get("person") == person.pk
                or entry.get("key") in prints.addresses
                or details.get("member") in prints.addresses
            ):
                entry = _scrub(entry, replace)
                details = entry.get("details") or {}
                entry["details"] = {k: ERASED if k in ("given", "family") else v for k, v in details.items()}
                changed = True
            items.append(entry)
        if changed:
            Plan.objects.filter(pk=plan.pk).update(items=items)
    for upload in RosterImport.objects.only("pk", "table"):
        table, changed = upload.table, False
        for row in table.get("rows", []):
            cells = {str(c).strip().casefold() for c in row}
            if first in cells and last in cells:
                row[:] = ["" for _cell in row]
                changed = True
        if changed:
            RosterImport.objects.filter(pk=upload.pk).update(table=table)

    # Trainings and surveys: statistics stay, the person's words and name go.
    enrolment_ids = [e.pk for e in prints.enrolments]
    Feedback.objects.filter(enrolment_id__in=enrolment_ids).update(comment="")
    Certificate.objects.filter(enrolment_id__in=enrolment_ids).update(holder_name=name)
    ExternalCertification.objects.filter(person=person).update(evidence_url="")
    ExternalCertification.objects.filter(person=person, kind=ExternalCertification.Kind.CUSTOM).update(
        custom_name=ERASED
    )
    TeacherLink.objects.filter(person=person).update(person=None)

    _pseudonymise_audit(person, user_id, replace, name)
    person.refresh_from_db()
    log_action(
        "person.erase",
        actor=actor,
        municipality=person.municipality,
        obj=person,
        changes={"reason": reason, "cloud": cloud or {}},
        request=request,
    )


def _pseudonymise_audit(person, user_id, replace, name: str) -> None:
    """Every event of the municipality that names the person, and every event the person's portal
    user did, says "Erased person #id" instead."""
    changed = []
    with redaction():
        events = AuditEvent.objects.only(
            "pk", "object_type", "object_id", "object_repr", "changes", "actor", "actor_label"
        )
        for event in events.iterator(chunk_size=2000):
            is_person = event.object_type == "schools.person" and event.object_id == str(person.pk)
            repr_ = name if is_person else replace(event.object_repr)
            if is_person:  # everything an event about the person's row recorded was theirs
                changes = _scrub(event.changes, lambda _text: ERASED)
            else:
                changes = _scrub(event.changes, replace)
            actor_label = event.actor_label
            actor_id = event.actor_id
            if user_id is not None and event.actor_id == user_id:
                actor_label, actor_id = name, None
            if (repr_, changes, actor_label, actor_id) != (
                event.object_repr,
                event.changes,
                event.actor_label,
                event.actor_id,
            ):
                event.object_repr, event.changes, event.actor_label, event.actor_id = (
                    repr_[:255],
                    changes,
                    actor_label,
                    actor_id,
                )
                changed.append(event)
        for start in range(0, len(changed), 500):
            AuditEvent.objects.bulk_update(
                changed[start : start + 500], ["object_repr", "changes", "actor_label", "actor"]
            )
