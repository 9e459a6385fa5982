"""Facts about schools that one app computes and another reads, without importing each other.

A *fact kind* answers, for a batch of schools, whether a fact holds and the text to show
("12 of 14 teachers have an account"). The app that owns the data registers its kinds from its
``AppConfig.ready()`` (``integrations.facts``, ``surveys.facts``, ``trainings.facts``); a reader
(rollout's self-ticking activities, ``rollout.facts``) asks by key and never imports the owner.
A kind is asked about a ``FactSubject``: its parameters and its period.

*Queries* are answers an owner provides the same way, by key: per-school counts for a programme's
monitoring page (trained teachers, events held) and the municipality's pilot groups; a query
nobody registered is absent.
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


# --- Queries one app answers for another ------------------------------------------------------
QUERIES: dict[str, Callable] = {}


def register_query(key: str, query_function: Callable) -> None:
    """The reader's docstring says what the key's function takes and returns."""
    QUERIES[key] = query_function


def query(key: str) -> Callable | None:
    """The function registered under ``key``, or None when the app that answers it is absent."""
    return QUERIES.get(key)
