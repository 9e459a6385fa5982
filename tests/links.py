"""Expiring download links in tests: the link a page would render for a signed-in client."""

from __future__ import annotations

from django.http import QueryDict
from django.test import Client
from django.urls import resolve

from infra.links import PARAM, requires_signed_link, sign


def signed(who, url: str, municipality=None) -> str:
    """``url`` (path, optional query) with a valid token for ``who`` (a User or a signed-in
    Client) in ``municipality`` (by default the one named by the URL's ``/m/<slug>/``)."""
    from schools.models import Municipality, User

    user = User.objects.get(pk=who.session["_auth_user_id"]) if isinstance(who, Client) else who
    path, _, query = url.partition("?")
    if municipality is None:  # a region's page is bound to no municipality
        slug = resolve(path).kwargs.get("municipality_slug")
        municipality = Municipality.objects.get(slug=slug) if slug else None
    params = QueryDict(query, mutable=True)
    params[PARAM] = sign(municipality.pk if municipality else None, user.pk, path, QueryDict(query))
    return f"{path}?{params.urlencode()}"


def signed_if_needed(who, url: str, municipality=None) -> str:
    """Sign ``url`` only if its view takes downloads through signed links."""
    try:
        func = resolve(url.partition("?")[0]).func
    except Exception:
        return url
    return signed(who, url, municipality) if requires_signed_link(func) else url
