"""The Discord adapter: slash commands and buttons in, status edits and songs out.

`start()` logs in (syncing the commands and registering the persistent buttons), logs the
invite URL, and keeps the gateway connection in an owned task. `notify()` is the core's way
back: progress edits the job's status message, a finished song is posted with its buttons.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

import discord

from adapters.discord import render
from adapters.discord.admin_commands import register_admin_commands
from adapters.discord.client import SongbotClient, invite_url
from adapters.discord.commands import on_command_error, register_user_commands
from adapters.discord.delivery import Delivery, Outgoing, Poster, Route
from adapters.discord.flow import SongFlow
from adapters.discord.status import StatusBoard
from adapters.discord.target import ReplyTarget, TargetBook
from adapters.discord.views import PERSISTENT_BUTTONS
from bot.core import SongBot
from bot.models import Cancelled, Delivered, Failed, Job, JobEvent, Progress, SongResult
from bot.ports import DeliveryError
from bot.settings import Settings, SettingsError

log = logging.getLogger(__name__)

READY_WAIT_SECONDS = 120.0
"""How long a finished song waits for the client to log in (jobs resume before that)."""


class DiscordAdapter:
    platform = "discord"

    def __init__(
        self,
        core: SongBot,
        settings: Settings,
        *,
        status_interval_seconds: float = 5.0,
        ack_budget_seconds: float = 2.0,
        files_base_url: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if settings.discord_token is None:
            raise ValueError("DISCORD_TOKEN is required for the Discord adapter")
        self.core = core
        self._token = settings.discord_token.get_secret_value()
        self._guild_id = settings.discord_guild_id
        self.book = TargetBook()
        self.flow = SongFlow(core, self.book, clock=clock, ack_budget_seconds=ack_budget_seconds)
        self.client = SongbotClient(self.flow, setup=self._setup)
        register_user_commands(self.client.tree, core, self.flow)
        register_admin_commands(self.client.tree, core)
        self.client.tree.error(on_command_error)
        self.poster = Poster(self.client, clock)
        self.status = StatusBoard(self.poster, min_interval=status_interval_seconds)
        self.delivery = Delivery(self.poster, files_base_url=files_base_url)
        self._ready = asyncio.Event()
        self._gateway: asyncio.Task[None] | None = None

    # -- lifecycle ---------------------------------------------------------------------

    async def login(self) -> None:
        """Log in over REST only: commands synced, buttons registered (no gateway yet)."""
        try:
            await self.client.login(self._token)
        except discord.LoginFailure:
            await self.client.close()
            raise SettingsError(
                "DISCORD_TOKEN was refused by Discord: copy the bot token again from the "
                "Developer Portal (Bot → Reset Token)"
            ) from None
        self._ready.set()

    async def start(self) -> None:
        await self.login()
        self._gateway = asyncio.create_task(self._connect(), name="songbot-discord-gateway")

    async def stop(self) -> None:
        self._ready.clear()  # songs finishing now wait (and resume next start) instead of erroring
        await self.client.close()
        if self._gateway is not None:
            self._gateway.cancel()
            # a gateway that already failed was reported by wait_failed: nothing to re-raise
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._gateway
            self._gateway = None

    async def _connect(self) -> None:
        """The gateway connection; discord.py reconnects by itself and raises only when it
        cannot go on (a revoked token, intents not allowed, …)."""
        try:
            await self.client.connect(reconnect=True)
        except Exception as exc:
            log.error("the Discord gateway connection ended for good: %s", exc)
            raise

    async def wait_failed(self) -> BaseException:
        gateway = self._gateway
        if gateway is not None:
            try:
                await asyncio.shield(gateway)
            except asyncio.CancelledError:
                if not gateway.cancelled():
                    raise  # this wait itself was cancelled
            except Exception as exc:
                return exc
            else:
                return RuntimeError("the Discord gateway connection closed")
        await asyncio.Event().wait()  # not started, or stopped on purpose: never a failure
        raise AssertionError("unreachable")

    async def _setup(self) -> None:
        """Runs inside `client.login`, before any interaction can arrive."""
        self.client.add_dynamic_items(*PERSISTENT_BUTTONS)
        tree = self.client.tree
        if self._guild_id:
            guild = discord.Object(self._guild_id)
            tree.copy_global_to(guild=guild)
            synced = await tree.sync(guild=guild)
            log.info("synced %d commands to guild %s (instant)", len(synced), self._guild_id)
        else:
            synced = await tree.sync()
            log.info("synced %d global commands (may take up to an hour to appear)", len(synced))
        app_id = self.client.application_id
        if app_id is not None:
            log.info("invite songbot with: %s", invite_url(app_id, self._guild_id))

    # -- Notifier ----------------------------------------------------------------------

    async def notify(self, job: Job, event: JobEvent) -> None:
        match event:
            case Progress():
                await self._progress(job, event)
            case Delivered(song=song):
                await self._delivered(job, song)
            case Failed(message=message):
                await self._failed(job, message)
            case Cancelled():
                await self._cancelled(job)

    async def _target(self, job: Job) -> ReplyTarget | None:
        return await self.book.resolve(job, lambda: self.core.get_job(job.id))

    async def _progress(self, job: Job, event: Progress) -> None:
        if not self._ready.is_set():
            return  # resumed before login: the next notice will do
        try:
            target = await self._target(job)
            if target is not None:
                await self.status.progress(job, target, event)
        except Exception:
            log.warning("job %s: progress notice dropped", job.id, exc_info=True)

    async def _delivered(self, job: Job, song: SongResult) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), READY_WAIT_SECONDS)
        if not self._ready.is_set():
            raise RuntimeError("Discord is not connected yet")  # the runner retries
        target = await self._target(job)
        if target is None:
            raise DeliveryError("This song's Discord conversation is unknown; it can't be posted.")
        if not target.result_message_id:
            sent = await self.delivery.deliver(job, target, song)
            target = target.with_result(sent.message_id)
            self.book.remember(job.id, target)
            await self.core.set_reply_state(job.id, target.to_state())
            await self.status.close(job, target, render.done_line(sent.route))
        self.book.forget(job.id)

    async def _failed(self, job: Job, message: str) -> None:
        target = await self._target(job)
        self.book.forget(job.id)
        if target is None:
            log.warning("job %s failed with no Discord target: %s", job.id, message)
            return
        if target.ephemeral:
            # The status message is private already: the details go there.
            if await self.status.close(job, target, render.failed_line(message)):
                return
        else:
            await self.status.close(job, target, render.FAILED_PUBLIC_LINE)

        def build(route: Route) -> Outgoing:
            text = render.failure_text(job.id, message)
            mention = f"<@{target.user_id}> " if route == "channel" else ""
            return Outgoing(content=mention + text)

        try:
            await self.poster.send(target, build, ephemeral=True)
        except Exception:
            log.warning("job %s: could not tell the user it failed", job.id, exc_info=True)

    async def _cancelled(self, job: Job) -> None:
        target = await self._target(job)
        self.book.forget(job.id)
        if target is not None:
            await self.status.close(job, target, render.CANCELLED_LINE)
