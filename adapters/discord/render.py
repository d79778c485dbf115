"""Discord texts and embeds. Pure functions: no I/O, no client state.

The core's texts already use the markdown subset Discord renders (**bold**, `code`); this
module only adds Discord framing and keeps everything inside Discord's length limits.
"""

from __future__ import annotations

import discord

from bot.messages import acceptance_text, cost_text, progress_text
from bot.models import Job, JobState, SongResult

MAX_CONTENT = 2000
MAX_FIELD = 1024
MAX_TITLE = 256
LYRICS_TEMPLATE = "[verse]\n\n\n[chorus]\n\n"
INTERNAL_ERROR = "Something went wrong on my side. Please try again in a moment."

NO_MENTIONS = discord.AllowedMentions.none()
"""User text (tags, lyrics, names) is echoed back: it must never ping anyone."""


def clip(text: str, limit: int = MAX_CONTENT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def warning(text: str) -> str:
    return clip(f"⚠️ {text}")


def status_text(job: Job, line: str) -> str:
    """The single status message: what is being made and its cost, then where it is."""
    return clip(f"{acceptance_text(job, None)}\n**Status:** {line}")


def progress_line(state: JobState, position: int | None, elapsed: float) -> str:
    icon = {JobState.QUEUED: "⏳", JobState.DELIVERING: "📤"}.get(state, "🎛️")
    return f"{icon} {progress_text(state, position, elapsed)}"


DONE_WHERE = {
    "followup": "see below",
    "channel": "posted in this channel",
    "dm": "sent to your DMs",
}
CANCELLED_LINE = "🚫 cancelled"
FAILED_PUBLIC_LINE = "❌ this song could not be made (the details went to its requester)"


def done_line(route: str) -> str:
    return f"✅ done — {DONE_WHERE.get(route, 'sent')}"


def failed_line(message: str) -> str:
    return f"❌ failed: {message}"


def failure_text(job_id: str, message: str) -> str:
    return warning(f"Song `{job_id}` failed: {message}")


def result_embed(job: Job, song: SongResult) -> discord.Embed:
    request = job.request
    embed = discord.Embed(title=clip(f"🎵 {song.title}", MAX_TITLE), colour=0x5865F2)
    embed.add_field(name="Tags", value=clip(request.tags_text, MAX_FIELD), inline=False)
    embed.add_field(name="Duration", value=f"{request.duration} s")
    embed.add_field(name="Seed", value=f"`{job.seed}`")
    embed.add_field(name="Cost", value=cost_text(job.cost_micros))
    embed.add_field(name="Lyrics", value="instrumental" if request.instrumental else "yes")
    embed.add_field(name="Asked by", value=f"<@{job.origin.user_id}>")
    embed.set_footer(text=f"Job {job.id}")
    return embed


def same_seed_text(job_id: str, seed: int, command: str | None) -> str:
    """How to make a song again; `command` None means it is attached as a file."""
    shown = f"```\n{command}\n```" if command is not None else "(the attached file)"
    return (
        f"Song `{job_id}` used seed `{seed}`. The same request and seed make the same song "
        f"again:\n{shown}\nOn Discord: `/song` with these tags, duration and `seed: {seed}` "
        "(choose *write lyrics* and paste the lyrics if it had any)."
    )


def channel_note(user_id: str) -> str:
    """Prefix for a result posted with the bot token after the interaction expired."""
    return f"<@{user_id}>, your song is ready (the 15-minute reply window had passed)."


def dm_note(channel_id: str, *, denied: bool) -> str:
    if denied:
        return (
            f"I couldn't post your song in <#{channel_id}>: I lack permission to send messages "
            "or attach files there (ask a server admin). Here it is instead."
        )
    return f"Your private song from <#{channel_id}> is ready."


def too_large_text(size: int, limit: int, location: str) -> str:
    return clip(
        f"The song is too large to upload here ({mib(size)}; this server's limit is "
        f"{mib(limit)}), even re-encoded at a lower quality. {location}"
    )


def reencoded_note(kbps: int, limit: int) -> str:
    return f"Re-encoded at {kbps} kbps to fit this server's {mib(limit)} upload limit."


def mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB"
