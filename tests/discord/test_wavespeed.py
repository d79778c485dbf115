"""With the WaveSpeed backend (against the fake WaveSpeed on loopback): a backend failure
reaches the Discord user, an NSFW-flagged result is sent as a spoiler file, and a song
still generating can be cancelled."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.fake_wavespeed.config import FakeConfig
from bot.fake_wavespeed.server import FakeWaveSpeed
from bot.models import JobState
from bot.settings import Settings
from tests.discord import payloads
from tests.discord.conftest import DiscordWorld, Launch
from tests.discord.helpers import is_followup, job_id_in, no_pings
from tests.support import free_port, settings_for

DONE = (JobState.DELIVERED, JobState.FAILED, JobState.CANCELLED)

WaveSpeedSettings = Callable[..., Awaitable[Settings]]


@pytest.fixture
async def wavespeed(tmp_path: Path) -> AsyncIterator[WaveSpeedSettings]:
    """`await wavespeed(fail_rate=…, …)` starts a fake WaveSpeed; returns settings using it."""
    fakes: list[FakeWaveSpeed] = []

    async def start(*, webhooks: bool = True, **config: Any) -> Settings:
        config.setdefault("latency", 0.1)
        fake = FakeWaveSpeed(FakeConfig(output_seconds=1, seed=1, **config))
        base_url = await fake.start()
        fakes.append(fake)
        options: dict[str, Any] = {}
        if webhooks:  # the fake then reports back at once instead of at the first poll
            port = free_port()
            options = {
                "songbot_public_url": f"http://127.0.0.1:{port}",
                "songbot_http_host": "127.0.0.1",
                "songbot_http_port": port,
            }
        return settings_for(
            tmp_path,
            discord_token="fake-token",
            songbot_backend="wavespeed",
            wavespeed_api_key="test-key",
            wavespeed_base_url=base_url,
            **options,
        )

    yield start
    for fake in fakes:
        await fake.stop()


@pytest.fixture
async def with_wavespeed(launch: Launch, wavespeed: WaveSpeedSettings) -> StartWaveSpeed:
    async def start(**config: Any) -> DiscordWorld:
        return await launch(await wavespeed(**config))

    return start


StartWaveSpeed = Callable[..., Awaitable[DiscordWorld]]


async def test_backend_failure_reaches_the_user_privately(with_wavespeed: StartWaveSpeed):
    world = await with_wavespeed(fail_rate=1.0)
    command = payloads.slash("song", {"tags": "jazz", "duration": 5})
    job_id = job_id_in((await world.interact(command)).content)

    job = await world.wait_state(job_id, *DONE)
    assert job.state is JobState.FAILED and job.error
    told = await world.fake.wait_for(
        lambda c: is_followup(command["token"])(c) and job_id in c.content
    )
    assert told.body["flags"] & 64, "the reason goes only to the requester"
    assert job.error in told.content and told.content.startswith("⚠️")
    no_pings(told)
    status = await world.fake.wait_for(
        lambda c: c.method == "PATCH" and command["token"] in c.path and "❌" in c.content
    )
    assert job.error not in status.content, "the public status message stays discreet"


async def test_nsfw_result_is_sent_as_a_spoiler(with_wavespeed: StartWaveSpeed):
    world = await with_wavespeed(nsfw_rate=1.0)
    command = payloads.slash("song", {"tags": "dark techno", "duration": 5})
    job_id = job_id_in((await world.interact(command)).content)

    posted = await world.fake.wait_for(lambda c: is_followup(command["token"])(c) and bool(c.files))
    assert posted.files[0].filename.startswith(f"SPOILER_{job_id}")
    job = await world.wait_state(job_id, *DONE)
    assert job.result is not None and job.result.nsfw


async def test_cancel_stops_a_song_and_says_so(with_wavespeed: StartWaveSpeed):
    world = await with_wavespeed(latency=60.0)
    command = payloads.slash("song", {"tags": "orchestral", "duration": 90})
    job_id = job_id_in((await world.interact(command)).content)

    answer = await world.interact(payloads.slash("cancel", {"job": job_id}))
    assert answer.message["flags"] & 64 and "Cancelled" in answer.content
    job = await world.wait_state(job_id, *DONE)
    assert job.state is JobState.CANCELLED
    status = await world.fake.wait_for(
        lambda c: c.method == "PATCH" and command["token"] in c.path and "cancelled" in c.content
    )
    assert "orchestral" in status.content
    assert not world.fake.find(lambda c: is_followup(command["token"])(c) and bool(c.files))


async def test_too_many_songs_at_once_is_explained(launch: Launch, wavespeed: WaveSpeedSettings):
    settings = await wavespeed(latency=60.0)
    world = await launch(settings.model_copy(update={"songbot_max_jobs_per_user": 1}))
    first = await world.interact(payloads.slash("song", {"tags": "lofi", "duration": 5}))
    assert first.body["type"] == 4 and not first.message.get("flags", 0) & 64

    second = await world.interact(payloads.slash("song", {"tags": "lofi", "duration": 5}))
    assert second.message["flags"] & 64 and second.content.startswith("⚠️")
    assert "in progress" in second.content


async def test_song_in_progress_at_a_restart_reaches_the_same_interaction(
    launch: Launch, wavespeed: WaveSpeedSettings
):
    settings = await wavespeed(webhooks=False, latency=1.0)
    first = await launch(settings)
    command = payloads.slash("song", {"tags": "trip hop", "duration": 5})
    job_id = job_id_in((await first.interact(command)).content)
    await first.wait_state(job_id, JobState.SUBMITTED, JobState.GENERATING)
    await first.stop()  # songbot goes down mid-song

    second = await launch(settings)  # and comes back: the job resumes from the database
    posted = await second.fake.wait_for(
        lambda c: is_followup(command["token"])(c) and bool(c.files)
    )
    assert posted.files[0].filename.startswith(job_id)
    job = await second.wait_state(job_id, *DONE)
    assert job.state is JobState.DELIVERED
    status = [c for c in second.fake.calls if c.method == "PATCH" and command["token"] in c.path]
    assert "✅ done" in status[-1].content
