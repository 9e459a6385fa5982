"""What Microsoft's error answers mean: worth trying again (and when), or a reason in plain words."""

from __future__ import annotations

from typing import Any

import requests
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from integrations.providers import TemporaryError

# Entra ID error codes the "test connection" explains (learn.microsoft.com, "AADSTS error codes").
AADSTS_MESSAGES = {
    7000215: gettext_lazy("The client secret is wrong."),
    7000222: gettext_lazy("The client secret has expired: create a new one in the app registration."),
    700016: gettext_lazy("The application (client) id is not registered in this tenant."),
    90002: gettext_lazy("The tenant was not found: check the tenant id."),
    900023: gettext_lazy("The tenant id is not valid."),
}


class GraphReadError(Exception):
    pass


class GraphSignInError(Exception):
    def __init__(self, result: dict[str, Any]):
        super().__init__(result.get("error_description") or result.get("error") or "sign-in failed")
        self.result = result

    def explain(self) -> str:
        for code in self.result.get("error_codes") or []:
            if code in AADSTS_MESSAGES:
                return str(AADSTS_MESSAGES[code])
        return _("Microsoft refused to sign in the app (%(reason)s).") % {
            "reason": str(self.result.get("error_description") or self.result.get("error"))[:200]
        }


def throttled(status: int, retry_after: str | None) -> TemporaryError:
    return TemporaryError(
        _("Microsoft asked to slow down or was briefly unavailable (%(status)s).") % {"status": status},
        float(retry_after) if retry_after and str(retry_after).isdigit() else None,
        throttled=status == 429,
    )


def graph_error(response: requests.Response) -> str:
    try:
        error = response.json().get("error", {})
    except ValueError:
        error = {}
    return _("Microsoft Graph answered %(status)s: %(message)s") % {
        "status": response.status_code,
        "message": str(error.get("message", ""))[:200],
    }
