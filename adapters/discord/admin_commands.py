"""`/songadmin`: the budget admin operations, for members with Manage Server only.

Guarded twice: Discord hides the group from others (`default_permissions`, which a server
can loosen in its integration settings) and `interaction_check` refuses anyone without
Manage Server in code. Every answer is ephemeral; bad input comes back as the service's
`AdminError` message.
"""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import discord
from discord import app_commands

from adapters.discord import render
from adapters.discord.client import SongbotClient
from adapters.discord.target import origin_from_interaction
from adapters.discord.views import send_ephemeral
from bot.admin import AdminError, AdminService, parse_day, usage_text
from bot.core import SongBot

Interaction = discord.Interaction[SongbotClient]


def user_key(user: discord.User | discord.Member) -> str:
    return f"discord:{user.id}"


class SongAdmin(app_commands.Group):
    def __init__(self, core: SongBot) -> None:
        super().__init__(
            name="songadmin",
            description="Song budgets and usage (Manage Server only)",
            default_permissions=discord.Permissions(manage_guild=True),
            guild_only=True,
        )
        self.core = core

    @property
    def admin(self) -> AdminService:
        return self.core.admin

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        if interaction.guild_id is None:
            raise app_commands.NoPrivateMessage()
        if not interaction.permissions.manage_guild:
            raise app_commands.MissingPermissions(["manage_guild"])
        return True

    async def _run(self, interaction: Interaction, op: Callable[[str], Awaitable[str]]) -> None:
        by = origin_from_interaction(interaction).user_key
        try:
            text = await op(by)
        except AdminError as exc:
            text = render.warning(str(exc))
        await send_ephemeral(interaction, render.clip(text))

    @app_commands.command(name="budget", description="Set a member's budget per period")
    @app_commands.describe(user="Whose budget", amount="Dollars like 1.50, or `default`")
    async def budget(self, interaction: Interaction, user: discord.User, amount: str) -> None:
        async def op(by: str) -> str:
            if amount.strip().lower() == "default":
                return await self.admin.clear_user_budget(user_key(user), by=by)
            return await self.admin.set_user_budget(user_key(user), amount, by=by)

        await self._run(interaction, op)

    @app_commands.command(name="unlimited", description="Let a member spend without limit")
    @app_commands.describe(user="Who", on="On (default) or off again")
    async def unlimited(
        self, interaction: Interaction, user: discord.User, on: bool = True
    ) -> None:
        await self._run(interaction, lambda by: self.admin.set_unlimited(user_key(user), on, by=by))

    @app_commands.command(name="reset", description="Forgive a member's spending this period")
    async def reset(self, interaction: Interaction, user: discord.User) -> None:
        await self._run(interaction, lambda by: self.admin.reset_user(user_key(user), by=by))

    @app_commands.command(name="show", description="A member's budget, spent, held and left")
    async def show(self, interaction: Interaction, user: discord.User) -> None:
        await self._run(interaction, lambda _by: self.admin.user_status(user_key(user)))

    @app_commands.command(name="servercap", description="Cap this server's spending per period")
    @app_commands.describe(amount="Dollars like 20, `off` for no cap, or `default`")
    async def servercap(self, interaction: Interaction, amount: str) -> None:
        server = f"discord:{interaction.guild_id}"
        choice = amount.strip().lower()

        async def op(by: str) -> str:
            if choice == "default":
                return await self.admin.clear_server_cap(server, by=by)
            cap = None if choice in ("off", "none") else amount
            return await self.admin.set_server_cap(server, cap, by=by)

        await self._run(interaction, op)

    @app_commands.command(name="usage", description="This server's spending per member")
    @app_commands.describe(day="A day in the period to show (YYYY-MM-DD; default: now)")
    async def usage(self, interaction: Interaction, day: str | None = None) -> None:
        server = f"discord:{interaction.guild_id}"

        async def op(_by: str) -> str:
            report = await self.admin.usage_report(_day(day), server_key=server)
            return usage_text(report)

        await self._run(interaction, op)

    @app_commands.command(name="export", description="This server's usage as a CSV file")
    @app_commands.describe(day="A day in the period to export (YYYY-MM-DD; default: now)")
    async def export(self, interaction: Interaction, day: str | None = None) -> None:
        server = f"discord:{interaction.guild_id}"
        try:
            csv_text = await self.admin.usage_csv(_day(day), server_key=server)
        except AdminError as exc:
            await send_ephemeral(interaction, render.warning(str(exc)))
            return
        file = discord.File(io.BytesIO(csv_text.encode()), filename="songbot-usage.csv")
        await interaction.response.send_message(
            "Usage of this server:", file=file, ephemeral=True, allowed_mentions=render.NO_MENTIONS
        )


def _day(text: str | None) -> date | None:
    return parse_day(text) if text else None


def register_admin_commands(tree: app_commands.CommandTree[SongbotClient], core: SongBot) -> None:
    tree.add_command(SongAdmin(core))
