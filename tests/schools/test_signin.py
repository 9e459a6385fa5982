"""Sign-in: e-mail login, no open sign-up, MFA enforced for the roles that hold keys, rate limits."""

import pytest
from django.test import Client

from tests.factories import PASSWORD, totp_code

pytestmark = pytest.mark.django_db


def login(client, email, password=PASSWORD, **extra):
    return client.post("/accounts/login/", {"login": email, "password": password}, **extra)


def test_sign_up_is_closed():
    response = Client().post(
        "/accounts/signup/",
        {"email": "someone@example.org", "password1": "Vt7-kLm2-qPz", "password2": "Vt7-kLm2-qPz"},
    )
    from schools.models import User

    assert not User.objects.filter(email="someone@example.org").exists()
    assert response.status_code in (200, 403)


@pytest.mark.parametrize("role", ["officer", "it_admin"])
def test_mfa_roles_cannot_use_the_portal_before_enrolling(world, client_for, role):
    from allauth.mfa.models import Authenticator

    user = world.a.users[role]
    Authenticator.objects.filter(user=user).delete()
    client = client_for(user)
    for path in (
        f"/m/{world.a.municipality.slug}/",
        f"/m/{world.a.municipality.slug}/schools/",
        "/",
        "/admin/",
    ):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/2fa/totp/activate/"), path


def test_coordinator_and_staff_must_enrol_too(world, client_for):
    from allauth.mfa.models import Authenticator

    Authenticator.objects.filter(user__in=[world.coordinator, world.staff]).delete()
    assert (
        client_for(world.coordinator)
        .get(f"/r/{world.region.slug}/")["Location"]
        .startswith("/accounts/2fa/totp/activate/")
    )
    assert client_for(world.staff).get("/admin/")["Location"].startswith("/accounts/2fa/totp/activate/")


def test_teacher_needs_no_second_factor(world, client_for):
    assert client_for(world.a.users["teacher"]).get(f"/m/{world.a.municipality.slug}/").status_code == 200


def test_enrolling_totp_opens_the_portal(world):
    from allauth.mfa.models import Authenticator

    user = world.a.users["officer"]
    Authenticator.objects.filter(user=user).delete()
    client = Client()
    assert login(client, user.email).status_code == 302
    page = client.get("/accounts/2fa/totp/activate/")
    secret = page.context["form"].secret
    response = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.get(f"/m/{world.a.municipality.slug}/").status_code == 200


def test_enrolled_user_is_asked_for_the_code_at_sign_in(world):
    from allauth.mfa.models import Authenticator

    user = world.a.users["officer"]
    secret = Authenticator.objects.get(user=user, type="totp").wrap().instance.data["secret"]
    client = Client()
    response = login(client, user.email)
    assert response["Location"].startswith("/accounts/2fa/authenticate/")
    assert client.get(f"/m/{world.a.municipality.slug}/").status_code == 302  # not signed in yet
    from allauth.mfa.utils import decrypt

    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(decrypt(secret))})
    assert response.status_code == 302
    assert client.get(f"/m/{world.a.municipality.slug}/").status_code == 200


def test_admin_login_goes_through_the_same_sign_in():
    response = Client().get("/admin/login/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_session_cookie_flags(world):
    client = Client()
    login(client, world.a.users["teacher"].email)
    cookie = client.cookies["sessionid"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


def test_sign_in_is_audited(world):
    from django_scopes import scopes_disabled

    from schools.models import AuditEvent

    login(Client(), world.a.users["teacher"].email, "wrong")
    login(Client(), world.a.users["teacher"].email)
    with scopes_disabled():
        actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert "user.login_failed" in actions
    assert "user.login" in actions


def test_a_role_that_needs_mfa_granted_during_a_session_takes_effect(world, client_for):
    from django_scopes import scopes_disabled

    from schools.models import Membership

    teacher = world.a.users["teacher"]
    client = client_for(teacher)
    assert client.get(f"/m/{world.a.municipality.slug}/").status_code == 200
    with scopes_disabled():
        Membership.objects.create(user=teacher, municipality=world.a.municipality, role="it_admin")
    response = client.get(f"/m/{world.a.municipality.slug}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/totp/activate/")


def test_password_reset_by_email(world):
    import re

    from django.core import mail

    user = world.a.users["teacher"]
    client = Client()
    response = client.post("/accounts/password/reset/", {"email": user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [user.email]
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    response = client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link,
        {"password1": "Nov-parola-2026!", "password2": "Nov-parola-2026!"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Nov-parola-2026!")


def test_password_reset_does_not_reveal_who_has_an_account(world):
    known = Client().post("/accounts/password/reset/", {"email": world.a.users["teacher"].email})
    unknown = Client().post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])


def test_an_officer_who_opens_the_email_page_first_can_still_enrol(world):
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    user = world.a.users["officer"]
    Authenticator.objects.filter(user=user).delete()
    EmailAddress.objects.filter(user=user).delete()  # as for an account made before e-mail records
    client = Client()
    assert login(client, user.email).status_code == 302
    assert client.get("/accounts/email/").status_code == 200  # records the address on the way
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200, page.get("Location")
    response = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(page.context["form"].secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=user, type="totp").exists()
    assert client.get(f"/m/{world.a.municipality.slug}/").status_code == 200
