"""Google Workspace through the Admin SDK Directory API: google-api-python-client, a service
account with domain-wide delegation acting as the municipality's admin."""

from __future__ import annotations

import json
import ssl
from urllib.parse import urlsplit

import httplib2
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables
from google.auth.exceptions import RefreshError, TransportError
from google.oauth2 import service_account
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from integrations.base import (
    CheckResult,
    Operation,
    Outcome,
    PermanentError,
    TemporaryError,
    settle_alone,
    unreachable,
)
from integrations.google.batch import quick_batch

GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"  # noqa: S105 (a URL, not a password)
SCOPES = [
    "https://www.googleapis.com/auth/admin.directory.customer.readonly",
    "https://www.googleapis.com/auth/admin.directory.domain",
    "https://www.googleapis.com/auth/admin.directory.orgunit",
    "https://www.googleapis.com/auth/admin.directory.user",
    "https://www.googleapis.com/auth/admin.directory.group",
    "https://www.googleapis.com/auth/admin.directory.group.member",
]
TIMEOUT = 30


@sensitive_variables()
def parse_service_account_key(text: str) -> dict:
    """The uploaded key file, checked: raises ValueError with a message for the user."""
    try:
        info = json.loads(text)
    except ValueError:
        raise ValueError(_("This is not a JSON key file.")) from None
    if not isinstance(info, dict) or info.get("type") != "service_account":
        raise ValueError(_("This JSON is not a service-account key (its type must be service_account)."))
    missing = [
        key for key in ("private_key", "client_email", "client_id", "private_key_id") if not info.get(key)
    ]
    if missing:
        raise ValueError(_("The key file lacks: %(fields)s.") % {"fields": ", ".join(missing)})
    if "BEGIN PRIVATE KEY" not in info["private_key"]:
        raise ValueError(_("The key file's private key is not in PEM form."))
    return info


# Credentials per worker process, so that each round of a job neither parses the RSA key again
# (tens of milliseconds) nor asks for a new token; keyed by everything they are made of.
_CREDENTIALS: dict[tuple, service_account.Credentials] = {}


def _credentials(connection, info: dict) -> service_account.Credentials:
    key = (connection.pk, connection.secret_fingerprint, info["token_uri"], connection.admin_email)
    if key not in _CREDENTIALS:
        if len(_CREDENTIALS) >= 64:
            _CREDENTIALS.clear()
        _CREDENTIALS[key] = service_account.Credentials.from_service_account_info(
            info, scopes=SCOPES, subject=connection.admin_email or None
        )
    return _CREDENTIALS[key]


class GoogleDirectory:
    @sensitive_variables()
    def __init__(self, connection):
        self.connection = connection
        info = json.loads(connection.secret())
        # The token endpoint is ours to choose, never the uploaded file's: a key file cannot make
        # the portal send requests elsewhere.
        info["token_uri"] = (
            f"{connection.auth_base_url.rstrip('/')}/token" if connection.auth_base_url else GOOGLE_TOKEN_URI
        )
        self.credentials = _credentials(connection, info)
        http = (
            httplib2.Http(timeout=TIMEOUT, ca_certs=connection.ca_file)
            if connection.ca_file
            else httplib2.Http(timeout=TIMEOUT)
        )
        self.http = AuthorizedHttp(self.credentials, http=http)
        self._service = None
        self._resources: dict = {}

    @property
    def service(self):
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

    def api(self, name: str):
        """A resource of the Directory API (users, groups, …), built once: building one from the
        discovery document costs more than the call itself."""
        if name not in self._resources:
            self._resources[name] = getattr(self.service, name)()
        return self._resources[name]

    def close(self) -> None:
        for connection in getattr(self.http.http, "connections", {}).values():
            connection.close()

    # --- reads for the plan (paged to the end) ---------------------------------------------------
    def _pages(self, request_factory, items_key: str, **params) -> list[dict]:
        items, token = [], None
        while True:
            response = (
                request_factory(pageToken=token, **params).execute()
                if token
                else request_factory(**params).execute()
            )
            items.extend(response.get(items_key, []))
            token = response.get("nextPageToken")
            if not token:
                return items

    def list_users(self) -> list[dict]:
        return self._pages(
            self.api("users").list, "users", customer="my_customer", maxResults=500, projection="full"
        )

    def list_org_units(self) -> list[dict]:
        response = self.api("orgunits").list(customerId="my_customer", type="all").execute()
        return response.get("organizationUnits", [])

    def list_groups(self) -> list[dict]:
        return self._pages(self.api("groups").list, "groups", customer="my_customer", maxResults=200)

    def list_members(self, group_key: str) -> list[dict]:
        return self._pages(self.api("members").list, "members", groupKey=group_key, maxResults=200)

    # --- writes (one plan item each; idempotent: an existing object that is ours is adopted) ------
    def apply(self, op: str, key: str, payload: dict, *, password: str = "", external_id: str = "") -> str:
        try:
            return getattr(self, f"_apply_{op}")(key, payload, password=password, external_id=external_id)
        except HttpError as error:
            raise _classify(error) from None
        except RefreshError as error:
            raise PermanentError(_explain_refresh_error(error, self.connection)) from None
        except (TransportError, httplib2.HttpLib2Error, OSError) as error:
            raise unreachable("Google", error) from None

    def _apply_create_ou(self, key, payload, **_kw):
        try:
            self._request(Operation("create_ou", key, payload)).execute()
            return "created"
        except HttpError as error:
            waiting = _not_replicated_yet("create_ou", error)
            if waiting is not None:
                raise waiting from None
            if error.resp.status in (400, 409) and self._exists(
                self.api("orgunits").get, customerId="my_customer", orgUnitPath=key.lstrip("/")
            ):
                return "adopted"
            raise

    # --- batches: up to 1,000 calls in one HTTP request (each still counts against the quota) -----
    batch_size = 100

    def calls_for(self, operations: list[Operation]) -> int:
        return len(operations)

    def apply_many(self, operations: list[Operation]) -> list[Outcome]:
        """Send what batches well in one batch request; an answer that needs a second look (a
        conflict to adopt, a unit not replicated yet, a refusal to explain) is retried on its own
        through ``apply``, and a throttled or failed part is reported for its item alone."""
        try:
            self.service  # noqa: B018 (reads the discovery document once; it can fail like any call)
        except HttpError as error:
            return [_classify(error)] * len(operations)
        except (TransportError, httplib2.HttpLib2Error, OSError) as error:
            return [unreachable("Google", error)] * len(operations)
        results: list[Outcome | None] = [None] * len(operations)
        alone: list[int] = []

        def answered(request_id, _response, exception):
            index = int(request_id)
            if exception is None:
                results[index] = BATCH_OUTCOMES[operations[index].op]
            elif isinstance(exception, HttpError) and _not_replicated_yet(operations[index].op, exception):
                # Waited out in the queue, not retried at once on its own (it would fail again).
                results[index] = _not_replicated_yet(operations[index].op, exception)
            elif isinstance(exception, HttpError) and exception.resp.status in (400, 404, 409, 412):
                alone.append(index)
            elif isinstance(exception, HttpError):
                results[index] = _classify(exception)
            else:
                results[index] = unreachable("Google", exception)

        batch = quick_batch(self.service, answered)
        batched = 0
        for index, operation in enumerate(operations):
            if operation.op in BATCH_OUTCOMES:
                batch.add(self._request(operation), request_id=str(index))
                batched += 1
            else:
                alone.append(index)
        if batched:
            try:
                batch.execute()
            except HttpError as error:
                failure = _classify(error)
                for index in range(len(operations)):
                    if results[index] is None and index not in alone:
                        results[index] = failure
            except RefreshError as error:
                return [PermanentError(_explain_refresh_error(error, self.connection))] * len(operations)
            except (TransportError, httplib2.HttpLib2Error, OSError) as error:
                failure = unreachable("Google", error)
                for index in range(len(operations)):
                    if results[index] is None and index not in alone:
                        results[index] = failure
        return settle_alone(self, operations, results, alone)

    def _request(self, operation: Operation):
        key, payload = operation.key, operation.payload
        if operation.op == "create_ou":
            parent, _sep, name = key.rstrip("/").rpartition("/")
            return self.api("orgunits").insert(
                customerId="my_customer", body={"name": name, "parentOrgUnitPath": parent or "/"}
            )
        if operation.op == "create_user":
            return self.api("users").insert(
                body=_user_body(key, payload, operation.password, operation.external_id)
            )
        if operation.op in PATCHES:
            return self.api("users").patch(userKey=key, body=PATCHES[operation.op](payload))
        if operation.op == "create_group":
            return self.api("groups").insert(body={"email": key, "name": payload.get("name", key)})
        if operation.op == "add_member":
            return self.api("members").insert(
                groupKey=payload["group"], body={"email": payload["member"], "role": "MEMBER"}
            )
        return self.api("members").delete(groupKey=payload["group"], memberKey=payload["member"])

    def _apply_create_user(self, key, payload, *, password, external_id):
        try:
            self.api("users").insert(body=_user_body(key, payload, password, external_id)).execute()
            return "created"
        except HttpError as error:
            waiting = _not_replicated_yet("create_user", error)
            if waiting is not None:
                raise waiting from None
            if error.resp.status != 409:
                raise
        # Already there: ours (a retry after a crash) is adopted, anyone else's is a conflict.
        existing = self.api("users").get(userKey=key, projection="full").execute()
        ids = {
            e.get("value")
            for e in existing.get("externalIds", [])
            if e.get("customType") == "school-in-the-cloud"
        }
        if external_id in ids:
            return "adopted"
        raise PermanentError(_("%(address)s already belongs to another account.") % {"address": key})

    def _apply_update_user(self, key, payload, **_kw):
        return self._patch("update_user", key, payload)

    def _apply_move_user(self, key, payload, **_kw):
        return self._patch("move_user", key, payload)

    def _apply_suspend_user(self, key, payload, **_kw):
        return self._patch("suspend_user", key, payload)

    def _apply_unsuspend_user(self, key, payload, **_kw):
        return self._patch("unsuspend_user", key, payload)

    # --- erasure of one person (schools/privacy/erasure.py): not plan operations -----------------
    def _apply_find_user(self, key, payload, **_kw):
        try:
            self.service.users().get(userKey=key).execute()
            return "present"
        except HttpError as error:
            if error.resp.status == 404:
                return "absent"
            raise

    def _apply_delete_user(self, key, payload, **_kw):
        try:
            self.service.users().delete(userKey=key).execute()
            return "deleted"
        except HttpError as error:
            if error.resp.status == 404:
                return "absent"
            raise

    def _patch(self, op, key, payload):
        self.api("users").patch(userKey=key, body=PATCHES[op](payload)).execute()
        return BATCH_OUTCOMES[op]

    def _apply_create_group(self, key, payload, **_kw):
        try:
            self.api("groups").insert(body={"email": key, "name": payload.get("name", key)}).execute()
            return "created"
        except HttpError as error:
            if error.resp.status == 409:
                return "adopted"
            raise

    def _apply_add_member(self, key, payload, **_kw):
        try:
            self.api("members").insert(
                groupKey=payload["group"], body={"email": payload["member"], "role": "MEMBER"}
            ).execute()
            return "added"
        except HttpError as error:
            if error.resp.status == 409:
                return "adopted"
            if error.resp.status == 404:  # a user or group made a moment ago: replication delay
                raise TemporaryError(
                    _("Google does not show the account or group yet; trying again."), 2.0, replication=True
                ) from None
            raise

    def _apply_remove_member(self, key, payload, **_kw):
        try:
            self.api("members").delete(groupKey=payload["group"], memberKey=payload["member"]).execute()
            return "removed"
        except HttpError as error:
            if error.resp.status == 404:
                return "adopted"
            raise

    @staticmethod
    def _exists(method, **params) -> bool:
        """True if found, False if Google says 404; any other error (a 5xx) is raised, so the
        item is retried instead of failing for an answer that said nothing about the object."""
        try:
            method(**params).execute()
            return True
        except HttpError as error:
            if error.resp.status == 404:
                return False
            raise

    # --- domains ------------------------------------------------------------------------------------
    def domain_status(self, name: str, *, add: bool = False) -> dict:
        """Add the domain if asked and missing; say whether Google has verified it.

        Google's verification record (a TXT "google-site-verification=…") is shown by the Admin
        console (Account → Domains); the Directory API reports only whether it is verified."""
        domains = self.api("domains")
        try:
            domain = domains.get(customer="my_customer", domainName=name).execute()
        except HttpError as error:
            if error.resp.status != 404 or not add:
                raise
            domain = domains.insert(customer="my_customer", body={"domainName": name}).execute()
        return {"added": True, "verified": bool(domain.get("verified")), "records": []}

    def check(self) -> CheckResult:
        connection = self.connection
        try:
            customer = (
                self.api("customers").get(customerKey=connection.customer_id or "my_customer").execute()
            )
            users = self.api("users").list(customer="my_customer", maxResults=1).execute()
        except RefreshError as error:
            return CheckResult(False, _explain_refresh_error(error, connection))
        except HttpError as error:
            return CheckResult(False, _explain_http_error(error, connection))
        except (OSError, TransportError, httplib2.HttpLib2Error, ssl.SSLError) as error:
            host = urlsplit(connection.api_base_url or "https://admin.googleapis.com").hostname
            return CheckResult(
                False,
                _("The portal cannot reach %(host)s (%(reason)s).")
                % {"host": host, "reason": _reason(error)},
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


def _user_body(key: str, payload: dict, password: str, external_id: str) -> dict:
    return {
        "primaryEmail": key,
        "name": {"givenName": payload["given"], "familyName": payload["family"]},
        "password": password,
        "changePasswordAtNextLogin": True,
        "orgUnitPath": payload.get("ou") or "/",
        "externalIds": [{"type": "custom", "customType": "school-in-the-cloud", "value": external_id}],
    }


PATCHES = {
    "update_user": lambda p: {"name": {"givenName": p["given"], "familyName": p["family"]}},
    "move_user": lambda p: {"orgUnitPath": p["to"]},
    "suspend_user": lambda p: {"suspended": True},
    "unsuspend_user": lambda p: {"suspended": False},
}
# What a call that succeeded inside a batch did. Units of one depth share a phase (their parents
# are made in the phase before), so they batch too.
BATCH_OUTCOMES = {
    "create_ou": "created",
    "create_user": "created",
    "update_user": "updated",
    "move_user": "moved",
    "suspend_user": "suspended",
    "unsuspend_user": "reactivated",
    "create_group": "created",
    "add_member": "added",
    "remove_member": "removed",
}


def _reason(error: Exception) -> str:
    return error.__class__.__name__ if not str(error) else str(error)[:200]


def _not_replicated_yet(op: str, error: HttpError) -> TemporaryError | None:
    """A unit made a moment ago that Google does not show yet (its replication delay): the unit's
    children and the accounts placed in it wait, they have not failed."""
    if error.resp.status != 400:
        return None
    content = error.content or b""
    if op == "create_ou" and b"Invalid Parent" in content:
        return TemporaryError(
            _("Google does not show the parent unit yet; trying again."), 2.0, replication=True
        )
    if op == "create_user" and b"INVALID_OU_ID" in content:
        return TemporaryError(_("Google does not show the unit yet; trying again."), 2.0, replication=True)
    return None


def _classify(error: HttpError) -> Exception:
    """Google's answer → temporary (retry, honouring its pace) or permanent (the item fails)."""
    status = error.resp.status
    try:
        body = json.loads(error.content or b"{}").get("error", {})
    except ValueError:
        body = {}
    reasons = {item.get("reason") for item in body.get("errors", [])}
    message = body.get("message", "")[:300]
    if status in (429, 500, 502, 503, 504) or reasons & {
        "userRateLimitExceeded",
        "rateLimitExceeded",
        "backendError",
    }:
        retry_after = error.resp.get("retry-after")
        return TemporaryError(
            _("Google asked to slow down or was briefly unavailable (%(status)s).") % {"status": status},
            float(retry_after) if retry_after and str(retry_after).isdigit() else None,
            throttled=status == 429 or bool(reasons & {"userRateLimitExceeded", "rateLimitExceeded"}),
        )
    return PermanentError(_("Google refused: %(message)s") % {"message": message or status})


def _explain_refresh_error(error: RefreshError, connection) -> str:
    text = str(error)
    if "Invalid JWT Signature" in text or "invalid_signature" in text.lower():
        return _(
            "Google refused the service-account key: it is wrong or was deleted in the Google Cloud console."
        )
    if "unauthorized_client" in text:
        return _(
            "The service account may not act for the admin: in the Admin console, under Security → "
            "API controls → Domain-wide delegation, add its client id with these scopes: %(scopes)s"
        ) % {"scopes": ", ".join(SCOPES)}
    if "Invalid email or User ID" in text or ("invalid_grant" in text and "subject" in text.lower()):
        return _("The delegated admin %(email)s does not exist in this Google Workspace.") % {
            "email": connection.admin_email
        }
    if "invalid_scope" in text:
        return _("Google refused the access scopes the portal asks for: %(scopes)s") % {
            "scopes": ", ".join(SCOPES)
        }
    return _("Google refused to sign in the service account (%(reason)s).") % {"reason": text[:200]}


def _explain_http_error(error: HttpError, connection) -> str:
    status = error.resp.status
    try:
        body = json.loads(error.content or b"{}").get("error", {})
    except ValueError:
        body = {}
    reasons = {item.get("reason") for item in body.get("errors", [])}
    if status == 403 and reasons & {"forbidden", "notAuthorized", "insufficientPermissions"}:
        return _("%(email)s is not an administrator with the rights the portal needs.") % {
            "email": connection.admin_email
        }
    if status == 404:
        return _("Google does not know the customer id %(id)s.") % {
            "id": connection.customer_id or "my_customer"
        }
    if status in (403, 429) and reasons & {"userRateLimitExceeded", "rateLimitExceeded", "quotaExceeded"}:
        return _("Google is limiting requests right now; try again in a minute.")
    return _("Google answered %(status)s: %(message)s") % {
        "status": status,
        "message": body.get("message", "")[:200],
    }
