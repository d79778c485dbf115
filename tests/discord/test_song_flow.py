"""`/song` end to end: options → (modal) → acknowledgement → status edits → the song."""

from __future__ import annotations

import sqlite3
import time

from bot.settings import Settings
from tests.discord import payloads
from tests.discord.conftest import DiscordWorld, Launch
from tests.discord.helpers import custom_ids, is_followup, job_id_in, no_pings, status_edits

LYRICS = "[verse]\nneon rain on the window\n[chorus]\nla la la"


async def test_write_lyrics_opens_modal_then_song_arrives_with_buttons(world: DiscordWorld):
    fake = world.fake
    command = payloads.slash("song", {"tags": "lofi, chill", "duration": 5, "lyrics": "write"})
    first = await world.interact(command)

    assert first.body["type"] == 9, "the modal must be the first response"
    modal = first.body["data"]
    inputs = [
        row["components"][0] if row["type"] == 1 else row["component"]
        for row in modal["components"]
    ]
    assert len(inputs) == 1
    assert inputs[0]["max_length"] == 4000 and inputs[0]["style"] == 2
    assert "[verse]" in inputs[0]["value"] and "[chorus]" in inputs[0]["value"]

    submit = payloads.modal_submit(modal, {inputs[0]["custom_id"]: LYRICS})
    ack = await world.interact(submit)

    assert ack.body["type"] == 4
    assert "lofi, chill" in ack.content and "Cost" in ack.content and "queued" in ack.content
    assert not ack.message.get("flags", 0) & 64, "a public request gets a public status"
    no_pings(ack)
    job_id = job_id_in(ack.content)

    song = await fake.wait_for(lambda c: is_followup(submit["token"])(c) and bool(c.files))
    upload = song.files[0]
    assert upload.filename.endswith(".mp3") and upload.filename.startswith(job_id)
    assert upload.data[:3] == b"ID3"
    embed = song.body["embeds"][0]
    fields = {field["name"]: field["value"] for field in embed["fields"]}
    job = await world.wait_state(job_id, *_finished())
    assert fields["Tags"] == "lofi, chill"
    assert fields["Duration"] == "5 s"
    assert fields["Seed"] == f"`{job.seed}`"
    assert fields["Asked by"] == f"<@{payloads.ALICE_ID}>"
    assert "$" in fields["Cost"]
    assert custom_ids(song.body) == [
        f"songbot:retake:{job_id}",
        f"songbot:lyrics:{job_id}",
        f"songbot:seed:{job_id}",
    ]
    no_pings(song)
    assert job.request.lyrics == LYRICS

    job = await world.wait_state(job_id, *_finished())
    edits = status_edits(fake.calls, submit["token"])
    assert any("generating" in text for text in edits), edits
    assert any("uploading" in text for text in edits), edits
    assert "✅ done" in edits[-1]
    assert all("lofi, chill" in text for text in edits), "every edit still says what is made"


def _finished():
    from bot.models import JobState

    return (JobState.DELIVERED, JobState.FAILED, JobState.CANCELLED)


async def test_private_song_is_ephemeral_from_ack_to_file(world: DiscordWorld):
    command = payloads.slash(
        "song", {"tags": "ambient", "duration": 5, "lyrics": "instrumental", "private": True}
    )
    ack = await world.interact(command)
    assert ack.body["type"] == 4 and ack.message["flags"] & 64
    job_id = job_id_in(ack.content)
    song = await world.fake.wait_for(lambda c: is_followup(command["token"])(c) and bool(c.files))
    assert song.body["flags"] & 64, "the song goes only to its requester"
    job = await world.wait_state(job_id, *_finished())
    assert job.request.private and job.request.instrumental
    assert "instrumental" in {f["value"] for f in song.body["embeds"][0]["fields"]}


async def test_everyone_in_tags_pings_nobody(world: DiscordWorld):
    command = payloads.slash("song", {"tags": "@everyone, <@&123456789012345678>", "duration": 5})
    ack = await world.interact(command)
    assert "@everyone" in ack.content
    no_pings(ack)
    song = await world.fake.wait_for(lambda c: is_followup(command["token"])(c) and bool(c.files))
    no_pings(song)
    edits = [
        call
        for call in world.fake.calls
        if call.method == "PATCH" and f"/{command['token']}/messages/" in call.path
    ]
    assert edits
    for call in edits:
        no_pings(call)
    default = world.adapter.client.allowed_mentions
    assert default is not None
    assert dict(default.to_dict()) == {"parse": []}, "the client default pings nobody either"


async def test_slow_core_is_deferred_within_the_window_then_acknowledged(
    launch: Launch, settings: Settings
):
    world = await launch(ack_budget_seconds=0.2)
    blocker = sqlite3.connect(settings.songbot_db, timeout=0)
    blocker.execute("BEGIN IMMEDIATE")  # another writer holds the database: the core waits
    try:
        command = payloads.slash("song", {"tags": "drum and bass", "duration": 5})
        started = time.monotonic()
        deferred = await world.interact(command)
        assert deferred.body["type"] == 5, "deferred (thinking) instead of timing out"
        assert time.monotonic() - started < 3
    finally:
        blocker.rollback()
        blocker.close()

    ack = await world.fake.wait_for(
        lambda c: c.method == "PATCH" and c.path.endswith(f"/{command['token']}/messages/@original")
    )
    assert "drum and bass" in ack.content and "Cost" in ack.content
    job_id = job_id_in(ack.content)
    await world.fake.wait_for(lambda c: is_followup(command["token"])(c) and bool(c.files))
    await world.wait_state(job_id, *_finished())
