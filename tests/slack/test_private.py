"""Where songs go: private ones to the user's DM; channels the bot cannot post in are
explained to the user before anything is charged."""

from __future__ import annotations

from tests.slack.conftest import PRIVATE, PUBLIC, USER, SlackWorld
from tests.slack.fake_slack import BOT_USER


async def test_private_song_is_delivered_by_dm(world: SlackWorld) -> None:
    fake = world.fake
    await world.command("lofi duration: 5 private: yes")

    (done,) = await fake.wait_for("files.completeUploadExternal")
    dm = f"D{USER}"
    assert done["channel_id"] == dm
    assert fake.called("conversations.open")[0]["users"] == USER
    assert fake.posted(PUBLIC) == []  # nothing shows in the channel
    await fake.wait_until(lambda: len(fake.posted(dm)) == 2)
    status, _buttons = fake.posted(dm)
    await fake.wait_until(lambda: "Delivered" in status.text)
    (accepted,) = await world.wait_hook_text("cmd")
    assert "direct message" in accepted


async def test_private_modal_choice_goes_to_dm(world: SlackWorld) -> None:
    from adapters.slack.modals import ModalContext

    metadata = ModalContext(PUBLIC, world.fake.response_url("cmd")).dump()
    await world.submit(metadata=metadata, tags="jazz", duration="5", private=True)

    (done,) = await world.fake.wait_for("files.completeUploadExternal")
    assert done["channel_id"] == f"D{USER}"


async def test_private_channel_without_the_bot_gets_a_clear_message(world: SlackWorld) -> None:
    fake = world.fake
    answer = await world.command("lofi duration: 5", channel=PRIVATE)

    assert answer.status == 200
    (text,) = await world.wait_hook_text("cmd")
    assert "not a member" in text
    assert "`/invite @songbot`" in text
    assert "private: yes" in text
    assert fake.called("files.getUploadURLExternal") == []
    assert await world.core.recent_jobs(world.adapter_origin()) == []  # nothing charged


async def test_bot_removed_from_channel_before_upload_rejoins(world: SlackWorld) -> None:
    fake = world.fake
    fake.fail_next["files.completeUploadExternal"] = "not_in_channel"
    await world.command("lofi duration: 5")

    uploads = await fake.wait_for("files.completeUploadExternal", 2)
    assert uploads[1]["channel_id"] == PUBLIC
    assert [c["channel"] for c in fake.called("conversations.join")] == [PUBLIC, PUBLIC]
    assert len(fake.uploads) == 2  # the retry uploaded again and completed
    status = fake.posted(PUBLIC)[0]
    await fake.wait_until(lambda: "Delivered" in status.text)


async def test_bot_removed_from_a_public_channel_joins_it_again(world: SlackWorld) -> None:
    fake = world.fake
    await world.command("lofi duration: 5", hook="first")
    await fake.wait_until(lambda: len(fake.posted(PUBLIC)) == 2)  # the song and its buttons
    fake.channels[PUBLIC].members.discard(BOT_USER)  # someone ran /remove @songbot

    await world.command("jazz duration: 5", hook="second")

    (accepted,) = await world.wait_hook_text("second")
    assert "Making" in accepted  # not "I'm not a member"
    uploads = await fake.wait_for("files.completeUploadExternal", 2)
    assert uploads[1]["channel_id"] == PUBLIC
