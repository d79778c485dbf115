"""The backend end to end over loopback against the fake: submit, poll, download."""

from __future__ import annotations

import asyncio

import pytest

from bot.audio import detect_format
from bot.backends.base import BackendError, BackendTimeout
from bot.backends.wavespeed import PollSchedule, WaveSpeedBackend
from bot.fake_wavespeed import FakeWaveSpeed
from bot.settings import load_settings
from tests.wavespeed.conftest import (
    SCALE,
    SPEC,
    BackendFactory,
    FakeFactory,
    ProgressLog,
    make_client,
)


async def test_delivers_wav_and_reports_progress(
    make_fake: FakeFactory, make_backend: BackendFactory, progress: ProgressLog
) -> None:
    fake = await make_fake()
    backend = await make_backend(fake.base_url)

    task_id = await backend.submit(SPEC)
    audio = await backend.wait(task_id, SPEC, progress)

    assert detect_format(audio.data, audio.content_type) == "wav"
    assert audio.content_type == "audio/wav"
    assert audio.nsfw is False
    assert progress.statuses[-1] == "completed"
    assert len(set(progress.statuses)) == len(progress.statuses)  # only on changes
    assert fake.requests["submit"] == 1
    sent = fake.submitted[0].input
    assert sent == {"tags": "lofi, chill", "lyrics": "[inst]", "duration": 5, "seed": 7}


async def test_a_20_second_task_needs_at_most_5_result_checks(
    make_fake: FakeFactory, make_backend: BackendFactory, progress: ProgressLog
) -> None:
    """Default schedule on a clock 1/SCALE faster: the fake's task lasts '20 s'."""
    fake = await make_fake(latency=20 * SCALE)
    backend = await make_backend(fake.base_url, backend={"schedule": PollSchedule().scaled(SCALE)})

    async def job() -> None:
        await backend.wait(await backend.submit(SPEC), SPEC, progress)

    await asyncio.gather(*(job() for _ in range(20)))

    gets = [task.result_gets for task in fake.submitted]
    assert len(gets) == 20 and max(gets) <= 5
    assert backend.client.stats.result_gets == sum(gets)


async def test_restart_waits_by_task_id_without_resubmitting(
    make_fake: FakeFactory, make_backend: BackendFactory, progress: ProgressLog
) -> None:
    fake = await make_fake()
    first = await make_backend(fake.base_url)
    task_id = await first.submit(SPEC)
    await first.aclose()

    second = await make_backend(fake.base_url)
    audio = await second.wait(task_id, SPEC, progress)

    assert detect_format(audio.data, audio.content_type) == "wav"
    assert fake.requests["submit"] == 1 and len(fake.submitted) == 1


async def test_restart_after_the_task_finished_needs_one_check(
    make_fake: FakeFactory, make_backend: BackendFactory, progress: ProgressLog
) -> None:
    fake = await make_fake(latency=0.01)
    first = await make_backend(fake.base_url)
    task_id = await first.submit(SPEC)
    await first.aclose()
    second = await make_backend(fake.base_url, backend={"schedule": PollSchedule(first=0.05)})

    await second.wait(task_id, SPEC, progress)

    assert second.client.stats.result_gets == 1


async def test_nsfw_flag_is_passed_on(
    make_fake: FakeFactory, make_backend: BackendFactory, progress: ProgressLog
) -> None:
    fake = await make_fake(nsfw_rate=1.0)
    backend = await make_backend(fake.base_url)
    audio = await backend.wait(await backend.submit(SPEC), SPEC, progress)
    assert audio.nsfw is True


async def test_task_not_finished_in_time_is_a_timeout(
    make_fake: FakeFactory, make_backend: BackendFactory, progress: ProgressLog
) -> None:
    fake = await make_fake(latency=60)
    backend = await make_backend(fake.base_url, backend={"task_timeout": 0.3})
    task_id = await backend.submit(SPEC)
    with pytest.raises(BackendTimeout, match="did not finish this song within"):
        await backend.wait(task_id, SPEC, progress)
    assert fake.requests["submit"] == 1


async def test_unknown_task_id_fails_clearly(
    fake: FakeWaveSpeed, make_backend: BackendFactory, progress: ProgressLog
) -> None:
    backend = await make_backend(fake.base_url)
    with pytest.raises(BackendError, match="no longer knows this song's task") as caught:
        await backend.wait("no-such-task", SPEC, progress)
    assert not caught.value.retryable
    assert backend.client.stats.result_gets == 1


async def test_exposes_account_limits(fake: FakeWaveSpeed) -> None:
    backend = WaveSpeedBackend(make_client(fake.base_url), max_concurrency=300, max_per_minute=500)
    assert (backend.max_concurrency, backend.max_per_minute) == (300, 500)
    assert backend.submit_is_idempotent is False
    await backend.aclose()


async def test_built_from_settings(fake: FakeWaveSpeed, progress: ProgressLog) -> None:
    settings = load_settings(
        _env_file=None,
        wavespeed_api_key="k",
        wavespeed_base_url=fake.base_url,
        wavespeed_max_concurrency=7,
        wavespeed_max_per_minute=9,
        wavespeed_timeout_minutes=3,
    )
    backend = WaveSpeedBackend.from_settings(settings)
    try:
        await backend.start()
        assert (backend.max_concurrency, backend.max_per_minute) == (7, 9)
        assert backend.model == "wavespeed-ai/ace-step" and backend.webhook_url is None
        assert fake.requests["balance"] == 1
    finally:
        await backend.aclose()
