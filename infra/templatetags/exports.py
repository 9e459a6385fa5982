"""``{% export_links %}``: CSV and XLSX download links for the table a list page shows."""

from django import template
from django.template.loader import render_to_string

register = template.Library()


@register.simple_tag(takes_context=True)
def export_links(context, **extra):
    request = context["request"]
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("export", None)
    for key, value in extra.items():
        params[key] = value
    links = []
    for fmt, label in (("csv", "CSV"), ("xlsx", "XLSX")):
        params["export"] = fmt
        links.append({"href": "?" + params.urlencode(), "label": label, "fmt": fmt})
    return render_to_string("schools/_export_links.html", {"links": links}, request=request)
