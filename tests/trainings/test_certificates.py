"""Certificates: the public verification page (valid, revoked, unknown, nothing personal beyond
what it lists), the PDF in the municipality's language with the name in Cyrillic, Open Badges 3.0."""

import io
import json

import pytest
from django.test import Client
from django_scopes import scopes_disabled
from pypdf import PdfReader

from schools.access import municipality_scope
from tests.links import signed
from tests.trainings.objects import training_objects
from trainings import actions

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(world):
    objects = training_objects(world.a)
    with scopes_disabled():
        person = objects["person"]
        person.first_name, person.middle_name, person.last_name = "Йорданка", "Стефанова", "Кьосева"
        person.personal_email = "yordanka@example.org"
        person.save()
        certificate = objects["certificate"]
        certificate.holder_name = person.full_name
        certificate.save()
    return objects


def test_verification_page_valid_revoked_unknown(world, client_for, issued):
    certificate = issued["certificate"]
    anonymous = Client()
    page = anonymous.get(f"/verify/{certificate.code}/")
    html = page.content.decode()
    assert page.status_code == 200 and 'data-result="valid"' in html
    for shown in ("Йорданка Стефанова Кьосева", certificate.course, certificate.issuer, certificate.code):
        assert shown in html
    # Nothing else about the person: no e-mail, no school, no link into the portal.
    assert "yordanka@example.org" not in html
    assert world.a.school.name not in html
    assert f"/m/{world.a.municipality.slug}/" not in html
    # Lower case and spaces as typed by hand still find it.
    assert anonymous.get(f"/verify/{certificate.code.lower()}/").status_code == 200

    officer = client_for(world.a.users["officer"])
    url = f"/m/{world.a.municipality.slug}/trainings/certificates/{certificate.pk}/revoke/"
    assert officer.post(url, {"reason": "Грешка в името"}).status_code == 302
    html = anonymous.get(f"/verify/{certificate.code}/").content.decode()
    assert 'data-result="revoked"' in html and "Грешка" not in html  # the reason stays internal

    unknown = anonymous.get("/verify/AAAA-BBBB-CCCC/")
    assert unknown.status_code == 404 and 'data-result="unknown"' in unknown.content.decode()


def test_codes_are_unique_and_unguessable():
    codes = {actions.new_certificate_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(code) == 14 and code.count("-") == 2 for code in codes)


def test_pdf_has_the_name_in_cyrillic_and_the_code(world, client_for, issued):
    certificate = issued["certificate"]
    holder = client_for(world.a.users["all"])  # the person of the enrolment is linked to this user
    response = holder.get(
        signed(holder, f"/m/{world.a.municipality.slug}/trainings/certificates/{certificate.pk}/pdf/")
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    flat = " ".join(text.split())
    assert "Йорданка Стефанова Кьосева" in flat
    assert certificate.code in flat
    assert certificate.course in flat
    assert f"Код: {certificate.code}" in flat  # in the municipality's language (bg)
    with municipality_scope(world.a.municipality):
        from schools.models import AuditEvent

        assert AuditEvent.objects.filter(
            action="certificate.download", object_id=str(certificate.pk)
        ).exists()


def test_open_badge_credential(world, client_for, issued):
    certificate = issued["certificate"]
    holder = client_for(world.a.users["all"])
    response = holder.get(f"/m/{world.a.municipality.slug}/trainings/certificates/{certificate.pk}/badge/")
    badge = json.loads(response.content)
    assert badge["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert "https://purl.imsglobal.org/spec/ob/v3p0/context" in badge["@context"][1]
    assert badge["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert badge["id"].endswith(f"/verify/{certificate.code}/")
    assert badge["issuer"]["type"] == ["Profile"] and badge["issuer"]["name"] == certificate.issuer
    assert badge["validFrom"].startswith(certificate.issued_on.isoformat())
    subject = badge["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"] and subject["name"] == certificate.holder_name
    achievement = subject["achievement"]
    assert achievement["type"] == ["Achievement"] and achievement["name"] == certificate.course
    assert achievement["criteria"]["narrative"] and achievement["description"] and achievement["id"]


def test_only_the_holder_and_staff_download(world, client_for, issued):
    certificate = issued["certificate"]
    url = f"/m/{world.a.municipality.slug}/trainings/certificates/{certificate.pk}/pdf/"
    assert client_for(world.a.users["teacher"]).get(url).status_code == 404
    assert client_for(world.b.users["officer"]).get(url).status_code == 404
