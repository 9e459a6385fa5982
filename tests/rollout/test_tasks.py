"""Directors tick their own schools' tasks with evidence; facts tick tasks by themselves; a person
can override, audited; overdue is computed in the municipality's time zone."""

from datetime import UTC, date, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scope, scopes_disabled

from integrations.models import Layout
from rollout import facts
from rollout.actions.tasks import refresh_facts
from rollout.models import Evidence, Task
from rollout.queries import timeline, today_for
from schools.models import AuditEvent
from tests.links import signed
from tests.rollout.helpers import account_created, bg, start, task_of, teachers

pytestmark = pytest.mark.django_db

ACCOUNTS = "Създаване на електронни профили"


def _status(client, world, task, status="done"):
    return client.post(f"/m/{world.a.municipality.slug}/tasks/{task.pk}/status/", {"status": status})


def test_director_ticks_own_school_with_evidence_but_not_another_school(world, client_for):
    programme = start(world.a, schools=[world.a.school, world.a.other_school])
    director = client_for(world.a.users["director"])  # leads world.a.school only
    own = task_of(programme, "Подпомагане на училищата", world.a.school)
    other = task_of(programme, "Подпомагане на училищата", world.a.other_school)
    slug = world.a.municipality.slug

    upload = SimpleUploadedFile("pravilnik.pdf", b"%PDF-1.4 rules", content_type="application/pdf")
    response = director.post(f"/m/{slug}/tasks/{own.pk}/evidence/", {"kind": "file", "file": upload})
    assert response.status_code == 302
    assert _status(director, world, own).status_code == 302
    with scope(municipality=world.a.municipality.pk):
        own.refresh_from_db()
        evidence = Evidence.objects.get(task=own)
        assert own.status == "done" and own.done_by == world.a.users["director"]
        assert AuditEvent.objects.filter(action="task.status", object_id=str(own.pk)).exists()
        assert AuditEvent.objects.filter(action="evidence.create").exists()
    download = director.get(signed(director, f"/m/{slug}/evidence/{evidence.pk}/file/"))
    assert download.status_code == 200 and download.content == b"%PDF-1.4 rules"
    assert "attachment" in download["Content-Disposition"]

    assert _status(director, world, other).status_code == 403
    assert (
        director.post(f"/m/{slug}/tasks/{other.pk}/evidence/", {"kind": "note", "note": "x"}).status_code
        == 403
    )
    # A programme-level task belongs to the officer (or the role named responsible).
    presentation = task_of(programme, "Презентация и дискусия")
    assert _status(director, world, presentation).status_code == 403
    assert _status(client_for(world.a.users["officer"]), world, presentation).status_code == 302
    # The IT admin is responsible for the accounts of every school.
    accounts = task_of(programme, ACCOUNTS, world.a.other_school)
    assert _status(client_for(world.a.users["it_admin"]), world, accounts, "in_progress").status_code == 302


def test_another_municipality_gets_404_for_our_tasks_and_files(world, client_for):
    programme = start(world.a, schools=[world.a.school])
    task = task_of(programme, "Подпомагане на училищата", world.a.school)
    with scopes_disabled():
        evidence = Evidence.objects.create(
            task=task, municipality=world.a.municipality, kind="note", note="x"
        )
    outsider = client_for(world.b.users["all"])
    for path in (f"tasks/{task.pk}/", f"evidence/{evidence.pk}/file/"):
        assert outsider.get(f"/m/{world.b.municipality.slug}/{path}").status_code == 404
        assert outsider.get(f"/m/{world.a.municipality.slug}/{path}").status_code == 404
    assert (
        outsider.post(
            f"/m/{world.b.municipality.slug}/tasks/{task.pk}/status/", {"status": "done"}
        ).status_code
        == 404
    )


def test_uploads_are_size_limited(world, client_for, settings):
    settings.ROLLOUT_MAX_UPLOAD_MB = 1
    programme = start(world.a, schools=[world.a.school])
    task = task_of(programme, "Подпомагане на училищата", world.a.school)
    big = SimpleUploadedFile("big.pdf", b"0" * (1024 * 1024 + 1), content_type="application/pdf")
    client = client_for(world.a.users["director"])
    client.post(f"/m/{world.a.municipality.slug}/tasks/{task.pk}/evidence/", {"kind": "file", "file": big})
    script = SimpleUploadedFile("x.html", b"<script>", content_type="text/html")
    client.post(f"/m/{world.a.municipality.slug}/tasks/{task.pk}/evidence/", {"kind": "file", "file": script})
    with scopes_disabled():
        assert not Evidence.objects.exists()


def test_accounts_for_all_teachers_tick_the_task_by_themselves(world, client_for):
    programme = start(world.a, schools=[world.a.school])
    task = task_of(programme, ACCOUNTS, world.a.school)
    people = [world.a.person, *teachers(world.a, world.a.school, 2)]  # three teachers
    account_created(world.a, people[0], 1)
    with scope(municipality=world.a.municipality.pk):
        refresh_facts(programme)
        task.refresh_from_db()
        assert task.status == "planned" and task.fact_met is False
        assert task.fact_text == bg("%(done)s of %(total)s teachers have an account", done=1, total=3)
    account_created(world.a, people[1], 2)
    with scopes_disabled():
        type(people[2]).objects.filter(pk=people[2].pk).update(account_email="existing@alpha.example")
    # The page recomputes the fact when it is viewed, and shows it.
    page = client_for(world.a.users["director"]).get(f"/m/{world.a.municipality.slug}/tasks/{task.pk}/")
    assert bg("%(done)s of %(total)s teachers have an account", done=3, total=3) in page.content.decode()
    with scope(municipality=world.a.municipality.pk):
        task.refresh_from_db()
        assert task.status == "done" and task.auto_done and task.done_by is None
        assert AuditEvent.objects.filter(action="task.self_tick", object_id=str(task.pk)).exists()


def test_a_person_overrides_the_fact_audited_and_can_hand_it_back(world, client_for):
    programme = start(world.a, schools=[world.a.school])
    task = task_of(programme, ACCOUNTS, world.a.school)
    account_created(world.a, world.a.person, 1)
    with scope(municipality=world.a.municipality.pk):
        refresh_facts(programme)
        task.refresh_from_db()
        assert task.status == "done"
    client = client_for(world.a.users["it_admin"])
    slug = world.a.municipality.slug
    assert _status(client, world, task, "blocked").status_code == 302
    with scope(municipality=world.a.municipality.pk):
        refresh_facts(programme)
        task.refresh_from_db()
        assert task.status == "blocked" and task.override
        event = AuditEvent.objects.get(action="task.override", object_id=str(task.pk))
        assert event.changes["status"] == ["done", "blocked"]
        assert event.actor == world.a.users["it_admin"]
    assert client.post(f"/m/{slug}/tasks/{task.pk}/automatic/").status_code == 302
    with scope(municipality=world.a.municipality.pk):
        task.refresh_from_db()
        assert task.status == "done" and not task.override


def test_domain_verified_ticks_the_activation(world):
    programme = start(world.a, schools=[world.a.school])
    task = task_of(programme, "Активация и настройка")
    with scope(municipality=world.a.municipality.pk):
        Layout.objects.create(municipality=world.a.municipality, domain="alpha.example", name_language="bg")
        refresh_facts(programme)
        task.refresh_from_db()
        assert task.status == "planned" and task.fact_text == bg(
            "%(domain)s is not verified yet", domain="alpha.example"
        )
        Layout.objects.update(domain_status={"google": {"added": True, "verified": True}})
        refresh_facts(programme)
        task.refresh_from_db()
        assert task.status == "done"
        assert task.fact_text == bg(
            "%(domain)s is verified at %(providers)s", domain="alpha.example", providers=_google_label()
        )
        met, shown = facts.check(task.activity, None)
        assert met and "alpha.example" in shown


def test_kinds_from_installed_apps_are_offered():
    keys = {kind.key for kind in facts.available_kinds()}
    # Our own, and those of the surveys and trainings apps, which provide the agreed functions.
    assert {
        "teacher_accounts",
        "domain_verified",
        "survey_submitted",
        "teachers_trained",
        "event_quota",
    } <= keys


def test_overdue_is_decided_at_the_municipality_midnight(world):
    programme = start(world.a, schools=[world.a.school])
    task = task_of(programme, "Подпомагане на училищата", world.a.school)
    due = task.activity.due_on
    instant = datetime(due.year, due.month, due.day, 20, 30, tzinfo=UTC)  # 20:30 UTC on the deadline day
    sofia = world.a.municipality  # Europe/Sofia (summer, UTC+3): 23:30, still the deadline day
    assert today_for(sofia, instant) == due
    assert task.display_status(today_for(sofia, instant)) == "planned"
    sofia.time_zone = "Asia/Barnaul"  # UTC+7: already the next morning
    assert today_for(sofia, instant) == date.fromordinal(due.toordinal() + 1)
    assert task.display_status(today_for(sofia, instant)) == "overdue"
    task.status = "done"
    assert task.display_status(today_for(sofia, instant)) == "done"


def test_my_tasks_lists_the_directors_schools_only(world, client_for):
    programme = start(world.a, schools=[world.a.school, world.a.other_school])
    page = client_for(world.a.users["director"]).get(f"/m/{world.a.municipality.slug}/my-tasks/")
    content = page.content.decode()
    assert world.a.school.name in content and world.a.other_school.name not in content
    with scopes_disabled():
        mine = Task.objects.filter(activity__programme=programme, school=world.a.school).count()
    assert content.count("checklist-item") == mine


def test_timeline_places_today_and_zooms_by_quarter(world):
    programme = start(world.a, schools=[world.a.school], starts_on=date(2026, 1, 1))
    with scope(municipality=world.a.municipality.pk):
        months = timeline(programme, date(2026, 11, 23), "month")
        quarters = timeline(programme, date(2026, 11, 23), "quarter")
    assert months["header"][0]["start"] == date(2026, 1, 1) and len(months["header"]) == 18  # to June 2027
    assert [c["start"].month for c in quarters["header"][:3]] == [1, 4, 7]
    assert 0 < months["today_left"] < 100
    bars = [bar for group in months["groups"] for bar in group["bars"]]
    assert len(bars) == 11
    first = bars[0]  # the readiness survey in January 2026: overdue by November
    assert first.status == "overdue" and first.left == 0


def test_the_hourly_beat_task_ticks_activities_in_every_municipality(world):
    from rollout.tasks import refresh_facts

    ours = start(world.a, schools=[world.a.school])
    theirs = start(world.b, schools=[world.b.school])
    account_created(world.a, world.a.person, 1)
    account_created(world.b, world.b.person, 1)
    assert refresh_facts() >= 2
    for programme, school in ((ours, world.a.school), (theirs, world.b.school)):
        assert task_of(programme, ACCOUNTS, school).status == "done"


def _google_label() -> str:
    from django.utils import translation

    from integrations.models import Provider

    with translation.override("bg"):
        return str(Provider("google").label)
