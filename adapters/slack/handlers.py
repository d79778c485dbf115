"""Bolt listeners: translate Slack payloads into `Asker`s and core calls. `ack()` comes
first in every listener; modals are opened right after it (the trigger lives 3 seconds);
everything slow follows (Bolt has already answered Slack by then)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError

from adapters.slack import blocks, modals
from adapters.slack.admins import AdminCheck
from adapters.slack.channels import Asker, Channels
from adapters.slack.mrkdwn import unescape
from adapters.slack.songs import SongStarter
from bot import grammar
from bot.core import SongBot
from bot.models import Job, SongRequest

log = logging.getLogger(__name__)

SLASH_COMMAND = "/song"
SUBCOMMANDS = frozenset({"help", "quota", "history", "cancel", "admin"})
SORRY = "Sorry, something went wrong on my side. Please try again in a moment."


def command_line(text: str) -> str:
    """`/song quota` → `/quota`; `/song lofi, chill` → `/song lofi, chill` (console grammar)."""
    first, _, rest = text.strip().partition(" ")
    if first.lower() in SUBCOMMANDS:
        return f"/{first.lower()} {rest}".strip()
    return f"{SLASH_COMMAND} {text.strip()}"


class SlackHandlers:
    def __init__(
        self, core: SongBot, channels: Channels, songs: SongStarter, admins: AdminCheck
    ) -> None:
        self.core = core
        self.channels = channels
        self.songs = songs
        self.admins = admins

    def register(self, app: AsyncApp) -> None:
        app.command(SLASH_COMMAND)(self.on_command)
        app.view(modals.CALLBACK_ID)(self.on_modal_submit)
        for action_id in blocks.RESULT_ACTIONS:
            app.action(action_id)(self.on_result_button)
        app.error(self.on_error)

    # -- /song ----------------------------------------------------------------------------

    async def on_command(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        asker = Asker.from_payload(body)
        async with self._reporting(asker):
            text = unescape(str(body.get("text") or "")).strip()
            if not text:
                context = modals.ModalContext(asker.channel_id, asker.response_url)
                view = modals.song_modal(context)
                await self._open_modal(asker, str(body.get("trigger_id")), view)
            else:
                await self._run_line(asker, command_line(text))

    async def _run_line(self, asker: Asker, line: str) -> None:
        parsed = grammar.parse(line)
        if isinstance(parsed, grammar.SongCommand):
            await self.songs.start(asker, parsed.request)
            return
        is_admin = isinstance(parsed, grammar.AdminCommand) and await self.admins.is_admin(
            asker.user_id
        )
        reply = await self.core.handle_text(asker.origin(), line, is_admin=is_admin)
        await self.channels.tell(asker, reply.text)

    async def _open_modal(self, asker: Asker, trigger_id: str, view: dict[str, Any]) -> None:
        try:
            await self.channels.client.views_open(trigger_id=trigger_id, view=view)
        except SlackApiError as exc:
            log.warning("slack: views.open failed: %s", exc.response.get("error"))
            await self.channels.tell(
                asker, "I couldn't open the song form in time; please try again."
            )

    async def on_modal_submit(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        view: dict[str, Any] = body.get("view") or {}
        result = grammar.validate_fields(**modals.submitted_fields(view))
        if not isinstance(result, SongRequest):
            await ack(response_action="errors", errors=modals.field_errors(result))
            return
        await ack()
        context = modals.ModalContext.load(str(view.get("private_metadata") or ""))
        asker = replace(
            Asker.from_payload(body, channel_id=context.channel_id),
            response_url=context.response_url,
        )
        async with self._reporting(asker):
            await self.songs.start(asker, result)

    # -- result buttons (value = job id) --------------------------------------------------

    async def on_result_button(
        self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]
    ) -> None:
        """New take / Edit lyrics / Same seed: each acts on the song the button belongs to."""
        await ack()
        asker = Asker.from_payload(body)
        async with self._reporting(asker):
            job = await self._job(asker, action)
            if job is None:
                return
            match action.get("action_id"):
                case blocks.NEW_TAKE:
                    await self.songs.start(asker, job.request.model_copy(update={"seed": None}))
                case blocks.EDIT_LYRICS:
                    context = modals.ModalContext(asker.channel_id, asker.response_url)
                    view = modals.song_modal(context, prefill=job.request, seed=job.seed)
                    await self._open_modal(asker, str(body.get("trigger_id")), view)
                case blocks.SAME_SEED:
                    request = job.request.model_copy(update={"seed": job.seed})
                    command = grammar.format_command(request)
                    await self.channels.tell(asker, blocks.same_seed(command, job.seed))

    async def _job(self, asker: Asker, action: dict[str, Any]) -> Job | None:
        job = await self.core.get_job(str(action.get("value")))
        if job is None:
            await self.channels.tell(asker, "I no longer know that song.")
        return job

    # -- errors ---------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def _reporting(self, asker: Asker) -> AsyncIterator[None]:
        """After the ack, a crash is logged and told to the user, never left silent.
        (Handled here rather than by Bolt's error handler, which races with an early ack.)"""
        try:
            yield
        except Exception:
            log.exception("slack: handling a request from %s failed", asker.user_id)
            await self.channels.tell(asker, SORRY)

    async def on_error(self, error: Exception, body: dict[str, Any]) -> None:
        """Backstop for anything raised outside `_reporting`."""
        log.error("slack: listener failed", exc_info=error)
        if isinstance(body, dict) and (body.get("user_id") or body.get("user")):
            await self.channels.tell(Asker.from_payload(body), SORRY)
