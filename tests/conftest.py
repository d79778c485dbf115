"""Suite-wide guard: no test may leave a database connection open.

An open aiosqlite connection keeps a non-daemon thread alive, so a leak does not fail a test
by itself: it makes the whole pytest process hang at exit. This turns it into a failure of
the test that leaked.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest


def _database_threads() -> set[threading.Thread]:
    return {
        thread
        for thread in threading.enumerate()
        if thread.is_alive() and "_connection_worker_thread" in thread.name
    }


@pytest.fixture(autouse=True)
def no_leaked_database_connections() -> Iterator[None]:
    before = _database_threads()
    yield
    deadline = time.monotonic() + 2.0
    while (leaked := _database_threads() - before) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not leaked, f"{len(leaked)} database connection(s) left open by this test"
