"""The adapter's small parts: status rate limiting, reply targets, fitting, suggestions."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.discord.client import invite_url
from adapters.discord.commands import tag_suggestions
from adapters.discord.fit import bitrates_to_try
from adapters.discord.status import StatusBoard
from adapters.discord.target import TOKEN_LIFETIME_SECONDS, ReplyTarget
from bot.models import Job, JobState, Origin, Progress, SongRequest
from tests.discord import payloads
from tests.discord.conftest import DiscordWorld, Launch
from tests.support import settings_for


def a_target(**changes: object) -> ReplyTarget:
    values: dict[str, object] = {
        "interaction_id": "11",
        "app_id": payloads.APP_ID,
        "token": "tok-status",
        "token_created_at": time.time(),
        "channel_id": payloads.CHANNEL_ID,
        "user_id": payloads.ALICE_ID,
        "ephemeral": False,
        "filesize_limit": 10_485_760,
    }
    values.update(changes)
    return ReplyTarget(**values)  # type: ignore[arg-type]


def a_job() -> Job:
    now = datetime.now(UTC)
    return Job(
        id="abc234",
        origin=Origin(platform="discord", user_id=payloads.ALICE_ID),
        request=SongRequest(tags=("lofi",), duration=30),
        seed=7,
        backend="local",
        created_at=now,
        updated_at=now,
    )


async def test_status_edits_are_rate_limited_but_state_changes_show(world: DiscordWorld):
    now = [100.0]
    board = StatusBoard(world.adapter.poster, min_interval=10, clock=lambda: now[0])
    target = a_target(status_message_id=world.fake.add_message())
    job = a_job()

    async def show(state: JobState, **extra: object) -> None:
        await board.progress(job, target, Progress(state=state, **extra))  # type: ignore[arg-type]

    await show(JobState.QUEUED, position=3)
    await show(JobState.QUEUED, position=2)  # same state, too soon: skipped
    now[0] += 11
    await show(JobState.QUEUED, position=1)
    await show(JobState.GENERATING)  # a new state shows at once
    await show(JobState.GENERATING, elapsed_seconds=5)  # skipped
    await board.close(job, target, "✅ done")
    await show(JobState.GENERATING, elapsed_seconds=30)  # after the end: ignored

    edits = [c.content for c in world.fake.calls if c.method == "PATCH"]
    assert len(edits) == 4, edits
    assert "#3" in edits[0] and "#1" in edits[1] and "generating" in edits[2]
    assert edits[3].endswith("✅ done")


def test_reply_target_round_trips_and_knows_its_token_age():
    target = a_target(token_created_at=1000.0, ephemeral=True, status_message_id="5")
    state = target.to_state()
    assert all(isinstance(value, str) for value in state.values())
    assert ReplyTarget.from_state(state) == target
    assert ReplyTarget.from_state({"token": "x"}) is None
    assert target.token_alive(1000.0 + 60)
    assert not target.token_alive(1000.0 + TOKEN_LIFETIME_SECONDS - 30)


def test_bitrates_fit_the_limit_with_headroom():
    assert bitrates_to_try(60, 10 * 1024 * 1024)[0] == 128
    assert bitrates_to_try(240, 1_100_000) == [32]
    assert bitrates_to_try(240, 500_000) == []
    assert bitrates_to_try(5, 60_000) == [80, 64]


def test_tag_suggestions_complete_the_last_tag_only():
    recent = ["synthwave, 80s", "lofi, piano"]
    assert tag_suggestions("", recent)[:2] == recent
    got = tag_suggestions("lofi, pi", recent)
    assert got[0] == "lofi, piano"
    assert all(s.startswith("lofi, ") for s in got)
    assert "lofi, lofi" not in tag_suggestions("lofi, ", [])
    long_prefix = ", ".join(["x" * 20] * 5)
    assert all(len(s) <= 100 for s in tag_suggestions(long_prefix + ", p", []))


def test_invite_url_asks_only_for_what_is_needed():
    url = invite_url(int(payloads.APP_ID))
    assert "scope=bot+applications.commands" in url
    permissions = int(url.split("permissions=")[1].split("&")[0])
    view, send, threads, embed, attach = 1 << 10, 1 << 11, 1 << 38, 1 << 14, 1 << 15
    assert permissions == view | send | threads | embed | attach


async def test_without_a_guild_commands_sync_globally_and_the_invite_is_logged(
    launch: Launch, tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.INFO, logger="adapters.discord")
    world = await launch(settings_for(tmp_path, discord_token="fake-token"))
    names = {command["name"] for command in world.fake.synced_commands["global"]}
    assert names == {"song", "quota", "history", "cancel", "songadmin"}
    assert payloads.GUILD_ID not in world.fake.synced_commands
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert f"client_id={payloads.APP_ID}" in logged and "applications.commands" in logged
