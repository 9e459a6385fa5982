"""iCalendar (RFC 5545) feeds written by hand: CRLF line ends, lines folded at 75 octets,
TEXT values escaped, times in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.conf import settings

PRODID = "-//School in the Cloud//Trainings//EN"


def escape(value: str) -> str:
    return (
        str(value)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """Split a content line into 75-octet pieces (never inside a UTF-8 character)."""
    out = []
    current = b""
    limit = 75
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > limit:
            out.append(current.decode("utf-8"))
            current = b" "
            limit = 75
        current += encoded
    out.append(current.decode("utf-8"))
    return "\r\n".join(out)


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar(name: str, items: list[dict], now: datetime) -> str:
    """``items``: dicts with uid, start, end (or None), summary, description, location, url."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape(name)}",
    ]
    host = settings.SITE_URL.split("://", 1)[-1].split("/")[0] or "localhost"
    for item in items:
        end = item.get("end") or item["start"] + timedelta(hours=1)
        lines += [
            "BEGIN:VEVENT",
            f"UID:{item['uid']}@{host}",
            f"DTSTAMP:{_utc(now)}",
            f"DTSTART:{_utc(item['start'])}",
            f"DTEND:{_utc(end)}",
            f"SUMMARY:{escape(item['summary'])}",
        ]
        if item.get("description"):
            lines.append(f"DESCRIPTION:{escape(item['description'])}")
        if item.get("location"):
            lines.append(f"LOCATION:{escape(item['location'])}")
        if item.get("url"):
            lines.append(f"URL:{item['url']}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
