"""Starting a song from Slack: pick where it goes, prove the bot can post there, ask the core.

The status message is posted *before* the core sees the request, so (1) no budget is held
for a song that could never be delivered, and (2) the job's `Origin.reply` already names the
status message, leaving no window in which progress notices have nowhere to go.
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from adapters.slack import blocks
from adapters.slack.channels import Asker, Channels, unreachable_text
from adapters.slack.status import (
    DELIVER_CHANNEL,
    RESPONSE_URL,
    STATUS_CHANNEL,
    STATUS_TS,
    StatusBoard,
)
from bot.core import SongBot
from bot.models import JobState, SongRequest

log = logging.getLogger(__name__)


class SongStarter:
    def __init__(self, core: SongBot, channels: Channels, board: StatusBoard) -> None:
        self.core = core
        self.channels = channels
        self.board = board

    async def start(self, asker: Asker, request: SongRequest) -> None:
        target = await self._destination(asker, request)
        if target is None:
            return
        try:
            status_ts = await self.channels.post(target, blocks.pending_status(request))
        except SlackApiError as exc:
            error = str(exc.response.get("error"))
            log.info("slack: cannot post in %s for %s: %s", target, asker.user_id, error)
            await self.channels.tell(asker, unreachable_text(self.channels.bot_name, error))
            return
        reply_state = {STATUS_CHANNEL: target, STATUS_TS: status_ts, DELIVER_CHANNEL: target}
        if asker.response_url:
            reply_state[RESPONSE_URL] = asker.response_url
        try:
            reply = await self.core.request_song(asker.origin(reply_state), request)
        except Exception:
            await self.channels.delete(target, status_ts)  # the caller tells the user
            raise
        if not reply.ok or reply.job is None:
            await self.channels.delete(target, status_ts)
            await self.channels.tell(asker, reply.text)
            return
        job = reply.job
        await self.board.show(
            job, JobState.QUEUED, blocks.status(job, JobState.QUEUED, reply.position)
        )
        note = "\nI'll send it to you by direct message." if request.private else ""
        await self.channels.tell(asker, reply.text + note)

    async def _destination(self, asker: Asker, request: SongRequest) -> str | None:
        """The DM for private songs, else the channel (joined if public). None: user told."""
        if request.private:
            try:
                return await self.channels.open_dm(asker.user_id)
            except SlackApiError as exc:
                log.warning("slack: conversations.open for %s failed: %s", asker.user_id, exc)
                await self.channels.tell(asker, "I couldn't open a direct message with you.")
                return None
        if not asker.channel_id:
            await self.channels.tell(asker, "I can't tell which channel this came from.")
            return None
        await self.channels.join(asker.channel_id)
        return asker.channel_id
