"""The PDF renderers fetch nothing but our own static files: no network, no file:// outside
STATICFILES_DIRS, even when a user field holds HTML or CSS that points elsewhere.

Two proofs for every renderer (slips, certificates, the survey report; a new renderer joins
RENDERERS): (1) rendered with hostile text in its user fields, a local HTTP server named in that
text receives nothing and every resource WeasyPrint actually opened is one of our static files;
(2) the url_fetcher the renderer handed to WeasyPrint refuses the hostile URLs when asked
directly, so the protection does not rest on template escaping alone."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
import weasyprint
import weasyprint.urls
from django.conf import settings
from django_scopes import scopes_disabled

from integrations.crypto import encrypt_secret
from integrations.models import JobItem

pytestmark = pytest.mark.django_db


class _Recorder(BaseHTTPRequestHandler):
    seen: list[str] = []

    def do_GET(self):  # noqa: N802 (the standard library's name)
        type(self).seen.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"body { color: red }")

    def log_message(self, *args):
        pass


@pytest.fixture
def listener():
    _Recorder.seen = []
    server = HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Recorder.seen
    server.shutdown()
    server.server_close()


def hostile(base: str) -> str:
    """At most 200 characters (it goes into names and titles)."""
    text = (
        f'<img src="file:///etc/passwd"><link rel=stylesheet href={base}/x.css>'
        f"<style>@import url(file:///etc/hostname);@import url({base}/i)</style>url(https://a.example/f.woff)"
    )
    assert len(text) <= 200
    return text


def hostile_urls(base: str) -> list[str]:
    static = Path(settings.STATICFILES_DIRS[0]).resolve()
    return [
        "file:///etc/passwd",
        "file:///etc/hostname",
        f"{base}/x.css",
        "https://a.example/f.woff",
        f"file://{static}/../config/settings.py",  # climbs out of the static folder
        "data:text/css,body{}",
    ]


@pytest.fixture
def spy(monkeypatch):
    """What WeasyPrint really opened (the library's own fetch, after any filter of ours) and
    the url_fetcher each renderer gave it."""
    opened: list[str] = []
    fetchers: list = []
    original_fetch = weasyprint.urls.URLFetcher.fetch
    original_render = weasyprint.HTML.render

    def fetch(self, url, headers=None):
        opened.append(url)
        return original_fetch(self, url, headers)

    def render(self, *args, **kwargs):  # write_pdf lays the document out through render too
        fetchers.append(self.url_fetcher)
        return original_render(self, *args, **kwargs)

    monkeypatch.setattr(weasyprint.urls.URLFetcher, "fetch", fetch)
    monkeypatch.setattr(weasyprint.HTML, "render", render)
    return opened, fetchers


def render_slips(world, text):
    from integrations.slips import render_pdf, slips_for

    job = world.a.job
    with scopes_disabled():
        JobItem.objects.create(
            job=job, municipality=job.municipality, seq=1, phase=1, op="create_user", outcome="created",
            status="done", key=f"{text}@alpha.example", school=text, payload={"given": text, "family": text},
            secret_ciphertext=encrypt_secret(job.municipality_id, text),
        )  # fmt: skip
        return render_pdf(job, slips_for(job))


def render_certificate(world, text):
    from tests.trainings.objects import training_objects
    from trainings.certificates import render_pdf

    with scopes_disabled():
        certificate = training_objects(world.a)["certificate"]
        certificate.holder_name = text
        certificate.course = text
        certificate.save(update_fields=["holder_name", "course"])
        return render_pdf(certificate)


def render_survey_report(world, text):
    from surveys.pdf import render_report
    from tests.surveys.fixtures import survey_objects

    with scopes_disabled():
        response = survey_objects(world.a).response
        response.school.name = text
        response.school.save(update_fields=["name"])
        response.campaign.name = text
        response.campaign.save(update_fields=["name"])
        answers = dict(response.answers or {})
        for section in response.campaign.template.definition.get("sections", []):
            for question in section.get("questions", []):
                if question.get("type") == "text":
                    answers[question["key"]] = text
        response.answers = answers
        response.save(update_fields=["answers"])
        return render_report(response)


def render_council_report(world, text):
    from reporting.tasks import build_report
    from tests.rollout.test_reports import council_world, request

    council_world(world.a, [text])
    report = request(world.a)
    build_report(report.pk)
    with scopes_disabled():
        report.refresh_from_db()
        assert report.status == "done", report.error
        with report.file.open("rb") as stored:
            return stored.read()


RENDERERS = {
    "slips": render_slips,
    "certificate": render_certificate,
    "survey report": render_survey_report,
    "council report": render_council_report,
}


@pytest.mark.parametrize("renderer", sorted(RENDERERS))
def test_a_renderer_fetches_only_our_static_files(world, listener, spy, renderer):
    base, requests_seen = listener
    opened, fetchers = spy
    pdf = RENDERERS[renderer](world, hostile(base))
    assert pdf.startswith(b"%PDF")
    assert requests_seen == []  # nothing reached the network
    static_roots = [Path(root).resolve() for root in settings.STATICFILES_DIRS]
    assert opened, "the fonts at least are opened through the fetcher"
    for url in opened:
        assert url.startswith("file://"), url
        path = Path(weasyprint.urls.unquote(url.removeprefix("file://"))).resolve()
        assert any(path.is_relative_to(root) for root in static_roots), url
    # The renderer's own fetcher refuses every hostile URL when asked directly.
    assert len(fetchers) == 1
    fetcher = fetchers[0]
    opened.clear()
    for url in hostile_urls(base):
        with pytest.raises(Exception):  # noqa: B017, PT011 (any refusal will do; WeasyPrint catches them)
            fetcher.fetch(url) if hasattr(fetcher, "fetch") else fetcher(url)
    assert requests_seen == []
    assert opened == []  # refused before the library opened anything
