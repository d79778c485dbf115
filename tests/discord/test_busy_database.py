"""While the database is busy (another process writing), every interaction is still answered
inside Discord's 3-second window: commands defer, autocomplete answers without the slow part.

`busy_core` makes the situation for real: another sqlite connection holds the write lock and
a `/song` request waits for it inside a core transaction, so every core call queues behind it.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import AsyncIterator

import pytest

from bot.settings import Settings
from tests.discord import payloads
from tests.discord.conftest import DiscordWorld, Launch
from tests.discord.fake_discord import Call
from tests.discord.helpers import is_followup

WINDOW = 3.0


@pytest.fixture
async def busy_core(launch: Launch, settings: Settings) -> AsyncIterator[DiscordWorld]:
    world = await launch(ack_budget_seconds=0.2)
    blocker = sqlite3.connect(settings.songbot_db, timeout=0)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        waiting = await world.interact(payloads.slash("song", {"tags": "jazz", "duration": 5}))
        assert waiting.body["type"] == 5, "the core is now stuck in a transaction"
        yield world
    finally:
        blocker.rollback()
        blocker.close()


async def answered_in_window(world: DiscordWorld, payload: dict[str, object]) -> Call:
    started = time.monotonic()
    call = await world.interact(payload)  # type: ignore[arg-type]
    assert time.monotonic() - started < WINDOW, "answered too late: the interaction failed"
    return call


def choices(call: Call) -> list[str]:
    assert call.body["type"] == 8
    return [choice["value"] for choice in call.body["data"]["choices"]]


async def test_autocomplete_answers_in_time_without_the_database(busy_core: DiscordWorld):
    tags = await answered_in_window(
        busy_core, payloads.autocomplete("song", {"tags": "lo"}, "tags")
    )
    assert "lofi" in choices(tags), "common tags still come"

    jobs = await answered_in_window(busy_core, payloads.autocomplete("cancel", {"job": ""}, "job"))
    assert choices(jobs) == []


@pytest.mark.parametrize(
    ("command", "options", "expected"),
    [("quota", {}, "$"), ("history", {}, "songs"), ("cancel", {"job": "zzzzzz"}, "zzzzzz")],
)
async def test_private_commands_defer_then_answer(
    busy_core: DiscordWorld, command: str, options: dict[str, object], expected: str
):
    payload = payloads.slash(command, options)
    first = await answered_in_window(busy_core, payload)
    assert first.body["type"] == 5 and first.body["data"]["flags"] & 64, "deferred privately"
    assert not busy_core.fake.find(is_followup(payload["token"])), "still waiting for the core"


async def test_private_commands_answer_once_the_database_frees(launch: Launch, settings: Settings):
    world = await launch(ack_budget_seconds=0.2)
    blocker = sqlite3.connect(settings.songbot_db, timeout=0)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        await world.interact(payloads.slash("song", {"tags": "jazz", "duration": 5}))
        quota = payloads.slash("quota")
        first = await answered_in_window(world, quota)
        assert first.body["type"] == 5
    finally:
        blocker.rollback()
        blocker.close()
    answer = await world.fake.wait_for(is_followup(quota["token"]))
    assert "$" in answer.content and answer.body["flags"] & 64
