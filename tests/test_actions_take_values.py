"""Actions take values, not HTTP: no public function of an app's actions takes a ``request`` or a
``form``, so a view, a command, a task and an API can all call the same write."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

ACTION_MODULES = [
    "schools.actions",
    "rollout.actions",
    "surveys.actions",
    "trainings.actions",
    "reporting.reports.actions",
    "integrations.actions",
    "integrations.planning",
    "integrations.provisioning.jobs",
    "integrations.roster.actions",
    "schools.privacy.access",
    "schools.privacy.erasure",
]
HTTP_PARAMETERS = {"request", "form"}


def _modules(name: str):
    module = importlib.import_module(name)
    yield module
    if hasattr(module, "__path__"):  # a package: every module in it
        for info in pkgutil.walk_packages(module.__path__, f"{name}."):
            yield importlib.import_module(info.name)


def _public_functions(module):
    for name, function in inspect.getmembers(module, inspect.isfunction):
        if not name.startswith("_") and function.__module__ == module.__name__:
            yield name, function


@pytest.mark.parametrize("name", ACTION_MODULES)
def test_no_action_takes_a_request_or_a_form(name):
    found = [
        f"{module.__name__}.{function_name}({parameter})"
        for module in _modules(name)
        for function_name, function in _public_functions(module)
        for parameter in inspect.signature(function).parameters
        if parameter in HTTP_PARAMETERS
    ]
    assert found == []


def test_the_check_sees_the_functions_it_checks():
    """The walk reaches the modules of a package and their functions (not an empty pass)."""
    names = {f"{m.__name__}.{n}" for m in _modules("rollout.actions") for n, _f in _public_functions(m)}
    assert {"rollout.actions.programmes.create_programme", "rollout.actions.tasks.set_status"} <= names
