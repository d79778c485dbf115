"""The buttons under a song keep working after a restart (new client, new core, same DB)."""

from __future__ import annotations

from typing import Any

from bot import grammar
from bot.models import JobState, Origin
from tests.discord import payloads
from tests.discord.conftest import DiscordWorld, Launch
from tests.discord.helpers import custom_ids, is_followup, job_id_in

LYRICS = "[verse]\nfirst words\n[chorus]\nhey"
DONE = (JobState.DELIVERED, JobState.FAILED, JobState.CANCELLED)


async def make_song(world: DiscordWorld) -> tuple[str, dict[str, Any]]:
    """Alice makes a song with lyrics; returns its job id and the posted message."""
    command = payloads.slash("song", {"tags": "synthwave, 80s", "duration": 5, "lyrics": "write"})
    modal = (await world.interact(command)).body["data"]
    field = modal["components"][0]["components"][0]["custom_id"]
    submit = payloads.modal_submit(modal, {field: LYRICS})
    job_id = job_id_in((await world.interact(submit)).content)
    posted = await world.fake.wait_for(lambda c: is_followup(submit["token"])(c) and bool(c.files))
    await world.wait_state(job_id, *DONE)
    message = world.fake.messages[_message_id(world, posted.body)]
    assert custom_ids(message)[0] == f"songbot:retake:{job_id}"
    return job_id, message


def _message_id(world: DiscordWorld, body: dict[str, Any]) -> str:
    for message_id, message in world.fake.messages.items():
        if message.get("embeds") == body.get("embeds") and message["attachments"]:
            return message_id
    raise AssertionError("posted message not stored")


async def test_buttons_work_after_restart(launch: Launch):
    first = await launch()
    job_id, message = await make_song(first)
    old = await first.core.get_job(job_id)
    assert old is not None
    await first.stop()

    world = await launch()  # a new client and a new core on the same database

    # New take: same request, new seed, a new job for whoever clicked.
    click = payloads.button_click(
        f"songbot:retake:{job_id}", message, user_id=payloads.BOB_ID, user_name="bob"
    )
    ack = await world.interact(click)
    assert ack.body["type"] == 4 and "synthwave, 80s" in ack.content
    retake = await world.core.get_job(job_id_in(ack.content))
    assert retake is not None
    assert retake.origin.user_id == payloads.BOB_ID
    assert retake.request.tags == old.request.tags
    assert retake.request.lyrics == old.request.lyrics
    assert retake.seed != old.seed
    await world.fake.wait_for(lambda c: is_followup(click["token"])(c) and bool(c.files))
    await world.wait_state(retake.id, *DONE)

    # Same seed: the exact command, only to the clicker.
    answer = await world.interact(payloads.button_click(f"songbot:seed:{job_id}", message))
    assert answer.message["flags"] & 64
    expected = grammar.format_command(old.request.model_copy(update={"seed": old.seed}))
    assert expected in answer.content

    # Edit lyrics: a modal prefilled with the old lyrics, then a new job with the same seed.
    opened = await world.interact(payloads.button_click(f"songbot:lyrics:{job_id}", message))
    assert opened.body["type"] == 9
    modal = opened.body["data"]
    field = modal["components"][0]["components"][0]
    assert field["value"] == LYRICS
    submit = payloads.modal_submit(modal, {field["custom_id"]: "[verse]\nnew words"})
    ack = await world.interact(submit)
    edited = await world.core.get_job(job_id_in(ack.content))
    assert edited is not None
    assert edited.seed == old.seed and edited.request.lyrics == "[verse]\nnew words"
    await world.fake.wait_for(lambda c: is_followup(submit["token"])(c) and bool(c.files))
    await world.wait_state(edited.id, *DONE)
    history = await world.core.recent_jobs(Origin(platform="discord", user_id=payloads.ALICE_ID))
    assert {job.id for job in history} >= {job_id, edited.id}


async def test_same_seed_of_a_song_with_long_lyrics_gives_the_whole_command(
    world: DiscordWorld,
):
    lyrics = "[verse]\n" + "\n".join(f"line {n} of a long song about the sea" for n in range(80))
    command = payloads.slash("song", {"tags": "sea shanty", "duration": 5, "lyrics": "write"})
    modal = (await world.interact(command)).body["data"]
    field = modal["components"][0]["components"][0]["custom_id"]
    submit = payloads.modal_submit(modal, {field: lyrics})
    job_id = job_id_in((await world.interact(submit)).content)
    job = await world.core.get_job(job_id)
    assert job is not None
    expected = grammar.format_command(job.request.model_copy(update={"seed": job.seed}))
    assert len(expected) > 2000, "the test needs a command longer than a message"

    posted = await world.fake.wait_for(lambda c: is_followup(submit["token"])(c) and bool(c.files))
    message = world.fake.messages[_message_id(world, posted.body)]
    answer = await world.interact(payloads.button_click(f"songbot:seed:{job_id}", message))
    assert answer.message["flags"] & 64
    assert len(answer.content) <= 2000
    assert f"`{job.seed}`" in answer.content
    assert answer.files, "the command comes whole, as a file"
    assert answer.files[0].data.decode() == expected
