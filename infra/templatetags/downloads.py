"""``{% download_url 'schools:name' arg1 arg2 key=value %}``: an expiring, tenant-bound link."""

from django import template
from django.urls import reverse

from infra.links import signed_url

register = template.Library()


@register.simple_tag(takes_context=True)
def download_url(context, viewname, *args, **query):
    query = {key: value for key, value in query.items() if value is not None}
    return signed_url(context["request"], reverse(viewname, args=args), query)
