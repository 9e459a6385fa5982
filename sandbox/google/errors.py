"""Google error bodies, in the shapes the Directory API, its front end and the OAuth token endpoint
send them (every message and reason is listed with its source in SOURCES.md)."""

from __future__ import annotations

from sandbox.http import ApiError, Response

AUTH_MESSAGE = (
    "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or "
    "other valid authentication credential. See "
    "https://developers.google.com/identity/sign-in/web/devconsole-project."
)
NOT_AUTHORIZED = "Not Authorized to access this resource/api"
ENTITY_EXISTS = "Entity already exists."
MEMBER_EXISTS = "Member already exists."
CYCLIC = "Cyclic memberships not allowed"
DOMAIN_NOT_FOUND = "Domain not found."
INVALID_OU = "Invalid Input: INVALID_OU_ID"
INVALID_PARENT_OU = "Invalid Parent Orgunit Id"
INVALID_EMAIL = "Invalid Input: primary_user_email"
INVALID_PASSWORD = "Invalid Password"  # noqa: S105 (an error message, not a password)
RESOURCE_EXHAUSTED = "Resource has been exhausted (e.g. check quota)."


def is_google_path(path: str) -> bool:
    return path.startswith(
        ("/admin/", "/batch", "/token", "/oauth2/", "/discovery", "/$discovery", "/%24discovery")
    )


def body(
    code: int,
    reason: str,
    message: str,
    *,
    domain: str = "global",
    status: str | None = None,
    location: str | None = None,
    location_type: str | None = None,
    error_message: str | None = None,
) -> dict:
    """``{"error": {"code", "message", "errors": [...], ("status")}}``: Google's JSON error (v1)."""
    detail = {"message": error_message or message, "domain": domain, "reason": reason}
    if location:
        detail["location"] = location
        detail["locationType"] = location_type or "parameter"
    error: dict = {"code": code, "message": message, "errors": [detail]}
    if status:
        error["status"] = status
    return {"error": error}


def response(code: int, reason: str, message: str, **kwargs) -> Response:
    return Response.json(code, body(code, reason, message, **kwargs))


def fail(code: int, reason: str, message: str, **kwargs) -> ApiError:
    """An ApiError to ``raise`` from a handler."""
    return ApiError(response(code, reason, message, **kwargs))


# --- the Directory API's own errors ------------------------------------------------------------
def not_found(key: str) -> ApiError:
    """404 ``Resource Not Found: userKey`` (groupKey, memberKey, …)."""
    return fail(404, "notFound", f"Resource Not Found: {key}")


def not_found_message(message: str) -> ApiError:
    return fail(404, "notFound", message)


def duplicate(message: str = ENTITY_EXISTS) -> ApiError:
    return fail(409, "duplicate", message)


def invalid(message: str) -> ApiError:
    return fail(400, "invalid", message)


def required(field: str) -> ApiError:
    return fail(400, "required", f"Missing required field: {field}")


def bad_request(message: str = "Bad Request") -> ApiError:
    return fail(400, "badRequest", message)


def out_of_range(name: str, value: str, low: int, high: int) -> ApiError:
    return fail(
        400,
        "invalid",
        f"Invalid value '{value}'. Values must be within the range: [{low}, {high}]",
        location=name,
        location_type="parameter",
    )


def condition_not_met(message: str) -> ApiError:
    return fail(400, "conditionNotMet", message)


def failed_precondition(message: str) -> ApiError:
    return fail(400, "failedPrecondition", message)


def forbidden(message: str = NOT_AUTHORIZED) -> ApiError:
    return fail(403, "forbidden", message)


# --- the front end: credentials, scopes, quotas ------------------------------------------------
def unauthenticated() -> ApiError:
    return fail(
        401,
        "authError",
        AUTH_MESSAGE,
        status="UNAUTHENTICATED",
        location="Authorization",
        location_type="header",
        error_message="Invalid Credentials",
    )


def insufficient_scopes() -> ApiError:
    return fail(
        403,
        "insufficientPermissions",
        "Request had insufficient authentication scopes.",
        status="PERMISSION_DENIED",
        error_message="Insufficient Permission",
    )


def user_rate_limit(consumer: str) -> Response:
    message = (
        "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute per user' of service "
        f"'admin.googleapis.com' for consumer '{consumer}'."
    )
    return response(403, "userRateLimitExceeded", message, domain="usageLimits", status="PERMISSION_DENIED")


def rate_limit() -> Response:
    return response(429, "rateLimitExceeded", RESOURCE_EXHAUSTED, status="RESOURCE_EXHAUSTED")


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


# --- the OAuth token endpoint (RFC 6749 section 5.2 bodies) ------------------------------------
def oauth(status: int, error: str, description: str) -> ApiError:
    return ApiError(Response.json(status, {"error": error, "error_description": description}))
