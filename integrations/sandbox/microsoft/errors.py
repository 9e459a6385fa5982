"""Microsoft Graph error bodies (filled in with the Graph emulation)."""

from integrations.sandbox.http import Response


def server_error() -> Response:
    return Response.json(
        503,
        {"error": {"code": "serviceNotAvailable", "message": "Service Unavailable", "innerError": {}}},
        {"Retry-After": "1"},
    )
