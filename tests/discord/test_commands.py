"""/quota, /history, /cancel, tag autocomplete, and /songadmin's permission guard."""

from __future__ import annotations

from bot.models import JobState
from tests.discord import payloads
from tests.discord.conftest import DiscordWorld
from tests.discord.helpers import job_id_in

DONE = (JobState.DELIVERED, JobState.FAILED, JobState.CANCELLED)


async def make_song(world: DiscordWorld, tags: str = "synthwave, 80s") -> str:
    command = payloads.slash("song", {"tags": tags, "duration": 5})
    job_id = job_id_in((await world.interact(command)).content)
    await world.wait_state(job_id, *DONE)
    return job_id


async def test_quota_and_history_answer_privately(world: DiscordWorld):
    job_id = await make_song(world)
    job = await world.core.get_job(job_id)
    assert job is not None

    quota = await world.interact(payloads.slash("quota"))
    assert quota.message["flags"] & 64 and "$" in quota.content

    history = await world.interact(payloads.slash("history"))
    assert history.message["flags"] & 64
    assert job_id in history.content and str(job.seed) in history.content


async def test_tag_autocomplete_suggests_recent_and_common_tags(world: DiscordWorld):
    await make_song(world, "synthwave, 80s")

    empty = await world.interact(payloads.autocomplete("song", {"tags": ""}, "tags"))
    assert empty.body["type"] == 8
    names = [choice["value"] for choice in empty.body["data"]["choices"]]
    assert names[0] == "synthwave, 80s", "the user's recent tags come first"
    assert "lofi" in names and len(names) <= 25

    partial = await world.interact(payloads.autocomplete("song", {"tags": "lofi, ch"}, "tags"))
    names = [choice["value"] for choice in partial.body["data"]["choices"]]
    assert "lofi, chill" in names and "lofi, chiptune" in names
    assert all(name.startswith("lofi, ") for name in names)


async def test_admin_group_is_hidden_and_guarded(world: DiscordWorld):
    synced = world.fake.synced_commands[payloads.GUILD_ID]
    admin = next(command for command in synced if command["name"] == "songadmin")
    assert int(admin["default_member_permissions"]) == payloads.MANAGE_GUILD
    assert admin.get("contexts") == [0] or admin.get("dm_permission") is False
    users = [command for command in synced if command["name"] != "songadmin"]
    assert all(command.get("default_member_permissions") is None for command in users)

    bob = payloads.UserRef(payloads.BOB_ID, "bob")
    denied = await world.interact(
        payloads.subcommand("songadmin", "budget", {"user": bob, "amount": "5"})
    )
    assert denied.message["flags"] & 64 and "Manage Server" in denied.content
    show = await world.interact(
        payloads.subcommand(
            "songadmin", "show", {"user": bob}, permissions=payloads.EVERYDAY_PERMISSIONS
        )
    )
    assert "Manage Server" in show.content

    allowed = await world.interact(
        payloads.subcommand(
            "songadmin",
            "budget",
            {"user": bob, "amount": "2.50"},
            permissions=payloads.EVERYDAY_PERMISSIONS | payloads.MANAGE_GUILD,
        )
    )
    assert allowed.message["flags"] & 64
    assert f"discord:{payloads.BOB_ID}" in allowed.content and "$2.50" in allowed.content

    bad = await world.interact(
        payloads.subcommand(
            "songadmin",
            "budget",
            {"user": bob, "amount": "lots"},
            permissions=payloads.MANAGE_GUILD,
        )
    )
    assert bad.content.startswith("⚠️")
