"""Applying plans against the sandbox: everything created once, retries adopt, the plan converges."""

import time

import pytest
from django.utils import translation
from django_scopes import scope, scopes_disabled

from integrations.crypto import decrypt_secret
from integrations.models import Connection, Job, JobItem, Plan
from integrations.provisioning import runner
from integrations.provisioning.progress import progress as progress_of
from sandbox.process import start_sandbox
from schools.models import Person, School
from tests.integrations.conftest import apply_plan, make_plan, operations, roster
from tests.links import signed

pytestmark = pytest.mark.django_db


def _work_to_the_end(job):
    for _ in range(50):
        if not runner.work(job.pk, budget_seconds=30):
            return
    raise AssertionError("the job did not finish")


def _started(world, client_for, names, provider="google", language="bg"):
    """Roster → sandbox connection → plan → "Apply": (IT admin's client, slug, plan, job), inside the tenant's scope."""
    roster(world, names, language=language)
    slug = world.a.municipality.slug
    client = client_for(world.a.users["it_admin"])
    for _attempt in range(5):  # a chaotic sandbox may refuse the one-click setup: click again
        client.post(f"/m/{slug}/connections/sandbox/{provider}/")
        if Connection.objects.filter(provider=provider).exists():
            break
    plan = _plan(client, slug, provider)
    for attempt in range(8):
        apply_plan(client, slug, plan)
        if Job.objects.filter(plan=plan).exists():
            break
        if attempt % 2:  # refused twice: under a storm the provider's state may have moved, plan again
            plan = _plan(client, slug, provider)
    return client, slug, plan, Job.objects.get(plan=plan)


def _plan(client, slug, provider):
    for _attempt in range(5):  # reading the provider can meet a chaotic sandbox's errors: try again
        plan = make_plan(client, slug, provider)
        if plan.status != Plan.Status.FAILED:
            break
    return plan


@pytest.mark.parametrize("provider", ["google", "microsoft"])
def test_apply_creates_everything_once_and_the_next_plan_is_empty(world, client_for, portal_uses, provider):
    roster(world, [("Щерьо", "Стойчев"), ("Мария", "Иванова"), ("Щерьо", "Стойчев")])
    slug = world.a.municipality.slug
    client = client_for(world.a.users["it_admin"])
    client.post(f"/m/{slug}/connections/sandbox/{provider}/")
    with scope(municipality=world.a.municipality.pk):
        plan = _plan(client, slug, provider)
        response = apply_plan(client, slug, plan)
        assert response.status_code == 302
        job = Job.objects.get(plan=plan)
        # A crash between the provider call and the record: the first item's object exists at the
        # provider, the item does not know it. Working the job adopts it instead of failing.
        first = JobItem.objects.filter(job=job).order_by("phase", "seq").first()
        connection = Connection.objects.get(provider=provider)
        from integrations.providers import client_for as provider_client

        direct = provider_client(connection)
        external = f"sitc-{first.payload.get('person') or 0}"
        direct.apply(first.op, first.key, first.payload, password="Crash-pass-1x", external_id=external)
        direct.close()
        _work_to_the_end(job)
        job.refresh_from_db()
        progress = progress_of(job)
        assert job.status == "done" and progress["failed"] == 0, list(
            JobItem.objects.filter(job=job, status="failed").values("op", "key", "error")
        )
        first.refresh_from_db()
        assert first.outcome == "adopted"
        created = JobItem.objects.filter(job=job, op="create_user", outcome="created").first()
        assert len(decrypt_secret(world.a.municipality.pk, created.secret_ciphertext)) == 12
        # The roster knows who has an account now, adopted ones too (the dashboard counts them).
        made = JobItem.objects.filter(job=job, op="create_user").values_list("person_id", flat=True)
        assert set(Person.objects.filter(account_made_at__isnull=False).values_list("pk", flat=True)) == set(
            made
        )
    counts = portal_uses.control("GET", "stats")["created"]
    assert counts and all(n == 1 for n in counts.values()), counts  # never an account twice
    with scope(municipality=world.a.municipality.pk):
        again = _plan(client, slug, provider)
    assert operations(again) == []
    page = client.get(f"/m/{slug}/jobs/{job.pk}/")
    assert page.status_code == 200 and "100" in page.content.decode()


def test_pause_cancel_and_resume(world, client_for, portal_uses):
    with scope(municipality=world.a.municipality.pk):
        client, slug, plan, job = _started(world, client_for, [("Anna", "Nowak")])
        client.post(f"/m/{slug}/jobs/{job.pk}/control/", {"action": "pause"})
        assert runner.work(job.pk) is False  # a paused job is not worked on
        assert JobItem.objects.filter(job=job, status="done").count() == 0
        client.post(f"/m/{slug}/jobs/{job.pk}/control/", {"action": "resume"})
        _work_to_the_end(job)
        job.refresh_from_db()
        assert job.status == "done"
    with scopes_disabled():
        assert Plan.objects.get(pk=plan.pk).status == "applied"
    # An applied plan cannot be applied twice.
    response = apply_plan(client, slug, plan, follow=True)
    with scopes_disabled():
        assert Job.objects.filter(plan=plan).count() == 1 and response.status_code == 200


def test_the_reconciler_releases_items_of_a_dead_worker(world, client_for, portal_uses):
    from integrations.tasks import reconcile_jobs

    with scope(municipality=world.a.municipality.pk):
        _client, _slug, _plan_, job = _started(world, client_for, [("Anna", "Nowak")])
        Job.objects.filter(pk=job.pk).update(status="running")
        JobItem.objects.filter(job=job).update(
            status="claimed", claimed_by="dead", claimed_at="2000-01-01T00:00:00Z"
        )
    reconcile_jobs.apply(throw=True)
    with scope(municipality=world.a.municipality.pk):
        assert not JobItem.objects.filter(job=job, status="claimed").exists()


def test_provision_apply_in_the_terminal(world, client_for, portal_uses):
    import io

    from django.core.management import call_command

    roster(world, [("Юлия", "Щукина")], language="ru")
    client_for(world.a.users["it_admin"]).post(
        f"/m/{world.a.municipality.slug}/connections/sandbox/microsoft/"
    )
    out = io.StringIO()
    call_command(
        "provision", world.a.municipality.slug, "--provider", "microsoft", "--apply", "--yes", stdout=out
    )
    text = out.getvalue()
    assert "100%" in text and "0 failed" in text
    created = portal_uses.control("GET", "stats")["created"]
    assert any(
        key.endswith(f"iuliia.shchukina@{world.a.municipality.slug}.sandbox.example") for key in created
    )


def test_job_report_csv(world, client_for, portal_uses):
    with scope(municipality=world.a.municipality.pk):  # a hostile name reaches the report as text
        client, slug, _plan_, job = _started(world, client_for, [("=cmd", "Nowak")], language="pl")
        _work_to_the_end(job)
    text = client.get(signed(client, f"/m/{slug}/jobs/{job.pk}/csv/")).content.decode()
    assert "create_user" in text and ",done,created," in text
    page = client.get(f"/m/{slug}/jobs/{job.pk}/progress/").content.decode()
    assert "100" in page


def test_credential_slips_in_bulgarian_for_the_school(world, client_for, portal_uses):
    import io

    from pypdf import PdfReader

    from integrations.tasks import purge_initial_passwords

    with scope(municipality=world.a.municipality.pk):
        client, slug, _plan_, job = _started(world, client_for, [("Щерьо", "Стойчев")])
        school = School.objects.get(name="СУ „Паисий Хилендарски“")
        _work_to_the_end(job)
        password = decrypt_secret(
            world.a.municipality.pk,
            JobItem.objects.get(job=job, key__startswith="shteryo.stoychev").secret_ciphertext,
        )
    url = f"/m/{slug}/jobs/{job.pk}/slips/?school={school.name}"
    response = client.get(signed(client, url))
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages).split()
    )
    assert "Щерьо Стойчев" in text and f"shteryo.stoychev@{slug}.sandbox.example" in text and password in text
    from django.utils import translation

    with translation.override("bg"):
        label = translation.gettext("Temporary password")
    assert label != "Temporary password" and label in text  # in the school's language
    # A director gets the slips of their own school only; a teacher gets none.
    with scopes_disabled():
        world.a.memberships["director"].schools.add(school)
    director = client_for(world.a.users["director"])
    assert director.get(signed(director, url)).status_code == 200
    assert director.get(signed(director, f"/m/{slug}/jobs/{job.pk}/slips/")).status_code == 403
    teacher = client_for(world.a.users["teacher"])
    assert teacher.get(signed(teacher, url)).status_code == 403
    with scopes_disabled():
        from schools.models import AuditEvent

        assert AuditEvent.objects.filter(action="job.slips_download").count() == 2
        # After the retention period the passwords are gone.
        JobItem.objects.filter(job=job).update(finished_at="2000-01-01T00:00:00Z")
    purge_initial_passwords.apply(throw=True)
    with scopes_disabled():
        assert not JobItem.objects.filter(job=job).exclude(secret_ciphertext="").exists()


def test_the_pdf_renderer_fetches_only_our_static_files():
    from django.conf import settings

    from infra.pdf import static_only_fetcher

    fetcher = static_only_fetcher()
    font = (settings.BASE_DIR / "static/vendor/fonts/ttf/DejaVuSans.ttf").as_uri()
    assert fetcher.fetch(font) is not None
    for url in (
        "http://127.0.0.1:9/x.png",
        "https://example.org/font.ttf",
        "file:///etc/passwd",
        f"{font}/../../../../../../etc/passwd",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_initial_passwords_are_strong_and_unambiguous():
    passwords = {runner.initial_password() for _ in range(200)}
    assert len(passwords) == 200
    for password in passwords:
        assert len(password) == 12 and not set(password) & set("0Oo1lI")
        assert (
            any(c.islower() for c in password)
            and any(c.isupper() for c in password)
            and any(c.isdigit() for c in password)
        )


def test_a_plan_is_not_applied_when_the_provider_changed(world, client_for, portal_uses):
    roster(world, [("Anna", "Nowak")], language="pl")
    slug = world.a.municipality.slug
    client = client_for(world.a.users["it_admin"])
    client.post(f"/m/{slug}/connections/sandbox/google/")
    with scope(municipality=world.a.municipality.pk):
        plan = _plan(client, slug, "google")
        connection = Connection.objects.get(provider="google")
    from integrations.providers import client_for as provider_client

    google = provider_client(connection)  # someone adds an account in the Admin console meanwhile
    google.service.users().insert(
        body={
            "primaryEmail": f"new.admin@{connection.primary_domain}",
            "name": {"givenName": "N", "familyName": "A"},
            "password": "Console-pass-1",
        }
    ).execute()
    google.close()
    apply_plan(client, slug, plan)
    with scope(municipality=world.a.municipality.pk):
        assert not Job.objects.filter(plan=plan).exists()
        assert Plan.objects.get(pk=plan.pk).status == "changed"
    page = client.get(f"/m/{slug}/plans/{plan.pk}/").content.decode()
    with translation.override(world.a.municipality.language):
        assert (
            translation.gettext(
                "Something changed at the provider since this plan was made, so it was not applied. Make a new plan."
            )
            in page
        )


def test_steps_that_need_a_failed_account_fail_at_once_with_the_reason(world, client_for, portal_uses):
    with scope(municipality=world.a.municipality.pk):
        client, slug, _plan_, job = _started(world, client_for, [("Anna", "Nowak")], language="pl")
        create = JobItem.objects.get(job=job, op="create_user", key__startswith="anna.nowak")
        # The account cannot be made (say the address is taken): everything that needs it fails too.
        JobItem.objects.filter(pk=create.pk).update(status="failed", error="taken")
        _work_to_the_end(job)
        dependents = JobItem.objects.filter(job=job, op="add_member", payload__member=create.key)
        assert dependents.exists()
        assert all(
            item.status == "failed" and create.key in item.error and item.attempts == 0 for item in dependents
        )


def test_the_person_who_started_the_job_is_told_when_it_ends(world, client_for, portal_uses, settings):
    from django.core import mail

    from integrations.tasks import notify_job_finished

    settings.SITE_URL = "http://portal.example"
    with scope(municipality=world.a.municipality.pk):
        _client, slug, _plan_, job = _started(world, client_for, [("Anna", "Nowak")])
        _work_to_the_end(job)
    notify_job_finished.apply(args=[job.pk, world.a.municipality.pk], throw=True)
    message = mail.outbox[-1]
    assert message.to == [world.a.users["it_admin"].email]
    assert f"http://portal.example/m/{slug}/jobs/{job.pk}/" in message.body
    from django.utils import translation

    with translation.override("bg"):  # Alpha Town speaks Bulgarian
        assert (
            translation.gettext("Credential slips for the new accounts can be downloaded there.")
            in message.body
        )


@pytest.fixture
def stormy_sandbox(tmp_path, settings, world):
    """A sandbox on the chaos profile: 429 storms, server errors and dropped connections."""
    running = start_sandbox(tmp_path / "chaos", profile="chaos", time_scale=20)
    settings.SANDBOX_URL, settings.SANDBOX_CA_FILE = running.base_url, running.ca
    with scopes_disabled():
        Connection.objects.filter(pk=world.a.connection.pk).delete()
    yield running
    running.stop()


@pytest.mark.parametrize("provider", ["google", "microsoft"])
def test_a_429_storm_slows_the_job_down_but_every_account_is_made_once(
    world, client_for, stormy_sandbox, settings, provider
):
    settings.PROVIDER_QUOTA_TIME_SCALE = 20
    letters = "abcdefghij"
    names = [(f"Anna{letters[n // 10]}", f"Nowak{letters[n % 10]}") for n in range(40)]
    with scope(municipality=world.a.municipality.pk):
        client, slug, _plan_, job = _started(world, client_for, names, provider=provider, language="pl")
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:  # storms push items back (Retry-After): more rounds
            if not runner.work(job.pk, budget_seconds=5):
                break
            time.sleep(0.2)  # what the task's countdown does between rounds
        job.refresh_from_db()
        assert job.status == "done"
        assert not JobItem.objects.filter(job=job, status="failed").exists(), list(
            JobItem.objects.filter(job=job, status="failed").values_list("op", "key", "error")
        )
    stats = stormy_sandbox.control("GET", "stats")
    # Throttled calls were sent again (a 429 costs the item no attempt: it is the provider's pace,
    # not the item's failure), and every item still ended done.
    assert stats["throttled"] > 0
    created = stats["created"]
    made = {key.split(":")[-1].split("@")[0] for key in created}
    assert {f"anna{letters[n // 10]}.nowak{letters[n % 10]}" for n in range(40)} <= made
    assert all(count == 1 for count in created.values()), created
