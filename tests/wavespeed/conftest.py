"""Fixtures: the fake WaveSpeed server on 127.0.0.1 (a free port) and backends pointed at it.

Time is compressed by SCALE: a fake task of `20 s × SCALE` polled with the default schedule
`scaled(SCALE)` behaves like a 20-second task polled with the production schedule.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest

from bot.backends.base import GenerationSpec
from bot.backends.wavespeed import PollSchedule, SubmitRetry, WaveSpeedBackend, WaveSpeedClient
from bot.fake_wavespeed import FakeConfig, FakeWaveSpeed, FaultRule

SCALE = 0.02
FAST = PollSchedule().scaled(0.005)
"""For tests about outcomes rather than counts: first check after 10 ms."""
SPEC = GenerationSpec(tags="lofi, chill", lyrics="[inst]", duration=5, seed=7)

FakeFactory = Callable[..., Awaitable[FakeWaveSpeed]]
BackendFactory = Callable[..., Awaitable[WaveSpeedBackend]]


@pytest.fixture
async def make_fake() -> AsyncIterator[FakeFactory]:
    """`await make_fake(latency=…, faults=["submit:500"], …)` → a started fake."""
    started: list[FakeWaveSpeed] = []

    async def make(*, faults: tuple[str, ...] | list[str] = (), **options: Any) -> FakeWaveSpeed:
        options.setdefault("latency", 0.1)
        options.setdefault("output_seconds", 1)
        options.setdefault("slow_seconds", 0.3)
        options.setdefault("retry_after", 0.05)
        config = FakeConfig(faults=[FaultRule.parse(f) for f in faults], seed=1, **options)
        fake = FakeWaveSpeed(config)
        await fake.start()
        started.append(fake)
        return fake

    yield make
    for fake in started:
        await fake.stop()


@pytest.fixture
async def fake(make_fake: FakeFactory) -> FakeWaveSpeed:
    return await make_fake()


def make_client(base_url: str, **options: Any) -> WaveSpeedClient:
    options.setdefault("timeout", httpx.Timeout(2.0))
    options.setdefault("submit_read_timeout", 0.5)
    options.setdefault("submit_retry", SubmitRetry().scaled(SCALE))
    options.setdefault("download_timeout", 5.0)
    options.setdefault("download_backoff", 0.5 * SCALE)
    return WaveSpeedClient(options.pop("api_key", "test-key"), base_url=base_url, **options)


@pytest.fixture
async def make_backend() -> AsyncIterator[BackendFactory]:
    """`await make_backend(base_url, client options…, backend=dict(…))` → a started backend."""
    opened: list[WaveSpeedBackend] = []

    async def make(
        base_url: str,
        *,
        start: bool = True,
        backend: dict[str, Any] | None = None,
        **client_options: Any,
    ) -> WaveSpeedBackend:
        settings: dict[str, Any] = {
            "schedule": FAST,
            "task_timeout": 10.0,
            "max_concurrency": 2,
            "max_per_minute": 2,
        }
        settings.update(backend or {})
        instance = WaveSpeedBackend(make_client(base_url, **client_options), **settings)
        opened.append(instance)
        if start:
            await instance.start()
        return instance

    yield make
    for instance in opened:
        await instance.aclose()


class ProgressLog:
    def __init__(self) -> None:
        self.statuses: list[str] = []

    async def __call__(self, status: str) -> None:
        self.statuses.append(status)


@pytest.fixture
def progress() -> ProgressLog:
    return ProgressLog()
