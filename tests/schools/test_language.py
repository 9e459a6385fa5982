"""Each municipality's language applies to its users until they choose another."""

import pytest

pytestmark = pytest.mark.django_db


def test_municipality_language_is_the_default(world, client_for):
    response = client_for(world.a.users["teacher"]).get(f"/m/{world.a.municipality.slug}/")
    assert response["Content-Language"] == "bg"
    assert '<html lang="bg">' in response.content.decode()


def test_a_users_choice_wins_and_is_remembered(world, client_for):
    client = client_for(world.a.users["teacher"])
    response = client.post("/i18n/setlang/", {"language": "en", "next": f"/m/{world.a.municipality.slug}/"})
    assert response.status_code == 302
    assert response["Location"] == f"/m/{world.a.municipality.slug}/"
    world.a.users["teacher"].refresh_from_db()
    assert world.a.users["teacher"].language == "en"
    assert client.get(f"/m/{world.a.municipality.slug}/")["Content-Language"] == "en"


def test_language_switch_refuses_foreign_redirects(world, client_for):
    response = client_for(world.a.users["teacher"]).post(
        "/i18n/setlang/", {"language": "pl", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_anonymous_visitors_get_their_browser_language():
    from django.test import Client

    response = Client().get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="ru")
    assert response["Content-Language"] == "ru"


@pytest.mark.parametrize(
    ("language", "expected"), [("bg", "Училища"), ("pl", "Szkoły"), ("ru", "Школы"), ("en", "Schools")]
)
def test_navigation_is_translated(world, client_for, language, expected):
    user = world.a.users["officer"]
    user.language = language
    user.save(update_fields=["language"])
    page = client_for(user).get(f"/m/{world.a.municipality.slug}/").content.decode()
    assert f">{expected}<" in page
