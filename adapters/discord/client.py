"""The discord.py client songbot runs: no privileged intents, no mentions, one command tree.

It knows nothing of songs: persistent buttons find their handlers through `client.handlers`
(the adapter's `SongFlow`), and `setup_hook` runs the adapter's own setup (register the
persistent buttons, sync the commands) once the client has logged in.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import discord
from discord import app_commands

from adapters.discord.render import NO_MENTIONS

INVITE_SCOPES = ("bot", "applications.commands")
INVITE_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    embed_links=True,
    attach_files=True,
)
"""Only what posting a song with the bot token needs (after the 15-minute interaction window,
or in a thread). Replies inside the window need no permission at all."""


def invite_url(application_id: int, guild_id: int | None = None) -> str:
    guild = discord.Object(guild_id) if guild_id else discord.utils.MISSING
    return discord.utils.oauth_url(
        application_id, permissions=INVITE_PERMISSIONS, scopes=INVITE_SCOPES, guild=guild
    )


class ButtonHandlers(Protocol):
    async def retake(self, interaction: discord.Interaction[Any], job_id: str) -> None: ...

    async def edit_lyrics(self, interaction: discord.Interaction[Any], job_id: str) -> None: ...

    async def same_seed(self, interaction: discord.Interaction[Any], job_id: str) -> None: ...


class SongbotClient(discord.Client):
    def __init__(self, handlers: ButtonHandlers, setup: Callable[[], Awaitable[None]]) -> None:
        # Slash commands and buttons arrive without any intent; `guilds` (not privileged)
        # keeps guild and channel objects resolvable.
        super().__init__(intents=discord.Intents(guilds=True), allowed_mentions=NO_MENTIONS)
        self.tree: app_commands.CommandTree[SongbotClient] = app_commands.CommandTree(self)
        self.handlers = handlers
        self._setup = setup

    async def setup_hook(self) -> None:
        await self._setup()
