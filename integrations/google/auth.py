"""Signing in to Google: the service-account key (checked when uploaded), its credentials (made
once per worker process) and what Google's refusals to sign in mean, in plain words."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables
from google.auth.exceptions import RefreshError
from google.oauth2 import service_account

if TYPE_CHECKING:
    from integrations.models import Connection

GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"  # noqa: S105 (a URL, not a password)
SCOPES = [
    "https://www.googleapis.com/auth/admin.directory.customer.readonly",
    "https://www.googleapis.com/auth/admin.directory.domain",
    "https://www.googleapis.com/auth/admin.directory.orgunit",
    "https://www.googleapis.com/auth/admin.directory.user",
    "https://www.googleapis.com/auth/admin.directory.group",
    "https://www.googleapis.com/auth/admin.directory.group.member",
]


@sensitive_variables()
def parse_service_account_key(text: str) -> dict[str, Any]:
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
_CREDENTIALS: dict[tuple[object, ...], service_account.Credentials] = {}


@sensitive_variables()
def credentials(connection: Connection) -> service_account.Credentials:
    info = json.loads(connection.secret())
    # The token endpoint is ours to choose, never the uploaded file's: a key file cannot make
    # the portal send requests elsewhere.
    info["token_uri"] = (
        f"{connection.auth_base_url.rstrip('/')}/token" if connection.auth_base_url else GOOGLE_TOKEN_URI
    )
    key = (connection.pk, connection.secret_fingerprint, info["token_uri"], connection.admin_email)
    if key not in _CREDENTIALS:
        if len(_CREDENTIALS) >= 64:
            _CREDENTIALS.clear()
        _CREDENTIALS[key] = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
            info, scopes=SCOPES, subject=connection.admin_email or None
        )
    return _CREDENTIALS[key]


def explain_refresh_error(error: RefreshError, admin_email: str) -> str:
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
            "email": admin_email
        }
    if "invalid_scope" in text:
        return _("Google refused the access scopes the portal asks for: %(scopes)s") % {
            "scopes": ", ".join(SCOPES)
        }
    return _("Google refused to sign in the service account (%(reason)s).") % {"reason": text[:200]}
