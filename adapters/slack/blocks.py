"""Message payloads (fallback `text` + Block Kit `blocks`), built from jobs. Pure functions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from adapters.slack.mrkdwn import escape, mention, to_mrkdwn, truncate
from bot.messages import cost_text, describe_request, progress_text
from bot.models import Job, JobState, SongRequest

NEW_TAKE = "song_new_take"
EDIT_LYRICS = "song_edit_lyrics"
SAME_SEED = "song_same_seed"
RESULT_ACTIONS = (NEW_TAKE, EDIT_LYRICS, SAME_SEED)

_SECTION_LIMIT = 3000
_MAX_BLOCKS = 50
_FALLBACK_LIMIT = 4000
_CORE_COMMANDS = re.compile(r"`/(cancel|history|quota|help|admin)\b")

Block = dict[str, Any]


@dataclass(frozen=True)
class Message:
    text: str
    """mrkdwn; also the notification / screen-reader fallback."""
    blocks: list[Block] = field(default_factory=list)


def slack_text(markdown: str) -> str:
    """A core text for Slack: mrkdwn, and its `/cancel …` hints spelled `/song cancel …`
    (on Slack every command is a sub-command of the one `/song` slash command)."""
    return to_mrkdwn(_CORE_COMMANDS.sub(r"`/song \1", markdown))


def section(mrkdwn: str) -> Block:
    """`verbatim`: without it Slack parses a bare `@here`/`@channel` in user text into a ping
    (escaping `<`, `>` and `&` only covers the bracketed forms)."""
    text = {"type": "mrkdwn", "text": truncate(mrkdwn, _SECTION_LIMIT), "verbatim": True}
    return {"type": "section", "text": text}


def text_message(mrkdwn: str) -> Message:
    """A text as sections of at most 3000 characters each, split between lines (a history or
    an admin report can be longer than one section holds), at most 50 blocks."""
    chunks: list[str] = []
    for line in mrkdwn.split("\n"):
        if chunks and len(chunks[-1]) + 1 + len(line) <= _SECTION_LIMIT:
            chunks[-1] += "\n" + line
        else:
            chunks.append(line)
    sections = [section(chunk) for chunk in chunks if chunk.strip()][:_MAX_BLOCKS]
    return Message(text=truncate(mrkdwn, _FALLBACK_LIMIT), blocks=sections or [section(mrkdwn)])


_STATE_ICONS = {
    JobState.QUEUED: "⏳",
    JobState.SUBMITTED: "⏳",
    JobState.GENERATING: "🎛️",
    JobState.DELIVERING: "📤",
    JobState.DELIVERED: "✅",
    JobState.FAILED: "❌",
    JobState.CANCELLED: "🚫",
}


def pending_status(request: SongRequest) -> Message:
    """Posted before the core sees the request: it proves the bot can write here."""
    return text_message(f"⏳ Getting ready: *{escape(request.tags_text)}*…")


def job_headline(job: Job) -> str:
    return f"{to_mrkdwn(describe_request(job))} · job `{job.id}`"


def status(job: Job, state: JobState, position: int | None = None, elapsed: float = 0.0) -> Message:
    line = progress_text(state, position, elapsed)
    return text_message(f"{job_headline(job)}\n{_STATE_ICONS[state]} {line.capitalize()}")


def outcome(job: Job, state: JobState, detail: str = "") -> Message:
    """Final status: delivered, failed (with the friendly reason) or cancelled."""
    line = progress_text(state).capitalize()
    text = f"{job_headline(job)}\n{_STATE_ICONS[state]} {line}"
    if detail:
        text += f": {slack_text(detail)}"
    return text_message(text)


def file_comment(job: Job) -> str:
    """The MP3's comment: what it is, what it cost and who asked."""
    return (
        f"🎵 {to_mrkdwn(describe_request(job))} · {cost_text(job.cost_micros)} · "
        f"asked by {mention(job.origin.user_id)}"
    )


def result_buttons(job: Job) -> Message:
    """Posted right under the MP3: New take / Edit lyrics / Same seed (value = job id)."""
    labels = {NEW_TAKE: "New take", EDIT_LYRICS: "Edit lyrics", SAME_SEED: "Same seed"}
    buttons = [
        {
            "type": "button",
            "action_id": action,
            "text": {"type": "plain_text", "text": labels[action]},
            "value": job.id,
        }
        for action in RESULT_ACTIONS
    ]
    text = f"🎧 *{escape(job.request.tags_text)}* (job `{job.id}`): want another?"
    return Message(text=text, blocks=[section(text), {"type": "actions", "elements": buttons}])


def same_seed(command: str, seed: int) -> str:
    """The command repeating a song, in a code block ready to copy (markdown, unescaped).
    A slash command is one line and must fit one section: lyrics on several lines or very
    long ones are sent to the form instead ("Edit lyrics" keeps the seed)."""
    if "\n" in command or len(command) > _SECTION_LIMIT - 100:
        return (
            "This song's lyrics don't fit in a one-line `/song` command. Click **Edit lyrics**: "
            f"it opens the form with the same seed (`{seed}`) and settings."
        )
    return f"Same seed — send this to get the same song again:\n```{command}```"
