"""`/song <text>`: ack → status message edited as the job moves → MP3 upload + buttons."""

from __future__ import annotations

from adapters.slack import blocks
from tests.slack.conftest import PUBLIC, USER, SlackWorld


async def test_command_with_text_acks_then_uploads_song_with_buttons(world: SlackWorld) -> None:
    fake = world.fake
    answer = await world.command("lofi, chill duration: 5 seed: 42")

    assert answer.status == 200
    assert answer.seconds < 3

    done = await fake.wait_for("files.completeUploadExternal")
    assert done[0]["channel_id"] == PUBLIC
    comment = done[0]["initial_comment"]
    assert "lofi, chill" in comment
    assert "seed `42`" in comment
    assert f"asked by <@{USER}>" in comment
    assert "free" in comment or "$" in comment
    (data,) = fake.uploads.values()
    assert data[:3] == b"ID3" or data[:2] == b"\xff\xfb"

    # joined the public channel first, so the upload could go there
    assert fake.called("conversations.join")[0]["channel"] == PUBLIC

    # the buttons come right under the file
    await fake.wait_for("chat.postMessage", 2)
    status, buttons = fake.posted(PUBLIC)
    actions = [b for b in buttons.blocks if b["type"] == "actions"]
    ids = [element["action_id"] for element in actions[0]["elements"]]
    assert ids == list(blocks.RESULT_ACTIONS)

    # the status message went queued → … → uploading → delivered
    await fake.wait_until(lambda: "Delivered" in status.text)
    seen = " | ".join([*status.history, status.text])
    assert "Getting ready" in status.history[0]
    assert "Queued" in seen
    assert "Uploading" in seen
    assert seen.index("Queued") < seen.index("Uploading") < seen.index("Delivered")

    # the requester got the core's acceptance privately (response_url, ephemeral)
    (accepted,) = await world.wait_hook_text("cmd")
    assert "Making" in accepted
    assert "`/song cancel" in accepted


async def test_slack_escaped_characters_reach_the_song_as_typed(world: SlackWorld) -> None:
    """Slack sends `&`, `<` and `>` in command text as `&amp;`, `&lt;` and `&gt;`."""
    await world.command("rock &amp; roll, 8-bit &lt;3 duration: 5")

    done = await world.fake.wait_for("files.completeUploadExternal")
    (job,) = await world.core.recent_jobs(world.adapter_origin())
    assert job.request.tags == ("rock & roll", "8-bit <3")
    assert "rock &amp; roll" in done[0]["initial_comment"]  # shown as typed, once escaped
    assert "&amp;amp;" not in done[0]["initial_comment"]
