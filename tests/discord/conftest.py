"""Fixtures: the fake Discord REST API, and the real core + DiscordAdapter logged in to it.

Discord is faked only at the wire: `Route.BASE` points discord.py at `FakeDiscord`, the
client logs in over REST (no gateway), and tests feed raw INTERACTION_CREATE payloads to the
client's connection state, exactly as the gateway reader would.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
import pytest

from adapters.discord import DiscordAdapter
from bot.core import SongBot, build_core
from bot.models import Job, JobState
from bot.settings import Settings
from tests.discord import payloads
from tests.discord.fake_discord import Call, FakeDiscord
from tests.support import settings_for


@dataclass
class DiscordWorld:
    core: SongBot
    adapter: DiscordAdapter
    fake: FakeDiscord
    stopped: bool = False

    def feed(self, payload: dict[str, Any]) -> None:
        """Hand a raw interaction to discord.py as the gateway would."""
        self.adapter.client._connection.parse_interaction_create(payload)  # type: ignore[arg-type]

    async def interact(
        self, payload: dict[str, Any], predicate: Callable[[Call], bool] | None = None
    ) -> Call:
        """Feed `payload` and return its interaction callback (or the first call matching)."""
        start = len(self.fake.calls)
        self.feed(payload)
        token = payload["token"]

        def is_callback(call: Call) -> bool:
            return call.path.endswith(f"/{token}/callback")

        call = await self.fake.wait_for(predicate or is_callback, after=start)
        # The fake records a request before discord.py has read the answer (and, for a modal,
        # registered it); a user never clicks that fast either.
        await asyncio.sleep(0.05)
        return call

    async def wait_state(self, job_id: str, *states: JobState, seconds: float = 20) -> Job:
        async with asyncio.timeout(seconds):
            while True:
                job = await self.core.get_job(job_id)
                if job is not None and job.state in states:
                    return job
                await asyncio.sleep(0.02)

    async def stop(self) -> None:
        if not self.stopped:
            self.stopped = True
            await self.adapter.stop()
            await self.core.stop()


Launch = Callable[..., Awaitable[DiscordWorld]]


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    base = discord.http.Route.BASE
    discord.http.Route.BASE = await server.start()
    try:
        yield server
    finally:
        discord.http.Route.BASE = base
        await server.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return settings_for(
        tmp_path,
        discord_token="fake-token",
        discord_guild_id=payloads.GUILD_ID,
        songbot_budget_local=True,
        songbot_user_budget_usd="1.00",
    )


@pytest.fixture
async def launch(settings: Settings, fake: FakeDiscord) -> AsyncIterator[Launch]:
    """Start a core + adapter on `settings` (again, to simulate a restart)."""
    running: list[DiscordWorld] = []

    async def start(settings: Settings = settings, **adapter_options: Any) -> DiscordWorld:
        core = build_core(settings)
        adapter_options.setdefault("status_interval_seconds", 0.0)
        adapter = DiscordAdapter(core, settings, **adapter_options)
        core.add_notifier(adapter)
        await core.start()
        await adapter.login()
        world = DiscordWorld(core, adapter, fake)
        running.append(world)
        return world

    yield start
    for world in reversed(running):
        await world.stop()


@pytest.fixture
async def world(launch: Launch) -> DiscordWorld:
    return await launch()
