"""A teacher enrols in a session, the trainer marks them present, the teacher gives feedback and
downloads the certificate, whose code the public page confirms. No request leaves our server."""

import io
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from pypdf import PdfReader

from schools.models import Person
from tests.factories import PASSWORD, make_world
from trainings import actions
from trainings.models import Certificate, TrainingSession

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, user, path):
    page.goto(f"{live_server.url}{path}")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")


def test_teacher_enrols_is_marked_present_gives_feedback_and_gets_the_certificate(page, browser, live_server):
    world = make_world()
    municipality = world.a.municipality
    teacher, trainer = world.a.users["teacher"], world.a.users["trainer"]
    with scopes_disabled():
        Person.objects.create(
            municipality=municipality,
            first_name="Радка",
            middle_name="Илиева",
            last_name="Пеева",
            user=teacher,
        ).schools.add(world.a.school)
        curriculum = actions.create_curriculum(
            municipality,
            title="Училище в облака: въведение",
            description="",
            language="bg",
            target_roles=["teacher"],
            modules=[("Gmail", 2)],
            questions=["Беше ли полезно?", "Ясно ли беше?"],
        )
        now = timezone.now()
        session = TrainingSession.objects.create(
            municipality=municipality,
            curriculum=curriculum,
            place="Зала 12",
            capacity=20,
            trainer=trainer,
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(hours=3),
        )
    session_path = f"/m/{municipality.slug}/trainings/sessions/{session.pk}/"

    # The teacher enrols.
    sign_in(page, live_server, teacher, session_path)
    with page.expect_navigation():
        page.click("main form[action$='/enrol/'] button")
    assert page.locator("#my-status").is_visible()
    page.shot("training-1-enrolled")

    # The trainer, in another browser, ticks the teacher present.
    context = browser.new_context(locale="en-GB")
    trainer_page = context.new_page()
    sign_in(trainer_page, live_server, trainer, session_path)
    trainer_page.check("input[name=present]")
    with trainer_page.expect_navigation():
        trainer_page.click("main form[action$='/attendance/'] button[type=submit]")
    assert trainer_page.is_checked("input[name=present]")
    context.close()

    # The teacher gives feedback: 5 and 4.
    page.goto(f"{live_server.url}{session_path}")
    with page.expect_navigation():
        page.click("main a[href$='/feedback/']")
    radios = page.locator("input[type=radio]")
    page.check("input[type=radio][value='5'] >> nth=0")
    page.check("input[type=radio][value='4'] >> nth=1")
    assert radios.count() == 10
    page.fill("textarea[name=comment]", "Много полезно")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    page.shot("training-2-after-feedback")

    # The certificate: downloaded, in Cyrillic, and its code verifies publicly.
    with page.expect_download() as download:
        page.click("main a[href*='/pdf/']")
    with open(download.value.path(), "rb") as file:
        pdf = file.read()
    text = " ".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "Радка Илиева Пеева" in text
    with scopes_disabled():
        code = Certificate.objects.get(enrolment__session=session).code
    assert code in text
    page.goto(f"{live_server.url}/verify/{code}/")
    assert page.locator("[data-result=valid]").is_visible()
    assert re.search("Радка Илиева Пеева", page.content())
    page.shot("training-3-verified")

    own_host = urlsplit(live_server.url).netloc
    assert page.hosts == {own_host}, f"third-party requests: {page.hosts - {own_host}}"
