"""Teachers' anonymous self-assessment (personal links, the five-answer threshold) and the
directors' reminders (each sent once, in the director's language)."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone, translation
from django.utils.formats import date_format
from django_scopes import scope, scopes_disabled

from surveys import queries
from surveys.models import Response, TeacherLink, TeacherResponse
from surveys.tasks import send_invitations, send_reminders, send_teacher_links
from tests.factories import PersonFactory
from tests.surveys.test_campaigns import (
    ALTAI_ALL_MET,
    english,
    form_data,
    latest_campaign,
    launch,
    response_of,
)

pytestmark = pytest.mark.django_db

# Each area answered "3 — systematically": 18 of 24 points → C1; "0" everywhere → A1.
AREAS = ["engagement", "resources", "teaching", "assessment", "empowering", "facilitating"]


def teacher_answers(points: int) -> dict:
    return {"role": "teacher", **dict.fromkeys(AREAS, str(points))}


@pytest.fixture
def campaign_with_links(world, client_for, settings):
    settings.SITE_URL = "http://testserver"
    tenant = world.a
    english(tenant)
    with scopes_disabled():
        for n in range(6):
            person = PersonFactory(municipality=tenant.municipality, personal_email=f"t{n}@alpha.example")
            person.schools.add(tenant.school)
    launch(client_for(tenant.users["officer"]), tenant)
    campaign = latest_campaign(tenant)
    response = response_of(campaign, tenant.school)
    url = f"/m/{tenant.municipality.slug}/surveys/responses/{response.pk}/teachers/"
    director = client_for(tenant.users["director"])
    assert director.post(url).status_code == 302
    assert director.post(url).status_code == 302  # twice: no second link for anyone
    send_teacher_links.apply(args=[campaign.pk, tenant.school.pk, tenant.municipality.pk], throw=True)
    links = [re.search(r"http://testserver(/t/\S+/)", m.body).group(1) for m in mail.outbox]
    return campaign, response, links, director, url


def test_every_teacher_gets_one_personal_link_by_email(world, client_for, campaign_with_links):
    campaign, _response, links, director, url = campaign_with_links
    with scope(municipality=world.a.municipality.pk):
        assert TeacherLink.objects.filter(campaign=campaign).count() == 7  # 6 + the tenant's own teacher
    assert len(links) == 6 == len(set(links))  # the seventh has no e-mail address: the list shows the link
    page = director.get(url).content.decode()
    assert page.count("/t/") == 7
    # The region's coordinator sees who answered, never the links themselves.
    coordinator = client_for(world.coordinator).get(url)
    assert coordinator.status_code == 200 and "/t/" not in coordinator.content.decode()
    assert client_for(world.coordinator).post(url).status_code == 403


def test_answers_are_anonymous_and_a_link_works_once(world, campaign_with_links):
    campaign, _response, links, _director, _url = campaign_with_links
    teacher = Client()
    form = teacher.get(links[0])
    assert form.status_code == 200
    assert '<html lang="bg">' in form.content.decode()  # the school's language…
    assert (
        '<html lang="pl">' in teacher.get(links[0] + "?lang=pl").content.decode()
    )  # …or the teacher's choice
    incomplete = teacher.post(links[0], {"role": "teacher"})
    assert incomplete.status_code == 200 and "invalid-feedback" in incomplete.content.decode()
    with scope(municipality=world.a.municipality.pk):
        assert not TeacherResponse.objects.exists()
    assert teacher.post(links[0], teacher_answers(3)).status_code == 200
    assert teacher.post(links[0], teacher_answers(0)).status_code == 200  # used: nothing more is stored
    with scope(municipality=world.a.municipality.pk):
        rows = list(TeacherResponse.objects.filter(campaign=campaign))
    assert [r.level for r in rows] == ["C1"]
    # The answer row names the school, never the person or the link.
    fields = {f.name for f in TeacherResponse._meta.get_fields()}
    assert not fields & {"person", "link", "teacherlink", "user", "email"}
    with scope(municipality=world.a.municipality.pk):
        used = TeacherLink.objects.exclude(used_at=None).get()
    assert (used.used_at.hour, used.used_at.minute, used.used_at.second) == (0, 0, 0)  # the day only
    assert Client().get("/t/forged-token/").status_code == 404


def test_school_figures_only_from_five_answers(world, client_for, campaign_with_links):
    campaign, response, links, director, _url = campaign_with_links
    page_url = f"/m/{world.a.municipality.slug}/surveys/responses/{response.pk}/"
    # The director claims 100% basic and advanced; the teachers say otherwise.
    director.post(
        page_url,
        {**form_data({**ALTAI_ALL_MET, "ict_basic_pct": 100, "ict_advanced_pct": 100}), "submit": "1"},
    )
    for link in links[:4]:
        Client().post(link, teacher_answers(0))  # A1
    with scope(municipality=world.a.municipality.pk):
        stats = queries.teacher_stats(campaign)[world.a.school.pk]
        results = {r.school.pk: r for r in queries.campaign_results(campaign)}
    assert stats.count == 4 and stats.share_at_least("A2") is None
    assert results[world.a.school.pk].evaluation.score == 100  # still the school's own figures
    page = director.get(page_url).content.decode()
    assert "Teachers&#x27; levels" not in page and "Teachers' levels" not in page

    Client().post(links[4], teacher_answers(3))  # the fifth answer: C1
    with scope(municipality=world.a.municipality.pk):
        evaluation = {r.school.pk: r for r in queries.campaign_results(campaign)}[
            world.a.school.pk
        ].evaluation
    basic, advanced = evaluation.by_key()["ict_basic"], evaluation.by_key()["ict_advanced"]
    assert (basic.passed, basic.actual) == (False, "20 %")  # 1 of 5 at A2 or above
    assert (advanced.passed, advanced.actual) == (False, "20 %")  # 1 of 5 at B2 or above
    assert evaluation.score == 75
    page = director.get(page_url).content.decode()
    assert "A1 80.0 %" in page and "C1 20.0 %" in page


def invited_campaign(world, client_for, deadline_in_days: int):
    tenant = world.a
    with scopes_disabled():
        director = tenant.users["director"]
        director.language = "pl"
        director.save(update_fields=["language"])
    launch(client_for(tenant.users["officer"]), tenant)
    campaign = latest_campaign(tenant)
    send_invitations.apply(args=[campaign.pk, tenant.municipality.pk], throw=True)
    with scopes_disabled():
        campaign.deadline = timezone.localdate() + timedelta(days=deadline_in_days)
        campaign.save(update_fields=["deadline"])
        Response.objects.filter(campaign=campaign).update(invited_at=timezone.now() - timedelta(days=2))
    mail.outbox.clear()
    return campaign


def test_reminder_before_the_deadline_is_sent_once_in_the_directors_language(world, client_for):
    campaign = invited_campaign(world, client_for, deadline_in_days=1)
    assert send_reminders.apply(throw=True).result == 2  # the director and the all-roles user
    to_director = [m for m in mail.outbox if m.to == [world.a.users["director"].email]]
    assert len(to_director) == 1
    with translation.override("pl"):
        assert date_format(campaign.deadline, "DATE_FORMAT") in to_director[0].body
    # Every later beat: nothing more.
    for _beat in range(3):
        assert send_reminders.apply(throw=True).result == 0
    assert len(mail.outbox) == 2  # the director and the all-roles user lead the same school


def test_overdue_reminder_is_sent_once_and_not_to_schools_that_submitted(world, client_for):
    campaign = invited_campaign(world, client_for, deadline_in_days=-1)
    other = response_of(campaign, world.a.other_school)
    with scopes_disabled():
        Response.objects.filter(pk=other.pk).update(status="submitted")
    assert send_reminders.apply(throw=True).result == 2  # not to the other school: it submitted
    subjects = {m.subject for m in mail.outbox}
    assert len(mail.outbox) == 2 and all("Overdue" in s or campaign.name in s for s in subjects)
    assert send_reminders.apply(throw=True).result == 0
    # Submitting ends the reminders for good.
    with scopes_disabled():
        Response.objects.filter(campaign=campaign).update(status="submitted", reminded_overdue_at=None)
    assert send_reminders.apply(throw=True).result == 0


def test_no_reminder_right_after_the_invitation_or_long_before_the_deadline(world, client_for):
    campaign = invited_campaign(world, client_for, deadline_in_days=20)
    assert send_reminders.apply(throw=True).result == 0
    with scopes_disabled():
        campaign.deadline = timezone.localdate() + timedelta(days=1)
        campaign.save(update_fields=["deadline"])
        Response.objects.filter(campaign=campaign).update(invited_at=timezone.now())
    assert send_reminders.apply(throw=True).result == 0


def test_invitations_never_queued_at_the_launch_go_out_with_the_next_beat(world, client_for):
    """The broker was down when the officer launched: the launch is saved, and the reminders'
    beat sends the invitations once the launch is ten minutes old, once."""
    tenant = world.a
    launch(client_for(tenant.users["officer"]), tenant)  # its on-commit queueing never runs here
    campaign = latest_campaign(tenant)
    assert send_reminders.apply(throw=True).result == 0  # a fresh launch is the queue's to send
    with scopes_disabled():
        type(campaign).objects.filter(pk=campaign.pk).update(
            created_at=timezone.now() - timedelta(minutes=11)
        )
    mail.outbox.clear()
    sent = send_reminders.apply(throw=True).result
    assert sent == len(mail.outbox) >= 2  # every school's director
    with scopes_disabled():
        assert not Response.objects.filter(campaign=campaign, invited_at=None).exists()
    by_queue = [m.subject for m in mail.outbox]
    assert send_reminders.apply(throw=True).result == 0  # and only once
    # The same e-mail as the one the launch queues.
    with scopes_disabled():
        Response.objects.filter(campaign=campaign).update(invited_at=None)
    mail.outbox.clear()
    send_invitations.apply(args=[campaign.pk, tenant.municipality.pk], throw=True)
    assert sorted(m.subject for m in mail.outbox) == sorted(by_queue)
