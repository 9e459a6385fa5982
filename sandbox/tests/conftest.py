"""The sandbox as its own process over HTTPS, as the unmodified client libraries meet it.

Nothing here imports the portal (test_independence.py checks it): ``python -m pytest
sandbox/tests -p no:django`` runs these tests without Django.
"""

from __future__ import annotations

import pytest

from sandbox.process import start_sandbox


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    running = start_sandbox(tmp_path_factory.mktemp("sandbox"))
    yield running
    running.stop()


@pytest.fixture
def fresh_sandbox(sandbox):
    """The module's sandbox, emptied before the test."""
    sandbox.control("POST", "reset")
    return sandbox
