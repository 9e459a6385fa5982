"""Microsoft 365 through Microsoft Graph: msal with client credentials, requests for the calls."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import msal
import requests
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from integrations.microsoft import batch, snapshots
from integrations.microsoft.errors import GraphReadError, GraphSignInError, graph_error, throttled
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
    unreachable,
)

if TYPE_CHECKING:
    from integrations.models import Connection

LOGIN_HOST = "https://login.microsoftonline.com"
GRAPH_HOST = "https://graph.microsoft.com"
TIMEOUT = 30


@sensitive_variables()
def credential(secret: str) -> str | dict[str, str]:
    """A client secret as it is, or a certificate credential (stored as JSON) in msal's form."""
    if secret.startswith("{"):
        data = json.loads(secret)
        if data.get("kind") == "certificate":
            return {"private_key": data["private_key"], "public_certificate": data["public_certificate"]}
    return secret


class MicrosoftGraph:
    name: ClassVar[str] = "Microsoft"
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.LICENCES, Capability.GROUP_TYPES})
    # Microsoft Graph, identity and access: 3,000 writes per 150 s per app and tenant.
    quota: ClassVar[Quota] = Quota.published(3000, 150.0)
    batch_size = 100
    # Entra ID is eventually consistent (sandbox/microsoft/SOURCES.md): a new user or group is
    # seen by the calls that need it after a delay Microsoft does not publish; two seconds is the
    # sandbox's realistic choice. Longer delays cost a refused call and a wait, item by item.
    replication_seconds: ClassVar[float] = 2.0
    # Nothing is read back: the reads a membership needs do not count against the write quota,
    # and a licence waits for its account's replication time instead.
    confirmed: ClassVar[frozenset[Op]] = frozenset()

    @sensitive_variables()
    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.session = requests.Session()
        if connection.ca_file:
            # The environment's REQUESTS_CA_BUNDLE would override verify: the sandbox's CA counts here.
            self.session.trust_env = False
            self.session.verify = connection.ca_file
        login = (connection.auth_base_url or LOGIN_HOST).rstrip("/")
        self.graph_url = f"{(connection.api_base_url or GRAPH_HOST).rstrip('/')}/v1.0"
        self.group_ids: dict[str, str] = {}  # group address → id, as found or made
        try:  # msal reads the authority's metadata now: the sign-in service may be unreachable
            self.app = msal.ConfidentialClientApplication(
                connection.client_id,
                client_credential=credential(connection.secret()),
                authority=f"{login}/{connection.tenant_id}",
                instance_discovery=not bool(connection.auth_base_url),
                http_client=self.session,
                timeout=TIMEOUT,
            )
        except BaseException:
            self.session.close()  # no client to close it later
            raise

    def close(self) -> None:
        self.session.close()

    def token(self) -> str:
        try:
            result = self.app.acquire_token_for_client(scopes=[f"{GRAPH_HOST}/.default"])
        except (msal.exceptions.MsalServiceError, requests.RequestException) as error:
            # The sign-in service answered 5xx (not JSON), or the connection dropped.
            raise unreachable(self.name, error) from None
        if "access_token" in result:
            return str(result["access_token"])
        raise GraphSignInError(result)

    def send(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(
            method,
            f"{self.graph_url}{path}",
            headers={"Authorization": f"Bearer {self.token()}"},
            timeout=TIMEOUT,
            **kwargs,
        )

    def expect(self, response: requests.Response, *ok: int) -> requests.Response:
        """The response if its status is one of ``ok``; else the error it means."""
        if response.status_code in ok:
            return response
        if response.status_code == 429 or response.status_code >= 500:
            raise throttled(response.status_code, response.headers.get("Retry-After"))
        raise PermanentError(graph_error(response))

    # --- reads for the plan (paged with @odata.nextLink) -----------------------------------------
    def _pages(self, path: str, **params: str) -> Iterator[dict[str, Any]]:
        """The items of every page, one page held at a time."""
        response = self.send("GET", path, params=params)
        while True:
            if response.status_code != 200:
                raise GraphReadError(graph_error(response))
            body = response.json()
            yield from body.get("value", [])
            next_link = body.get("@odata.nextLink")
            if not next_link:
                return
            response = self.session.get(
                next_link, headers={"Authorization": f"Bearer {self.token()}"}, timeout=TIMEOUT
            )

    def list_users(self) -> Iterator[RemoteUser]:
        users = self._pages("/users", **{"$select": ",".join(snapshots.USER_FIELDS), "$top": "999"})
        return (snapshots.user(user) for user in users)

    def list_groups(self) -> Iterator[RemoteGroup]:
        groups = self._pages("/groups", **{"$select": ",".join(snapshots.GROUP_FIELDS), "$top": "999"})
        return (snapshots.group(group) for group in groups)

    def list_members(self, group: RemoteGroup) -> Iterator[str]:
        members = self._pages(
            f"/groups/{group.id}/members", **{"$select": "id,userPrincipalName", "$top": "999"}
        )
        return (snapshots.member(member) for member in members)

    def list_units(self) -> list[RemoteUnit]:
        return []  # Entra ID has no organisational units the plan uses

    # --- writes (one plan item each; idempotent: an existing object that is ours is adopted) ------
    def apply(self, op: Op, key: str, payload: Payload, *, password: str = "", external_id: str = "") -> str:
        operation = Operation(Op(op), key, payload, password, external_id)
        write = WRITES.get(operation.op)
        if write is None:
            raise NotImplementedError(f"Microsoft has no {op}")
        try:
            return write(self, operation)
        except GraphSignInError as error:
            raise PermanentError(error.explain()) from None
        except requests.RequestException as error:
            raise unreachable(self.name, error) from None

    def calls_for(self, operations: Sequence[Operation]) -> int:
        return batch.calls_for(operations)

    def apply_many(self, operations: Sequence[Operation]) -> list[Outcome]:
        """Accounts, licences and changes go in $batch requests; memberships of one group are
        bound 20 at a time (``integrations/microsoft/batch.py``)."""
        return batch.Round(self, operations).run()

    def visible(self, operations: Sequence[Operation]) -> list[Outcome]:
        return ["visible"] * len(operations)  # ``confirmed`` is empty: never asked

    def user_id(self, upn: str) -> str:
        response = self.send("GET", f"/users/{upn}", params={"$select": "id"})
        if response.status_code == 404:
            raise TemporaryError(
                _("Microsoft does not show the account yet; trying again."), 2.0, replication=True
            )
        return str(self.expect(response, 200).json()["id"])

    def _find_group(self, address: str) -> list[dict[str, Any]]:
        """The groups with this address's mail nickname (Graph lets two share one)."""
        nickname = snapshots.nickname(address)
        params = {"$filter": f"mailNickname eq '{nickname}'", "$select": "id"}
        found: list[dict[str, Any]] = (
            self.expect(self.send("GET", "/groups", params=params), 200).json().get("value", [])
        )
        return found

    def group_id(self, address: str) -> str:
        if address not in self.group_ids:
            found = self._find_group(address)
            if not found:
                raise TemporaryError(
                    _("Microsoft does not show the group yet; trying again."), 2.0, replication=True
                )
            self.group_ids[address] = str(found[0]["id"])
        return self.group_ids[address]

    def user_body(self, operation: Operation) -> dict[str, Any]:
        return snapshots.user_body(
            operation.key,
            operation.payload,
            operation.password,
            operation.external_id,
            self.connection.usage_location,
        )

    def _create_user(self, operation: Operation) -> str:
        key = operation.key
        response = self.send("POST", "/users", json=self.user_body(operation))
        if response.status_code == 201:
            return "created"
        if response.status_code == 400 and "ObjectConflict" in response.text:
            existing = self.expect(self.send("GET", f"/users/{key}", params={"$select": "employeeId"}), 200)
            if existing.json().get("employeeId") == operation.external_id:
                return "adopted"
            raise PermanentError(_("%(address)s already belongs to another account.") % {"address": key})
        self.expect(response, 201)
        return "created"

    def _patch_user(self, operation: Operation) -> str:
        body = snapshots.PATCHES[operation.op](operation.payload)
        self.expect(self.send("PATCH", f"/users/{operation.key}", json=body), 204)
        return operation.op.spec.outcome

    # --- erasure of one person (integrations/privacy.py): not plan operations --------------------
    def _find_user(self, operation: Operation) -> str:
        response = self.send("GET", f"/users/{operation.key}", params={"$select": "id"})
        if response.status_code == 404:
            return "absent"
        self.expect(response, 200)
        return "present"

    def _delete_user(self, operation: Operation) -> str:
        response = self.send("DELETE", f"/users/{operation.key}")
        if response.status_code == 404:
            return "absent"
        self.expect(response, 204)
        return "deleted"

    def _assign_licence(self, operation: Operation) -> str:
        body = snapshots.licence_body(operation.payload)
        response = self.send("POST", f"/users/{operation.key}/assignLicense", json=body)
        if response.status_code == 404:
            raise TemporaryError(
                _("Microsoft does not show the account yet; trying again."), 2.0, replication=True
            )
        self.expect(response, 200)
        return "licensed"

    def _create_group(self, operation: Operation) -> str:
        if self._find_group(operation.key):
            return "adopted"  # includes a group made by an earlier attempt but not yet recorded
        body = snapshots.group_body(operation.key, operation.payload)
        self.expect(self.send("POST", "/groups", json=body), 201)
        return "created"

    def _add_member(self, operation: Operation) -> str:
        payload = operation.payload
        group_id, user_id = self.group_id(payload["group"]), self.user_id(payload["member"])
        response = self.send(
            "POST",
            f"/groups/{group_id}/members/$ref",
            json={"@odata.id": f"{self.graph_url}/directoryObjects/{user_id}"},
        )
        if response.status_code == 400 and "already exist" in response.text:
            return "adopted"
        if response.status_code == 404:
            raise TemporaryError(
                _("Microsoft does not show the account or group yet; trying again."), 2.0, replication=True
            )
        self.expect(response, 204)
        return "added"

    def _remove_member(self, operation: Operation) -> str:
        payload = operation.payload
        group_id, user_id = self.group_id(payload["group"]), self.user_id(payload["member"])
        response = self.send("DELETE", f"/groups/{group_id}/members/{user_id}/$ref")
        if response.status_code == 404:
            return "adopted"
        self.expect(response, 204)
        return "removed"

    # --- domains ------------------------------------------------------------------------------------
    def domain_status(self, name: str, *, add: bool = False) -> DomainStatus:
        """Add the domain if asked and missing, ask Microsoft to verify it, list the records to publish."""
        response = self.send("GET", f"/domains/{name}")
        if response.status_code == 404 and add:
            response = self.send("POST", "/domains", json={"id": name})
        if response.status_code not in (200, 201):
            raise GraphReadError(graph_error(response))
        domain = response.json()
        message = ""
        if not domain.get("isVerified"):
            verify = self.send("POST", f"/domains/{name}/verify")
            if verify.status_code == 200:
                domain = verify.json()
            else:
                message = graph_error(verify)
        records: list[dict[str, Any]] = []
        if not domain.get("isVerified"):
            listing = self.send("GET", f"/domains/{name}/verificationDnsRecords")
            records = listing.json().get("value", []) if listing.status_code == 200 else []
        return snapshots.domain(name, domain, records, message)

    def check(self) -> CheckResult:
        try:
            domains = self.send("GET", "/domains")
            if domains.status_code == 403:
                return CheckResult(
                    False,
                    _(
                        "The app may not read the directory: grant it the application permissions "
                        "User.ReadWrite.All, Group.ReadWrite.All and Domain.ReadWrite.All with admin consent."
                    ),
                )
            if domains.status_code != 200:
                return CheckResult(False, graph_error(domains))
            users = self.send("GET", "/users", params={"$top": "1", "$select": "id"})
            if users.status_code != 200:
                return CheckResult(False, graph_error(users))
        except GraphSignInError as error:
            return CheckResult(False, error.explain())
        except (requests.RequestException, ValueError, TemporaryError) as error:
            return CheckResult(
                False, _("The portal cannot reach Microsoft (%(reason)s).") % {"reason": str(error)[:200]}
            )
        finally:
            self.close()
        names = [d.get("id", "") for d in domains.json().get("value", [])]
        return CheckResult(
            True,
            _("Connected to Microsoft 365 tenant %(tenant)s (domains: %(domains)s).")
            % {"tenant": self.connection.tenant_id, "domains": ", ".join(names) or "—"},
            {"domains": names},
        )


# Each operation's call, alone (``apply``).
WRITES: dict[Op, Callable[[MicrosoftGraph, Operation], str]] = {
    Op.CREATE_USER: MicrosoftGraph._create_user,
    Op.UPDATE_USER: MicrosoftGraph._patch_user,
    Op.SUSPEND_USER: MicrosoftGraph._patch_user,
    Op.UNSUSPEND_USER: MicrosoftGraph._patch_user,
    Op.ASSIGN_LICENCE: MicrosoftGraph._assign_licence,
    Op.CREATE_GROUP: MicrosoftGraph._create_group,
    Op.ADD_MEMBER: MicrosoftGraph._add_member,
    Op.REMOVE_MEMBER: MicrosoftGraph._remove_member,
    Op.FIND_USER: MicrosoftGraph._find_user,
    Op.DELETE_USER: MicrosoftGraph._delete_user,
}

if TYPE_CHECKING:  # mypy checks that the client implements the protocol
    _implements: type[ProviderClient] = MicrosoftGraph
