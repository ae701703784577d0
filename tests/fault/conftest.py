"""The fault-and-abuse suite (issue 12): `scripts/test -m fault` runs it alone.

Fixtures: hostile servers on 127.0.0.1 (tests/fault/servers.py), the fake `go` and small Go
repos of the cache tests, and ameide spawned as a real process (tests/integration/conftest.py)
for signals and deadlines."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.cache.conftest import fake_go, go_repo
from tests.fault.servers import Behaviour, Hostile, Turbo
from tests.integration.conftest import marker, reap_marked, spawn

__all__ = ["fake_go", "go_repo", "marker", "reap_marked", "spawn"]


@pytest.fixture
def hostile() -> Iterator[Callable[..., Hostile]]:
    """`hostile(behaviour)` -> a started server; all are closed after the test."""
    started: list[Hostile] = []

    def _start(behaviour: Behaviour, *, keep_alive: bool = False) -> Hostile:
        s = Hostile(behaviour, keep_alive=keep_alive)
        started.append(s)
        return s

    yield _start
    for s in started:
        s.close()


@pytest.fixture
def turbo() -> Iterator[Callable[[str], Turbo]]:
    """`turbo(token)` -> a minimal in-memory Turborepo remote cache."""
    started: list[Turbo] = []

    def _start(token: str) -> Turbo:
        t = Turbo(token)
        started.append(t)
        return t

    yield _start
    for t in started:
        t.close()
