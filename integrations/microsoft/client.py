"""Microsoft 365 through Microsoft Graph: msal with client credentials, requests for the calls."""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import msal
import requests
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_variables

from integrations.base import (
    CheckResult,
    Operation,
    Outcome,
    PermanentError,
    ProviderError,
    TemporaryError,
    settle_alone,
    unreachable,
)

LOGIN_HOST = "https://login.microsoftonline.com"
GRAPH_HOST = "https://graph.microsoft.com"
TIMEOUT = 30
PARALLEL_REQUESTS = 5  # requests of one round in flight at once (a round is up to 100 operations)

# Entra ID error codes the "test connection" explains (learn.microsoft.com, "AADSTS error codes").
AADSTS_MESSAGES = {
    7000215: gettext_lazy("The client secret is wrong."),
    7000222: gettext_lazy("The client secret has expired: create a new one in the app registration."),
    700016: gettext_lazy("The application (client) id is not registered in this tenant."),
    90002: gettext_lazy("The tenant was not found: check the tenant id."),
    900023: gettext_lazy("The tenant id is not valid."),
}


@sensitive_variables()
def credential(secret: str):
    """A client secret as it is, or a certificate credential (stored as JSON) in msal's form."""
    if secret.startswith("{"):
        data = json.loads(secret)
        if data.get("kind") == "certificate":
            return {"private_key": data["private_key"], "public_certificate": data["public_certificate"]}
    return secret


class MicrosoftGraph:
    @sensitive_variables()
    def __init__(self, connection):
        self.connection = connection
        self.session = requests.Session()
        if connection.ca_file:
            # The environment's REQUESTS_CA_BUNDLE would override verify: the sandbox's CA counts here.
            self.session.trust_env = False
            self.session.verify = connection.ca_file
        login = (connection.auth_base_url or LOGIN_HOST).rstrip("/")
        self.graph_url = f"{(connection.api_base_url or GRAPH_HOST).rstrip('/')}/v1.0"
        self._group_ids: dict[str, str] = {}
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
            raise unreachable("Microsoft", error) from None
        if "access_token" in result:
            return result["access_token"]
        raise GraphSignInError(result)

    def get(self, path: str, **params) -> requests.Response:
        return self.session.get(
            f"{self.graph_url}{path}",
            params=params,
            headers={"Authorization": f"Bearer {self.token()}"},
            timeout=TIMEOUT,
        )

    # --- reads for the plan (paged with @odata.nextLink) -----------------------------------------
    def _pages(self, path: str, **params) -> list[dict]:
        items = []
        response = self.get(path, **params)
        while True:
            if response.status_code != 200:
                raise GraphReadError(_graph_error(response))
            body = response.json()
            items.extend(body.get("value", []))
            next_link = body.get("@odata.nextLink")
            if not next_link:
                return items
            response = self.session.get(
                next_link, headers={"Authorization": f"Bearer {self.token()}"}, timeout=TIMEOUT
            )

    def list_users(self) -> list[dict]:
        fields = ",".join(
            ["id", "userPrincipalName", "displayName", "givenName", "surname", "accountEnabled", "employeeId"]
            + ["usageLocation", "assignedLicenses"]
        )
        return self._pages("/users", **{"$select": fields, "$top": "999"})

    def list_groups(self) -> list[dict]:
        return self._pages("/groups", **{"$select": "id,displayName,mailNickname,mail", "$top": "999"})

    def list_members(self, group_id: str) -> list[dict]:
        return self._pages(
            f"/groups/{group_id}/members", **{"$select": "id,userPrincipalName", "$top": "999"}
        )

    # --- writes (one plan item each; idempotent: an existing object that is ours is adopted) ------
    def apply(self, op: str, key: str, payload: dict, *, password: str = "", external_id: str = "") -> str:
        try:
            return getattr(self, f"_apply_{op}")(key, payload, password=password, external_id=external_id)
        except GraphSignInError as error:
            raise PermanentError(error.explain()) from None
        except requests.RequestException as error:
            raise unreachable("Microsoft", error) from None

    def _check(self, response: requests.Response, *ok: int) -> requests.Response:
        if response.status_code in ok:
            return response
        if response.status_code == 429 or response.status_code >= 500:
            raise _throttled(response.status_code, response.headers.get("Retry-After"))
        raise PermanentError(_graph_error(response))

    def _user_id(self, upn: str) -> str:
        response = self._send("GET", f"/users/{upn}", params={"$select": "id"})
        if response.status_code == 404:
            raise TemporaryError(
                _("Microsoft does not show the account yet; trying again."), 2.0, replication=True
            )
        return self._check(response, 200).json()["id"]

    def _group_id(self, address: str) -> str:
        if address in self._group_ids:
            return self._group_ids[address]
        nickname = address.split("@")[0]
        response = self._check(
            self._send(
                "GET", "/groups", params={"$filter": f"mailNickname eq '{nickname}'", "$select": "id"}
            ),
            200,
        )
        found = response.json().get("value", [])
        if not found:
            raise TemporaryError(
                _("Microsoft does not show the group yet; trying again."), 2.0, replication=True
            )
        self._group_ids[address] = found[0]["id"]
        return found[0]["id"]

    # --- batches: JSON $batch of 20 steps, and memberships bound 20 to a group in one write --------
    batch_size = 100

    def calls_for(self, operations: list[Operation]) -> int:
        """Writes these operations cost (Graph's throttling counts writes, not HTTP requests)."""
        members = Counter(o.payload["group"] for o in operations if o.op == "add_member")
        return sum(1 for o in operations if o.op != "add_member") + sum(
            math.ceil(n / STEPS) for n in members.values()
        )

    def apply_many(self, operations: list[Operation]) -> list[Outcome]:
        """Accounts, licences and changes go in $batch requests; memberships of one group are
        bound 20 at a time. An answer that needs a second look (a conflict to adopt, an object not
        replicated yet, a refusal to explain) is retried on its own through ``apply``; a throttled
        step is reported for its item alone, with its own Retry-After."""
        results: list[Outcome | None] = [None] * len(operations)
        alone: list[int] = []
        stepped = [i for i, o in enumerate(operations) if o.op in STEP_OUTCOMES]
        new_groups = [i for i, o in enumerate(operations) if o.op == "create_group"]
        groups: dict[str, list[int]] = defaultdict(list)
        for index, operation in enumerate(operations):
            if operation.op == "add_member":
                groups[operation.payload["group"]].append(index)
            elif operation.op not in STEP_OUTCOMES and operation.op != "create_group":
                alone.append(index)
        chunks = [("steps", stepped[i : i + STEPS]) for i in range(0, len(stepped), STEPS)]
        chunks += [("groups", new_groups[i : i + STEPS]) for i in range(0, len(new_groups), STEPS)]
        for members in groups.values():
            chunks += [("bind", members[i : i + STEPS]) for i in range(0, len(members), STEPS)]
        language = translation.get_language()

        def run(kind: str, chunk: list[int]) -> None:
            with translation.override(language):  # the messages in the job's language, not the thread's
                try:
                    if kind == "steps":
                        self._run_steps(operations, chunk, results, alone)
                    elif kind == "groups":
                        self._create_groups(operations, chunk, results, alone)
                    else:
                        self._bind_members(operations, chunk, results, alone)
                except GraphSignInError as error:
                    failure: ProviderError = PermanentError(error.explain())
                except TemporaryError as error:
                    failure = error
                except requests.RequestException as error:
                    failure = unreachable("Microsoft", error)
                else:
                    return
                for index in chunk:
                    if results[index] is None and index not in alone:
                        results[index] = failure

        if len(chunks) > 1:
            # The requests of one round go out side by side: the round costs one latency, not
            # one per $batch (the shared limiter has already counted their writes).
            try:
                self.token()  # fetched once, before the threads ask for it
            except (TemporaryError, GraphSignInError):
                pass  # each chunk meets the same error and reports it for its items
            with ThreadPoolExecutor(max_workers=min(len(chunks), PARALLEL_REQUESTS)) as pool:
                list(pool.map(lambda pair: run(*pair), chunks))
        else:
            for kind, chunk in chunks:
                run(kind, chunk)
        return settle_alone(self, operations, results, alone)

    def _batch(self, steps: list[dict]) -> dict[str, dict]:
        """POST $batch; the answers by step id."""
        for step in steps:
            if "body" in step:
                step["headers"] = {"Content-Type": "application/json"}
        response = self._check(self._send("POST", "/$batch", json={"requests": steps}), 200)
        return {part["id"]: part for part in response.json().get("responses", [])}

    def _run_steps(self, operations, chunk, results, alone) -> None:
        answers = self._batch([{"id": str(i), **self._step(operations[i])} for i in chunk])
        for index in chunk:
            answer = answers.get(str(index), {})
            status = answer.get("status", 0)
            if 200 <= status < 300:
                results[index] = STEP_OUTCOMES[operations[index].op]
            elif status == 429 or status >= 500:
                results[index] = _throttled(status, (answer.get("headers") or {}).get("Retry-After"))
            else:
                alone.append(index)

    def _step(self, operation: Operation) -> dict:
        key = operation.key
        if operation.op == "create_user":
            body = self._user_body(key, operation.payload, operation.password, operation.external_id)
            return {"method": "POST", "url": "/users", "body": body}
        if operation.op == "assign_licence":
            body = {
                "addLicenses": [{"skuId": operation.payload["sku"], "disabledPlans": []}],
                "removeLicenses": [],
            }
            return {"method": "POST", "url": f"/users/{key}/assignLicense", "body": body}
        return {"method": "PATCH", "url": f"/users/{key}", "body": PATCHES[operation.op](operation.payload)}

    def _create_groups(self, operations, chunk, results, alone) -> None:
        """Graph lets two groups share a mail nickname, so each is looked up first (one $batch of
        reads), and only the missing ones are created (one $batch of writes): a group an earlier
        attempt made is adopted, never made twice."""
        nicknames = {i: operations[i].key.split("@")[0] for i in chunk}
        found = self._batch(
            [
                {
                    "id": str(i),
                    "method": "GET",
                    "url": "/groups?$filter=" + quote(f"mailNickname eq '{nick}'") + "&$select=id",
                }
                for i, nick in nicknames.items()
            ]
        )
        missing = []
        for index in chunk:
            answer = found.get(str(index), {})
            if answer.get("status") == 200 and (answer.get("body") or {}).get("value"):
                results[index] = "adopted"
            elif answer.get("status") == 200:
                missing.append(index)
            else:
                alone.append(index)
        if not missing:
            return
        made = self._batch(
            [
                {"id": str(i), "method": "POST", "url": "/groups", "body": self._group_body(operations[i])}
                for i in missing
            ]
        )
        for index in missing:
            answer = made.get(str(index), {})
            status = answer.get("status", 0)
            if status == 201:
                results[index] = "created"
                if (answer.get("body") or {}).get("id"):
                    self._group_ids[operations[index].key] = answer["body"]["id"]
            elif status == 429 or status >= 500:
                results[index] = _throttled(status, (answer.get("headers") or {}).get("Retry-After"))
            else:
                alone.append(index)

    def _group_body(self, operation: Operation) -> dict:
        nickname = operation.key.split("@")[0]
        unified = operation.payload.get("type") == "microsoft365"
        return {
            "displayName": operation.payload.get("name", nickname),
            "mailNickname": nickname,
            "mailEnabled": unified,
            "securityEnabled": not unified,
            "groupTypes": ["Unified"] if unified else [],
        }

    def _bind_members(self, operations, chunk, results, alone) -> None:
        """Up to 20 new members of one group in one PATCH: one write instead of twenty."""
        group_id = self._group_id(operations[chunk[0]].payload["group"])
        answers = self._batch(
            [
                {"id": str(i), "method": "GET", "url": f"/users/{operations[i].payload['member']}?$select=id"}
                for i in chunk
            ]
        )
        found = {}
        for index in chunk:
            answer = answers.get(str(index), {})
            if answer.get("status") == 200:
                found[index] = answer["body"]["id"]
            else:  # not replicated yet, throttled, …: the single path says which and waits
                alone.append(index)
        if not found:
            return
        response = self._send(
            "PATCH",
            f"/groups/{group_id}",
            json={
                "members@odata.bind": [f"{self.graph_url}/directoryObjects/{uid}" for uid in found.values()]
            },
        )
        if response.status_code == 204:
            for index in found:
                results[index] = "added"
        elif response.status_code == 429 or response.status_code >= 500:
            failure = _throttled(response.status_code, response.headers.get("Retry-After"))
            for index in found:
                results[index] = failure
        else:  # one of them is a member already (an earlier attempt), …: each on its own
            alone.extend(found)

    def _user_body(self, key, payload, password, external_id) -> dict:
        body = {
            "accountEnabled": True,
            "displayName": f"{payload['given']} {payload['family']}".strip(),
            "givenName": payload["given"],
            "surname": payload["family"],
            "mailNickname": key.split("@")[0],
            "userPrincipalName": key,
            "employeeId": external_id,
            "passwordProfile": {"password": password, "forceChangePasswordNextSignIn": True},
        }
        if self.connection.usage_location:  # set with the account: a licence needs it
            body["usageLocation"] = self.connection.usage_location
        return body

    def _apply_create_user(self, key, payload, *, password, external_id):
        response = self._send("POST", "/users", json=self._user_body(key, payload, password, external_id))
        if response.status_code == 201:
            return "created"
        if response.status_code == 400 and "ObjectConflict" in response.text:
            existing = self._check(
                self._send("GET", f"/users/{key}", params={"$select": "employeeId"}), 200
            ).json()
            if existing.get("employeeId") == external_id:
                return "adopted"
            raise PermanentError(_("%(address)s already belongs to another account.") % {"address": key})
        self._check(response, 201)
        return "created"

    def _apply_update_user(self, key, payload, **_kw):
        return self._patch_user("update_user", key, payload)

    def _apply_suspend_user(self, key, payload, **_kw):
        return self._patch_user("suspend_user", key, payload)

    def _apply_unsuspend_user(self, key, payload, **_kw):
        return self._patch_user("unsuspend_user", key, payload)

    # --- erasure of one person (schools/privacy/erasure.py): not plan operations -----------------
    def _apply_find_user(self, key, payload, **_kw):
        response = self._send("GET", f"/users/{key}", params={"$select": "id"})
        if response.status_code == 404:
            return "absent"
        self._check(response, 200)
        return "present"

    def _apply_delete_user(self, key, payload, **_kw):
        response = self._send("DELETE", f"/users/{key}")
        if response.status_code == 404:
            return "absent"
        self._check(response, 204)
        return "deleted"

    def _patch_user(self, op, key, payload):
        self._check(self._send("PATCH", f"/users/{key}", json=PATCHES[op](payload)), 204)
        return STEP_OUTCOMES[op]

    def _apply_assign_licence(self, key, payload, **_kw):
        body = {"addLicenses": [{"skuId": payload["sku"], "disabledPlans": []}], "removeLicenses": []}
        response = self._send("POST", f"/users/{key}/assignLicense", json=body)
        if response.status_code == 404:
            raise TemporaryError(
                _("Microsoft does not show the account yet; trying again."), 2.0, replication=True
            )
        self._check(response, 200)
        return "licensed"

    def _apply_create_group(self, key, payload, **_kw):
        nickname = key.split("@")[0]
        existing = self._check(
            self._send(
                "GET", "/groups", params={"$filter": f"mailNickname eq '{nickname}'", "$select": "id"}
            ),
            200,
        )
        if existing.json().get("value"):
            return "adopted"  # includes a group made by an earlier attempt but not yet recorded
        body = self._group_body(Operation("create_group", key, payload))
        self._check(self._send("POST", "/groups", json=body), 201)
        return "created"

    def _apply_add_member(self, key, payload, **_kw):
        group_id, user_id = self._group_id(payload["group"]), self._user_id(payload["member"])
        response = self._send(
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
        self._check(response, 204)
        return "added"

    def _apply_remove_member(self, key, payload, **_kw):
        group_id, user_id = self._group_id(payload["group"]), self._user_id(payload["member"])
        response = self._send("DELETE", f"/groups/{group_id}/members/{user_id}/$ref")
        if response.status_code == 404:
            return "adopted"
        self._check(response, 204)
        return "removed"

    # --- domains ------------------------------------------------------------------------------------
    def _send(self, method: str, path: str, **kwargs) -> requests.Response:
        return self.session.request(
            method,
            f"{self.graph_url}{path}",
            headers={"Authorization": f"Bearer {self.token()}"},
            timeout=TIMEOUT,
            **kwargs,
        )

    def domain_status(self, name: str, *, add: bool = False) -> dict:
        """Add the domain if asked and missing, ask Microsoft to verify it, list the records to publish."""
        response = self._send("GET", f"/domains/{name}")
        if response.status_code == 404 and add:
            response = self._send("POST", "/domains", json={"id": name})
        if response.status_code not in (200, 201):
            raise GraphReadError(_graph_error(response))
        domain = response.json()
        message = ""
        if not domain.get("isVerified"):
            verify = self._send("POST", f"/domains/{name}/verify")
            if verify.status_code == 200:
                domain = verify.json()
            else:
                message = _graph_error(verify)
        records = []
        if not domain.get("isVerified"):
            listing = self._send("GET", f"/domains/{name}/verificationDnsRecords")
            for record in listing.json().get("value", []) if listing.status_code == 200 else []:
                if record.get("recordType") == "Txt":
                    records.append(
                        {"type": "TXT", "name": record.get("label", name), "value": record.get("text", "")}
                    )
                elif record.get("recordType") == "Mx":
                    records.append(
                        {
                            "type": "MX",
                            "name": record.get("label", name),
                            "value": record.get("mailExchange", ""),
                        }
                    )
        return {
            "added": True,
            "verified": bool(domain.get("isVerified")),
            "records": records,
            "message": message,
        }

    def check(self) -> CheckResult:
        try:
            domains = self.get("/domains")
            if domains.status_code == 403:
                return CheckResult(
                    False,
                    _(
                        "The app may not read the directory: grant it the application permissions "
                        "User.ReadWrite.All, Group.ReadWrite.All and Domain.ReadWrite.All with admin consent."
                    ),
                )
            if domains.status_code != 200:
                return CheckResult(False, _graph_error(domains))
            users = self.get("/users", **{"$top": "1", "$select": "id"})
            if users.status_code != 200:
                return CheckResult(False, _graph_error(users))
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


class GraphReadError(Exception):
    pass


class GraphSignInError(Exception):
    def __init__(self, result: dict):
        super().__init__(result.get("error_description") or result.get("error") or "sign-in failed")
        self.result = result

    def explain(self) -> str:
        for code in self.result.get("error_codes") or []:
            if code in AADSTS_MESSAGES:
                return str(AADSTS_MESSAGES[code])
        return _("Microsoft refused to sign in the app (%(reason)s).") % {
            "reason": str(self.result.get("error_description") or self.result.get("error"))[:200]
        }


STEPS = 20  # Graph's limit for steps in a $batch and for link changes in one request
PATCHES = {
    "update_user": lambda p: {
        "givenName": p["given"],
        "surname": p["family"],
        "displayName": f"{p['given']} {p['family']}",
    },
    "suspend_user": lambda p: {"accountEnabled": False},
    "unsuspend_user": lambda p: {"accountEnabled": True},
}
STEP_OUTCOMES = {
    "create_user": "created",
    "assign_licence": "licensed",
    "update_user": "updated",
    "suspend_user": "suspended",
    "unsuspend_user": "reactivated",
}


def _throttled(status: int, retry_after: str | None) -> TemporaryError:
    return TemporaryError(
        _("Microsoft asked to slow down or was briefly unavailable (%(status)s).") % {"status": status},
        float(retry_after) if retry_after and str(retry_after).isdigit() else None,
        throttled=status == 429,
    )


def _graph_error(response: requests.Response) -> str:
    try:
        error = response.json().get("error", {})
    except ValueError:
        error = {}
    return _("Microsoft Graph answered %(status)s: %(message)s") % {
        "status": response.status_code,
        "message": error.get("message", "")[:200],
    }
