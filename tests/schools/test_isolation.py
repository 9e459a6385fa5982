"""Tenants never see each other: every URL of the project, checked generically."""

import pytest
from django.test import override_settings

from tests.isolation import check_isolation, classify, iter_routes


@pytest.mark.django_db
def test_every_url_keeps_municipalities_apart(world, client_for):
    failures = check_isolation(world, client_for)
    assert failures == []


def test_every_url_pattern_is_classified():
    unknown = [route.label for route in iter_routes() if classify(route) == "unknown"]
    assert unknown == []


def test_the_walk_sees_the_tenant_pages():
    tenant_routes = [route for route in iter_routes() if classify(route) == "tenant"]
    assert len(tenant_routes) >= 10  # a broken walker that finds nothing must not pass


@pytest.mark.django_db
@override_settings(ROOT_URLCONF="tests.schools.broken_urls")
def test_the_check_catches_a_view_that_forgets_its_scoping(world, client_for):
    """Shown once: a view that looks a school up without the tenant scope fails the check."""
    failures = check_isolation(world, client_for)
    broken = [f for f in failures if "broken_school" in f]
    assert broken, failures
    assert any("expected 404" in f for f in broken)


@pytest.mark.django_db
@override_settings(ROOT_URLCONF="tests.schools.broken_urls")
def test_the_check_catches_an_unclassified_url(world, client_for):
    failures = check_isolation(world, client_for)
    assert any("mystery" in f and "cannot classify" in f for f in failures)
