"""A job's items made from the plan's rows in SQL: the order of work (phase by phase, units by
depth, kinds interleaved inside a phase), conflicts left out, each payload with its person."""

from collections import Counter

import pytest
from django_scopes import scope, scopes_disabled

from integrations.models import JobItem, PlanOperation
from integrations.operations import Op
from integrations.provisioning import jobs
from schools.audit import ActionContext

pytestmark = pytest.mark.django_db

# (op, key, person?) in the order the plan found them.
PLANNED = [
    (Op.CREATE_OU, "/Schools/A/Teachers", False),
    (Op.CREATE_OU, "/Schools", False),
    (Op.CREATE_OU, "/Schools/A", False),
    (Op.CREATE_USER, "anna@x.example", True),
    (Op.ASSIGN_LICENCE, "anna@x.example", True),
    (Op.CONFLICT, "taken@x.example", True),
    (Op.CREATE_USER, "jan@x.example", True),
    (Op.ASSIGN_LICENCE, "jan@x.example", True),
    (Op.CREATE_GROUP, "teachers@x.example", False),
    (Op.ADD_MEMBER, "teachers@x.example ← anna@x.example", False),
    (Op.ADD_MEMBER, "teachers@x.example ← jan@x.example", False),
    (Op.UPDATE_USER, "old@x.example", True),
    (Op.SUSPEND_USER, "gone@x.example", False),
]


def _expected() -> list[tuple[str, str]]:
    """What the Python engine did before the rows: sort by (phase, rank in phase and kind, index)."""
    ranks: Counter = Counter()
    ordered = []
    for index, (op, key, _person) in enumerate(PLANNED):
        phase = op.item_phase(key)
        if phase is None:
            continue
        ordered.append(((phase, ranks[phase, op], index), op.value, key))
        ranks[phase, op] += 1
    return [(op, key) for _order, op, key in sorted(ordered)]


def test_items_follow_the_order_of_work_and_leave_conflicts_out(world):
    plan = world.a.plan
    with scopes_disabled():
        plan.operations.all().delete()
        PlanOperation.objects.bulk_create(
            PlanOperation(
                plan=plan,
                municipality=plan.municipality,
                seq=seq,
                phase=op.item_phase(key),
                op=op,
                key=key,
                school="A",
                person=world.a.person if person else None,
                details={"given": "Anna"} if op == Op.CREATE_USER else {},
            )
            for seq, (op, key, person) in enumerate(PLANNED)
        )
    with scope(municipality=world.a.municipality.pk):
        job = jobs.start_job(ActionContext(world.a.municipality), plan)
        items = list(JobItem.objects.filter(job=job).order_by("seq"))
    assert [(item.op, item.key) for item in items] == _expected()
    assert [item.seq for item in items] == list(range(len(PLANNED) - 1))
    # Units by depth: the root first, then a school, then its teachers' unit.
    assert [item.key for item in items[:3]] == ["/Schools", "/Schools/A", "/Schools/A/Teachers"]
    # Inside a phase the kinds alternate: the first account, the first group, the second account.
    assert [item.op for item in items[3:6]] == ["create_user", "create_group", "create_user"]
    anna = next(item for item in items if item.op == "create_user" and item.key == "anna@x.example")
    assert anna.payload == {"given": "Anna", "person": world.a.person.pk} and anna.person == world.a.person
    assert next(item for item in items if item.op == "suspend_user").payload == {"person": None}
    plan.refresh_from_db()
    assert plan.status == "applied"
