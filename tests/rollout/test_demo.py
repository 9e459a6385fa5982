"""The demo shows the four reference programmes under way, and every rollout page renders for them."""

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import call_command
from django.test import Client
from django_scopes import scope, scopes_disabled

from rollout.models import Activity, Agreement, BudgetLine, LibraryDocument, Programme, Snapshot, Task
from rollout.queries import today_for
from schools.models import Municipality, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.MFA_REQUIRED = False
    call_command("seed_demo", "--quiet-logins")


def test_the_reference_programmes_are_under_way(demo):
    call_command("seed_demo", "--quiet-logins")  # twice: nothing is added the second time
    with scopes_disabled():
        assert Programme.objects.count() == 5
        sources = dict(Programme.objects.values_list("municipality__slug", "source"))
        assert sources["haskovo"] == "haskovo-school-in-the-cloud"
        assert sources["pruszkow"] == "pruszkow-edu-kompas"
        assert sources["barnaul"] == sources["biysk"] == "altai-inter-school-model"
        haskovo = Programme.objects.get(municipality__slug="haskovo")
        assert haskovo.schools.count() == 5  # the pilot group
        assert Activity.objects.filter(programme__municipality__slug="barnaul").count() == 15
        lines = BudgetLine.objects.filter(municipality__slug="plovdiv")
        assert [line.planned for line in lines] == [30000] * 3
        assert Municipality.objects.get(slug="plovdiv").currency == "BGN"
        assert Task.objects.filter(status="done").exists()
        assert LibraryDocument.objects.filter(shared_with_all=True).count() == 2
        assert Agreement.objects.filter(municipality__slug="barnaul").exists()
        assert Snapshot.objects.filter(municipality__slug="biysk").exists()
    municipality = Municipality.objects.get(slug="haskovo")
    today = today_for(municipality)
    with scope(municipality=municipality.pk):
        statuses = {t.display_status(today) for t in Task.objects.select_related("activity")}
    assert {"done", "overdue"} <= statuses


def test_every_rollout_page_renders_for_the_demo(demo):
    officer = User.objects.get(email="officer@haskovo.example")
    client = Client()
    client.force_login(officer)
    with scopes_disabled():
        programme = Programme.objects.get(municipality__slug="haskovo")
        activity = Activity.objects.filter(programme=programme).first()
        task = Task.objects.filter(activity__programme=programme).exclude(school=None).first()
    base = "/m/haskovo/"
    for path in (
        "programmes/",
        f"programmes/{programme.pk}/",
        f"programmes/{programme.pk}/timeline/",
        f"programmes/{programme.pk}/timeline/?zoom=quarter",
        f"programmes/{programme.pk}/edit/",
        f"programmes/{programme.pk}/activities/new/",
        f"activities/{activity.pk}/",
        f"activities/{activity.pk}/edit/",
        f"tasks/{task.pk}/",
        "my-tasks/",
        "notifications/",
        "monitoring/",
        "budget/",
        "library/",
        "agreements/",
    ):
        response = client.get(base + path)
        assert response.status_code == 200, path
        assert 'lang="bg"' in response.content.decode()
    for slug, path in (("plovdiv", "budget/"), ("barnaul", "agreements/"), ("pruszkow", "library/")):
        client.force_login(User.objects.get(email=f"officer@{slug}.example"))
        assert client.get(f"/m/{slug}/{path}").status_code == 200
    with scopes_disabled():
        agreement = Agreement.objects.get()
    assert client.get(f"/m/pruszkow/agreements/{agreement.pk}/").status_code == 404
    client.force_login(User.objects.get(email="officer@barnaul.example"))
    assert client.get(f"/m/barnaul/agreements/{agreement.pk}/").status_code == 200
    client.force_login(User.objects.get(email="coordinator@altai.example"))
    page = client.get("/r/altai/monitoring/").content.decode()
    assert "Барнаул" in page and "Бийск" in page
    assert not Authenticator.objects.exists()
