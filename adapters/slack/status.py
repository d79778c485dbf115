"""The per-job status message: one Slack message edited as the job moves.

Notices can race (the accept-time "queued" edit vs. the runner's first progress notice), so
edits for one job are serialised and an edit never moves the message back to an earlier
state. Unchanged texts are not re-sent.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict

from adapters.slack.blocks import Message
from adapters.slack.channels import Channels
from bot.models import Job, JobState

STATUS_CHANNEL = "status_channel"
STATUS_TS = "status_ts"
DELIVER_CHANNEL = "deliver_channel"
RESPONSE_URL = "response_url"
"""Keys of `Origin.reply` (fixed when the job is created)."""

_RANK = {
    JobState.QUEUED: 0,
    JobState.SUBMITTED: 1,
    JobState.GENERATING: 2,
    JobState.DELIVERING: 3,
    JobState.DELIVERED: 4,
    JobState.FAILED: 4,
    JobState.CANCELLED: 4,
}
_REMEMBERED_JOBS = 2000


class StatusBoard:
    def __init__(self, channels: Channels) -> None:
        self.channels = channels
        self._shown: OrderedDict[str, tuple[int, str]] = OrderedDict()
        self._locks: dict[str, asyncio.Lock] = {}

    @staticmethod
    def location(job: Job) -> tuple[str, str] | None:
        reply = job.origin.reply
        channel, ts = reply.get(STATUS_CHANNEL), reply.get(STATUS_TS)
        return (channel, ts) if channel and ts else None

    async def show(self, job: Job, state: JobState, message: Message) -> bool:
        """Edit the job's status message; False if it has none or the edit failed."""
        where = self.location(job)
        if where is None:
            return False
        lock = self._locks.setdefault(job.id, asyncio.Lock())
        async with lock:
            rank = _RANK[state]
            last = self._shown.get(job.id)
            if last is not None and (
                rank < last[0] or (rank == last[0] and message.text == last[1])
            ):
                return True
            self._remember(job.id, (rank, message.text))
            ok = await self.channels.update(*where, message)
        if rank == _RANK[JobState.DELIVERED]:
            self._locks.pop(job.id, None)
        return ok

    def _remember(self, job_id: str, shown: tuple[int, str]) -> None:
        self._shown[job_id] = shown
        self._shown.move_to_end(job_id)
        while len(self._shown) > _REMEMBERED_JOBS:
            self._shown.popitem(last=False)
