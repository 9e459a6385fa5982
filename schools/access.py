"""Resolving the tenant for a request, and the named escape hatches from tenant scoping.

Everything that reads across municipalities is in this module, so that ``grep
with_scopes_disabled`` finds every place where the deny-by-default rule is lifted.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.http import Http404
from django.shortcuts import get_object_or_404
from django_scopes import scope

from schools.models import Membership, Municipality, Region, RegionMembership
from schools.permissions import require
from schools.roles import MFA_ROLES, Role


@dataclass(frozen=True)
class TenantContext:
    """Who the user is in the municipality (or region) that the URL names."""

    municipality: Municipality | None = None
    region: Region | None = None
    roles: frozenset[str] = frozenset()
    school_ids: frozenset[int] = field(default_factory=frozenset)
    municipality_ids: tuple[int, ...] = ()

    @property
    def language(self) -> str:
        owner = self.municipality or self.region
        return owner.language if owner else ""


@contextmanager
def tenant_scope(ctx: TenantContext) -> Iterator[None]:
    """Activate the django-scopes scope for a context; never an empty (= unfiltered) one."""
    if ctx.municipality is not None:
        with scope(municipality=ctx.municipality.pk):
            yield
    elif ctx.municipality_ids:
        with scope(municipality=list(ctx.municipality_ids)):
            yield
    else:
        with scope(municipality=[]):
            yield


@contextmanager
def municipality_scope(municipality: Municipality | int) -> Iterator[None]:
    """For tasks, commands and tests that act for one municipality."""
    pk = municipality if isinstance(municipality, int) else municipality.pk
    with scope(municipality=pk):
        yield


def user_memberships(user) -> list[Membership]:
    """ESCAPE HATCH: all of a user's memberships across municipalities (switcher, MFA rule)."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_portal_memberships", None)
    if cached is None:  # once per request: the middleware and the page shell both ask
        cached = user._portal_memberships = list(
            Membership.objects.with_scopes_disabled()
            .filter(user=user)
            .select_related("municipality")
            .order_by("municipality__name", "role")
        )
    return cached


def user_region_memberships(user) -> list[RegionMembership]:
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_portal_region_memberships", None)
    if cached is None:
        cached = user._portal_region_memberships = list(
            RegionMembership.objects.filter(user=user).select_related("region").order_by("region__name")
        )
    return cached


def user_needs_mfa(user) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    if RegionMembership.objects.filter(user=user).exists():
        return True
    return (
        Membership.objects.with_scopes_disabled()
        .filter(user=user, role__in=[r.value for r in MFA_ROLES])
        .exists()
    )


def municipality_context(user, slug: str) -> TenantContext:
    """The user's standing in a municipality; 404 for anyone without one."""
    if not user.is_authenticated:
        raise Http404
    municipality = Municipality.objects.select_related("region").filter(slug=slug).first()
    if municipality is None:
        raise Http404
    with scope(municipality=municipality.pk):
        memberships = list(Membership.objects.filter(user=user).prefetch_related("schools"))
    roles = {m.role for m in memberships}
    school_ids = {school.pk for m in memberships if m.role == Role.DIRECTOR for school in m.schools.all()}
    if (
        municipality.region_id
        and RegionMembership.objects.filter(user=user, region_id=municipality.region_id).exists()
    ):
        roles.add(Role.COORDINATOR)
    if not roles:
        raise Http404
    return TenantContext(municipality=municipality, roles=frozenset(roles), school_ids=frozenset(school_ids))


def region_context(user, slug: str) -> TenantContext:
    if not user.is_authenticated:
        raise Http404
    region = Region.objects.filter(slug=slug).first()
    if region is None or not RegionMembership.objects.filter(user=user, region=region).exists():
        raise Http404
    ids = tuple(region.municipalities.values_list("pk", flat=True))
    return TenantContext(region=region, roles=frozenset({Role.COORDINATOR}), municipality_ids=ids)


def get_for(request, queryset, perm: str | None = None, **lookup):
    """Any scoped object of the current tenant; the scope makes other tenants' rows 404."""
    obj = get_object_or_404(queryset, **lookup)
    if perm:
        require(request.tenant, perm, obj)
    return obj
