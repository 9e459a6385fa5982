"""A round of Graph writes: JSON $batch requests of 20 steps, and memberships bound 20 to a group
in one write. An answer that needs a second look (a conflict to adopt, an object not replicated
yet, a refusal to explain) is retried on its own through the client's ``apply``; a throttled step
is reported for its item alone, with its own Retry-After."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import requests
from django.utils import translation

from integrations.microsoft import snapshots
from integrations.microsoft.errors import GraphSignInError, throttled
from integrations.operations import Op
from integrations.providers import (
    Operation,
    Outcome,
    PermanentError,
    ProviderError,
    TemporaryError,
    settle_alone,
    unreachable,
)

if TYPE_CHECKING:
    from integrations.microsoft.client import MicrosoftGraph

STEPS = 20  # Graph's limit for steps in a $batch and for link changes in one request
PARALLEL_REQUESTS = 5  # requests of one round in flight at once (a round is up to 100 operations)
# What goes in a $batch as a step of its own.
STEPPED = frozenset({Op.CREATE_USER, Op.ASSIGN_LICENCE, *snapshots.PATCHES})


def calls_for(operations: Sequence[Operation]) -> int:
    """Writes these operations cost (Graph's throttling counts writes, not HTTP requests)."""
    members = Counter(o.payload["group"] for o in operations if o.op == Op.ADD_MEMBER)
    return sum(1 for o in operations if o.op != Op.ADD_MEMBER) + sum(
        math.ceil(n / STEPS) for n in members.values()
    )


class Round:
    """The operations of one round of a job, and what became of each."""

    def __init__(self, client: MicrosoftGraph, operations: Sequence[Operation]):
        self.client, self.operations = client, operations
        self.results: list[Outcome | None] = [None] * len(operations)
        self.alone: list[int] = []  # for a call of their own

    def run(self) -> list[Outcome]:
        operations = self.operations
        stepped = [i for i, o in enumerate(operations) if o.op in STEPPED]
        new_groups = [i for i, o in enumerate(operations) if o.op == Op.CREATE_GROUP]
        groups: dict[str, list[int]] = defaultdict(list)
        for index, operation in enumerate(operations):
            if operation.op == Op.ADD_MEMBER:
                groups[operation.payload["group"]].append(index)
            elif operation.op not in STEPPED and operation.op != Op.CREATE_GROUP:
                self.alone.append(index)
        chunks = [("steps", stepped[i : i + STEPS]) for i in range(0, len(stepped), STEPS)]
        chunks += [("groups", new_groups[i : i + STEPS]) for i in range(0, len(new_groups), STEPS)]
        for members in groups.values():
            chunks += [("bind", members[i : i + STEPS]) for i in range(0, len(members), STEPS)]
        language = translation.get_language()

        def run(kind: str, chunk: list[int]) -> None:
            with translation.override(language):  # the messages in the job's language, not the thread's
                try:
                    if kind == "steps":
                        self._run_steps(chunk)
                    elif kind == "groups":
                        self._create_groups(chunk)
                    else:
                        self._bind_members(chunk)
                except GraphSignInError as error:
                    failure: ProviderError = PermanentError(error.explain())
                except TemporaryError as error:
                    failure = error
                except requests.RequestException as error:
                    failure = unreachable(self.client.name, error)
                else:
                    return
                for index in chunk:
                    if self.results[index] is None and index not in self.alone:
                        self.results[index] = failure

        if len(chunks) > 1:
            # The requests of one round go out side by side: the round costs one latency, not
            # one per $batch (the shared limiter has already counted their writes).
            try:
                self.client.token()  # fetched once, before the threads ask for it
            except (TemporaryError, GraphSignInError):
                pass  # each chunk meets the same error and reports it for its items
            with ThreadPoolExecutor(max_workers=min(len(chunks), PARALLEL_REQUESTS)) as pool:
                list(pool.map(lambda pair: run(*pair), chunks))
        else:
            for kind, chunk in chunks:
                run(kind, chunk)
        return settle_alone(self.client, operations, self.results, self.alone)

    def _batch(self, steps: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """POST $batch; the answers by step id."""
        for step in steps:
            if "body" in step:
                step["headers"] = {"Content-Type": "application/json"}
        response = self.client.expect(self.client.send("POST", "/$batch", json={"requests": steps}), 200)
        return {part["id"]: part for part in response.json().get("responses", [])}

    def _answered(self, index: int, answer: dict[str, Any], done: str, *ok: int) -> bool:
        """Record a step's answer: done, throttled, or for a call of its own; True if done."""
        status = answer.get("status", 0)
        if status in ok:
            self.results[index] = done
            return True
        if status == 429 or status >= 500:
            self.results[index] = throttled(status, (answer.get("headers") or {}).get("Retry-After"))
        else:
            self.alone.append(index)
        return False

    def _run_steps(self, chunk: list[int]) -> None:
        answers = self._batch([{"id": str(i), **self._step(self.operations[i])} for i in chunk])
        for index in chunk:
            answer = answers.get(str(index), {})
            self._answered(index, answer, self.operations[index].op.spec.outcome, *range(200, 300))

    def _step(self, operation: Operation) -> dict[str, Any]:
        key = operation.key
        if operation.op == Op.CREATE_USER:
            body = self.client.user_body(operation)
            return {"method": "POST", "url": "/users", "body": body}
        if operation.op == Op.ASSIGN_LICENCE:
            body = snapshots.licence_body(operation.payload)
            return {"method": "POST", "url": f"/users/{key}/assignLicense", "body": body}
        body = snapshots.PATCHES[operation.op](operation.payload)
        return {"method": "PATCH", "url": f"/users/{key}", "body": body}

    def _create_groups(self, chunk: list[int]) -> None:
        """Graph lets two groups share a mail nickname, so each is looked up first (one $batch of
        reads), and only the missing ones are created (one $batch of writes): a group an earlier
        attempt made is adopted, never made twice."""
        operations = self.operations
        nicknames = {i: snapshots.nickname(operations[i].key) for i in chunk}
        found = self._batch(
            [
                {
                    "id": str(i),
                    "method": "GET",
                    "url": "/groups?$filter=" + quote(f"mailNickname eq '{nick}'") + "&$select=id",
                }
                for i, nick in nicknames.items()
            ]
        )
        missing = []
        for index in chunk:
            answer = found.get(str(index), {})
            if answer.get("status") == 200 and (answer.get("body") or {}).get("value"):
                self.results[index] = "adopted"
            elif answer.get("status") == 200:
                missing.append(index)
            else:
                self.alone.append(index)
        if not missing:
            return
        made = self._batch(
            [
                {
                    "id": str(i),
                    "method": "POST",
                    "url": "/groups",
                    "body": snapshots.group_body(operations[i].key, operations[i].payload),
                }
                for i in missing
            ]
        )
        for index in missing:
            answer = made.get(str(index), {})
            if self._answered(index, answer, "created", 201) and (answer.get("body") or {}).get("id"):
                self.client.group_ids[operations[index].key] = answer["body"]["id"]

    def _bind_members(self, chunk: list[int]) -> None:
        """Up to 20 new members of one group in one PATCH: one write instead of twenty."""
        operations, client = self.operations, self.client
        group_id = client.group_id(operations[chunk[0]].payload["group"])
        answers = self._batch(
            [
                {"id": str(i), "method": "GET", "url": f"/users/{operations[i].payload['member']}?$select=id"}
                for i in chunk
            ]
        )
        found = {}
        for index in chunk:
            answer = answers.get(str(index), {})
            if answer.get("status") == 200:
                found[index] = answer["body"]["id"]
            else:  # not replicated yet, throttled, …: the single path says which and waits
                self.alone.append(index)
        if not found:
            return
        response = client.send(
            "PATCH",
            f"/groups/{group_id}",
            json={
                "members@odata.bind": [f"{client.graph_url}/directoryObjects/{uid}" for uid in found.values()]
            },
        )
        if response.status_code == 204:
            for index in found:
                self.results[index] = "added"
        elif response.status_code == 429 or response.status_code >= 500:
            failure = throttled(response.status_code, response.headers.get("Retry-After"))
            for index in found:
                self.results[index] = failure
        else:  # one of them is a member already (an earlier attempt), …: each on its own
            self.alone.extend(found)
