"""The control API used by tests, benchmarks and the portal's sandbox mode (local use only)."""

from __future__ import annotations

from sandbox.http import ApiError, Request, Response, Router


def register(router: Router) -> None:
    router.route("GET", r"/_sandbox/health")(health)
    router.route("POST", r"/_sandbox/reset")(reset)
    router.route("GET", r"/_sandbox/stats")(stats)
    router.route("POST", r"/_sandbox/google/customers")(create_google_customer)
    router.route("POST", r"/_sandbox/microsoft/tenants")(create_microsoft_tenant)
    router.route("POST", r"/_sandbox/domains/verify")(verify_domain)


def health(sandbox, request: Request) -> Response:
    return Response.json(
        200, {"status": "ok", "profile": sandbox.profile.name, "time_scale": sandbox.time_scale}
    )


def reset(sandbox, request: Request) -> Response:
    sandbox.reset()
    return Response.json(200, {"status": "reset"})


def stats(sandbox, request: Request) -> Response:
    return Response.json(200, sandbox.stats())


def _bad(message: str) -> ApiError:
    return ApiError(Response.json(400, {"error": message}))


def create_google_customer(sandbox, request: Request) -> Response:
    from sandbox.google import control as google_control

    data = request.json()
    if not data.get("domain"):
        raise _bad("domain is required")
    return Response.json(201, google_control.create_customer(sandbox, request, data))


def create_microsoft_tenant(sandbox, request: Request) -> Response:
    from sandbox.microsoft import control as microsoft_control

    data = request.json()
    if not data.get("domain"):
        raise _bad("domain is required")
    return Response.json(201, microsoft_control.create_tenant(sandbox, request, data))


def verify_domain(sandbox, request: Request) -> Response:
    data = request.json()
    provider = data.get("provider")
    if provider == "google":
        from sandbox.google import control as provider_control
    elif provider == "microsoft":
        from sandbox.microsoft import control as provider_control
    else:
        raise _bad("provider must be google or microsoft")
    if not provider_control.mark_domain_verified(sandbox, data.get("scope", ""), data.get("domain", "")):
        raise ApiError(Response.json(404, {"error": "no such domain"}))
    return Response.json(200, {"verified": True})
