"""Server-side SVG charts: no script, no inline style, readable without colour.

Every bar carries its number as text and a fill pattern (solid, hatched, dotted, crossed) so
that bars differ in more than colour; each chart has a ``<title>``, an ``aria-label`` and the
page shows the same figures in a table next to it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

_ids = itertools.count(1)

# (fill colour, pattern) pairs; the pattern alone tells the bars apart in grey print.
_STYLES = [
    ("#1f5fa8", "solid"),
    ("#2e8b57", "hatch"),
    ("#b5651d", "dots"),
    ("#7a4ea3", "cross"),
    ("#6c757d", "hatch-back"),
]


@dataclass
class Bar:
    label: str
    value: float
    text: str = ""  # the number shown (default: the value)
    style: int = 0


def _defs(uid: str) -> str:
    parts = []
    for index, (colour, pattern) in enumerate(_STYLES):
        pid = f"{uid}-p{index}"
        if pattern == "solid":
            parts.append(
                f'<pattern id="{pid}" width="8" height="8" patternUnits="userSpaceOnUse">'
                f'<rect width="8" height="8" fill="{colour}"/></pattern>'
            )
        elif pattern == "hatch":
            parts.append(
                f'<pattern id="{pid}" width="6" height="6" patternUnits="userSpaceOnUse" '
                f'patternTransform="rotate(45)"><rect width="6" height="6" fill="{colour}" opacity="0.35"/>'
                f'<line x1="0" y1="0" x2="0" y2="6" stroke="{colour}" stroke-width="3"/></pattern>'
            )
        elif pattern == "hatch-back":
            parts.append(
                f'<pattern id="{pid}" width="6" height="6" patternUnits="userSpaceOnUse" '
                f'patternTransform="rotate(-45)"><rect width="6" height="6" fill="{colour}" opacity="0.35"/>'
                f'<line x1="0" y1="0" x2="0" y2="6" stroke="{colour}" stroke-width="3"/></pattern>'
            )
        elif pattern == "dots":
            parts.append(
                f'<pattern id="{pid}" width="6" height="6" patternUnits="userSpaceOnUse">'
                f'<rect width="6" height="6" fill="{colour}" opacity="0.3"/>'
                f'<circle cx="3" cy="3" r="1.8" fill="{colour}"/></pattern>'
            )
        else:
            parts.append(
                f'<pattern id="{pid}" width="8" height="8" patternUnits="userSpaceOnUse">'
                f'<rect width="8" height="8" fill="{colour}" opacity="0.3"/>'
                f'<path d="M0 0L8 8M8 0L0 8" stroke="{colour}" stroke-width="1.5"/></pattern>'
            )
    return "<defs>" + "".join(parts) + "</defs>"


def bar_chart(bars: list[Bar], title: str, *, maximum: float | None = None, label_width: int = 220) -> str:
    """Horizontal bars, one per row: label on the left, the bar, its number at its end."""
    uid = f"chart{next(_ids)}"
    width, row, bar_height = 600, 26, 18
    plot = width - label_width - 70
    top = maximum if maximum else max([b.value or 0 for b in bars] + [1])
    height = row * len(bars) + 8
    summary = "; ".join(f"{b.label}: {b.text or _number(b.value)}" for b in bars)
    body = [
        format_html(
            '<svg class="chart" role="img" viewBox="0 0 {} {}" width="100%" aria-labelledby="{}-t" '
            'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">',
            width,
            height,
            uid,
        ),
        format_html('<title id="{}-t">{}: {}</title>', uid, title, summary),
        mark_safe(_defs(uid)),  # noqa: S308 - built here from constants
    ]
    for index, bar in enumerate(bars):
        y = 4 + index * row
        length = 0 if not top else max(0.0, min(1.0, (bar.value or 0) / top)) * plot
        body.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="end" class="chart-label">{}</text>',
                label_width - 8,
                y + bar_height - 4,
                _clip(bar.label, 28),
            )
        )
        body.append(
            format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" fill="url(#{}-p{})" '
                'stroke="#333" stroke-width="0.6"/>',
                label_width,
                y,
                round(length, 1),
                bar_height,
                uid,
                bar.style % len(_STYLES),
            )
        )
        body.append(
            format_html(
                '<text x="{}" y="{}" class="chart-value">{}</text>',
                label_width + round(length, 1) + 6,
                y + bar_height - 4,
                bar.text or _number(bar.value),
            )
        )
    body.append(mark_safe("</svg>"))  # noqa: S308
    return mark_safe("".join(str(part) for part in body))  # noqa: S308 - every part escaped above


def meter(share: float | None, title: str, *, target_share: float | None = None, text: str = "") -> str:
    """One bar from 0 to 100 % with the share filled, its number, and the target as a dashed mark."""
    uid = f"meter{next(_ids)}"
    width, height = 300, 34
    share = max(0.0, min(100.0, share or 0.0))
    filled = round(share / 100 * (width - 2), 1)
    parts = [
        format_html(
            '<svg class="meter" role="img" viewBox="0 0 {} {}" width="100%" aria-labelledby="{}-t" '
            'xmlns="http://www.w3.org/2000/svg">',
            width,
            height,
            uid,
        ),
        format_html('<title id="{}-t">{}: {}</title>', uid, title, text or f"{_number(share)} %"),
        mark_safe(_defs(uid)),  # noqa: S308
        format_html('<rect x="1" y="4" width="{}" height="16" fill="#ffffff" stroke="#333"/>', width - 2),
        format_html('<rect x="1" y="4" width="{}" height="16" fill="url(#{}-p0)"/>', filled, uid),
    ]
    if target_share is not None:
        x = round(1 + max(0.0, min(100.0, target_share)) / 100 * (width - 2), 1)
        parts.append(
            format_html(
                '<line x1="{}" y1="1" x2="{}" y2="23" stroke="#000" stroke-width="2" stroke-dasharray="3 2"/>'
                '<text x="{}" y="32" text-anchor="middle" class="chart-label">{}</text>',
                x,
                x,
                min(max(x, 20), width - 20),
                _("target"),
            )
        )
    parts.append(mark_safe("</svg>"))  # noqa: S308
    return mark_safe("".join(str(p) for p in parts))  # noqa: S308


def _number(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _clip(text: str, length: int) -> str:
    text = str(text)
    return text if len(text) <= length else text[: length - 1] + "…"


__all__ = ["Bar", "bar_chart", "meter", "escape"]
