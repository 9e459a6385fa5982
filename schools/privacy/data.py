"""Everything the portal holds about one person, across the registered parts, and its export as
JSON and CSV.

A fixed number of queries whatever the person's history: each part collects its rows once
(``registry.PersonalData.collect``) and exports them. Temporary passwords are never exported
(they are credentials, not data about the person); teachers' survey answers are anonymous by
design, so only the personal links sent to the person are theirs."""

from __future__ import annotations

import csv
import io
import json

from django.utils import timezone

from infra.exports import neutralise
from schools.models import Person
from schools.privacy.registry import Footprint, parts, sections


def footprint(person: Person) -> Footprint:
    """The rows that belong to a person, by part: what export and erasure walk over."""
    prints = Footprint(person, {person.account_email} - {""})
    for part in parts():
        prints.rows[part.key] = part.collect(person, prints)
    prints.addresses = sorted(prints.addresses)
    return prints


def person_data(person: Person) -> dict:
    """Sections of records (lists of flat dicts), in the order a reader wants them."""
    prints = footprint(person)
    data = {"exported_at": timezone.now().isoformat(), "municipality": person.municipality.name}
    for part in parts():
        data.update(part.export(person, prints))
    return data


def as_json(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str).encode("utf-8")


def as_csv(data: dict) -> bytes:
    """One table: section, record number, field, value (every cell neutralised)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["section", "record", "field", "value"])
    for section in sections():
        for number, record in enumerate(data[section], start=1):
            for field, value in record.items():
                writer.writerow([neutralise(section), number, neutralise(field), neutralise(value)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
