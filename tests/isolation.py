"""The generic tenant-isolation check: walks EVERY URL pattern of the project.

A pattern is classified by its name/namespace and its keyword arguments. Tenant pages
(``municipality_slug``) must give 404 to another municipality's members — both when the
URL names the other municipality and when it names our municipality with the other's
object ids — and send anonymous users to sign in. A pattern the check cannot classify, or
whose object ids it does not know how to fill in, is reported, so new views are covered
without anyone remembering to add them here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.trainings.objects import TRAINING_KWARGS

# Pages that are public by design (sign-in, the invitation link, health, language choice).
PUBLIC_NAMES = {
    "healthz",
    "accept_invitation",
    "set_language",
    "teacher_assessment",
    "verify_certificate",
    "calendar_feed",
}
# Pages of the signed-in user that show no tenant data without a membership.
PERSONAL_NAMES = {"home"}

# How to fill in an object id of the tenant: kwarg name -> attribute of tests.factories.Tenant
OBJECT_KWARGS = {
    "school_id": lambda t: t.school.pk,
    "person_id": lambda t: t.person.pk,
    "invitation_id": lambda t: t.invitation.pk,
    "membership_id": lambda t: t.memberships["director"].pk,
    "connection_id": lambda t: t.connection.pk,
    "import_id": lambda t: t.roster_import.pk,
    "roster_import_id": lambda t: t.roster_import.pk,
    "plan_id": lambda t: t.plan.pk,
    "job_id": lambda t: t.job.pk,
    "campaign_id": lambda t: survey_objects(t).campaign.pk,
    "response_id": lambda t: survey_objects(t).response.pk,
    "survey_file_id": lambda t: survey_objects(t).evidence.pk,
    # rollout/ (objects made on first use by tests/rollout/objects.py)
    "programme_id": lambda t: _rollout(t).programme.pk,
    "stage_id": lambda t: _rollout(t).stage_id,
    "activity_id": lambda t: _rollout(t).activity_id,
    "task_id": lambda t: _rollout(t).task.pk,
    "evidence_id": lambda t: _rollout(t).evidence.pk,
    "budget_line_id": lambda t: _rollout(t).budget_line.pk,
    "document_id": lambda t: _rollout(t).document.pk,
    "agreement_id": lambda t: _rollout(t).agreement.pk,
    "report_id": lambda t: _report(tenant=t).pk,
    **TRAINING_KWARGS,
}


def survey_objects(tenant):
    from tests.surveys.fixtures import survey_objects as make

    return make(tenant)


# Object ids of region pages: kwarg name -> id of the region's own object.
REGION_OBJECT_KWARGS = {
    "report_id": lambda region: _report(region=region).pk,
}


def _report(**owner):
    from tests.rollout.objects import report_of

    return report_of(**owner)


def _rollout(tenant):
    from tests.rollout.objects import rollout_objects

    return rollout_objects(tenant)


@dataclass
class Route:
    pattern: str
    name: str
    namespace: str
    kwargs: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.namespace + ':' if self.namespace else ''}{self.name or '?'} ({self.pattern})"


def iter_routes(resolver=None, prefix: str = "", namespace: str = ""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            yield from iter_routes(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            full = prefix + str(entry.pattern)
            kwargs = tuple(_kwarg_names(full))
            yield Route(full, entry.name or "", namespace, kwargs)


def _kwarg_names(pattern: str):
    import re

    for match in re.finditer(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", pattern):
        yield match.group(1) or match.group(2)


def build_path(route: Route, values: dict) -> str:
    """Turn a route string into a concrete path using ``values`` for its kwargs."""
    import re

    def sub(match):
        name = match.group(1) or match.group(2)
        return str(values[name])

    path = re.sub(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)", sub, route.pattern)
    path = path.lstrip("^").rstrip("$").replace("\\", "")
    return "/" + path


def classify(route: Route) -> str:
    if "municipality_slug" in route.kwargs:
        return "tenant"
    if "region_slug" in route.kwargs:
        return "region"
    if route.namespace == "admin":
        return "admin"
    if route.pattern.startswith("accounts/"):
        return "public"  # django-allauth: sign-in, MFA, password reset; it guards its own pages
    if route.name in PUBLIC_NAMES:
        return "public"
    if route.name in PERSONAL_NAMES:
        return "personal"
    return "unknown"


def check_isolation(world, client_for) -> list[str]:
    """Return a list of failures; empty means every URL keeps tenants apart."""
    failures: list[str] = []
    insider = client_for(world.a.users["all"])  # holds every role of municipality A
    anonymous = Client()
    for route in iter_routes():
        kind = classify(route)
        if kind == "unknown":
            failures.append(f"{route.label}: cannot classify this URL; teach tests/isolation.py about it")
            continue
        if kind == "tenant":
            failures += _check_tenant_route(route, world, insider, anonymous)
        elif kind == "region":
            failures += _check_region_route(route, world, insider, client_for, anonymous)
        elif kind == "admin" and not route.kwargs:
            response = client_for(world.a.users["officer"]).get(build_path(route, {}))
            if response.status_code not in (302, 403, 404):
                failures.append(f"{route.label}: a non-staff officer got {response.status_code} in the admin")
    return failures


def _values(route: Route, tenant, slug_tenant) -> dict | None:
    values = {"municipality_slug": slug_tenant.municipality.slug}
    for name in route.kwargs:
        if name == "municipality_slug":
            continue
        if name not in OBJECT_KWARGS:
            return None
        values[name] = OBJECT_KWARGS[name](tenant)
    return values


def _check_tenant_route(route, world, insider, anonymous) -> list[str]:
    failures = []
    own = _values(route, world.a, world.a)
    if own is None:
        unknown = [k for k in route.kwargs if k != "municipality_slug" and k not in OBJECT_KWARGS]
        return [f"{route.label}: no way to fill in {unknown}; add it to OBJECT_KWARGS"]
    own_path = build_path(route, own)
    # Downloads take expiring links (infra/links.py): the insider uses a valid one, so a 404
    # below means "hidden", not "no token".
    sign = _signer(insider, world.a.municipality)
    # Sanity: our own objects are reachable, so a 404 below means "hidden", not "broken URL".
    response = insider.get(sign(own_path))
    post_only = response.status_code == 405
    if response.status_code in (404, 500):
        failures.append(f"{route.label}: GET {own_path} by its own municipality gave {response.status_code}")
    response = anonymous.get(own_path)
    if response.status_code != 302 or "/accounts/login/" not in response.get("Location", ""):
        failures.append(
            f"{route.label}: anonymous GET {own_path} gave {response.status_code}, not a sign-in redirect"
        )
    # Another municipality named in the URL.
    other_path = build_path(route, _values(route, world.b, world.b))
    # Our municipality in the URL, the other municipality's object ids.
    mixed_path = build_path(route, _values(route, world.b, world.a)) if len(route.kwargs) > 1 else None
    for path in filter(None, (other_path, mixed_path)):
        for method in ("post",) if post_only else ("get", "post"):
            response = getattr(insider, method)(sign(path))
            if response.status_code != 404:
                failures.append(
                    f"{route.label}: {method.upper()} {path} by another municipality's member gave "
                    f"{response.status_code}, expected 404"
                )
    return failures


def _check_region_route(route, world, insider, client_for, anonymous) -> list[str]:
    failures = []
    unknown = [k for k in route.kwargs if k != "region_slug" and k not in REGION_OBJECT_KWARGS]
    if unknown:
        return [f"{route.label}: no way to fill in {unknown}; add it to REGION_OBJECT_KWARGS"]

    def values(slug_region, object_region):
        out = {"region_slug": slug_region.slug}
        out.update({k: REGION_OBJECT_KWARGS[k](object_region) for k in route.kwargs if k != "region_slug"})
        return out

    own = build_path(route, values(world.region, world.region))
    other = build_path(route, values(world.other_region, world.other_region))
    # Our region in the URL, the other region's object ids (only when the URL names an object).
    mixed = build_path(route, values(world.region, world.other_region)) if len(route.kwargs) > 1 else None
    coordinator = client_for(world.coordinator)
    if coordinator.get(_signer(coordinator, None)(own)).status_code in (404, 500):
        failures.append(f"{route.label}: the region's own coordinator cannot open {own}")
    checks = [
        ("the other region's coordinator", coordinator, other),
        ("a municipal officer", insider, own),
    ]
    if mixed:
        checks.append(("the coordinator, with the other region's object", coordinator, mixed))
    for who, client, path in checks:
        status = client.get(_signer(client, None)(path)).status_code  # a valid link changes nothing
        if status != 404:
            failures.append(f"{route.label}: {who} got {status} on {path}, expected 404")
    status = anonymous.get(own).status_code
    if status != 302:
        failures.append(f"{route.label}: anonymous got {status} on {own}, expected a sign-in redirect")
    return failures


def _signer(client, municipality):
    """Sign download links as the client's signed-in user would see them on a page."""
    from tests.links import signed_if_needed

    return lambda path: signed_if_needed(client, path, municipality)
