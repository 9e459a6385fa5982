"""What Google's error answers mean: worth trying again (and when), or a reason in plain words."""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext as _
from googleapiclient.errors import HttpError

from integrations.operations import Op
from integrations.providers import PermanentError, ProviderError, TemporaryError


def _body(error: HttpError) -> dict[str, Any]:
    try:
        body = json.loads(error.content or b"{}").get("error", {})
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _reasons(body: dict[str, Any]) -> set[str]:
    return {str(item.get("reason")) for item in body.get("errors", [])}


def status(error: HttpError) -> int:
    return int(error.resp.status)


def reason(error: BaseException) -> str:
    return error.__class__.__name__ if not str(error) else str(error)[:200]


def not_replicated_yet(op: Op, error: HttpError) -> TemporaryError | None:
    """A unit made a moment ago that Google does not show yet (its replication delay): the unit's
    children and the accounts placed in it wait, they have not failed."""
    if status(error) != 400:
        return None
    content = error.content or b""
    if op == Op.CREATE_OU and b"Invalid Parent" in content:
        return TemporaryError(
            _("Google does not show the parent unit yet; trying again."), 2.0, replication=True
        )
    if op == Op.CREATE_USER and b"INVALID_OU_ID" in content:
        return TemporaryError(_("Google does not show the unit yet; trying again."), 2.0, replication=True)
    return None


def classify(error: HttpError) -> ProviderError:
    """Google's answer → temporary (retry, honouring its pace) or permanent (the item fails)."""
    code = status(error)
    body = _body(error)
    reasons = _reasons(body)
    message = str(body.get("message", ""))[:300]
    if code in (429, 500, 502, 503, 504) or reasons & {
        "userRateLimitExceeded",
        "rateLimitExceeded",
        "backendError",
    }:
        retry_after = error.resp.get("retry-after")
        return TemporaryError(
            _("Google asked to slow down or was briefly unavailable (%(status)s).") % {"status": code},
            float(retry_after) if retry_after and str(retry_after).isdigit() else None,
            throttled=code == 429 or bool(reasons & {"userRateLimitExceeded", "rateLimitExceeded"}),
        )
    return PermanentError(_("Google refused: %(message)s") % {"message": message or code})


def explain_http_error(error: HttpError, admin_email: str, customer_id: str) -> str:
    """A refusal of "test connection", in plain words."""
    code = status(error)
    body = _body(error)
    reasons = _reasons(body)
    if code == 403 and reasons & {"forbidden", "notAuthorized", "insufficientPermissions"}:
        return _("%(email)s is not an administrator with the rights the portal needs.") % {
            "email": admin_email
        }
    if code == 404:
        return _("Google does not know the customer id %(id)s.") % {"id": customer_id or "my_customer"}
    if code in (403, 429) and reasons & {"userRateLimitExceeded", "rateLimitExceeded", "quotaExceeded"}:
        return _("Google is limiting requests right now; try again in a minute.")
    return _("Google answered %(status)s: %(message)s") % {
        "status": code,
        "message": str(body.get("message", ""))[:200],
    }
