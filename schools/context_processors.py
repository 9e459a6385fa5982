from django.conf import settings

from schools import access
from schools.permissions import Capabilities


def portal(request):
    """What the page shell needs: the tenant, the switcher, what the user may do, languages."""
    ctx = getattr(request, "tenant", None)
    user = getattr(request, "user", None)
    memberships = []
    regions = []
    if user is not None and user.is_authenticated:
        seen = set()
        for membership in access.user_memberships(user):
            if membership.municipality_id not in seen:
                seen.add(membership.municipality_id)
                memberships.append(membership.municipality)
        regions = [rm.region for rm in access.user_region_memberships(user)]
    return {
        "tenant": ctx,
        "municipality": ctx.municipality if ctx else None,
        "region": ctx.region if ctx else None,
        "can": Capabilities(ctx),
        "switcher_municipalities": memberships,
        "switcher_regions": regions,
        "portal_languages": settings.LANGUAGES,
    }
