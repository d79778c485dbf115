"""Where a job's messages go on Discord, and how that is persisted with the job.

A `ReplyTarget` is written into the job's `Origin.reply` when the job is created (so even the
very first progress notice knows the interaction token) and into `Job.reply_state` once the
acknowledgement has been sent (adding the status message id). Both are plain `dict[str, str]`
owned by this adapter and survive restarts in the job store.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

import discord

from bot.models import Job, Origin

TOKEN_LIFETIME_SECONDS = 15 * 60
TOKEN_SAFETY_SECONDS = 60
"""Stop using a token a minute early: an upload can take a while."""


@dataclass(frozen=True)
class ReplyTarget:
    interaction_id: str
    app_id: str
    token: str
    token_created_at: float
    """Unix time the interaction arrived; its token dies 15 minutes later."""
    channel_id: str
    user_id: str
    ephemeral: bool
    filesize_limit: int
    """The interaction's `attachment_size_limit` in bytes (depends on the guild's boosts)."""
    status_message_id: str = ""
    result_message_id: str = ""
    """Set once the song is posted, so a retried delivery never posts twice."""

    def token_alive(self, now: float) -> bool:
        return now < self.token_created_at + TOKEN_LIFETIME_SECONDS - TOKEN_SAFETY_SECONDS

    def to_state(self) -> dict[str, str]:
        state = {name: str(value) for name, value in asdict(self).items()}
        state["ephemeral"] = "1" if self.ephemeral else "0"
        return state

    @classmethod
    def from_state(cls, state: dict[str, str]) -> ReplyTarget | None:
        """Rebuild from persisted data; None when it is missing or not ours."""
        try:
            return cls(
                interaction_id=state["interaction_id"],
                app_id=state["app_id"],
                token=state["token"],
                token_created_at=float(state["token_created_at"]),
                channel_id=state["channel_id"],
                user_id=state["user_id"],
                ephemeral=state["ephemeral"] == "1",
                filesize_limit=int(state["filesize_limit"]),
                status_message_id=state.get("status_message_id", ""),
                result_message_id=state.get("result_message_id", ""),
            )
        except (KeyError, ValueError):
            return None

    @classmethod
    def for_job(cls, job: Job) -> ReplyTarget | None:
        """The freshest target of a job: its reply_state over its origin's creation data."""
        return cls.from_state({**job.origin.reply, **job.reply_state})

    def with_status(self, message_id: int | str) -> ReplyTarget:
        return replace(self, status_message_id=str(message_id))

    def with_result(self, message_id: int | str) -> ReplyTarget:
        return replace(self, result_message_id=str(message_id))


def target_from_interaction(
    interaction: discord.Interaction[Any], *, ephemeral: bool, now: float
) -> ReplyTarget:
    return ReplyTarget(
        interaction_id=str(interaction.id),
        app_id=str(interaction.application_id),
        token=interaction.token,
        token_created_at=now,
        channel_id=str(interaction.channel_id or ""),
        user_id=str(interaction.user.id),
        ephemeral=ephemeral,
        filesize_limit=interaction.filesize_limit,
    )


def origin_from_interaction(
    interaction: discord.Interaction[Any], target: ReplyTarget | None = None
) -> Origin:
    """The neutral `Origin` of an interaction; with `target`, replies can reach it later."""
    return Origin(
        platform="discord",
        user_id=str(interaction.user.id),
        user_name=interaction.user.display_name,
        server_id=str(interaction.guild_id) if interaction.guild_id else None,
        channel_id=str(interaction.channel_id) if interaction.channel_id else None,
        reply=target.to_state() if target else {},
    )


ACK_WAIT_SECONDS = 10.0


class TargetBook:
    """The adapter's memory of reply targets.

    A job can start (and notify) before its acknowledgement has been sent, and the runner
    hands `notify` the job as it was when queued. So the flow registers each acknowledgement
    in flight (`expect` … `acknowledged`) and the finished targets (`remember`), and `resolve`
    waits for an acknowledgement in flight, then prefers memory over the job's stored data.
    """

    def __init__(self) -> None:
        self._acks: dict[str, asyncio.Event] = {}
        self._targets: dict[str, ReplyTarget] = {}

    def expect(self, interaction_id: str) -> None:
        self._acks[interaction_id] = asyncio.Event()

    def acknowledged(self, interaction_id: str) -> None:
        event = self._acks.pop(interaction_id, None)
        if event is not None:
            event.set()

    def remember(self, job_id: str, target: ReplyTarget) -> None:
        self._targets[job_id] = target

    def forget(self, job_id: str) -> None:
        self._targets.pop(job_id, None)

    async def resolve(
        self, job: Job, stored: Callable[[], Awaitable[Job | None]]
    ) -> ReplyTarget | None:
        """The latest target of `job`; `stored` re-reads the job (after a restart)."""
        created = ReplyTarget.for_job(job)
        if created is not None and (event := self._acks.get(created.interaction_id)):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), ACK_WAIT_SECONDS)
        if (known := self._targets.get(job.id)) is not None:
            return known
        fresh = await stored()
        return ReplyTarget.for_job(fresh or job)
