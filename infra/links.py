"""Expiring download links bound to one municipality, one user and one address.

A page renders ``{% download_url 'schools:job_slips' municipality.slug job.pk school=name %}``
(``infra/templatetags/downloads.py``), or ``signed_url(request, path)`` in Python. The link
carries ``?dl=<token>``: a ``TimestampSigner`` signature, salted with the municipality's and the
user's ids, over a digest of the path and its query. The download view, wrapped in
``@signed_download`` *after* its permission check, serves only when the token matches this
municipality, this user and this address, and is younger than ``DOWNLOAD_LINK_SECONDS``:

- a link without a token, with a forged one, one signed for another user or municipality, or
  moved to another address (another object, another tenant's URL) → 404;
- an expired link → a "link expired" page (410) with a way back to the municipality.

The view's own checks stay: the token is an extra lock, never a key on its own.
"""

from __future__ import annotations

import hashlib
from functools import wraps

from django.conf import settings
from django.core import signing
from django.http import Http404, QueryDict
from django.shortcuts import render

PARAM = "dl"


def _salt(municipality_id: int | None, user_id: int | None) -> str:
    return f"infra.links.download:{municipality_id or 0}:{user_id or 0}"


def _digest(path: str, query: QueryDict | dict | None) -> str:
    items = []
    if query:
        pairs = query.lists() if isinstance(query, QueryDict) else ((k, [v]) for k, v in query.items())
        items = sorted((key, str(value)) for key, values in pairs if key != PARAM for value in values)
    text = path + "?" + "&".join(f"{key}={value}" for key, value in items)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _ids(request) -> tuple[int | None, int | None]:
    tenant = getattr(request, "tenant", None)
    municipality = getattr(tenant, "municipality", None)
    return (municipality.pk if municipality else None), request.user.pk


def sign(municipality_id: int | None, user_id: int | None, path: str, query=None) -> str:
    signer = signing.TimestampSigner(salt=_salt(municipality_id, user_id))
    return signer.sign(_digest(path, query))


def signed_url(request, path: str, query: dict | None = None) -> str:
    """``path`` with its query and a token for the current user in the current municipality."""
    municipality_id, user_id = _ids(request)
    params = QueryDict(mutable=True)
    for key, value in (query or {}).items():
        params[key] = str(value)
    params[PARAM] = sign(municipality_id, user_id, path, query)
    return f"{path}?{params.urlencode()}"


class LinkExpired(Exception):
    pass


def verify(request) -> None:
    """Raise Http404 unless the request carries a valid token; LinkExpired if it is too old."""
    token = request.GET.get(PARAM, "")
    municipality_id, user_id = _ids(request)
    if not token or user_id is None:
        raise Http404
    signer = signing.TimestampSigner(salt=_salt(municipality_id, user_id))
    try:
        digest = signer.unsign(token, max_age=settings.DOWNLOAD_LINK_SECONDS)
    except signing.SignatureExpired as error:
        try:  # an old link to the right place says so; a forged one stays a plain 404
            digest = signer.unsign(token)
        except signing.BadSignature:
            raise Http404 from error
        if digest == _digest(request.path, request.GET):
            raise LinkExpired from error
        raise Http404 from error
    except signing.BadSignature as error:
        raise Http404 from error
    if digest != _digest(request.path, request.GET):
        raise Http404


def refuse_unsigned(request):
    """For a view that serves a download only on some requests (a list page's ``?export=``):
    None when the link is valid, the "link expired" page (410) when it is too old; Http404
    for no link or a forged one."""
    try:
        verify(request)
    except LinkExpired:
        return render(request, "schools/link_expired.html", status=410)
    return None


def signed_download(view):
    """Serve ``view`` only through a valid, unexpired link (see the module's docstring)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        refusal = refuse_unsigned(request)
        return refusal if refusal is not None else view(request, *args, **kwargs)

    wrapper.signed_download = True
    return wrapper


def requires_signed_link(func) -> bool:
    """True for a view wrapped in ``signed_download`` (whatever decorators are outside it)."""
    while func is not None:
        if getattr(func, "signed_download", False):
            return True
        func = getattr(func, "__wrapped__", None)
    return False
