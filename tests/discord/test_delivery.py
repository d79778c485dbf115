"""Getting the song out: token expiry, missing permissions, closed DMs, and size limits."""

from __future__ import annotations

import io
from typing import Any

from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from bot.models import JobState
from tests.discord import payloads
from tests.discord.conftest import DiscordWorld, Launch
from tests.discord.fake_discord import Call
from tests.discord.helpers import is_followup, job_id_in, no_pings

DONE = (JobState.DELIVERED, JobState.FAILED, JobState.CANCELLED)


def channel_post(channel_id: str):
    def check(call: Call) -> bool:
        return call.method == "POST" and call.path == f"/channels/{channel_id}/messages"

    return check


def dm_post(world: DiscordWorld):
    def check(call: Call) -> bool:
        channel = world.fake.dm_channel(payloads.ALICE_ID)
        return call.method == "POST" and call.path == f"/channels/{channel}/messages"

    return check


async def test_expired_token_posts_the_song_in_the_channel(world: DiscordWorld):
    command = payloads.slash("song", {"tags": "house", "duration": 5})
    world.fake.expired_tokens.add(command["token"])
    ack = await world.interact(command)
    job_id = job_id_in(ack.content)

    posted = await world.fake.wait_for(channel_post(payloads.CHANNEL_ID))
    assert posted.files and posted.files[0].filename.endswith(".mp3")
    assert f"<@{payloads.ALICE_ID}>" in posted.content and "15-minute" in posted.content
    no_pings(posted)
    assert posted.body["components"], "the buttons come along"
    job = await world.wait_state(job_id, *DONE)
    assert job.state is JobState.DELIVERED

    status_id = world.fake.originals[command["token"]]
    bot_edits = [
        c
        for c in world.fake.calls
        if c.method == "PATCH"
        and c.path.endswith(f"/{status_id}")
        and c.path.startswith("/channels/")
    ]
    assert bot_edits and "posted in this channel" in bot_edits[-1].content


async def test_no_permission_in_channel_sends_a_dm_saying_why(world: DiscordWorld):
    command = payloads.slash("song", {"tags": "techno", "duration": 5})
    world.fake.expired_tokens.add(command["token"])
    world.fake.forbidden_channels.add(payloads.CHANNEL_ID)
    job_id = job_id_in((await world.interact(command)).content)

    dm = await world.fake.wait_for(dm_post(world))
    assert dm.files
    assert "lack permission" in dm.content
    assert (await world.wait_state(job_id, *DONE)).state is JobState.DELIVERED


async def test_private_song_after_expiry_goes_to_dm_never_the_channel(world: DiscordWorld):
    command = payloads.slash("song", {"tags": "piano", "duration": 5, "private": True})
    world.fake.expired_tokens.add(command["token"])
    job_id = job_id_in((await world.interact(command)).content)

    dm = await world.fake.wait_for(dm_post(world))
    assert dm.files and "private song" in dm.content
    await world.wait_state(job_id, *DONE)
    assert not world.fake.find(channel_post(payloads.CHANNEL_ID))


async def test_unreachable_user_fails_the_job_with_the_reason(world: DiscordWorld):
    command = payloads.slash("song", {"tags": "folk", "duration": 5})
    world.fake.expired_tokens.add(command["token"])
    world.fake.forbidden_channels.add(payloads.CHANNEL_ID)
    world.fake.closed_dms.add(payloads.ALICE_ID)
    job_id = job_id_in((await world.interact(command)).content)

    job = await world.wait_state(job_id, *DONE)
    assert job.state is JobState.FAILED
    assert job.error and "couldn't reach you" in job.error


async def test_too_large_song_is_reencoded_to_fit(world: DiscordWorld):
    limit = 60_000
    command = payloads.slash("song", {"tags": "rock", "duration": 5}, size_limit=limit)
    job_id = job_id_in((await world.interact(command)).content)

    posted = await world.fake.wait_for(lambda c: is_followup(command["token"])(c) and bool(c.files))
    job = await world.wait_state(job_id, *DONE)
    assert job.result is not None and job.result.size_bytes > limit, "the test needs a big file"
    data = posted.files[0].data
    assert len(data) <= limit
    assert "Re-encoded at" in posted.content
    tags = ID3(io.BytesIO(data))
    assert str(tags["TIT2"]) == job.result.title, "the ID3 tags survive the re-encode"
    info: Any = MP3(io.BytesIO(data)).info
    assert info.bitrate < 192_000


async def test_song_that_cannot_fit_is_linked_with_the_reason(world: DiscordWorld):
    command = payloads.slash("song", {"tags": "metal", "duration": 5}, size_limit=4_000)
    job_id = job_id_in((await world.interact(command)).content)

    posted = await world.fake.wait_for(
        lambda c: is_followup(command["token"])(c) and bool(c.body.get("embeds"))
    )
    job = await world.wait_state(job_id, *DONE)
    assert job.state is JobState.DELIVERED and job.result is not None
    assert not posted.files
    assert "too large" in posted.content and job.result.path.name in posted.content


async def test_link_uses_the_configured_public_url(launch: Launch):
    world = await launch(files_base_url="https://songs.example/files/")
    command = payloads.slash("song", {"tags": "blues", "duration": 5}, size_limit=4_000)
    job_id = job_id_in((await world.interact(command)).content)
    posted = await world.fake.wait_for(
        lambda c: is_followup(command["token"])(c) and bool(c.body.get("embeds"))
    )
    job = await world.wait_state(job_id, *DONE)
    assert job.result is not None
    assert f"https://songs.example/files/{job.result.path.name}" in posted.content
