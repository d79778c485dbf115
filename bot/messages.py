"""User-facing texts of the core, in the markdown subset every adapter renders:
**bold**, `code` and line breaks."""

from __future__ import annotations

from bot.budget import format_usd
from bot.grammar import SONG_USAGE
from bot.models import Job, JobState

STATE_LABELS = {
    JobState.QUEUED: "queued",
    JobState.SUBMITTED: "starting",
    JobState.GENERATING: "generating",
    JobState.DELIVERING: "uploading",
    JobState.DELIVERED: "delivered",
    JobState.FAILED: "failed",
    JobState.CANCELLED: "cancelled",
}

CONSOLE_LYRICS_HELP = (
    '**Multi-line lyrics (console):** end a `/song` line with `lyrics: """`, type the lyrics '
    'on the following lines, then a line with just `"""`.'
)


def cost_text(micros: int) -> str:
    return format_usd(micros) if micros else "free"


def describe_request(job: Job) -> str:
    request = job.request
    lyrics = "instrumental" if request.instrumental else "with lyrics"
    return f"**{request.tags_text}** · {request.duration} s · {lyrics} · seed `{job.seed}`"


def acceptance_text(job: Job, position: int | None) -> str:
    preview = " (offline preview, not ACE-Step)" if job.backend == "local" else ""
    place = f" You're #{position} in the queue." if position and position > 1 else ""
    return (
        f"🎵 Making {describe_request(job)}{preview}. Cost: **{cost_text(job.cost_micros)}**. "
        f"Job `{job.id}` (`/cancel {job.id}` to stop it).{place}"
    )


def progress_text(state: JobState, position: int | None = None, elapsed: float = 0.0) -> str:
    label = STATE_LABELS[state]
    if state is JobState.QUEUED and position:
        return f"{label} (#{position} in line)"
    if state is JobState.GENERATING and elapsed >= 1:
        return f"{label} ({int(elapsed)} s)"
    return label


def history_text(jobs: list[Job]) -> str:
    if not jobs:
        return "You have no songs yet. Try `/song lofi, chill duration: 30`."
    lines = ["**Your recent songs:**"]
    for job in jobs:
        when = job.created_at.strftime("%Y-%m-%d %H:%M UTC")
        lines.append(
            f"`{job.id}` · {STATE_LABELS[job.state]} · {job.request.tags_text} · "
            f"{job.request.duration} s · seed `{job.seed}` · {when}"
        )
    return "\n".join(lines)


def help_text(platform: str) -> str:
    parts = [
        "**songbot** makes songs from a few style tags (and optional lyrics).",
        SONG_USAGE,
        "**Other commands:** `/history` your recent songs · `/cancel <job id>` stop a song · "
        "`/quota` your budget · `/help` this text.",
    ]
    if platform == "console":
        parts.append(CONSOLE_LYRICS_HELP)
    return "\n\n".join(parts)
