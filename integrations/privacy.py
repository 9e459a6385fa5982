"""The personal data of provisioning: job items (what happened to whose account), stored plans,
uploaded roster files and the accounts at the providers. Registered by
``IntegrationsConfig.ready()`` in the personal data registry (``schools.privacy.registry``).

On erasure, the person's accounts at every connected provider are suspended or deleted first
(the municipality's policy), and only then are our records pseudonymised."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from integrations.models import Connection, JobItem, PlanOperation, Provider, RosterImport, RosterImportRow
from integrations.providers import PermanentError, TemporaryError, client_for
from schools.privacy.registry import ERASED, MEMBER_REFERENCE, PersonalData, scrub, when


def _is_account(item: JobItem) -> bool:
    return item.op.endswith("_user") and "@" in item.key


class ProvisioningData(PersonalData):
    key = "integrations"
    order = 10
    models = (
        "integrations.JobItem",
        "integrations.PlanOperation",
        "integrations.RosterImport",
        "integrations.RosterImportRow",
    )
    kept = {
        "integrations.Connection": MEMBER_REFERENCE,
        "integrations.Plan": MEMBER_REFERENCE,
        "integrations.Job": MEMBER_REFERENCE,
    }
    sections = ("accounts",)

    def collect(self, person, prints) -> list[JobItem]:
        """The person's job items (by the roster row or an address of theirs); every account
        address in them is the person's too."""
        items = list(
            JobItem.objects.filter(Q(person=person) | Q(key__in=prints.addresses))
            .select_related("job")
            .order_by("pk")
        )
        prints.addresses |= {item.key for item in items if _is_account(item)}
        return items

    def export(self, person, prints):
        providers = dict(Provider.choices)
        return {
            "accounts": [
                {
                    "provider": str(providers.get(item.job.provider, item.job.provider)),
                    "job": item.job_id,
                    "operation": item.op,
                    "address": item.key,
                    "school": item.school,
                    "status": item.status,
                    "outcome": item.outcome,
                    "finished_at": when(item.finished_at),
                }
                for item in prints.of(self.key)
            ]
        }

    def audit_objects(self, person, prints):
        return {"integrations.jobitem": [item.pk for item in prints.of(self.key)]}

    def preview(self, person, prints):
        labels = dict(Provider.choices)
        return {
            "providers": sorted(
                {str(labels.get(i.job.provider, i.job.provider)) for i in prints.of(self.key)}
            )
        }

    def recipients(self):
        return list(Connection.objects.order_by("provider"))

    # --- erasure ---------------------------------------------------------------------------------
    def close_accounts(self, person, prints, action, result):
        """Suspend or delete the person's accounts at every connected provider; stop at the first
        failure."""
        labels = dict(Provider.choices)
        by_provider: dict[str, set[str]] = {}
        for item in prints.of(self.key):
            if _is_account(item):
                by_provider.setdefault(item.job.provider, set()).add(item.key)
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
                        "%(provider)s: the portal cannot use the stored connection. Nothing was erased in "
                        "the portal. Fix the connection on the Connections page (or close the account at "
                        "%(provider)s yourself), then erase again."
                    )
                    % {"provider": label}
                )
                return
            try:
                outcomes = []
                for address in sorted(addresses):
                    if client.apply("find_user", address, {}) == "absent":
                        continue
                    outcomes.append(client.apply(op, address, {}))
            except TemporaryError as error:
                result.failures.append(
                    _(
                        "%(provider)s did not answer in time (%(reason)s). Nothing was erased in the "
                        "portal. Try again in a few minutes; if it keeps failing, test the connection on "
                        "the Connections page."
                    )
                    % {"provider": label, "reason": error}
                )
                return
            except PermanentError as error:
                result.failures.append(
                    _(
                        "%(provider)s refused (%(reason)s). Nothing was erased in the portal. Fix the "
                        "connection's permissions (or close the account at %(provider)s yourself), then "
                        "erase again."
                    )
                    % {"provider": label, "reason": error}
                )
                return
            finally:
                client.close()
            result.cloud.append((label, outcomes[0] if outcomes else "no account"))

    def erase(self, erasing, replace):
        """Job items keep what happened, not who it happened to; plans and uploaded roster files
        no longer name the people."""
        for entry in erasing:
            _erase_job_items(entry, replace)
        _scrub_plans(erasing, replace)
        _scrub_roster_files(erasing)

    def purge(self, municipality, policy, now):
        imports = RosterImport.objects.filter(created_at__lt=now - timedelta(days=policy.imports_days))
        counts = {"imports": imports.count()}
        for upload in imports.exclude(file="").only("pk", "file"):
            upload.file.delete(save=False)
        imports.delete()
        counts["credentials"] = (
            JobItem.objects.filter(finished_at__lt=now - timedelta(days=policy.credentials_days))
            .exclude(secret_ciphertext="")
            .update(secret_ciphertext="")
        )
        return counts


def _erase_job_items(entry, replace) -> None:
    for item in entry.prints.of(ProvisioningData.key):
        payload = scrub(item.payload, replace)
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


def _scrub_plans(erasing, replace) -> None:
    """The plans' operations that name the person (by roster row, address or membership)."""
    by_id = {entry.person.pk for entry in erasing}
    addresses = sorted(set().union(*(entry.addresses for entry in erasing)))
    rows = PlanOperation.objects.filter(
        Q(person_id__in=by_id) | Q(key__in=addresses) | Q(details__member__in=addresses)
    ).only("pk", "key", "school", "details")
    for row in rows.iterator(chunk_size=500):
        item = scrub({"key": row.key, "school": row.school, "details": row.details or {}}, replace)
        details = {k: ERASED if k in ("given", "family") else v for k, v in item["details"].items()}
        PlanOperation.objects.filter(pk=row.pk).update(
            key=item["key"], school=item["school"], details=details
        )


def _scrub_roster_files(erasing) -> None:
    """A staged row that holds a person's first and last name is blanked, and the file it came
    from is deleted (it can no longer be checked again; what was checked stays for the review)."""
    for entry in erasing:
        rows = RosterImportRow.objects.filter(
            Q(person_id=entry.person.pk) | Q(first_name__iexact=entry.first, last_name__iexact=entry.last)
        )
        for upload in RosterImport.objects.filter(Exists(rows.filter(roster_import=OuterRef("pk")))).exclude(
            file=""
        ):
            upload.file.delete(save=False)
            RosterImport.objects.filter(pk=upload.pk).update(file="")
        rows.update(
            first_name="",
            middle_name="",
            last_name="",
            personal_email="",
            external_id="",
            name_key="",
            email_key="",
        )
