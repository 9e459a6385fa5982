"""Indicator values, trends and charts for the dashboards (see reporting/indicators/)."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.translation import gettext as _

from reporting import charts, indicators

register = template.Library()


def _fmt(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, int) and not isinstance(value, bool) and -1000 < value < 1000:
        return str(value)  # no thousands to group: skip the locale machinery (a table has many)
    if isinstance(value, float):  # "92,9" in bg, pl and ru; never "1.2e+06"
        value = Decimal(str(round(value, 2)))
    if isinstance(value, Decimal):
        value = value.quantize(Decimal(1)) if value == value.to_integral_value() else value
    return intcomma(value)


@register.simple_tag
def indicator_value(indicator, currency: str = "") -> str:
    """The headline: "33", "92.9 %", "28,640 BGN"."""
    if indicator.value is None:
        return "—"
    if indicator.unit == indicators.PERCENT:
        return f"{_fmt(indicator.value)} %"
    if indicator.unit == indicators.MONEY:
        return f"{_fmt(indicator.value)} {currency}".strip()
    return _fmt(indicator.value)


@register.simple_tag
def indicator_detail(indicator, currency: str = "") -> str:
    """The line under it: "of 187 (17.6 %)", "target 50", "of 36 answers"."""
    parts = []
    if indicator.value is None:
        pass  # nothing to relate yet ("of 0 BGN" says nothing)
    elif indicator.unit == indicators.PERCENT:
        if indicator.total:
            parts.append(_("of %(n)s answers") % {"n": _fmt(indicator.total)})
    elif indicator.total is not None and indicator.unit != indicators.PEOPLE:
        whole = _fmt(indicator.total)
        if indicator.unit == indicators.MONEY:
            whole = f"{whole} {currency}".strip()
        if indicator.share is not None:
            parts.append(_("of %(total)s (%(share)s %%)") % {"total": whole, "share": _fmt(indicator.share)})
        else:
            parts.append(_("of %(total)s") % {"total": whole})
    if indicator.target is not None:
        parts.append(_("target %(target)s") % {"target": _fmt(indicator.target)})
    return " · ".join(parts)


@register.simple_tag
def trend(indicator) -> str:
    return indicators.trend_text(indicator) or ""


@register.filter
def trend_css(indicator) -> str:
    improving = indicator.improving
    if improving is None:
        return "trend-flat"
    return "trend-up" if improving else "trend-down"


@register.simple_tag
def indicator_meter(indicator) -> str:
    """A 0–100 % bar for the indicator, with its target when there is one."""
    share = indicator.share
    target_share = None
    if indicator.unit == indicators.PEOPLE and indicator.target:
        share = min(100.0, 100 * (indicator.value or 0) / indicator.target)
        target_share = 100.0
    if share is None:
        return ""
    text = f"{_fmt(round(share, 1))} %"
    return charts.meter(share, str(indicator.label), target_share=target_share, text=text)


@register.simple_tag
def count_chart(rows, title, label_key="name", value_key="schools") -> str:
    """Bars of counts (schools by stage, readiness buckets, accounts per provider…)."""
    bars = [
        charts.Bar(str(row[label_key]), row[value_key] or 0, style=index) for index, row in enumerate(rows)
    ]
    if not bars:
        return ""
    return charts.bar_chart(bars, str(title))


@register.simple_tag
def share_chart(rows, title, label_key="label", share_key="share") -> str:
    """Bars of percentages on a 0–100 scale, each with its number."""
    bars = [
        charts.Bar(
            str(row[label_key]),
            row[share_key] or 0,
            text="—" if row[share_key] is None else f"{_fmt(row[share_key])} %",
            style=index,
        )
        for index, row in enumerate(rows)
    ]
    if not bars:
        return ""
    return charts.bar_chart(bars, str(title), maximum=100)


@register.filter
def cell(value) -> str:
    return _fmt(value)


@register.filter
def yes_no(flag) -> str:
    if flag is None:
        return "—"
    return _("yes") if flag else _("no")


@register.filter
def readiness_label(level: str) -> str:
    return indicators.readiness_label(level)
