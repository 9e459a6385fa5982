"""Certificates: the PDF (WeasyPrint, our fonts only, a QR code of the public verification page)
and the Open Badges 3.0 credential (an OpenBadgeCredential, JSON) for carrying it elsewhere."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from infra import pdf
from infra.qr import qr_svg
from trainings.models import Certificate

OB3_CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]


def verification_url(certificate: Certificate) -> str:
    return settings.SITE_URL + reverse("verify_certificate", args=[certificate.code])


def render_pdf(certificate: Certificate) -> bytes:
    url = verification_url(certificate)
    modules = list(certificate.enrolment.session.curriculum.modules.all())
    with translation.override(certificate.language):
        html = render_to_string(
            "trainings/certificate_pdf.html",
            {
                "certificate": certificate,
                "modules": modules,
                "url": url,
                "qr": qr_svg(url),
                **pdf.dejavu_fonts(),
            },
        )
    return pdf.write_pdf(html)


def open_badge(certificate: Certificate) -> dict:
    """An Open Badges 3.0 OpenBadgeCredential (unsigned): @context, id, type, issuer, validFrom,
    name, credentialSubject with its achievement (id, type, name, description, criteria)."""
    url = verification_url(certificate)
    municipality = certificate.municipality
    curriculum = certificate.enrolment.session.curriculum
    issuer_id = f"{settings.SITE_URL}/verify/issuer/{municipality.slug}/"
    achievement_id = f"{settings.SITE_URL}/verify/achievement/{municipality.slug}/{curriculum.pk}/"
    with translation.override(certificate.language):
        criteria = translation.gettext("Completed the training by the attendance and feedback rules.")
    credential = {
        "@context": OB3_CONTEXT,
        "id": url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer_id, "type": ["Profile"], "name": certificate.issuer},
        "validFrom": f"{certificate.issued_on.isoformat()}T00:00:00Z",
        "name": certificate.course,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "name": certificate.holder_name,
            "achievement": {
                "id": achievement_id,
                "type": ["Achievement"],
                "name": certificate.course,
                "description": curriculum.description or certificate.course,
                "criteria": {"narrative": criteria},
                "inLanguage": certificate.language,
            },
        },
    }
    if certificate.hours:
        credential["credentialSubject"]["achievement"]["creditsAvailable"] = float(certificate.hours)
    return credential
