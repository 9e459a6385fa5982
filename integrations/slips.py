"""Credential slips: one slip per new account with the name in native script, the login, the
temporary password, the sign-in steps and a QR code of the sign-in address, in the school's
language, as a PDF (WeasyPrint) that fetches nothing but our own static files."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation

from infra import pdf
from infra.qr import qr_svg
from integrations.crypto import SecretError, decrypt_secret
from integrations.models import JobItem, Provider

SIGN_IN = {
    Provider.GOOGLE: "https://accounts.google.com/",
    Provider.MICROSOFT: "https://www.office.com/",
}


def slips_for(job, school: str | None = None, *, of_schools: list[int] | None = None) -> list[dict]:
    """The slips of accounts this job created (optionally one school's), passwords decrypted.

    ``of_schools``: only people on the roster of these schools (by id: a school's name can be
    changed, and a name once another school's must not open that school's passwords)."""
    items = JobItem.objects.filter(job=job, op="create_user", outcome="created").exclude(secret_ciphertext="")
    if school is not None:
        items = items.filter(school=school)
    if of_schools is not None:
        items = items.filter(person__schools__pk__in=of_schools).distinct()
    sign_in = SIGN_IN[job.provider]
    slips = []
    for item in items.order_by("school", "key"):
        try:
            password = decrypt_secret(job.municipality_id, item.secret_ciphertext)
        except SecretError:
            continue
        slips.append(
            {
                "name": f"{item.payload.get('given', '')} {item.payload.get('family', '')}".strip(),
                "login": item.key,
                "password": password,
                "school": item.school,
                "sign_in": sign_in,
                "qr": qr_svg(sign_in),
            }
        )
    return slips


def render_pdf(job, slips: list[dict]) -> bytes:
    with translation.override(job.municipality.language):
        html = render_to_string(
            "integrations/slips.html",
            {
                "job": job,
                "slips": slips,
                "municipality": job.municipality,
                **pdf.dejavu_fonts(),
            },
        )
    return pdf.write_pdf(html)
