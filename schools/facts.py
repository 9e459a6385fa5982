"""Facts about schools that one app computes and another reads, without importing each other.

A *fact kind* answers, for a batch of schools, whether a fact holds and the text to show
("12 of 14 teachers have an account"). The app that owns the data registers its kinds from its
``AppConfig.ready()`` (``integrations.facts``, ``surveys.facts``, ``trainings.facts``); a reader
(rollout's self-ticking activities, ``rollout.facts``) asks by key and never imports the owner.
A kind is asked about a ``FactSubject``: its parameters and its period.

*School counts* are numbers per school that an owner provides the same way (trained teachers,
events held), read by a programme's monitoring page; a count nobody registered is absent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Protocol

Result = tuple[bool, str]


class FactSubject(Protocol):
    """What a kind is asked about (a programme's activity)."""

    fact_params: dict

    @property
    def fact_period(self) -> tuple[date | None, date | None]: ...


def _always() -> bool:
    return True


@dataclass(frozen=True)
class FactKind:
    key: str
    label: str
    batch: Callable[[FactSubject, list], dict[int, Result]]  # (subject, schools) -> {school id: result}
    available: Callable[[], bool] = _always
    order: int = 100  # the place in the list of choices


KINDS: dict[str, FactKind] = {}


def register(kind: FactKind) -> FactKind:
    KINDS[kind.key] = kind
    return kind


def available_kinds() -> list[FactKind]:
    return sorted(
        (kind for kind in KINDS.values() if kind.available()), key=lambda kind: (kind.order, kind.key)
    )


def is_available(key: str) -> bool:
    kind = KINDS.get(key)
    return kind is not None and kind.available()


# --- School counts ------------------------------------------------------------------------------
COUNTS: dict[str, Callable[..., dict[int, int]]] = {}


def register_count(key: str, count: Callable[..., dict[int, int]]) -> None:
    """``count(schools, ...)`` → {school id: n}; the key's docstring in the reader says the arguments."""
    COUNTS[key] = count


def count(key: str) -> Callable[..., dict[int, int]] | None:
    return COUNTS.get(key)
