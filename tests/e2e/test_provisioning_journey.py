"""The IT admin's rollout evening in the browser: the sandbox in one click, a plan, apply it,
watch the bar reach the end, download the credential slips."""

import re

import pytest
from django.test import override_settings
from django_scopes import scope

from integrations import tasks
from integrations.models import Job, Plan
from integrations.provisioning import runner
from sandbox.process import start_sandbox
from tests.factories import PASSWORD, make_world, totp_code
from tests.integrations.conftest import roster

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_it_admin_connects_plans_applies_and_prints_slips(page, live_server, tmp_path):
    sandbox = start_sandbox(tmp_path / "sandbox")
    try:
        with override_settings(SANDBOX_URL=sandbox.base_url, SANDBOX_CA_FILE=sandbox.ca):
            world = make_world()
            world.a.connection.delete()
            roster(world, [("Щерьо", "Стойчев"), ("Мария", "Иванова")])
            admin = world.a.users["it_admin"]
            from allauth.mfa.models import Authenticator

            secret = Authenticator.objects.get(user=admin, type="totp").wrap().instance.data["secret"]
            from allauth.mfa.utils import decrypt

            slug = world.a.municipality.slug
            page.goto(f"{live_server.url}/accounts/login/")
            page.fill("input[name=login]", admin.email)
            page.fill("input[name=password]", PASSWORD)
            with page.expect_navigation():
                page.click("main button[type=submit]")
            page.fill("input[name=code]", totp_code(decrypt(secret)))
            with page.expect_navigation():
                page.click("main button[type=submit]")

            page.goto(f"{live_server.url}/m/{slug}/connections/")
            with page.expect_navigation():
                page.locator("form[action$='sandbox/google/'] button").click()
            assert page.locator(".badge.text-bg-success").count() == 1  # "working"

            page.goto(f"{live_server.url}/m/{slug}/plans/")
            with page.expect_navigation():
                page.locator("form[action$='plans/new/google/'] button").click()
            page.wait_for_selector("#progress")  # the plan is being made: the page follows it
            with scope(municipality=world.a.municipality.pk):
                plan = Plan.objects.latest("pk")
            tasks.make_plan(plan.pk, world.a.municipality.pk)  # what the worker does
            page.wait_for_selector("text=shteryo.stoychev", timeout=15000)  # the poll reloads the page
            with page.expect_navigation():
                page.locator("form[action$='/apply/'] button").click()
            tasks.apply_plan(plan.pk, world.a.municipality.pk, None)  # the worker checks and starts it
            page.wait_for_url(re.compile(r"/jobs/\d+/"), timeout=15000)  # the poll goes to the job
            with scope(municipality=world.a.municipality.pk):
                job = Job.objects.latest("pk")
                while runner.work(job.pk, budget_seconds=10):  # what the worker does
                    pass
            page.wait_for_selector(".progress-bar:has-text('100')", timeout=15000)  # the htmx poll shows it
            page.shot("5-job-done")
            with page.expect_download() as download:
                page.locator("a[href*='/slips/']").first.click()
            assert download.value.suggested_filename.endswith(".pdf")
    finally:
        sandbox.stop()
