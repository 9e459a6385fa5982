from functools import wraps

from django.utils import timezone

from schools.views.decorators import tenant_view


def training_view(perm: str | None = None):
    """``tenant_view`` that also shows and reads dates and times in the municipality's time zone."""

    def decorator(view):
        @tenant_view(perm)
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            with timezone.override(request.tenant.municipality.time_zone):
                return view(request, *args, **kwargs)

        return wrapper

    return decorator
