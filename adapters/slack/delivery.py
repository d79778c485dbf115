"""The Slack notifier: job notices become status edits; a finished song becomes an upload.

`Delivered` uploads the MP3 with files_upload_v2 (getUploadURLExternal → upload →
completeUploadExternal), then posts the result buttons and marks the status done. Upload
refusals that retrying cannot fix become `DeliveryError`s with a message for the user (the
runner turns them into a `Failed` notice); transient ones propagate so the runner retries.
The uploaded file id is persisted in the job's reply state, so a retry or a restart never
posts the same song twice.
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from adapters.slack import blocks
from adapters.slack.channels import NOT_MEMBER_ERRORS, Asker, Channels, unreachable_text
from adapters.slack.status import DELIVER_CHANNEL, RESPONSE_URL, StatusBoard
from bot.core import SongBot
from bot.models import Cancelled, Delivered, Failed, Job, JobEvent, JobState, Progress, SongResult
from bot.ports import DeliveryError

log = logging.getLogger(__name__)

FILE_ID = "file_id"
RESULT_TS = "result_ts"
"""Keys of the job's persisted reply state."""

TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
_REFUSALS = {
    "file_uploads_disabled": "File uploads are turned off in this workspace.",
    "file_upload_size_restricted": "This workspace does not allow files this large.",
    "missing_scope": "The bot lacks the Slack permission to upload files (`files:write`).",
}


def refusal_text(error: str, bot_name: str) -> str:
    if error in NOT_MEMBER_ERRORS:
        return unreachable_text(bot_name, error) + " Your song was made but could not be posted."
    return _REFUSALS.get(error, f"Slack refused the upload (`{error}`).")


class SlackDelivery:
    def __init__(self, core: SongBot, channels: Channels, board: StatusBoard) -> None:
        self.core = core
        self.channels = channels
        self.board = board

    async def notify(self, job: Job, event: JobEvent) -> None:
        if isinstance(event, Delivered):
            await self.deliver(job, event.song)
            return
        try:
            await self._notice(job, event)
        except Exception:  # a notice must never break the job
            log.exception("slack: %s notice for job %s failed", event.kind, job.id)

    async def _notice(self, job: Job, event: JobEvent) -> None:
        if isinstance(event, Progress):
            message = blocks.status(job, event.state, event.position, event.elapsed_seconds)
            await self.board.show(job, event.state, message)
        elif isinstance(event, Failed):
            shown = await self.board.show(
                job, JobState.FAILED, blocks.outcome(job, JobState.FAILED, event.message)
            )
            if not shown:
                await self._tell_owner(job, f"Your song `{job.id}` failed: {event.message}")
        elif isinstance(event, Cancelled):
            await self.board.show(job, JobState.CANCELLED, blocks.outcome(job, JobState.CANCELLED))

    async def _tell_owner(self, job: Job, markdown: str) -> None:
        origin = job.origin
        asker = Asker(
            user_id=origin.user_id,
            user_name=origin.user_name,
            team_id=origin.server_id,
            channel_id=origin.channel_id,
            response_url=origin.reply.get(RESPONSE_URL),
        )
        await self.channels.tell(asker, markdown)

    # -- delivery -------------------------------------------------------------------------

    async def deliver(self, job: Job, song: SongResult) -> None:
        current = await self.core.get_job(job.id) or job
        state = dict(current.reply_state)
        if state.get(FILE_ID):
            log.info("slack: job %s was already uploaded as %s", job.id, state[FILE_ID])
        else:
            channel = job.origin.reply.get(DELIVER_CHANNEL) or job.origin.channel_id
            if not channel:
                raise DeliveryError("I don't know where to send this song.")
            state[FILE_ID] = await self._upload(job, song, channel)
            state[DELIVER_CHANNEL] = channel
            await self.core.set_reply_state(job.id, state)
        if not state.get(RESULT_TS):
            await self._post_buttons(job, state)
        await self.board.show(job, JobState.DELIVERED, blocks.outcome(job, JobState.DELIVERED))

    async def _upload(self, job: Job, song: SongResult, channel: str) -> str:
        try:
            return await self._upload_once(job, song, channel)
        except SlackApiError as exc:
            error = str(exc.response.get("error"))
            if error in TRANSIENT_ERRORS:
                raise
            if error == "not_in_channel" and await self.channels.join(channel):
                return await self._upload_once(job, song, channel)  # was removed; back in
            log.warning("slack: upload of job %s to %s refused: %s", job.id, channel, error)
            raise DeliveryError(refusal_text(error, self.channels.bot_name)) from exc

    async def _upload_once(self, job: Job, song: SongResult, channel: str) -> str:
        response = await self.channels.client.files_upload_v2(
            channel=channel,
            file=str(song.path),
            filename=song.path.name,
            title=song.title,
            initial_comment=blocks.file_comment(job),
        )
        file = response.get("file") or {}
        return str(file.get("id") or "uploaded")

    async def _post_buttons(self, job: Job, state: dict[str, str]) -> None:
        """Best effort: the song is already delivered, the buttons are a convenience."""
        try:
            state[RESULT_TS] = await self.channels.post(
                state[DELIVER_CHANNEL], blocks.result_buttons(job)
            )
        except SlackApiError as exc:
            log.warning("slack: buttons for job %s not posted: %s", job.id, exc)
            return
        await self.core.set_reply_state(job.id, state)
