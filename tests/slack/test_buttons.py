"""The buttons under a delivered song: New take, Edit lyrics (prefilled modal), Same seed."""

from __future__ import annotations

from adapters.slack import blocks
from adapters.slack.modals import ModalContext
from bot import grammar
from bot.models import SongRequest
from tests.slack.conftest import PUBLIC, SlackWorld


async def deliver_one(world: SlackWorld, text: str) -> str:
    """Make a song with `/song text`; returns its job id (the buttons' value)."""
    await world.command(text)
    await world.fake.wait_for("files.completeUploadExternal")
    await world.fake.wait_until(lambda: len(world.fake.posted(PUBLIC)) >= 2)
    buttons = world.fake.posted(PUBLIC)[1]
    actions = next(b for b in buttons.blocks if b["type"] == "actions")
    return str(actions["elements"][0]["value"])


async def test_same_seed_shows_the_command_privately(world: SlackWorld) -> None:
    job_id = await deliver_one(world, "lofi, chill duration: 5 seed: 42")

    answer = await world.click(blocks.SAME_SEED, job_id)

    assert answer.status == 200
    (text,) = await world.wait_hook_text("click")
    assert "```/song tags: lofi, chill duration: 5 seed: 42```" in text
    command = text.split("```")[1]
    parsed = grammar.parse(command)
    assert isinstance(parsed, grammar.SongCommand)
    assert parsed.request.seed == 42
    body = world.fake.webhooks[-1][1]
    assert body["response_type"] == "ephemeral"


async def test_new_take_makes_the_same_request_with_a_new_seed(world: SlackWorld) -> None:
    job_id = await deliver_one(world, "lofi, chill duration: 5 seed: 42")

    await world.click(blocks.NEW_TAKE, job_id, user="U2")

    uploads = await world.fake.wait_for("files.completeUploadExternal", 2)
    assert "lofi, chill" in uploads[1]["initial_comment"]
    assert "asked by <@U2>" in uploads[1]["initial_comment"]
    (take,) = await world.core.recent_jobs(world.adapter_origin("U2"))
    assert take.request.tags == ("lofi", "chill")
    assert take.request.seed is None


async def test_edit_lyrics_opens_the_modal_prefilled(world: SlackWorld) -> None:
    job_id = await deliver_one(world, "rock duration: 5 seed: 9 lyrics: [verse] hello")

    await world.click(blocks.EDIT_LYRICS, job_id)

    (opened,) = await world.fake.wait_for("views.open")
    assert opened["trigger_id"] == "trigger-button"
    fields = {b["block_id"]: b["element"] for b in opened["view"]["blocks"]}
    assert fields["tags"]["initial_value"] == "rock"
    assert fields["duration"]["initial_value"] == "5"
    assert fields["seed"]["initial_value"] == "9"
    assert fields["lyrics"]["initial_value"] == "[verse] hello"
    context = ModalContext.load(opened["view"]["private_metadata"])
    assert context.channel_id == PUBLIC

    await world.submit(
        metadata=opened["view"]["private_metadata"],
        tags="rock",
        duration="5",
        seed="9",
        lyrics="[verse]\nhello again",
    )
    uploads = await world.fake.wait_for("files.completeUploadExternal", 2)
    assert uploads[1]["channel_id"] == PUBLIC


async def test_button_for_an_unknown_song_says_so(world: SlackWorld) -> None:
    await world.click(blocks.NEW_TAKE, "nosuchjob")

    (text,) = await world.wait_hook_text("click")
    assert "no longer know" in text


async def test_same_seed_for_lyrics_on_several_lines_points_to_edit_lyrics(
    world: SlackWorld,
) -> None:
    """A slash command is one line: a command with the lyrics' line breaks cannot be sent."""
    metadata = ModalContext(PUBLIC, world.fake.response_url("cmd")).dump()
    await world.submit(
        metadata=metadata, tags="folk", duration="5", seed="3", lyrics="[verse]\none\ntwo"
    )
    await world.fake.wait_until(lambda: len(world.fake.posted(PUBLIC)) >= 2)
    buttons = world.fake.posted(PUBLIC)[1]
    actions = next(b for b in buttons.blocks if b["type"] == "actions")
    job_id = str(actions["elements"][0]["value"])

    await world.click(blocks.SAME_SEED, job_id)

    (text,) = await world.wait_hook_text("click")
    assert "```" not in text
    assert "*Edit lyrics*" in text
    assert "`3`" in text  # the seed is still shown


async def test_edit_lyrics_says_when_the_lyrics_had_to_be_cut(world: SlackWorld) -> None:
    """Commands take up to 4000 characters of lyrics; Slack's text field holds 3000."""
    origin = world.adapter_origin().model_copy(update={"channel_id": PUBLIC})
    request = SongRequest(tags=("opera",), duration=5, lyrics="la " * 1200)
    reply = await world.core.request_song(origin, request)
    assert reply.job is not None

    await world.click(blocks.EDIT_LYRICS, reply.job.id)

    (opened,) = await world.fake.wait_for("views.open")
    lyrics = next(b for b in opened["view"]["blocks"] if b["block_id"] == "lyrics")
    assert len(lyrics["element"]["initial_value"]) <= 3000
    assert "3000" in lyrics["hint"]["text"]
