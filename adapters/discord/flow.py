"""Inbound song flows: `/song`, its lyrics modal, and the buttons under a finished song.

Every path answers the interaction within Discord's 3-second window: a modal (only ever as
the first response), an error (ephemeral), or the acknowledgement — the status message that
shows what will be made and its cost, and that the job's progress then edits. If the core is
unexpectedly slow the interaction is deferred first and the acknowledgement edited in.
"""

from __future__ import annotations

import contextlib
import functools
import io
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any, Literal

import discord

from adapters.discord import render
from adapters.discord.target import (
    TargetBook,
    origin_from_interaction,
    target_from_interaction,
)
from adapters.discord.views import LyricsModal, send_ephemeral
from adapters.discord.window import in_window
from bot import grammar
from bot.core import SongBot
from bot.models import Job, JobState, SongRequest

log = logging.getLogger(__name__)

LyricsMode = Literal["write", "instrumental", "auto"]
LYRICS_FOR_MODE: dict[str, str] = {"instrumental": "[instrumental]", "auto": ""}


@contextlib.asynccontextmanager
async def apologise_on_error(interaction: discord.Interaction[Any]) -> AsyncIterator[None]:
    """Any unexpected error becomes a short ephemeral apology (and a logged traceback)."""
    try:
        yield
    except Exception:
        log.exception("discord interaction %s failed", interaction.id)
        try:
            await send_ephemeral(interaction, render.warning(render.INTERNAL_ERROR))
        except discord.HTTPException:
            log.warning("could not tell the user about the failure", exc_info=True)


class SongFlow:
    def __init__(
        self,
        core: SongBot,
        book: TargetBook,
        *,
        clock: Callable[[], float],
        ack_budget_seconds: float = 2.0,
    ) -> None:
        self.core = core
        self.book = book
        self.clock = clock
        self.ack_budget_seconds = ack_budget_seconds

    # -- /song ---------------------------------------------------------------------------

    async def song_command(
        self,
        interaction: discord.Interaction[Any],
        *,
        tags: str,
        duration: int | None,
        seed: int | None,
        lyrics_mode: LyricsMode,
        private: bool,
    ) -> None:
        async with apologise_on_error(interaction):
            parsed = grammar.build_request(
                tags=tags,
                duration=duration,
                seed=seed,
                lyrics=LYRICS_FOR_MODE.get(lyrics_mode, render.LYRICS_TEMPLATE),
                private=private,
            )
            if isinstance(parsed, grammar.ParseError):
                await send_ephemeral(interaction, render.warning(parsed.message))
            elif lyrics_mode == "write":
                # Checked first, so the form only opens for a request that can be made.
                modal = LyricsModal(
                    title="Lyrics for your song",
                    lyrics=render.LYRICS_TEMPLATE,
                    on_lyrics=functools.partial(self._lyrics_written, parsed),
                )
                await interaction.response.send_modal(modal)
            else:
                await self.submit(interaction, parsed)

    async def _lyrics_written(
        self, base: SongRequest, interaction: discord.Interaction[Any], lyrics: str
    ) -> None:
        parsed = grammar.build_request(
            tags=base.tags_text,
            duration=base.duration,
            seed=base.seed,
            lyrics=lyrics,
            private=base.private,
        )
        if isinstance(parsed, grammar.ParseError):
            await send_ephemeral(interaction, render.warning(parsed.message))
            return
        await self.submit(interaction, parsed)

    # -- buttons -------------------------------------------------------------------------

    async def retake(self, interaction: discord.Interaction[Any], job_id: str) -> None:
        async with apologise_on_error(interaction):
            job = await self._job_or_say(interaction, job_id)
            if job is not None:
                await self.submit(interaction, job.request.model_copy(update={"seed": None}))

    async def edit_lyrics(self, interaction: discord.Interaction[Any], job_id: str) -> None:
        async with apologise_on_error(interaction):
            await self._edit_lyrics(interaction, job_id)

    async def _edit_lyrics(self, interaction: discord.Interaction[Any], job_id: str) -> None:
        job = await self._job_or_say(interaction, job_id)
        if job is None:
            return
        # Keep the seed actually used, so only the words change.
        base = job.request.model_copy(update={"seed": job.seed})
        modal = LyricsModal(
            title="Edit the lyrics",
            lyrics="" if job.request.instrumental else job.request.lyrics,
            on_lyrics=functools.partial(self._lyrics_written, base),
        )
        await interaction.response.send_modal(modal)

    async def same_seed(self, interaction: discord.Interaction[Any], job_id: str) -> None:
        async with apologise_on_error(interaction):
            await self._same_seed(interaction, job_id)

    async def _same_seed(self, interaction: discord.Interaction[Any], job_id: str) -> None:
        job = await self._job_or_say(interaction, job_id)
        if job is None:
            return
        command = grammar.format_command(job.request.model_copy(update={"seed": job.seed}))
        text = render.same_seed_text(job.id, job.seed, command)
        if len(text) <= render.MAX_CONTENT:
            await send_ephemeral(interaction, text)
            return
        # Long lyrics: a clipped command would make another song, so it comes whole as a file.
        file = discord.File(io.BytesIO(command.encode()), filename=f"songbot-{job.id}.txt")
        await send_ephemeral(interaction, render.same_seed_text(job.id, job.seed, None), file=file)

    async def _job_or_say(self, interaction: discord.Interaction[Any], job_id: str) -> Job | None:
        job = await self.core.get_job(job_id)
        if job is None:
            await send_ephemeral(
                interaction, render.warning(f"Song `{job_id}` is no longer known to me.")
            )
        return job

    # -- the acknowledgement -------------------------------------------------------------

    async def submit(self, interaction: discord.Interaction[Any], request: SongRequest) -> None:
        """Ask the core for a song and acknowledge with the status message (or the error)."""
        target = target_from_interaction(interaction, ephemeral=request.private, now=self.clock())
        origin = origin_from_interaction(interaction, target)
        self.book.expect(target.interaction_id)
        try:
            reply, deferred = await in_window(
                interaction,
                self.core.request_song(origin, request),
                budget=self.ack_budget_seconds,
                ephemeral=request.private,
            )
            if not reply.ok or reply.job is None:
                if deferred and not request.private:
                    # The deferral is public, and ephemerality cannot change now: remove it,
                    # so the refusal reaches only the requester.
                    await interaction.delete_original_response()
                await send_ephemeral(interaction, render.warning(reply.text))
                return
            job = reply.job
            line = render.progress_line(JobState.QUEUED, reply.position, 0.0)
            message_id = await self._answer(
                interaction,
                render.status_text(job, line),
                deferred=deferred,
                ephemeral=request.private,
            )
            target = target.with_status(message_id)
            self.book.remember(job.id, target)
            await self.core.set_reply_state(job.id, target.to_state())
        finally:
            self.book.acknowledged(target.interaction_id)

    async def _answer(
        self, interaction: discord.Interaction[Any], text: str, *, deferred: bool, ephemeral: bool
    ) -> int:
        if deferred:
            edited = await interaction.edit_original_response(
                content=text, allowed_mentions=render.NO_MENTIONS
            )
            return edited.id
        callback = await interaction.response.send_message(
            text, ephemeral=ephemeral, allowed_mentions=render.NO_MENTIONS
        )
        if callback.message_id is not None:
            return callback.message_id
        return (await interaction.original_response()).id
