"""`/song` with no text: the modal opens right after the ack; its submission makes a song;
invalid fields are shown on the fields themselves."""

from __future__ import annotations

import json

from adapters.slack.modals import CALLBACK_ID, ModalContext
from tests.slack.conftest import PUBLIC, SlackWorld


async def test_empty_command_opens_modal_and_submission_makes_song(world: SlackWorld) -> None:
    fake = world.fake
    answer = await world.command("   ")
    assert answer.status == 200

    (opened,) = await fake.wait_for("views.open")
    assert opened["trigger_id"] == "trigger-1"
    view = opened["view"]
    assert view["callback_id"] == CALLBACK_ID
    assert [b["block_id"] for b in view["blocks"]] == [
        "tags",
        "duration",
        "seed",
        "lyrics",
        "private",
    ]
    lyrics = view["blocks"][3]["element"]
    assert lyrics["multiline"] is True
    assert lyrics["max_length"] == 3000
    context = ModalContext.load(view["private_metadata"])
    assert context.channel_id == PUBLIC
    assert context.response_url == fake.response_url("cmd")

    submitted = await world.submit(
        metadata=view["private_metadata"],
        tags="ambient, <!here> drone",
        duration="5",
        seed="7",
        lyrics="[verse]\nline one\nline two",
    )
    assert submitted.status == 200
    assert submitted.text == ""  # closes the modal

    (done,) = await fake.wait_for("files.completeUploadExternal")
    assert done["channel_id"] == PUBLIC
    assert "ambient" in done["initial_comment"]
    assert "&lt;!here&gt;" in done["initial_comment"]
    assert "<!here>" not in done["initial_comment"]
    (job,) = await world.core.recent_jobs(world.adapter_origin())
    assert job.request.lyrics == "[verse]\nline one\nline two"
    assert job.seed == 7


async def test_invalid_fields_are_shown_on_the_fields(world: SlackWorld) -> None:
    metadata = ModalContext(PUBLIC, world.fake.response_url("cmd")).dump()
    answer = await world.submit(metadata=metadata, tags=" , ", duration="forever", seed="x")

    assert answer.status == 200
    body = json.loads(answer.text)
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"tags", "duration", "seed"}
    assert "**" not in body["errors"]["duration"]
    assert "forever" in body["errors"]["duration"]
    assert world.fake.called("chat.postMessage") == []
    assert await world.core.recent_jobs(world.adapter_origin()) == []
