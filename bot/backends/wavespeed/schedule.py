"""Timing policies: the result-poll back-off and the submit retry budget.

Both are small frozen values so tests can run the real code on a compressed clock
(`PollSchedule().scaled(0.01)`) instead of patching sleeps.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC
from email.utils import parsedate_to_datetime
from time import time


@dataclass(frozen=True)
class PollSchedule:
    """Delays between result checks: `first`, then ×`factor` each time, capped at `cap`.

    With the defaults the checks fall 2, 5, 9.5, 16.3, 26.4, 41.4 s after submit, then every
    15 s: a 20-second task is seen finished on the 5th check (never the 4th, so jitter can't
    push it to a 6th), a 4-minute task in about 20. Each check is at most ~50 % late.
    `jitter` (± fraction) spreads jobs submitted together so they don't poll in lockstep.
    """

    first: float = 2.0
    factor: float = 1.5
    cap: float = 15.0
    jitter: float = 0.1

    def delays(self, rng: random.Random | None = None) -> Iterator[float]:
        pick = rng or random.Random()
        nominal = self.first
        while True:
            yield nominal * pick.uniform(1 - self.jitter, 1 + self.jitter)
            nominal = min(nominal * self.factor, self.cap)

    def scaled(self, k: float) -> PollSchedule:
        """The same shape on a clock `k` times faster (tests, benchmarks)."""
        return replace(self, first=self.first * k, cap=self.cap * k)


DEFAULT_SCHEDULE = PollSchedule()
WEBHOOK_FALLBACK_SCHEDULE = PollSchedule(first=10.0, factor=2.0, cap=60.0)
"""Polling kept as a slow safety net when webhooks are on (their retries are undocumented)."""


@dataclass(frozen=True)
class SubmitRetry:
    """Retries for a submit that certainly did not create a task (refused connection, 429).

    `max_retry_after`: a longer `Retry-After` is not waited out here; `RateLimited` is raised at
    once rather than holding a slot. (The job runner then fails the job with the error's
    message; it does not re-queue it yet.)
    """

    attempts: int = 3
    backoff: float = 1.0
    factor: float = 2.0
    max_retry_after: float = 30.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Delay before attempt number `attempt + 1` (attempt counts from 1)."""
        own = self.backoff * self.factor ** (attempt - 1) * random.uniform(0.9, 1.1)
        return max(own, retry_after or 0.0)

    def scaled(self, k: float) -> SubmitRetry:
        return replace(self, backoff=self.backoff * k, max_retry_after=self.max_retry_after * k)


MAX_RETRY_AFTER = 3600.0
"""WaveSpeed's limits are per minute: a longer `Retry-After` is a broken header, not advice."""


def parse_retry_after(value: str | None) -> float | None:
    """`Retry-After` as seconds, within 0…MAX_RETRY_AFTER: delta-seconds (fractions accepted)
    or an HTTP date. None when absent or unreadable (`inf`, `nan`, junk)."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when.tzinfo is None:  # "-0000": HTTP dates are always UTC, never local time
            when = when.replace(tzinfo=UTC)
        seconds = when.timestamp() - time()
    if not math.isfinite(seconds):
        return None
    return min(max(0.0, seconds), MAX_RETRY_AFTER)
