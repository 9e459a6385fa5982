"""``{% export_links %}``: CSV and XLSX download links for the table a list page shows."""

from django import template
from django.template.loader import render_to_string

from infra.links import signed_url

register = template.Library()


@register.simple_tag(takes_context=True)
def export_links(context, signed=False, **extra):
    """``signed=True`` for tables with personal data: each link carries an expiring token for
    this user (``infra.links``) and the view refuses the export without one."""
    request = context["request"]
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("export", None)
    for key, value in extra.items():
        params[key] = value
    links = []
    for fmt, label in (("csv", "CSV"), ("xlsx", "XLSX")):
        params["export"] = fmt
        href = signed_url(request, request.path, params.dict()) if signed else "?" + params.urlencode()
        links.append({"href": href, "label": label, "fmt": fmt})
    return render_to_string("schools/_export_links.html", {"links": links}, request=request)
