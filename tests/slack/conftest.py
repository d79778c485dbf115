"""Fixtures: the fake Slack Web API, and the real core + SlackAdapter in HTTP mode on loopback.

Slack's side is faked only at the wire: the adapter's slack_sdk client talks to `FakeSlack`,
and tests POST signed payloads to the adapter's real aiohttp server, as Slack would.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from adapters.slack import SlackAdapter
from bot.core import SongBot, build_core
from bot.models import Origin
from tests.slack import signing
from tests.slack.fake_slack import FakeSlack
from tests.support import free_port, settings_for

PUBLIC = "CPUBLIC"
PRIVATE = "CPRIVATE"
"""Modern private channels have C ids too; the bot is not a member of either at first."""
USER = "U1"
ADMIN = "UADMIN"


@dataclass
class Answer:
    status: int
    text: str
    seconds: float


@dataclass
class SlackWorld:
    """The running bot and Slack's side of the wire, with helpers to act as a user."""

    core: SongBot
    adapter: SlackAdapter
    fake: FakeSlack
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    async def post(self, body: str, headers: dict[str, str] | None = None) -> Answer:
        started = time.monotonic()
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.url, data=body, headers=headers or signing.signed_headers(body)) as r,
        ):
            return Answer(r.status, await r.text(), time.monotonic() - started)

    async def command(
        self, text: str, *, user: str = USER, channel: str = PUBLIC, hook: str = "cmd"
    ) -> Answer:
        url = self.fake.response_url(hook)
        body = signing.command_body(text, user=user, channel=channel, response_url=url)
        return await self.post(body)

    async def click(
        self,
        action_id: str,
        job_id: str,
        *,
        user: str = USER,
        channel: str = PUBLIC,
        hook: str = "click",
    ) -> Answer:
        url = self.fake.response_url(hook)
        payload = signing.block_action(
            action_id, job_id, user=user, channel=channel, response_url=url
        )
        return await self.post(signing.interaction_body(payload))

    async def submit(self, *, user: str = USER, metadata: str, **fields: Any) -> Answer:
        payload = signing.view_submission(user=user, metadata=metadata, **fields)
        return await self.post(signing.interaction_body(payload))

    def adapter_origin(self, user: str = USER) -> Origin:
        """An origin naming `user` on Slack, for reading their jobs from the core."""
        return Origin(platform="slack", user_id=user)

    def hook_texts(self, hook: str) -> list[str]:
        return [str(body.get("text")) for name, body in self.fake.webhooks if name == hook]

    async def wait_hook_text(self, hook: str, count: int = 1) -> list[str]:
        await self.fake.wait_until(lambda: len(self.hook_texts(hook)) >= count)
        return self.hook_texts(hook)


World = Callable[..., Awaitable[SlackWorld]]


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    await fake.start()
    fake.add_channel(PUBLIC, "public")
    fake.add_channel(PRIVATE, "private")
    yield fake
    await fake.stop()


@pytest.fixture
async def make_world(tmp_path: Path, fake_slack: FakeSlack) -> AsyncIterator[World]:
    """`await make_world(**settings overrides)` → the core and adapter, started."""
    running: list[SlackWorld] = []

    async def make(**overrides: Any) -> SlackWorld:
        port = free_port()
        values: dict[str, Any] = {
            "slack_bot_token": "xoxb-test",
            "slack_signing_secret": signing.SECRET,
            "slack_port": port,
            "songbot_http_host": "127.0.0.1",
            "slack_admin_user_ids": ADMIN,
        }
        values.update(overrides)
        settings = settings_for(tmp_path, **values)
        core = build_core(settings)
        adapter = SlackAdapter(core, settings, client_base_url=fake_slack.api_url)
        core.add_notifier(adapter)
        await core.start()
        try:
            await adapter.start()
        except BaseException:
            await core.stop()
            raise
        world = SlackWorld(core, adapter, fake_slack, port)
        running.append(world)
        return world

    yield make
    for world in running:
        await world.adapter.stop()
        await world.core.stop()


@pytest.fixture
async def world(make_world: World) -> SlackWorld:
    return await make_world()
