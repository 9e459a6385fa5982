"""Every tenant-owned model is reachable only through a scoped manager."""

import pytest
from django.apps import apps
from django_scopes import ScopeError, scope, scopes_disabled

from schools.models import Municipality, School

# Models that point at a municipality but are deliberately not scoped, with the reason.
UNSCOPED = {
    "schools.Municipality": "the tenant itself",
}
PROJECT_APPS = {"schools", "rollout", "trainings", "integrations"}


def _owned_by_municipality(model) -> bool:
    return any(
        getattr(field, "related_model", None) is Municipality and (field.many_to_one or field.one_to_one)
        for field in model._meta.get_fields()
    )


def tenant_owned_models():
    for model in apps.get_models():
        if (
            model._meta.app_label in PROJECT_APPS
            and not model._meta.auto_created
            and _owned_by_municipality(model)
        ):
            yield model


def test_there_are_tenant_owned_models():
    assert len(list(tenant_owned_models())) >= 5


@pytest.mark.parametrize("model", list(tenant_owned_models()), ids=lambda m: m._meta.label)
def test_tenant_owned_model_is_scoped(model):
    if model._meta.label in UNSCOPED:
        pytest.skip(UNSCOPED[model._meta.label])
    # The default manager is the one related managers, forms and the admin use.
    with pytest.raises(ScopeError):
        list(model._default_manager.all())
    with pytest.raises(ScopeError):
        list(model.objects.filter(pk=1))


@pytest.mark.django_db
def test_scope_filters_to_the_tenant(world):
    with scope(municipality=world.a.municipality.pk):
        names = set(School.objects.values_list("name", flat=True))
    with scopes_disabled():
        expected = set(
            School.objects.filter(municipality=world.a.municipality).values_list("name", flat=True)
        )
        everything = School.objects.count()
    assert names == expected
    assert len(names) < everything
