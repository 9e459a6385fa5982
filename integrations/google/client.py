"""Google Workspace through the Admin SDK Directory API: google-api-python-client, a service
account with domain-wide delegation acting as the municipality's admin."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

import httplib2
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables
from google.auth.exceptions import RefreshError, TransportError
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from integrations.google import snapshots
from integrations.google.auth import credentials, explain_refresh_error
from integrations.google.batch import quick_batch
from integrations.google.errors import classify, explain_http_error, not_replicated_yet, reason, status
from integrations.operations import Op
from integrations.providers import (
    Capability,
    CheckResult,
    DomainStatus,
    Operation,
    Outcome,
    Payload,
    PermanentError,
    ProviderClient,
    Quota,
    RemoteGroup,
    RemoteUnit,
    RemoteUser,
    TemporaryError,
    settle_alone,
    unreachable,
)

if TYPE_CHECKING:
    from integrations.models import Connection

TIMEOUT = 30
Resource = Any  # a resource or request of the discovery-built client (the library is untyped)
NETWORK_ERRORS = (TransportError, httplib2.HttpLib2Error, OSError)


class GoogleDirectory:
    name: ClassVar[str] = "Google"
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.UNITS, Capability.GROUP_ADDRESSES})
    # Admin SDK Directory API: 2,400 queries per minute per user per project.
    quota: ClassVar[Quota] = Quota.published(2400, 60.0)
    # Google says a new object may take a while to appear, not how long: two seconds is the
    # sandbox's realistic choice (unsourced, sandbox/google/SOURCES.md). Longer delays cost a
    # refused call and a wait, item by item; units are read back whatever the delay.
    replication_seconds: ClassVar[float] = 2.0
    # An account sent into a unit Google does not show yet is refused (400) and costs a call: a
    # new unit is read back before the accounts and moves into it (and its child units) go out.
    confirmed: ClassVar[frozenset[Op]] = frozenset({Op.CREATE_OU})

    @sensitive_variables()
    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.credentials = credentials(connection)
        http = (
            httplib2.Http(timeout=TIMEOUT, ca_certs=connection.ca_file)
            if connection.ca_file
            else httplib2.Http(timeout=TIMEOUT)
        )
        self.http = AuthorizedHttp(self.credentials, http=http)
        self._service: Resource = None
        self._resources: dict[str, Resource] = {}

    @property
    def service(self) -> Resource:
        if self._service is None:
            base = self.connection.api_base_url.rstrip("/")
            if base:
                self._service = build(
                    "admin",
                    "directory_v1",
                    http=self.http,
                    discoveryServiceUrl=f"{base}/$discovery/rest?version=directory_v1",
                    static_discovery=False,
                    cache_discovery=False,
                )
            else:
                self._service = build("admin", "directory_v1", http=self.http, static_discovery=True)
        return self._service

    def api(self, name: str) -> Resource:
        """A resource of the Directory API (users, groups, …), built once: building one from the
        discovery document costs more than the call itself."""
        if name not in self._resources:
            self._resources[name] = getattr(self.service, name)()
        return self._resources[name]

    def close(self) -> None:
        for connection in getattr(self.http.http, "connections", {}).values():
            connection.close()

    # --- reads for the plan (paged to the end) ---------------------------------------------------
    def _pages(
        self, request_factory: Callable[..., Resource], items_key: str, **params: Any
    ) -> Iterator[Any]:
        """The items of every page, one page held at a time."""
        token = None
        while True:
            response = (
                request_factory(pageToken=token, **params).execute()
                if token
                else request_factory(**params).execute()
            )
            yield from response.get(items_key, [])
            token = response.get("nextPageToken")
            if not token:
                return

    def list_users(self) -> Iterator[RemoteUser]:
        users = self._pages(
            self.api("users").list, "users", customer="my_customer", maxResults=500, projection="full"
        )
        return (snapshots.user(user) for user in users)

    def list_units(self) -> list[RemoteUnit]:
        response = self.api("orgunits").list(customerId="my_customer", type="all").execute()
        return [snapshots.unit(unit) for unit in response.get("organizationUnits", [])]

    def list_groups(self) -> Iterator[RemoteGroup]:
        groups = self._pages(self.api("groups").list, "groups", customer="my_customer", maxResults=200)
        return (snapshots.group(group) for group in groups)

    def list_members(self, group: RemoteGroup) -> Iterator[str]:
        members = self._pages(self.api("members").list, "members", groupKey=group.address, maxResults=200)
        return (snapshots.member(member) for member in members)

    # --- writes (one plan item each; idempotent: an existing object that is ours is adopted) ------
    def apply(self, op: Op, key: str, payload: Payload, *, password: str = "", external_id: str = "") -> str:
        operation = Operation(Op(op), key, payload, password, external_id)
        write = WRITES.get(operation.op)
        if write is None:
            raise NotImplementedError(f"Google has no {op}")
        try:
            return write(self, operation)
        except HttpError as error:
            raise classify(error) from None
        except RefreshError as error:
            raise PermanentError(explain_refresh_error(error, self.connection.admin_email)) from None
        except NETWORK_ERRORS as error:
            raise unreachable(self.name, error) from None

    def _create_ou(self, operation: Operation) -> str:
        try:
            self._request(operation).execute()
            return "created"
        except HttpError as error:
            waiting = not_replicated_yet(operation.op, error)
            if waiting is not None:
                raise waiting from None
            if status(error) not in (400, 409):
                raise
            if self._exists(
                self.api("orgunits").get, customerId="my_customer", orgUnitPath=operation.key.lstrip("/")
            ):
                return "adopted"
            # Refused as existing but not shown: made by an attempt whose answer was lost (a
            # killed worker, a dropped connection) and not replicated yet. Waited out, then adopted.
            raise TemporaryError(
                _("Google does not show the unit yet; trying again."), 2.0, replication=True
            ) from None

    def _create_user(self, operation: Operation) -> str:
        try:
            self._request(operation).execute()
            return "created"
        except HttpError as error:
            waiting = not_replicated_yet(operation.op, error)
            if waiting is not None:
                raise waiting from None
            if status(error) != 409:
                raise
        # Already there: ours (a retry after a crash) is adopted, anyone else's is a conflict.
        existing = self.api("users").get(userKey=operation.key, projection="full").execute()
        if operation.external_id in snapshots.external_ids(existing):
            return "adopted"
        raise PermanentError(
            _("%(address)s already belongs to another account.") % {"address": operation.key}
        )

    def _patch(self, operation: Operation) -> str:
        self._request(operation).execute()
        return operation.op.spec.outcome

    # --- erasure of one person (integrations/privacy.py): not plan operations --------------------
    def _find_user(self, operation: Operation) -> str:
        try:
            self.service.users().get(userKey=operation.key).execute()
            return "present"
        except HttpError as error:
            if status(error) == 404:
                return "absent"
            raise

    def _delete_user(self, operation: Operation) -> str:
        try:
            self.service.users().delete(userKey=operation.key).execute()
            return "deleted"
        except HttpError as error:
            if status(error) == 404:
                return "absent"
            raise

    def _create_group(self, operation: Operation) -> str:
        try:
            self._request(operation).execute()
            return "created"
        except HttpError as error:
            if status(error) == 409:
                return "adopted"
            raise

    def _add_member(self, operation: Operation) -> str:
        try:
            self._request(operation).execute()
            return "added"
        except HttpError as error:
            if status(error) == 409:
                return "adopted"
            if status(error) == 404:  # a user or group made a moment ago: replication delay
                raise TemporaryError(
                    _("Google does not show the account or group yet; trying again."), 2.0, replication=True
                ) from None
            raise

    def _remove_member(self, operation: Operation) -> str:
        try:
            self._request(operation).execute()
            return "removed"
        except HttpError as error:
            if status(error) == 404:
                return "adopted"
            raise

    @staticmethod
    def _exists(method: Callable[..., Resource], **params: Any) -> bool:
        """True if found, False if Google says 404; any other error (a 5xx) is raised, so the
        item is retried instead of failing for an answer that said nothing about the object."""
        try:
            method(**params).execute()
            return True
        except HttpError as error:
            if status(error) == 404:
                return False
            raise

    # --- batches: up to 1,000 calls in one HTTP request (each still counts against the quota) -----
    batch_size = 100

    def calls_for(self, operations: Sequence[Operation]) -> int:
        return len(operations)

    def apply_many(self, operations: Sequence[Operation]) -> list[Outcome]:
        """Send what batches well in one batch request; an answer that needs a second look (a
        conflict to adopt, a unit not replicated yet, a refusal to explain) is retried on its own
        through ``apply``, and a throttled or failed part is reported for its item alone."""
        try:
            self.service  # noqa: B018 (reads the discovery document once; it can fail like any call)
        except HttpError as error:
            return [classify(error)] * len(operations)
        except NETWORK_ERRORS as error:
            return [unreachable(self.name, error)] * len(operations)
        results: list[Outcome | None] = [None] * len(operations)
        alone: list[int] = []

        def answered(request_id: str, _response: object, exception: BaseException | None) -> None:
            index = int(request_id)
            op = operations[index].op
            if exception is None:
                results[index] = op.spec.outcome
            elif isinstance(exception, HttpError) and not_replicated_yet(op, exception):
                # Waited out in the queue, not retried at once on its own (it would fail again).
                results[index] = not_replicated_yet(op, exception)
            elif isinstance(exception, HttpError) and status(exception) in (400, 404, 409, 412):
                alone.append(index)
            elif isinstance(exception, HttpError):
                results[index] = classify(exception)
            else:
                results[index] = unreachable(self.name, exception)

        batch = quick_batch(self.service, answered)
        batched = 0
        for index, operation in enumerate(operations):
            if operation.op in BATCHED:
                batch.add(self._request(operation), request_id=str(index))
                batched += 1
            else:
                alone.append(index)
        if batched:
            try:
                batch.execute()
            except HttpError as error:
                self._fail_unanswered(results, alone, classify(error))
            except RefreshError as error:
                failure = PermanentError(explain_refresh_error(error, self.connection.admin_email))
                return [failure] * len(operations)
            except NETWORK_ERRORS as error:
                self._fail_unanswered(results, alone, unreachable(self.name, error))
        return settle_alone(self, operations, results, alone)

    def visible(self, operations: Sequence[Operation]) -> list[Outcome]:
        """The new units read back: one listing of every unit Google shows (one call against the
        quota, however many units wait to be seen; the listing is not paged)."""
        try:
            response = self.api("orgunits").list(customerId="my_customer", type="all").execute()
        except HttpError as error:
            return [classify(error)] * len(operations)
        except RefreshError as error:
            return [PermanentError(explain_refresh_error(error, self.connection.admin_email))] * len(
                operations
            )
        except NETWORK_ERRORS as error:
            return [unreachable(self.name, error)] * len(operations)
        shown = {snapshots.unit(unit).path.lower() for unit in response.get("organizationUnits", [])}
        not_yet = TemporaryError(_("Google does not show the unit yet; trying again."), 2.0, replication=True)
        return ["visible" if operation.key.lower() in shown else not_yet for operation in operations]

    @staticmethod
    def _fail_unanswered(results: list[Outcome | None], alone: list[int], failure: Outcome) -> None:
        for index in range(len(results)):
            if results[index] is None and index not in alone:
                results[index] = failure

    def _request(self, operation: Operation) -> Resource:
        """The Directory API request of one plan operation (sent alone or in a batch)."""
        key, payload = operation.key, operation.payload
        if operation.op == Op.CREATE_OU:
            return self.api("orgunits").insert(customerId="my_customer", body=snapshots.unit_body(key))
        if operation.op == Op.CREATE_USER:
            body = snapshots.user_body(key, payload, operation.password, operation.external_id)
            return self.api("users").insert(body=body)
        if operation.op in snapshots.PATCHES:
            return self.api("users").patch(userKey=key, body=snapshots.PATCHES[operation.op](payload))
        if operation.op == Op.CREATE_GROUP:
            return self.api("groups").insert(body=snapshots.group_body(key, payload))
        if operation.op == Op.ADD_MEMBER:
            return self.api("members").insert(groupKey=payload["group"], body=snapshots.member_body(payload))
        return self.api("members").delete(groupKey=payload["group"], memberKey=payload["member"])

    # --- domains ------------------------------------------------------------------------------------
    def domain_status(self, name: str, *, add: bool = False) -> DomainStatus:
        """Add the domain if asked and missing; say whether Google has verified it."""
        domains = self.api("domains")
        try:
            domain = domains.get(customer="my_customer", domainName=name).execute()
        except HttpError as error:
            if status(error) != 404 or not add:
                raise
            domain = domains.insert(customer="my_customer", body={"domainName": name}).execute()
        return snapshots.domain(domain)

    def check(self) -> CheckResult:
        connection = self.connection
        try:
            customer = (
                self.api("customers").get(customerKey=connection.customer_id or "my_customer").execute()
            )
            users = self.api("users").list(customer="my_customer", maxResults=1).execute()
        except RefreshError as error:
            return CheckResult(False, explain_refresh_error(error, connection.admin_email))
        except HttpError as error:
            return CheckResult(
                False, explain_http_error(error, connection.admin_email, connection.customer_id)
            )
        except (*NETWORK_ERRORS, ssl.SSLError) as error:
            host = urlsplit(connection.api_base_url or "https://admin.googleapis.com").hostname
            return CheckResult(
                False,
                _("The portal cannot reach %(host)s (%(reason)s).") % {"host": host, "reason": reason(error)},
            )
        finally:
            self.close()
        domain = customer.get("customerDomain", "")
        return CheckResult(
            True,
            _("Connected to Google Workspace %(domain)s as %(admin)s.")
            % {"domain": domain, "admin": connection.admin_email},
            {
                "customer_id": customer.get("id", ""),
                "domain": domain,
                "users_seen": len(users.get("users", [])),
            },
        )


# Each operation's call, alone (``apply``): the ones that may need a second look at an error.
WRITES: dict[Op, Callable[[GoogleDirectory, Operation], str]] = {
    Op.CREATE_OU: GoogleDirectory._create_ou,
    Op.CREATE_USER: GoogleDirectory._create_user,
    Op.UPDATE_USER: GoogleDirectory._patch,
    Op.MOVE_USER: GoogleDirectory._patch,
    Op.SUSPEND_USER: GoogleDirectory._patch,
    Op.UNSUSPEND_USER: GoogleDirectory._patch,
    Op.CREATE_GROUP: GoogleDirectory._create_group,
    Op.ADD_MEMBER: GoogleDirectory._add_member,
    Op.REMOVE_MEMBER: GoogleDirectory._remove_member,
    Op.FIND_USER: GoogleDirectory._find_user,
    Op.DELETE_USER: GoogleDirectory._delete_user,
}
# What goes in a batch request (``apply_many``): every plan operation. Units of one depth share a
# phase (their parents are made in the phase before), so they batch too.
BATCHED = frozenset(WRITES) - {Op.FIND_USER, Op.DELETE_USER}

if TYPE_CHECKING:  # mypy checks that the client implements the protocol
    _implements: type[ProviderClient] = GoogleDirectory
