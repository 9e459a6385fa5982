"""The provider boundary: a third provider that implements the protocol is planned and applied by
the same code as Google and Microsoft, which never branches on a provider's name; operations keep
their stored names."""

import ast
from collections import Counter
from pathlib import Path

import pytest
from django_scopes import scope, scopes_disabled

from integrations import planning, providers
from integrations.google.client import WRITES as GOOGLE_WRITES
from integrations.google.client import GoogleDirectory
from integrations.microsoft.client import WRITES as MICROSOFT_WRITES
from integrations.microsoft.client import MicrosoftGraph
from integrations.models import Connection
from integrations.operations import SPECS, Op
from integrations.providers import (
    Capability,
    CheckResult,
    DomainStatus,
    PermanentError,
    Quota,
    RemoteGroup,
    RemoteUser,
    apply_each,
)
from integrations.provisioning import jobs, progress, runner
from schools.audit import ActionContext
from tests.integrations.conftest import operations, roster

ROOT = Path(__file__).resolve().parents[2]
DIRECTORIES: dict[int, dict] = {}  # connection pk → the fake provider's state


class FakeDirectory:
    """A provider with none of the optional capabilities: no units, no licences, groups known by
    their local part; its directory lives in this process."""

    name = "Fake"
    capabilities = frozenset()
    quota = Quota(10_000, 60.0)
    batch_size = 7
    replication_seconds = 0.0  # its directory is in this process: seen at once
    confirmed = frozenset()

    def __init__(self, connection):
        self.state = DIRECTORIES.setdefault(connection.pk, {"users": {}, "groups": {}})

    def close(self):
        pass

    def check(self):
        return CheckResult(True, "ok")

    def list_users(self):
        return list(self.state["users"].values())

    def list_groups(self):
        return [
            RemoteGroup(id=nickname, address="", nickname=nickname, name=nickname)
            for nickname in self.state["groups"]
        ]

    def list_members(self, group):
        return sorted(self.state["groups"][group.nickname])

    def list_units(self):
        return []

    def domain_status(self, name, *, add=False):
        return DomainStatus(added=True, verified=True)

    def apply(self, op, key, payload, *, password="", external_id=""):
        if op == Op.CREATE_USER:
            self.state["users"][key] = RemoteUser(
                key, external_id, payload["given"], payload["family"], False
            )
            return "created"
        if op == Op.CREATE_GROUP:
            self.state["groups"].setdefault(key.split("@")[0], set())
            return "created"
        if op == Op.ADD_MEMBER:
            self.state["groups"][payload["group"].split("@")[0]].add(payload["member"])
            return "added"
        raise PermanentError(f"the fake provider was asked to {op}")

    def calls_for(self, operations):
        return len(operations)

    def apply_many(self, operations):
        return apply_each(self, operations)

    def visible(self, operations):
        return ["visible"] * len(operations)


@pytest.fixture
def fake_provider(monkeypatch):
    monkeypatch.setitem(providers.CLIENTS, "fake", f"{__name__}.FakeDirectory")
    DIRECTORIES.clear()
    yield
    DIRECTORIES.clear()


@pytest.mark.django_db
def test_a_third_provider_is_planned_and_applied_without_a_line_of_its_own(world, fake_provider):
    roster(world, [("Anna", "Nowak"), ("Jan", "Kowalski")], language="pl")
    municipality = world.a.municipality
    with scopes_disabled():
        Connection.objects.create(municipality=municipality, provider="fake")
    ctx = ActionContext(municipality)
    with scope(municipality=municipality.pk):
        plan = planning.make_plan(ctx, "fake")
        items = operations(plan)
        counts = Counter(item["op"] for item in items)
        # Without units or licences the plan has none of their operations, and groups no type.
        assert counts[Op.CREATE_USER] >= 2 and counts[Op.CREATE_GROUP] >= 1 and counts[Op.ADD_MEMBER] >= 2
        assert set(counts) == {Op.CREATE_USER, Op.CREATE_GROUP, Op.ADD_MEMBER}, counts
        assert all("type" not in item["details"] for item in items if item["op"] == Op.CREATE_GROUP)
        jobs.check_unchanged(plan)
        job = jobs.start_job(ctx, plan)
        for _round in range(10):
            if not runner.work(job.pk, budget_seconds=5):
                break
        done = progress.progress(job)
        assert done["done"] == len(items) and done["failed"] == 0, done
        assert operations(planning.make_plan(ctx, "fake")) == []  # the provider now matches


def _planning_and_job_modules() -> list[Path]:
    modules = [ROOT / "integrations" / name for name in ("plans.py", "planning.py")]
    modules += sorted((ROOT / "integrations" / "provisioning").rglob("*.py"))
    return [path for path in modules if path.exists()]


def test_planning_and_the_job_runner_never_name_a_provider():
    """They consult a client's capabilities, never ``provider == "google"``."""
    found = []
    for path in _planning_and_job_modules():
        for node in ast.walk(ast.parse(path.read_text())):
            named = (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and node.value.lower() in ("google", "microsoft")
            ) or (isinstance(node, ast.Attribute) and node.attr in ("GOOGLE", "MICROSOFT"))
            if named:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, found


@pytest.mark.parametrize(
    ("client", "writes"), [(GoogleDirectory, GOOGLE_WRITES), (MicrosoftGraph, MICROSOFT_WRITES)]
)
def test_each_client_can_apply_every_operation_its_capabilities_let_a_plan_hold(client, writes):
    optional = {Op.CREATE_OU: Capability.UNITS, Op.MOVE_USER: Capability.UNITS}
    optional[Op.ASSIGN_LICENCE] = Capability.LICENCES
    planned = {
        op
        for op, spec in SPECS.items()
        if spec.phase is not None and (op not in optional or optional[op] in client.capabilities)
    }
    erasure = {Op.FIND_USER, Op.SUSPEND_USER, Op.DELETE_USER}
    assert planned | erasure <= set(writes), (planned | erasure) - set(writes)


def test_operations_keep_their_stored_names_and_every_one_has_a_spec():
    """Plans (JSON) and job items store these names: renaming one needs a migration."""
    assert {op.value for op in Op} == {
        "create_ou", "create_user", "update_user", "move_user", "unsuspend_user", "suspend_user",
        "create_group", "add_member", "remove_member", "assign_licence", "conflict",
        "find_user", "delete_user",
    }  # fmt: skip
    assert set(SPECS) == set(Op)
    assert all(spec.outcome for spec in SPECS.values() if spec.phase is not None)
