"""Every operation the portal asks of a provider, in one enumeration.

An operation's value is the name stored in plans (their JSON items) and job items
(``JobItem.op``); its ``Spec`` says how it is labelled on the pages, in which phase of a job it
runs, what it needs made first and what a call that succeeded did. Plans, the job runner, the
pages and each provider's client (its ``Op`` → method table) all read them from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

KEY = ""  # in ``Spec.needs``: the item's own key (otherwise the payload field holding the key)


class Op(StrEnum):
    CREATE_OU = "create_ou"
    CREATE_USER = "create_user"
    UPDATE_USER = "update_user"
    MOVE_USER = "move_user"
    UNSUSPEND_USER = "unsuspend_user"
    SUSPEND_USER = "suspend_user"
    CREATE_GROUP = "create_group"
    ADD_MEMBER = "add_member"
    REMOVE_MEMBER = "remove_member"
    ASSIGN_LICENCE = "assign_licence"
    # In a plan, never applied: the address belongs to an account the portal did not make.
    CONFLICT = "conflict"
    # Erasing a person (integrations/privacy.py), outside plans: "present" or "absent", and
    # "deleted" (or "absent" when already gone); ``suspend_user`` closes an account there too.
    FIND_USER = "find_user"
    DELETE_USER = "delete_user"

    @property
    def spec(self) -> Spec:
        return SPECS[self]

    @property
    def label(self) -> StrOrPromise:
        return self.spec.label or self.value

    @property
    def phase(self) -> int | None:
        return self.spec.phase

    def item_phase(self, key: str) -> int | None:
        """The phase of one item of a job (``JobItem.phase``); None: not a step of a job."""
        spec = self.spec
        if spec.phase is None:
            return None
        return spec.phase * 10 + (key.count("/") if spec.by_depth else 0)

    def needs(self, key: str, payload: Mapping[str, Any]) -> list[tuple[Op, str]]:
        """The (operation, key) items whose failure makes this one pointless."""
        found = [
            (op, key if field == KEY else str(payload.get(field) or "")) for op, field in self.spec.needs
        ]
        return [(op, needed) for op, needed in found if needed]


@dataclass(frozen=True)
class Spec:
    label: StrOrPromise | None  # None: never shown (the erasure's calls)
    # Operations in the order the provider needs them: units before users, users before
    # memberships, a licence after the account (whose usage location is set when it is created).
    # None: not a step of a job.
    phase: int | None
    # What a call that succeeded did (JobItem.outcome); "" where the client always says.
    outcome: str = ""
    # (operation, KEY or the payload field with its key): made earlier in the job; if it failed,
    # this item fails at once, saying which; if it was made a moment ago, this item waits until
    # the provider shows it (``provisioning.outcomes.runnable``).
    needs: tuple[tuple[Op, str], ...] = ()
    # Units of one depth share a phase (their parents are made in the phase before).
    by_depth: bool = False


SPECS: dict[Op, Spec] = {
    Op.CREATE_OU: Spec(_("Create organisational unit"), 0, "created", by_depth=True),
    # An account in a unit made by the job: sent once the unit is seen (``ProviderClient.confirmed``).
    Op.CREATE_USER: Spec(_("Create account"), 1, "created", needs=((Op.CREATE_OU, "ou"),)),
    Op.CREATE_GROUP: Spec(_("Create group"), 1, "created"),
    Op.UPDATE_USER: Spec(_("Update name"), 2, "updated", needs=((Op.CREATE_USER, KEY),)),
    Op.MOVE_USER: Spec(
        _("Move to another unit"), 2, "moved", needs=((Op.CREATE_USER, KEY), (Op.CREATE_OU, "to"))
    ),
    Op.UNSUSPEND_USER: Spec(_("Reactivate account"), 2, "reactivated"),
    Op.SUSPEND_USER: Spec(_("Suspend account (not on the roster)"), 2, "suspended"),
    Op.ASSIGN_LICENCE: Spec(_("Assign licence"), 3, "licensed", needs=((Op.CREATE_USER, KEY),)),
    # Memberships need the account and the group, not the licence: in the licences' phase they
    # go out while the licences wait for the write quota, instead of after them.
    Op.ADD_MEMBER: Spec(
        _("Add to group"), 3, "added", needs=((Op.CREATE_USER, "member"), (Op.CREATE_GROUP, "group"))
    ),
    Op.REMOVE_MEMBER: Spec(_("Remove from group"), 3, "removed"),
    Op.CONFLICT: Spec(_("Conflict: the address belongs to someone else"), None),
    Op.FIND_USER: Spec(None, None),
    Op.DELETE_USER: Spec(None, None),
}
# What other items can need (``Spec.needs``): the job runner looks these up among the failed.
PREREQUISITES = sorted({op for spec in SPECS.values() for op, _field in spec.needs})


def label(op: str) -> StrOrPromise:
    """The label of a stored operation name (the name itself for one this version does not know)."""
    return Op(op).label if op in SPECS else op
