"""Building a report in the worker: figures → HTML (the owner's language) → PDF → stored file.

The figures come from ``reporting.indicators``, the same functions the dashboards use, so the
council reads what the officer sees; their query count does not grow with the number of schools.
"""

from __future__ import annotations

import logging
import zoneinfo
from contextlib import contextmanager
from datetime import date

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_scopes import scope, scopes_disabled

from infra import pdf
from reporting.reports import actions, content, periods
from rollout.models import Report
from schools.access import municipality_scope

logger = logging.getLogger(__name__)

TEMPLATES = {
    Report.Kind.COUNCIL: "reporting/reports/council.html",
    Report.Kind.REGIONAL: "reporting/reports/regional.html",
}


@contextmanager
def report_scope(report: Report):
    """The report's tenant scope: its municipality, or every municipality of its region."""
    if report.municipality_id:
        with municipality_scope(report.municipality_id):
            yield
    else:
        ids = list(report.region.municipalities.values_list("pk", flat=True))
        with scope(municipality=ids):
            yield


def as_of(report: Report, today: date) -> date:
    """The day the figures are taken: the period's last day, or today while it runs."""
    return min(report.ends_on, today)


def run(report_id: int) -> None:
    with scopes_disabled():  # ESCAPE HATCH: the worker learns whose report the id is
        report = (
            Report.objects.select_related("municipality", "region", "created_by").filter(pk=report_id).first()
        )
    if report is None or not actions.claim(report):
        return
    with report_scope(report), translation.override(report.language):
        try:
            data, name = render(report, lambda percent, step: actions.set_progress(report, percent, step))
            actions.set_progress(report, 95, Report.Step.STORING)
            actions.finish(report, name, *data)
        except Exception as error:  # recorded on the row for the reader; the worker carries on
            logger.exception("report %s failed", report_id)
            actions.fail(report, error)


def render(report: Report, progress=lambda percent, step: None) -> tuple[tuple[bytes, int], str]:
    """((PDF bytes, pages), file name). Call inside the report's scope and language."""
    today = content.today_of(report)
    day = as_of(report, today)
    progress(5, Report.Step.FIGURES)
    if report.kind == Report.Kind.COUNCIL:
        context = content.council(report, day, progress)
    else:
        context = content.regional(report, day, progress)
    css, family = pdf.noto_font_css()
    owner = report.municipality or report.region
    footer = f"{owner.name} · {report.get_kind_display()} · {periods.label(report.period)}"
    context.update(
        {
            "footer_left": css_string(footer),
            "page_of": page_of_css(),
            "report": report,
            "period_label": periods.label(report.period),
            "as_of": day,
            "generated_on": today,
            "font_css": css,
            "font_family": family,
            "language": report.language,
        }
    )
    progress(50, Report.Step.WRITING)
    html = render_to_string(TEMPLATES[report.kind], context)
    progress(60, Report.Step.LAYOUT)
    document = pdf.document(html)
    progress(85, Report.Step.LAYOUT)
    data = document.write_pdf()
    name = f"{owner.slug}-{report.kind}-{report.period}.pdf"
    return (data, len(document.pages)), name


def css_string(text: str) -> str:
    """A quoted CSS string that no text can break out of (quotes, backslashes, ``</style>``)."""
    out = []
    for char in text:
        if char.isalnum() or char in " .,;:·-–—()/'«»„“”‘’_%#&!?+=*@":
            out.append(char)
        else:
            out.append(f"\\{ord(char):06x}")
    return '"' + "".join(out) + '"'


def page_of_css() -> str:
    """``"Page " counter(page) " of " counter(pages)`` in the active language."""
    marker_page, marker_pages = "\x00PAGE\x00", "\x00PAGES\x00"
    text = gettext("Page %(page)s of %(pages)s") % {"page": marker_page, "pages": marker_pages}
    parts = []
    for chunk in text.split(marker_page):
        pieces = chunk.split(marker_pages)
        sub = []
        for index, piece in enumerate(pieces):
            if index:
                sub.append("counter(pages)")
            if piece:
                sub.append(css_string(piece))
        parts.append(" ".join(sub))
    return " counter(page) ".join(parts).strip()


def now_in(owner) -> date:
    return timezone.now().astimezone(zoneinfo.ZoneInfo(owner.time_zone or "UTC")).date()
