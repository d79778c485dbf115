"""Getting messages and songs to the user after the acknowledgement.

Routes, in order:
1. `followup` — the interaction's webhook (works for ephemeral/private replies), while its
   token lives (15 minutes; we stop a minute early, and treat a 401/50027 as expired).
2. `channel` — the bot token in the original channel (public jobs only: a private song must
   not appear publicly). Needs View Channel + Send Messages + Attach Files + Embed Links.
3. `dm` — a direct message: private jobs after expiry, or when the bot lacks permission in the
   channel (the message then says so). If DMs are closed too, `DeliveryError`.

Each route gets a freshly built message (`build(route)`), because file objects are single-use
and the wording depends on where the message lands.
"""

from __future__ import annotations

import io
import logging
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import discord

from adapters.discord import render
from adapters.discord.fit import TooLarge, Upload, fit_song
from adapters.discord.target import ReplyTarget
from adapters.discord.views import result_view
from bot.models import Job, SongResult
from bot.ports import DeliveryError

log = logging.getLogger(__name__)

Route = Literal["followup", "channel", "dm", "dm-denied"]
DEAD_TOKEN_CODES = (50027, 10015)
"""Invalid Webhook Token, Unknown Webhook."""
TOO_LARGE_CODE = 40005


@dataclass(frozen=True)
class Outgoing:
    content: str | None = None
    embed: discord.Embed | None = None
    upload: Upload | None = None
    view: discord.ui.View | None = None

    def kwargs(self) -> dict[str, Any]:
        out: dict[str, Any] = {"allowed_mentions": render.NO_MENTIONS}
        if self.content:
            out["content"] = render.clip(self.content)
        if self.embed is not None:
            out["embed"] = self.embed
        if self.upload is not None:
            out["file"] = discord.File(io.BytesIO(self.upload.data), filename=self.upload.filename)
        if self.view is not None:
            out["view"] = self.view
        return out


@dataclass(frozen=True)
class Sent:
    message_id: int
    route: Route


def token_rejected(exc: discord.HTTPException) -> bool:
    return exc.status == 401 or exc.code in DEAD_TOKEN_CODES


class Poster:
    def __init__(self, client: discord.Client, clock: Callable[[], float]) -> None:
        self.client = client
        self.clock = clock

    def _webhook(self, target: ReplyTarget) -> discord.Webhook:
        # The interaction's own followup webhook, as `Interaction.followup` builds it; rebuilt
        # from stored data so it also works for jobs that outlived a restart.
        data: Any = {"id": int(target.app_id), "type": 3, "token": target.token}
        return discord.Webhook.from_state(data, self.client._connection)

    async def send(
        self, target: ReplyTarget, build: Callable[[Route], Outgoing], *, ephemeral: bool
    ) -> Sent:
        if target.token_alive(self.clock()):
            try:
                message = await self._webhook(target).send(
                    wait=True, ephemeral=ephemeral, **build("followup").kwargs()
                )
                return Sent(message.id, "followup")
            except discord.HTTPException as exc:
                if not token_rejected(exc):
                    raise
                log.info("interaction token of %s expired early", target.interaction_id)
        return await self._send_with_bot_token(target, build)

    async def _send_with_bot_token(
        self, target: ReplyTarget, build: Callable[[Route], Outgoing]
    ) -> Sent:
        denied = False
        if not target.ephemeral and target.channel_id:
            channel = self.client.get_partial_messageable(int(target.channel_id))
            try:
                message = await channel.send(**build("channel").kwargs())
                return Sent(message.id, "channel")
            except (discord.Forbidden, discord.NotFound):
                log.info("cannot post in channel %s; trying a DM", target.channel_id)
                denied = True
        try:
            dm = await self.client.create_dm(discord.Object(int(target.user_id)))
            message = await dm.send(**build("dm-denied" if denied else "dm").kwargs())
            return Sent(message.id, "dm")
        except discord.Forbidden as exc:
            raise DeliveryError(
                "I couldn't reach you: the 15-minute reply window had passed, "
                + ("I lack permission to post in that channel, " if denied else "")
                + "and your direct messages are closed to me."
            ) from exc

    async def edit(self, target: ReplyTarget, content: str) -> bool:
        """Edit the status message; False when impossible (an expired ephemeral one)."""
        if not target.status_message_id:
            return False
        message_id = int(target.status_message_id)
        if target.token_alive(self.clock()):
            try:
                await self._webhook(target).edit_message(
                    message_id, content=content, allowed_mentions=render.NO_MENTIONS
                )
                return True
            except discord.HTTPException as exc:
                if not token_rejected(exc):
                    raise
        if target.ephemeral or not target.channel_id:
            return False
        channel = self.client.get_partial_messageable(int(target.channel_id))
        await channel.get_partial_message(message_id).edit(
            content=content, allowed_mentions=render.NO_MENTIONS
        )
        return True


class Delivery:
    """Posts a finished song: the MP3 (fitted under the limit), its embed and buttons."""

    def __init__(self, poster: Poster, *, files_base_url: str | None = None) -> None:
        self.poster = poster
        self.files_base_url = files_base_url.rstrip("/") if files_base_url else None

    async def deliver(self, job: Job, target: ReplyTarget, song: SongResult) -> Sent:
        fitted = await fit_song(song, target.filesize_limit)
        try:
            return await self._post(job, target, song, fitted)
        except discord.HTTPException as exc:
            too_large = exc.status == 413 or exc.code == TOO_LARGE_CODE
            if not (too_large and isinstance(fitted, Upload)):
                raise
            log.warning(
                "job %s: Discord refused %d bytes; linking instead", job.id, song.size_bytes
            )
            return await self._post(
                job, target, song, TooLarge(len(fitted.data), target.filesize_limit)
            )

    async def _post(
        self, job: Job, target: ReplyTarget, song: SongResult, fitted: Upload | TooLarge
    ) -> Sent:
        def build(route: Route) -> Outgoing:
            notes = [self._route_note(route, target)]
            if isinstance(fitted, TooLarge):
                notes.append(render.too_large_text(fitted.size, fitted.limit, self.where(song)))
            elif fitted.reencoded_kbps:
                notes.append(render.reencoded_note(fitted.reencoded_kbps, target.filesize_limit))
            return Outgoing(
                content="\n".join(note for note in notes if note) or None,
                embed=render.result_embed(job, song),
                upload=fitted if isinstance(fitted, Upload) else None,
                view=result_view(job.id),
            )

        return await self.poster.send(target, build, ephemeral=target.ephemeral)

    @staticmethod
    def _route_note(route: Route, target: ReplyTarget) -> str:
        if route == "channel":
            return render.channel_note(target.user_id)
        if route in ("dm", "dm-denied"):
            return render.dm_note(target.channel_id, denied=route == "dm-denied")
        return ""

    def where(self, song: SongResult) -> str:
        """What "a link to the file" honestly is: a URL if one is configured, else its name."""
        if self.files_base_url:
            return f"Download it here: {self.files_base_url}/{urllib.parse.quote(song.path.name)}"
        return (
            f"It is saved on the bot's host as `{song.path.name}` (in its songs folder); "
            "ask the bot's admin for it."
        )
