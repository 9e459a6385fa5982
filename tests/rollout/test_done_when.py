"""Issue 7 "done when", as a new user would try it: the Haskovo officer starts "School in the
Cloud" for a pilot group of five schools, assigns owners and dates; a director ticks an activity
with evidence; an activity ticks itself after provisioning; an overdue one shows red on the
timeline; everything in Bulgarian. The pilot group comes from a readiness-survey campaign
(issue 6: the pilot group flows into a programme)."""

import pytest
from django_scopes import scope, scopes_disabled

from rollout.models import Activity, Programme, Task
from tests.factories import SchoolFactory
from tests.rollout.helpers import account_created, bg

pytestmark = pytest.mark.django_db


def test_haskovo_pilot_group_of_five_in_bulgarian(world, client_for):
    from surveys.models import PilotGroup, Response
    from tests.surveys.fixtures import survey_objects

    municipality = world.a.municipality
    with scopes_disabled():
        extra = [SchoolFactory(municipality=municipality) for _ in range(4)]
    pilot = [world.a.school, *extra]
    campaign = survey_objects(world.a).campaign
    with scopes_disabled():  # the officer marked the pilot group on the survey's results
        group = PilotGroup.objects.create(municipality=municipality, name="Пилотна група", campaign=campaign)
        group.schools.set(pilot)
        Response.objects.filter(campaign=campaign, school=world.a.school).update(status="submitted")
    slug = municipality.slug
    officer = client_for(world.a.users["officer"])

    form = officer.get(f"/m/{slug}/programmes/new/?template=haskovo-school-in-the-cloud").content.decode()
    assert 'lang="bg"' in form and 'value="pilot"' in form and "Пилотна група" in form
    response = officer.post(
        f"/m/{slug}/programmes/new/",
        {
            "template": "haskovo-school-in-the-cloud",
            "language": "bg",
            "starts_on": "2026-01-05",
            "coverage": "pilot",
            "pilot_group_id": str(group.pk),
        },
    )
    assert response.status_code == 302
    with scope(municipality=municipality.pk):
        programme = Programme.objects.get()
        assert programme.name == "Училище в облака"
        assert set(programme.schools.all()) == set(pilot)  # stored explicitly
        accounts = Activity.objects.get(programme=programme, fact_kind="teacher_accounts")
        survey = Activity.objects.get(programme=programme, fact_kind="survey_submitted")
        assert Task.objects.filter(activity=accounts).count() == 5

    # Owners and dates.
    it_admin = world.a.users["it_admin"]
    response = officer.post(
        f"/m/{slug}/activities/{accounts.pk}/edit/",
        {
            "title": accounts.title,
            "stage": accounts.stage_id,
            "per_school": "on",
            "responsible_role": "it_admin",
            "responsible_users": [it_admin.pk],
            "starts_on": "2026-03-01",
            "due_on": "2026-05-31",
            "fact_kind": "teacher_accounts",
        },
    )
    assert response.status_code == 302

    # A director ticks an activity with evidence.
    director = client_for(world.a.users["director"])
    with scopes_disabled():
        rules = Task.objects.get(
            activity__programme=programme, activity__title__startswith="Подпомагане", school=world.a.school
        )
    director.post(
        f"/m/{slug}/tasks/{rules.pk}/evidence/", {"kind": "link", "url": "https://school.example/pravilnik"}
    )
    director.post(f"/m/{slug}/tasks/{rules.pk}/status/", {"status": "done"})

    # Provisioning creates the only teacher's account: the activity ticks itself, the fact shown.
    account_created(world.a, world.a.person, 1)
    board = officer.get(f"/m/{slug}/programmes/{programme.pk}/").content.decode()
    assert 'lang="bg"' in board
    with scope(municipality=municipality.pk):
        ticked = Task.objects.get(activity=accounts, school=world.a.school)
        assert ticked.status == "done" and ticked.auto_done
        assert Task.objects.get(pk=rules.pk).status == "done"
        assert Task.objects.get(activity=survey, school=world.a.school).status == "done"
        assert Task.objects.get(activity=survey, school=extra[0]).status == "planned"
    page = director.get(f"/m/{slug}/tasks/{ticked.pk}/").content.decode()
    assert bg("%(done)s of %(total)s teachers have an account", done=1, total=1) in page

    # The schools not provisioned by the deadline are overdue: red on the timeline.
    timeline = officer.get(f"/m/{slug}/programmes/{programme.pk}/timeline/").content.decode()
    assert "tl-bar overdue" in timeline
    assert 'lang="bg"' in timeline
