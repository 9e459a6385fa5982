"""Joining by invitation only: e-mailed in the invitee's language, expiring, single-use, bound to a role."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from schools.models import Invitation, Membership, User
from schools.tasks import send_invitation

pytestmark = pytest.mark.django_db


def invite(client, tenant, **data):
    payload = {"email": "new.teacher@example.org", "role": "teacher", "language": "bg", **data}
    return client.post(f"/m/{tenant.municipality.slug}/members/invite/", payload)


def deliver(invitation_id, municipality_id):
    """What the worker does (tests/integration runs it in a real worker process)."""
    send_invitation.apply(args=[invitation_id, municipality_id], throw=True)


def latest_invitation(tenant):
    with scope(municipality=tenant.municipality.pk):
        return Invitation.objects.order_by("-pk").first()


def link_from(message) -> str:
    return re.search(r"http://\S+/invite/(\S+?)/", message.body).group(0)


def test_invitation_email_is_in_the_chosen_language_and_the_link_registers(world, client_for, settings):
    settings.SITE_URL = "http://testserver"
    officer = client_for(world.a.users["officer"])
    assert invite(officer, world.a, language="bg").status_code == 302
    invitation = latest_invitation(world.a)
    deliver(invitation.pk, world.a.municipality.pk)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.teacher@example.org"]
    assert "Училище в облака" in message.subject
    link = link_from(message)

    browser = Client()
    page = browser.get(link)
    assert page.status_code == 200
    response = browser.post(
        link, {"full_name": "Нова Учителка", "password1": "Vt7-kLm2-qPz", "password2": "Vt7-kLm2-qPz"}
    )
    assert response.status_code == 302
    user = User.objects.get(email="new.teacher@example.org")
    assert user.full_name == "Нова Учителка"
    with scopes_disabled():
        assert Membership.objects.filter(
            user=user, municipality=world.a.municipality, role="teacher"
        ).exists()
    # Single use: the same link no longer works.
    assert Client().get(link).status_code == 410


def test_director_invitation_binds_the_schools(world, client_for, settings):
    officer = client_for(world.a.users["officer"])
    response = invite(
        officer, world.a, role="director", schools=[world.a.other_school.pk], email="dir@example.org"
    )
    assert response.status_code == 302
    invitation = latest_invitation(world.a)
    deliver(invitation.pk, world.a.municipality.pk)
    link = link_from(mail.outbox[0])
    Client().post(link, {"full_name": "Директор", "password1": "Vt7-kLm2-qPz", "password2": "Vt7-kLm2-qPz"})
    with scopes_disabled():
        membership = Membership.objects.get(user__email="dir@example.org", role="director")
        assert list(membership.schools.all()) == [world.a.other_school]


def test_director_invitation_needs_a_school(world, client_for):
    response = invite(client_for(world.a.users["officer"]), world.a, role="director")
    assert response.status_code == 200
    assert response.context["form"].errors["schools"]


def test_expired_and_revoked_links_do_not_work(world, client_for):
    officer = client_for(world.a.users["officer"])
    invite(officer, world.a)
    invitation = latest_invitation(world.a)
    deliver(invitation.pk, world.a.municipality.pk)
    link = link_from(mail.outbox[0])
    with scopes_disabled():
        Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert Client().get(link).status_code == 410
    with scopes_disabled():
        Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() + timedelta(days=1))
    assert Client().get(link).status_code == 200
    officer.post(f"/m/{world.a.municipality.slug}/invitations/{invitation.pk}/revoke/")
    assert Client().get(link).status_code == 410


def test_resending_replaces_the_old_link(world, client_for):
    officer = client_for(world.a.users["officer"])
    invite(officer, world.a)
    invitation = latest_invitation(world.a)
    deliver(invitation.pk, world.a.municipality.pk)
    old_link = link_from(mail.outbox[0])
    officer.post(f"/m/{world.a.municipality.slug}/invitations/{invitation.pk}/resend/")
    deliver(invitation.pk, world.a.municipality.pk)
    new_link = link_from(mail.outbox[1])
    assert old_link != new_link
    assert Client().get(old_link).status_code == 410
    assert Client().get(new_link).status_code == 200


def test_a_tampered_link_is_refused():
    assert Client().get("/invite/not-a-real-token/").status_code == 410


def test_the_task_refuses_an_invitation_of_another_tenant(world):
    """Ids handed to a task are looked up inside the tenant the task was given."""
    deliver(world.b.invitation.pk, world.a.municipality.pk)
    assert mail.outbox == []


def test_an_existing_user_signs_in_to_accept(world, client_for):
    officer = client_for(world.a.users["officer"])
    teacher_b = world.b.users["teacher"]
    invite(officer, world.a, email=teacher_b.email)
    invitation = latest_invitation(world.a)
    deliver(invitation.pk, world.a.municipality.pk)
    link = link_from(mail.outbox[0])
    response = Client().get(link)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    # Someone else signed in cannot take it.
    assert client_for(world.a.users["teacher"]).post(link).status_code == 403
    assert client_for(teacher_b).post(link).status_code == 302
    with scopes_disabled():
        assert Membership.objects.filter(user=teacher_b, municipality=world.a.municipality).exists()
