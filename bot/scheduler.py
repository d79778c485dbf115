"""Fair admission of queued jobs: round-robin across users, within concurrency and rate limits.

Pure bookkeeping (no I/O, no asyncio) so it can be tested exhaustively; the job runner asks
it which job may start next and tells it when a running job frees its slot.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Limits:
    max_running: int
    """Jobs generating at once (the global limit and the backend account's concurrency)."""
    max_per_minute: int | None = None
    """Submissions allowed in any rolling 60-second window (the backend account tier)."""


@dataclass
class Scheduler:
    limits: Limits
    clock: Callable[[], float] = time.monotonic
    _queues: OrderedDict[str, deque[str]] = field(default_factory=OrderedDict)
    """user -> their queued job ids in order; dict order is the round-robin ring."""
    _running: set[str] = field(default_factory=set)
    _starts: deque[float] = field(default_factory=deque)

    def enqueue(self, job_id: str, user_key: str) -> None:
        self._queues.setdefault(user_key, deque()).append(job_id)

    def remove(self, job_id: str) -> bool:
        """Drop a queued job (cancelled). Returns False if it was not queued."""
        for user, queue in self._queues.items():
            if job_id in queue:
                queue.remove(job_id)
                if not queue:
                    del self._queues[user]
                return True
        return False

    def mark_running(self, job_id: str) -> None:
        """Count a job that is already running (resumed after a restart) against the limits."""
        self._running.add(job_id)

    def finish(self, job_id: str) -> None:
        self._running.discard(job_id)

    @property
    def running(self) -> int:
        return len(self._running)

    @property
    def queued(self) -> int:
        return sum(len(q) for q in self._queues.values())

    def order(self) -> list[str]:
        """Queued job ids in the order they will start: one per user in turn."""
        queues = [list(q) for q in self._queues.values()]
        result: list[str] = []
        depth = 0
        while True:
            layer = [q[depth] for q in queues if depth < len(q)]
            if not layer:
                return result
            result.extend(layer)
            depth += 1

    def positions(self) -> dict[str, int]:
        """1-based queue position of every queued job."""
        return {job_id: index for index, job_id in enumerate(self.order(), start=1)}

    def seconds_until_rate_allows(self) -> float:
        """0 if a submission may start now under the per-minute limit, else how long to wait."""
        limit = self.limits.max_per_minute
        if limit is None:
            return 0.0
        now = self.clock()
        while self._starts and now - self._starts[0] >= 60.0:
            self._starts.popleft()
        if len(self._starts) < limit:
            return 0.0
        return max(0.0, 60.0 - (now - self._starts[0]))

    def admit(self) -> str | None:
        """Start the next job if the limits allow: pops it, counts it running, returns its id."""
        if not self._queues or self.running >= self.limits.max_running:
            return None
        if self.seconds_until_rate_allows() > 0:
            return None
        user, queue = next(iter(self._queues.items()))
        job_id = queue.popleft()
        del self._queues[user]
        if queue:
            self._queues[user] = queue  # re-inserted at the end: the next user goes first
        self._running.add(job_id)
        self._starts.append(self.clock())
        return job_id
