"""Every refusal and failure reaches the user: ephemeral for their own mistakes, on the
status message for a job that failed later. Never silence."""

from __future__ import annotations

import json

from bot.models import SongRequest
from tests.slack.conftest import ADMIN, PUBLIC, SlackWorld, World


async def test_bad_input_is_explained_privately(world: SlackWorld) -> None:
    answer = await world.command("duration: 500")

    assert answer.status == 200
    (text,) = await world.wait_hook_text("cmd")
    assert "*tags* are missing" in text
    assert "*duration*" in text
    assert world.fake.called("chat.postMessage") == []
    assert world.fake.webhooks[0][1]["response_type"] == "ephemeral"


async def test_over_budget_is_explained_and_the_status_message_removed(
    make_world: World,
) -> None:
    world = await make_world(songbot_budget_local=True, songbot_user_budget_usd="0.0005")
    await world.command("lofi duration: 5")

    (text,) = await world.wait_hook_text("cmd")
    assert "budget" in text.lower()
    (deleted,) = await world.fake.wait_for("chat.delete")
    assert deleted["channel"] == PUBLIC
    assert all(m.deleted for m in world.fake.posted(PUBLIC))
    assert world.fake.called("files.getUploadURLExternal") == []


async def test_upload_refused_by_slack_shows_on_the_status(world: SlackWorld) -> None:
    fake = world.fake
    fake.fail_next["files.completeUploadExternal"] = "file_uploads_disabled"
    await world.command("lofi duration: 5")

    await fake.wait_for("files.completeUploadExternal")
    await fake.wait_until(lambda: fake.posted(PUBLIC) and "Failed" in fake.posted(PUBLIC)[0].text)
    status = fake.posted(PUBLIC)[0]
    assert "File uploads are turned off" in status.text
    assert len(fake.posted(PUBLIC)) == 1  # no buttons for a song that was not posted


async def test_backend_failure_shows_on_the_status(make_world: World) -> None:
    from bot.fake_wavespeed import FakeConfig, FakeWaveSpeed, FaultRule

    wavespeed = FakeWaveSpeed(FakeConfig(latency=0.1, faults=[FaultRule.parse("submit:400")]))
    base_url = await wavespeed.start()
    try:
        world = await make_world(
            songbot_backend="wavespeed", wavespeed_api_key="key", wavespeed_base_url=base_url
        )
        await world.command("lofi duration: 5")
        fake = world.fake
        await fake.wait_until(
            lambda: fake.posted(PUBLIC) and "Failed" in fake.posted(PUBLIC)[0].text
        )
        assert "The music service rejected this request" in fake.posted(PUBLIC)[0].text
        assert fake.called("files.getUploadURLExternal") == []
    finally:
        await wavespeed.stop()


async def test_quota_history_help_and_cancel_answer_privately(world: SlackWorld) -> None:
    await world.command("quota", hook="quota")
    await world.command("history", hook="history")
    await world.command("help", hook="help")
    await world.command("cancel abc123", hook="cancel")

    assert "free" in (await world.wait_hook_text("quota"))[0]
    assert "no songs yet" in (await world.wait_hook_text("history"))[0]
    help_text = (await world.wait_hook_text("help"))[0]
    assert "`/song history`" in help_text
    assert "abc123" in (await world.wait_hook_text("cancel"))[0]


async def test_cancel_updates_the_status_message(world: SlackWorld) -> None:
    fake = world.fake
    await world.command("jazz duration: 60", hook="song")  # renders for ~1 s: time to cancel
    (accepted,) = await world.wait_hook_text("song")
    job_id = accepted.split("Job `")[1].split("`")[0]

    await world.command(f"cancel {job_id}", hook="cancel")

    (text,) = await world.wait_hook_text("cancel")
    assert f"Cancelled song `{job_id}`" in text
    await fake.wait_until(lambda: any("Cancelled" in m.text for m in fake.posted(PUBLIC)))


async def test_admin_commands_need_an_admin(world: SlackWorld) -> None:
    world.fake.admins.add("UWSADMIN")
    await world.command("admin report", hook="user")
    await world.command("admin report", user=ADMIN, hook="configured")
    await world.command("admin report", user="UWSADMIN", hook="workspace")

    assert "Only the bot's admins" in (await world.wait_hook_text("user"))[0]
    assert "Only the bot's admins" not in (await world.wait_hook_text("configured"))[0]
    assert "Only the bot's admins" not in (await world.wait_hook_text("workspace"))[0]
    assert {c["user"] for c in world.fake.called("users.info")} == {"U1", "UWSADMIN"}


async def test_user_text_can_never_ping(world: SlackWorld) -> None:
    fake = world.fake
    await world.command("<!channel> <@U999> lofi, <!here> duration: 5")

    await fake.wait_for("files.completeUploadExternal")
    await fake.wait_until(lambda: len(fake.posted(PUBLIC)) == 2)
    texts = [str(call.get("text") or call.get("initial_comment")) for call in _sent(world)]
    for text in texts:
        assert "<!channel>" not in text
        assert "<!here>" not in text
        assert "<@U999>" not in text
    assert any("&lt;!channel&gt;" in text for text in texts)
    assert all(not call.get("link_names") for call in _sent(world))


def _sent(world: SlackWorld) -> list[dict[str, str]]:
    methods = ("chat.postMessage", "chat.update", "files.completeUploadExternal")
    calls = [c.args for c in world.fake.calls if c.method in methods]
    return calls + [body for _, body in world.fake.webhooks]


async def test_a_crash_inside_songbot_still_answers(world: SlackWorld) -> None:
    await world.core.db.close()  # storage gone: reading it raises

    answer = await world.command("history")

    assert answer.status == 200
    assert answer.seconds < 1
    (text,) = await world.wait_hook_text("cmd")
    assert "something went wrong" in text


async def test_a_crash_while_requesting_a_song_leaves_no_stale_status(world: SlackWorld) -> None:
    await world.core.db.close()

    await world.command("lofi duration: 5")

    (text,) = await world.wait_hook_text("cmd")
    assert "something went wrong" in text
    await world.fake.wait_for("chat.delete")
    assert all(message.deleted for message in world.fake.posted(PUBLIC))


async def test_plain_at_here_in_user_text_is_not_parsed_into_a_ping(world: SlackWorld) -> None:
    """Slack parses a bare `@here` in a mrkdwn block unless it is marked `verbatim`."""
    fake = world.fake
    await world.command("@here lofi, @channel duration: 5")

    await fake.wait_until(lambda: len(fake.posted(PUBLIC)) == 2)
    await fake.wait_until(lambda: "Delivered" in fake.posted(PUBLIC)[0].text)
    texts = [text for call in _sent(world) for text in _mrkdwn_objects(call.get("blocks"))]
    assert any("@here" in str(text["text"]) for text in texts)
    assert all(text.get("verbatim") is True for text in texts)


def _mrkdwn_objects(blocks: object) -> list[dict[str, object]]:
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    found: list[dict[str, object]] = []
    for block in blocks if isinstance(blocks, list) else []:
        text = block.get("text")
        if isinstance(text, dict) and text.get("type") == "mrkdwn":
            found.append(text)
    return found


async def test_a_long_history_is_shown_whole(make_world: World) -> None:
    """Ten songs with long tags are more than one 3000-character section can hold."""
    world = await make_world(songbot_max_jobs_per_user=20)
    origin = world.adapter_origin()
    ids = []
    for n in range(10):
        request = SongRequest(tags=(f"song{n} " + "&" * 280,), duration=5)
        reply = await world.core.request_song(origin, request)
        assert reply.job is not None
        ids.append(reply.job.id)

    await world.command("history")

    await world.wait_hook_text("cmd")
    sections = [block["text"]["text"] for block in world.fake.webhooks[0][1]["blocks"]]
    assert all(len(text) <= 3000 for text in sections)
    shown = "\n".join(sections)
    assert all(f"`{job_id}`" in shown for job_id in ids)


async def test_a_refused_status_post_is_not_blamed_on_membership(world: SlackWorld) -> None:
    world.fake.fail_next["chat.postMessage"] = "ratelimited"

    await world.command("lofi duration: 5")

    (text,) = await world.wait_hook_text("cmd")
    assert "not a member" not in text
    assert "`ratelimited`" in text
    assert "try again" in text
    assert await world.core.recent_jobs(world.adapter_origin()) == []  # nothing charged
