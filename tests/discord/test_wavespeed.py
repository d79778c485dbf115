"""With the WaveSpeed backend (against the fake WaveSpeed on loopback): a backend failure
reaches the Discord user, an NSFW-flagged result is sent as a spoiler file, and a song
still generating can be cancelled."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.fake_wavespeed.config import FakeConfig
from bot.fake_wavespeed.server import FakeWaveSpeed
from bot.models import JobState
from tests.discord import payloads
from tests.discord.conftest import DiscordWorld, Launch
from tests.discord.helpers import is_followup, job_id_in, no_pings
from tests.support import settings_for

DONE = (JobState.DELIVERED, JobState.FAILED, JobState.CANCELLED)

StartWaveSpeed = Callable[..., Awaitable[DiscordWorld]]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
async def with_wavespeed(launch: Launch, tmp_path: Path) -> AsyncIterator[StartWaveSpeed]:
    fakes: list[FakeWaveSpeed] = []

    async def start(**config: Any) -> DiscordWorld:
        config.setdefault("latency", 0.1)
        fake = FakeWaveSpeed(FakeConfig(output_seconds=1, seed=1, **config))
        base_url = await fake.start()
        fakes.append(fake)
        port = free_port()
        settings = settings_for(
            tmp_path,
            discord_token="fake-token",
            songbot_backend="wavespeed",
            wavespeed_api_key="test-key",
            wavespeed_base_url=base_url,
            # Webhooks make the fake report back at once instead of at the first poll.
            songbot_public_url=f"http://127.0.0.1:{port}",
            songbot_http_host="127.0.0.1",
            songbot_http_port=port,
        )
        return await launch(settings)

    yield start
    for fake in fakes:
        await fake.stop()


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
