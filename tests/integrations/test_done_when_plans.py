"""The plans issue as a new user tries it: a Pruszków IT admin, an Altai admin, a Haskovo admin."""

import io
from contextlib import contextmanager

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import TestCase
from django_scopes import scope

from integrations.models import Layout
from schools.models import Municipality
from tests.integrations.conftest import make_plan, operations

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, fresh_sandbox):
    settings.SANDBOX_URL = fresh_sandbox.base_url
    settings.SANDBOX_CA_FILE = fresh_sandbox.ca
    call_command("seed_demo", "--quiet-logins")
    return fresh_sandbox


def _admin(client_for, slug):
    from django_scopes import scopes_disabled

    from schools.models import User

    with scopes_disabled():
        user = User.objects.get(email=f"itadmin@{slug}.example")
    from tests.factories import enrol_totp

    enrol_totp(user)
    return client_for(user)


@contextmanager
def _worker_at_commit():
    """The roster's check and import (the worker's tasks) run here when the request commits."""
    from config.celery import app

    app.conf.task_always_eager = True
    try:
        with TestCase.captureOnCommitCallbacks(execute=True):
            yield
    finally:
        app.conf.task_always_eager = False


def _import(client, slug, filename, data):
    with _worker_at_commit():
        response = client.post(f"/m/{slug}/people/import/", {"file": SimpleUploadedFile(filename, data)})
    review = client.get(response["Location"])
    form = review.context["form"]
    mapping = {
        name: form[name].value() or "" for name in form.fields if name not in ("only_valid", "mark_leaving")
    }
    return response["Location"], review, mapping


def _apply(client, url, mapping):
    with _worker_at_commit():
        return client.post(url, {**mapping, "apply": "1"})


def _error_lines(review):
    return [row.line for row in review.context["problems"] or []]


def _plan(client, slug, provider):
    client.post(f"/m/{slug}/connections/sandbox/{provider}/")
    plan = make_plan(client, slug, provider)
    municipality = Municipality.objects.get(slug=slug)
    with scope(municipality=municipality.pk):
        return plan, Layout.objects.filter().first()


def test_pruszkow_windows_1250_csv_of_300_teachers_to_a_plan_with_polish_logins(demo, client_for):
    slug = "pruszkow"
    client = _admin(client_for, slug)
    with scope(municipality=Municipality.objects.get(slug=slug).pk):
        from schools.models import School

        school = School.objects.order_by("name").first()
    first = ["Łukasz", "Małgorzata", "Zbigniew", "Żaneta", "Jędrzej", "Grażyna"]
    lines = ["Imię;Nazwisko;Szkoła;Rola"]
    for n in range(300):
        lines.append(f"{first[n % 6]};Wójcik-Źdźbło{n};{school.name};nauczyciel")
    lines[8] = f"Anna;;{school.name};nauczyciel"
    lines[77] = "Jan;Nowak;Szkoła nr 999;nauczyciel"
    url, review, mapping = _import(client, slug, "nauczyciele.csv", "\r\n".join(lines).encode("cp1250"))
    assert _error_lines(review) == [9, 78]
    lines[8] = f"Anna;Kamińska;{school.name};nauczyciel"
    lines[77] = f"Jan;Nowak;{school.name};nauczyciel"
    url, review, mapping = _import(client, slug, "nauczyciele.csv", "\r\n".join(lines).encode("cp1250"))
    assert _apply(client, url, mapping).status_code == 302
    plan, _layout = _plan(client, slug, "google")
    created = {item["key"] for item in operations(plan) if item["op"] == "create_user"}
    domain = f"{slug}.sandbox.example"
    assert f"lukasz.wojcik-zdzblo0@{domain}" in created
    assert f"anna.kaminska@{domain}" in created
    assert all(address.isascii() for address in created)
    page = client.get(f"/m/{slug}/plans/{plan.pk}/").content.decode()
    from django.utils import translation

    with translation.override("pl"):
        label = translation.gettext("Create account")
    assert label != "Create account" and label in page  # the plan reads in Polish


def test_altai_cyrillic_xlsx_gives_icao_logins(demo, client_for):
    slug = "barnaul"
    client = _admin(client_for, slug)
    with scope(municipality=Municipality.objects.get(slug=slug).pk):
        from schools.models import School

        school = School.objects.order_by("name").first()
    workbook = openpyxl.Workbook()
    workbook.active.append(["Фамилия", "Имя", "Отчество", "Школа"])
    workbook.active.append(["Щукина", "Юлия", "Сергеевна", school.name])
    workbook.active.append(["Подъячев", "Андрей", "Ильич", school.name])
    buffer = io.BytesIO()
    workbook.save(buffer)
    url, review, mapping = _import(client, slug, "учителя.xlsx", buffer.getvalue())
    assert _error_lines(review) == []
    _apply(client, url, mapping)
    plan, _layout = _plan(client, slug, "microsoft")
    created = {item["key"] for item in operations(plan) if item["op"] == "create_user"}
    assert f"iuliia.shchukina@{slug}.sandbox.example" in created
    assert f"andrei.podieiachev@{slug}.sandbox.example" in created


def test_haskovo_gets_bulgarian_logins(demo, client_for):
    slug = "haskovo"
    client = _admin(client_for, slug)
    plan, _layout = _plan(client, slug, "google")
    created = [item["key"] for item in operations(plan) if item["op"] == "create_user"]
    assert len(created) >= 150  # the demo roster of Haskovo
    assert all(address.isascii() and address.endswith(f"@{slug}.sandbox.example") for address in created)
    assert not any("ia@" in a and "iya@" in a for a in created)
