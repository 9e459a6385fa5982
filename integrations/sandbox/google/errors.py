"""Google error bodies (filled in with the Directory API emulation)."""

from integrations.sandbox.http import Response


def is_google_path(path: str) -> bool:
    return path.startswith(("/admin/", "/batch", "/token", "/discovery", "/$discovery"))


def server_error() -> Response:
    return Response.json(
        503,
        {
            "error": {
                "code": 503,
                "message": "Backend Error",
                "errors": [{"message": "Backend Error", "domain": "global", "reason": "backendError"}],
            }
        },
    )
