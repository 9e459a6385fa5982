"""With a real worker process: health, and work enqueued by a page done by the worker."""

import signal

import pytest
from django.test import Client
from django_scopes import scope

from schools.models import Invitation, WorkerHeartbeat
from tests.factories import make_world
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_healthz_is_green_with_database_broker_and_worker(celery_worker):
    assert wait_for(lambda: WorkerHeartbeat.objects.exists(), timeout=60), celery_worker.log_path.read_text()
    response = Client().get("/healthz")
    body = response.json()
    assert response.status_code == 200, body
    assert (
        body["checks"]["database"]["ok"] and body["checks"]["broker"]["ok"] and body["checks"]["worker"]["ok"]
    )


def test_invitation_is_sent_by_the_worker_in_the_invitees_language(celery_worker, client_for):
    world = make_world()
    client = client_for(world.a.users["officer"])
    response = client.post(
        f"/m/{world.a.municipality.slug}/members/invite/",
        {"email": "uczyciel@example.org", "role": "teacher", "language": "pl"},
    )
    assert response.status_code == 302

    def sent():
        with scope(municipality=world.a.municipality.pk):
            return Invitation.objects.filter(email="uczyciel@example.org").exclude(sent_at=None).exists()

    assert wait_for(sent, timeout=60), celery_worker.log_path.read_text()
    messages = [path.read_text(encoding="utf-8") for path in celery_worker.mail_dir.iterdir()]
    assert len(messages) == 1
    assert "uczyciel@example.org" in messages[0]
    assert "http://testserver/invite/" in messages[0]


def test_healthz_turns_red_when_the_worker_stops(celery_worker, settings):
    settings.WORKER_HEARTBEAT_STALE_SECONDS = 3
    assert wait_for(lambda: Client().get("/healthz").status_code == 200, timeout=60)
    celery_worker.process.send_signal(signal.SIGTERM)
    celery_worker.process.wait(timeout=30)
    response = wait_for(lambda: (r := Client().get("/healthz")).status_code == 503 and r, timeout=15)
    assert response, "healthz stayed green after the worker stopped"
    assert response.json()["checks"]["worker"]["ok"] is False
