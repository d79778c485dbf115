"""The one status message per job, edited as the job moves — and not too often.

A change of state (queued → generating → uploading) is shown at once; repeats of the same
state (queue positions, elapsed-time heartbeats) at most every `min_interval` seconds. Once a
job's final line is shown, late progress notices are ignored. Never raises: a status edit is
a courtesy, the result message is what matters.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import discord

from adapters.discord import render
from adapters.discord.delivery import Poster
from adapters.discord.target import ReplyTarget
from bot.models import Job, Progress

log = logging.getLogger(__name__)


class StatusBoard:
    def __init__(
        self,
        poster: Poster,
        *,
        min_interval: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.poster = poster
        self.min_interval = min_interval
        self.clock = clock
        self._last: dict[str, tuple[str, float]] = {}
        """Job id → (state shown, when)."""
        self._closed: set[str] = set()
        self._locks: dict[str, asyncio.Lock] = {}

    async def progress(self, job: Job, target: ReplyTarget, event: Progress) -> None:
        async with self._lock(job.id):
            if job.id in self._closed:
                return
            shown = self._last.get(job.id)
            now = self.clock()
            if shown and shown[0] == event.state and now - shown[1] < self.min_interval:
                return
            line = render.progress_line(event.state, event.position, event.elapsed_seconds)
            if await self._edit(job, target, line):
                self._last[job.id] = (event.state, now)

    async def close(self, job: Job, target: ReplyTarget, line: str) -> bool:
        """Show the final line; True if the message was edited."""
        async with self._lock(job.id):
            self._closed.add(job.id)
            self._last.pop(job.id, None)
            edited = await self._edit(job, target, line)
        self._locks.pop(job.id, None)
        return edited

    def _lock(self, job_id: str) -> asyncio.Lock:
        return self._locks.setdefault(job_id, asyncio.Lock())

    async def _edit(self, job: Job, target: ReplyTarget, line: str) -> bool:
        if not target.status_message_id:
            return False
        try:
            return await self.poster.edit(target, render.status_text(job, line))
        except discord.HTTPException as exc:
            log.info("job %s: status edit refused: %s", job.id, exc)
            return False
        except Exception:
            log.warning("job %s: status edit failed", job.id, exc_info=True)
            return False
