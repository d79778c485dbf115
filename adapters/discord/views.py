"""Buttons under a finished song, and the lyrics modal.

The buttons are `DynamicItem`s: their custom_id (`songbot:retake:<job id>`, …) carries all
their state, and the classes are registered once with `client.add_dynamic_items`, so a click
works on any message ever sent, across restarts. Handlers live in the adapter's `SongFlow`,
reached through `interaction.client.handlers`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord import ui

from adapters.discord.client import ButtonHandlers, SongbotClient
from adapters.discord.render import INTERNAL_ERROR, LYRICS_TEMPLATE, NO_MENTIONS, warning
from bot.models import MAX_LYRICS_CHARS

log = logging.getLogger(__name__)

JOB_ID = r"(?P<job_id>[a-z0-9]{1,32})"
MODAL_TIMEOUT_SECONDS = 15 * 60


def _handlers(interaction: discord.Interaction[Any]) -> ButtonHandlers:
    client = interaction.client
    if not isinstance(client, SongbotClient):  # pragma: no cover - wiring error
        raise TypeError("songbot buttons need a SongbotClient")
    return client.handlers


class RetakeButton(ui.DynamicItem[ui.Button[Any]], template=rf"songbot:retake:{JOB_ID}"):
    """New take: the same request with a new random seed."""

    def __init__(self, job_id: str) -> None:
        super().__init__(
            ui.Button(
                label="New take",
                emoji="🎲",
                style=discord.ButtonStyle.primary,
                custom_id=f"songbot:retake:{job_id}",
            )
        )
        self.job_id = job_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: ui.Item[Any], match: Any, /
    ) -> RetakeButton:
        return cls(match["job_id"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _handlers(interaction).retake(interaction, self.job_id)


class EditLyricsButton(ui.DynamicItem[ui.Button[Any]], template=rf"songbot:lyrics:{JOB_ID}"):
    """Edit lyrics: a modal prefilled with the old lyrics, then a new job."""

    def __init__(self, job_id: str) -> None:
        super().__init__(
            ui.Button(
                label="Edit lyrics",
                emoji="✏️",
                style=discord.ButtonStyle.secondary,
                custom_id=f"songbot:lyrics:{job_id}",
            )
        )
        self.job_id = job_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: ui.Item[Any], match: Any, /
    ) -> EditLyricsButton:
        return cls(match["job_id"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _handlers(interaction).edit_lyrics(interaction, self.job_id)


class SameSeedButton(ui.DynamicItem[ui.Button[Any]], template=rf"songbot:seed:{JOB_ID}"):
    """Same seed: shows (ephemerally) the exact command that makes this song again."""

    def __init__(self, job_id: str) -> None:
        super().__init__(
            ui.Button(
                label="Same seed",
                emoji="🔁",
                style=discord.ButtonStyle.secondary,
                custom_id=f"songbot:seed:{job_id}",
            )
        )
        self.job_id = job_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: ui.Item[Any], match: Any, /
    ) -> SameSeedButton:
        return cls(match["job_id"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _handlers(interaction).same_seed(interaction, self.job_id)


PERSISTENT_BUTTONS = (RetakeButton, EditLyricsButton, SameSeedButton)


def result_view(job_id: str) -> ui.View:
    """The buttons under a song, ready to serialise into a message.

    The view is stopped on purpose: the library then sends it without tracking it per
    message (which would expire it), and clicks reach the registered dynamic item classes.
    """
    view = ui.View(timeout=None)
    for button in PERSISTENT_BUTTONS:
        view.add_item(button(job_id))
    view.stop()
    return view


LyricsHandler = Callable[[discord.Interaction[Any], str], Awaitable[None]]


class LyricsModal(ui.Modal):
    """One paragraph input for lyrics; `on_lyrics(interaction, text)` runs on submit."""

    def __init__(self, *, title: str, lyrics: str, on_lyrics: LyricsHandler) -> None:
        super().__init__(title=title[:45], timeout=MODAL_TIMEOUT_SECONDS)
        self.lyrics: ui.TextInput[LyricsModal] = ui.TextInput(
            label="Lyrics",
            style=discord.TextStyle.paragraph,
            default=(lyrics or LYRICS_TEMPLATE)[:MAX_LYRICS_CHARS],
            max_length=MAX_LYRICS_CHARS,
            required=True,
        )
        self.add_item(self.lyrics)
        self._on_lyrics = on_lyrics

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        await self._on_lyrics(interaction, self.lyrics.value)

    async def on_error(  # type: ignore[override]  # Modal narrows BaseView.on_error
        self, interaction: discord.Interaction[Any], error: Exception, /
    ) -> None:
        log.exception("lyrics modal failed", exc_info=error)
        await send_ephemeral(interaction, warning(INTERNAL_ERROR))


async def send_ephemeral(
    interaction: discord.Interaction[Any], text: str, *, file: discord.File | None = None
) -> None:
    """Tell the user something privately, whether or not the interaction was answered yet."""
    extra: dict[str, Any] = {"file": file} if file is not None else {}
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS, **extra)
    else:
        await interaction.response.send_message(
            text, ephemeral=True, allowed_mentions=NO_MENTIONS, **extra
        )
