"""The user slash commands: `/song`, `/quota`, `/history`, `/cancel`, and autocomplete.

Each callback only translates options into a core call; `/song` goes through `SongFlow`,
the rest answer ephemerally with the core's reply text.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import Any

import discord
from discord import app_commands

from adapters.discord import render
from adapters.discord.client import SongbotClient
from adapters.discord.flow import LyricsMode, SongFlow
from adapters.discord.target import origin_from_interaction
from adapters.discord.views import send_ephemeral
from adapters.discord.window import in_window, or_default
from bot.core import SongBot
from bot.models import DEFAULT_DURATION, MAX_DURATION, MAX_SEED, MAX_TAGS_CHARS, MIN_DURATION, Reply

log = logging.getLogger(__name__)

COMMON_TAGS = (
    "lofi", "chill", "hip hop", "jazz", "piano", "ambient", "pop", "rock", "electronic",
    "synthwave", "house", "techno", "drum and bass", "orchestral", "cinematic", "acoustic",
    "guitar", "folk", "funk", "metal", "reggae", "blues", "upbeat", "sad", "epic", "dreamy",
    "female vocals", "male vocals", "80s", "chiptune",
)  # fmt: skip
MAX_CHOICES = 25
MAX_CHOICE_CHARS = 100

LYRICS_CHOICES = [
    app_commands.Choice(name="let the model decide", value="auto"),
    app_commands.Choice(name="write lyrics (opens a form)", value="write"),
    app_commands.Choice(name="instrumental", value="instrumental"),
]


def tag_suggestions(current: str, recent: list[str]) -> list[str]:
    """Completions for a comma-separated tag list: whole recent lists, then one more tag.

    `recent` holds the user's recent tag lists (newest first). Only the fragment after the
    last comma is completed; tags already in the list are not suggested again.
    """
    head, _, fragment = current.rpartition(",")
    fragment = fragment.strip().lower()
    chosen = [tag.strip().lower() for tag in head.split(",") if tag.strip()]
    out: list[str] = []
    for tags_text in recent:
        if tags_text.lower().startswith(current.strip().lower()) and tags_text not in out:
            out.append(tags_text)
    singles = [tag.strip() for text in recent for tag in text.split(",")] + list(COMMON_TAGS)
    prefix = ", ".join(chosen)
    for tag in singles:
        key = tag.lower()
        if not key or key in chosen or (fragment and fragment not in key):
            continue
        suggestion = f"{prefix}, {tag}" if prefix else tag
        if suggestion not in out:
            out.append(suggestion)
    return [s for s in out if len(s) <= MAX_CHOICE_CHARS][:MAX_CHOICES]


def lyrics_mode(value: str) -> LyricsMode:
    return "write" if value == "write" else "instrumental" if value == "instrumental" else "auto"


async def answer(
    interaction: discord.Interaction[Any], reply: Awaitable[Reply], *, budget: float
) -> None:
    """The core's reply, privately; deferred first if the core is slow to give it."""
    got, _ = await in_window(interaction, reply, budget=budget, ephemeral=True)
    text = got.text if got.ok else render.warning(got.text)
    await send_ephemeral(interaction, render.clip(text))


def register_user_commands(
    tree: app_commands.CommandTree[SongbotClient], core: SongBot, flow: SongFlow
) -> None:
    budget = flow.ack_budget_seconds

    @tree.command(name="song", description="Make a song from style tags (and lyrics if you like)")
    @app_commands.describe(
        tags="Style tags, comma-separated: lofi, chill, piano",
        duration=f"Length in seconds ({MIN_DURATION}–{MAX_DURATION}, default {DEFAULT_DURATION})",
        seed="Same tags + same seed = same song (random if empty)",
        lyrics="Write lyrics in a form, make it instrumental, or let the model decide",
        private="Only you see the result",
    )
    @app_commands.choices(lyrics=LYRICS_CHOICES)
    async def song(
        interaction: discord.Interaction[SongbotClient],
        tags: app_commands.Range[str, 1, MAX_TAGS_CHARS],
        duration: app_commands.Range[int, MIN_DURATION, MAX_DURATION] = DEFAULT_DURATION,
        seed: app_commands.Range[int, 0, MAX_SEED] | None = None,
        lyrics: app_commands.Choice[str] | None = None,
        private: bool = False,
    ) -> None:
        await flow.song_command(
            interaction,
            tags=tags,
            duration=duration,
            seed=seed,
            lyrics_mode=lyrics_mode(lyrics.value if lyrics else "auto"),
            private=private,
        )

    @song.autocomplete("tags")
    async def song_tags(
        interaction: discord.Interaction[SongbotClient], current: str
    ) -> list[app_commands.Choice[str]]:
        origin = origin_from_interaction(interaction)
        jobs = await or_default(core.recent_jobs(origin, limit=10), [], budget=budget)
        recent = list(dict.fromkeys(job.request.tags_text for job in jobs))
        return [app_commands.Choice(name=s, value=s) for s in tag_suggestions(current, recent)]

    @tree.command(name="quota", description="How much of your song budget is left")
    async def quota(interaction: discord.Interaction[SongbotClient]) -> None:
        await answer(interaction, core.quota(origin_from_interaction(interaction)), budget=budget)

    @tree.command(name="history", description="Your recent songs, with their ids and seeds")
    async def history(interaction: discord.Interaction[SongbotClient]) -> None:
        reply = core.history(origin_from_interaction(interaction))
        await answer(interaction, reply, budget=budget)

    @tree.command(name="cancel", description="Stop one of your songs before it is finished")
    @app_commands.describe(job="The song's id (shown when you asked for it, and in /history)")
    async def cancel(interaction: discord.Interaction[SongbotClient], job: str) -> None:
        reply = core.cancel(origin_from_interaction(interaction), job)
        await answer(interaction, reply, budget=budget)

    @cancel.autocomplete("job")
    async def cancel_job(
        interaction: discord.Interaction[SongbotClient], current: str
    ) -> list[app_commands.Choice[str]]:
        origin = origin_from_interaction(interaction)
        jobs = await or_default(core.recent_jobs(origin, limit=MAX_CHOICES), [], budget=budget)
        return [
            app_commands.Choice(
                name=render.clip(f"{job.id} · {job.state.value} · {job.request.tags_text}", 100),
                value=job.id,
            )
            for job in jobs
            if not job.state.finished and job.id.startswith(current.strip().lower())
        ]


async def on_command_error(
    interaction: discord.Interaction[Any], error: app_commands.AppCommandError
) -> None:
    """Failed checks get their reason; anything else a short apology. Never a traceback."""
    if isinstance(error, app_commands.MissingPermissions | app_commands.NoPrivateMessage):
        text = "Only members with the **Manage Server** permission can use this, in a server."
    elif isinstance(error, app_commands.CheckFailure):
        text = "You can't use this command here."
    else:
        log.error(
            "command %s failed",
            interaction.command and interaction.command.qualified_name,
            exc_info=error,
        )
        text = render.INTERNAL_ERROR
    try:
        await send_ephemeral(interaction, render.warning(text))
    except discord.HTTPException:
        log.warning("could not report a command error", exc_info=True)
