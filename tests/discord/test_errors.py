"""Every error the core reports reaches the Discord user as a friendly ephemeral message."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import discord
import pytest
import yarl

from adapters.discord import DiscordAdapter
from bot.cli import run_bot
from bot.core import build_core
from bot.settings import Settings, SettingsError
from tests.discord import payloads
from tests.discord.conftest import DiscordWorld, Launch
from tests.discord.fake_discord import Call, FakeDiscord
from tests.support import settings_for


def assert_ephemeral_warning(call: Call) -> str:
    assert call.body["type"] == 4
    assert call.message["flags"] & 64, "errors are only shown to the user who caused them"
    assert call.content.startswith("⚠️")
    assert "Traceback" not in call.content
    return call.content


async def test_bad_tags_are_explained(world: DiscordWorld):
    answer = await world.interact(payloads.slash("song", {"tags": " , ,, "}))
    text = assert_ephemeral_warning(answer)
    assert "tag" in text.lower()
    assert await world.core.recent_jobs(_origin()) == []


async def test_over_budget_is_explained(launch: Launch, tmp_path: Path):
    settings = settings_for(
        tmp_path,
        discord_token="fake-token",
        songbot_budget_local=True,
        songbot_user_budget_usd="0.0001",
    )
    world = await launch(settings)
    answer = await world.interact(payloads.slash("song", {"tags": "jazz", "duration": 60}))
    text = assert_ephemeral_warning(answer)
    assert "budget" in text.lower() or "$" in text


async def test_cancel_of_unknown_job_is_explained(world: DiscordWorld):
    answer = await world.interact(payloads.slash("cancel", {"job": "zzzzzz"}))
    assert "zzzzzz" in assert_ephemeral_warning(answer)


async def test_button_for_unknown_job_is_explained(world: DiscordWorld):
    message = {
        "id": "1",
        "channel_id": payloads.CHANNEL_ID,
        "type": 0,
        "content": "",
        "author": payloads.user(payloads.BOT_ID, "songbot", bot=True),
        "attachments": [],
        "embeds": [],
        "mentions": [],
        "mention_roles": [],
        "pinned": False,
        "mention_everyone": False,
        "tts": False,
        "timestamp": "2025-01-01T00:00:00+00:00",
        "edited_timestamp": None,
        "flags": 0,
        "components": [
            {
                "type": 1,
                "components": [
                    {"type": 2, "style": 1, "label": "New take", "custom_id": "songbot:retake:zz9"}
                ],
            }
        ],
    }
    answer = await world.interact(payloads.button_click("songbot:retake:zz9", message))
    assert "zz9" in assert_ephemeral_warning(answer)


def _origin():
    from bot.models import Origin

    return Origin(platform="discord", user_id=payloads.ALICE_ID)


async def test_refused_token_stops_start_up_with_a_clear_message(
    fake: FakeDiscord, settings: Settings
):
    fake.valid_token = "the-real-token"  # the settings carry "fake-token"
    core = build_core(settings)
    adapter = DiscordAdapter(core, settings)
    try:
        with pytest.raises(SettingsError, match="DISCORD_TOKEN was refused"):
            await adapter.start()
    finally:
        await core.db.close()
    assert adapter.client.is_closed()


async def test_refusal_after_a_slow_core_stays_private(launch: Launch, tmp_path: Path):
    settings = settings_for(
        tmp_path,
        discord_token="fake-token",
        songbot_budget_local=True,
        songbot_user_budget_usd="0.0001",
    )
    world = await launch(settings, ack_budget_seconds=0.2)
    blocker = sqlite3.connect(settings.songbot_db, timeout=0)
    blocker.execute("BEGIN IMMEDIATE")  # another writer: the core answers late
    try:
        command = payloads.slash("song", {"tags": "jazz", "duration": 60})
        deferred = await world.interact(command)
        assert deferred.body["type"] == 5 and not (deferred.body.get("data") or {}).get("flags")
    finally:
        blocker.rollback()
        blocker.close()

    token = command["token"]
    refusal = await world.fake.wait_for(lambda c: token in c.path and "budget" in c.content)
    assert refusal.method == "POST" and refusal.body["flags"] & 64, "only the requester sees it"
    original = world.fake.originals[token]
    assert original not in world.fake.messages, "the public 'thinking…' message is gone"


@pytest.fixture
def fake_gateway(fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch) -> FakeDiscord:
    """discord.py dials its DEFAULT_GATEWAY (as REST uses Route.BASE): point it at the fake."""
    url = fake.base_url.split("/api")[0].replace("http", "ws", 1) + "/gateway"
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(url))
    return fake


async def test_a_gateway_refusing_the_session_is_reported_as_a_failure(
    fake_gateway: FakeDiscord, settings: Settings
):
    fake = fake_gateway
    core = build_core(settings)
    adapter = DiscordAdapter(core, settings)
    core.add_notifier(adapter)
    await core.start()
    try:
        await adapter.start()
        cause = await asyncio.wait_for(adapter.wait_failed(), 20)
    finally:
        await adapter.stop()
        await core.stop()
    assert fake.identified.is_set()
    assert "4004" in str(cause)


async def test_run_exits_loudly_when_the_discord_gateway_fails_for_good(
    fake_gateway: FakeDiscord, settings: Settings, capsys: pytest.CaptureFixture[str]
):
    code = await asyncio.wait_for(run_bot(settings, asyncio.Event()), 30)
    assert code == 1
    assert "discord adapter stopped" in capsys.readouterr().err
