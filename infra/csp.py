"""The Content-Security-Policy header on every response."""

from __future__ import annotations

from django.conf import settings


class ContentSecurityPolicyMiddleware:
    """Send ``settings.CONTENT_SECURITY_POLICY`` on every response that does not set its own.

    The policy has no ``'unsafe-inline'``: templates carry no inline scripts, ``style=""``
    attributes or ``on*=`` handlers (static/js/portal.js does that work).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        return response
