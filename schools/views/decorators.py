from functools import wraps

from django.http import Http404

from schools.permissions import require


def tenant_view(perm: str | None = None):
    """A page inside ``/m/<slug>/`` or ``/r/<slug>/``: the middleware has resolved the tenant."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if getattr(request, "tenant", None) is None:
                raise Http404
            if perm:
                require(request.tenant, perm)
            kwargs.pop("municipality_slug", None)
            kwargs.pop("region_slug", None)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def query_string(request) -> str:
    """The current filters without the page number, for pagination links."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
