"""Fitting a song under the upload limit Discord gave us for this interaction.

The limit comes from the interaction (`attachment_size_limit`: 10 MiB by default, more on
boosted servers) and is stored with the job; nothing here assumes a number. A song that is too
large is re-encoded at the highest standard MP3 bitrate that should fit (ID3 tags are kept by
`bot.audio.reencode_mp3`); below `MIN_KBPS` music sounds broken, so then it is not uploaded.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bot import audio
from bot.models import SongResult

BITRATES_KBPS = (128, 112, 96, 80, 64, 56, 48, 40, 32)
MIN_KBPS = 32
HEADROOM = 0.95
"""Share of the limit the audio frames may use: the rest is for ID3 tags and padding."""


@dataclass(frozen=True)
class Upload:
    data: bytes
    filename: str
    reencoded_kbps: int | None = None


@dataclass(frozen=True)
class TooLarge:
    size: int
    limit: int


def bitrates_to_try(duration_seconds: float, limit_bytes: int) -> list[int]:
    """The best bitrate expected to fit, then one step lower in case it did not."""
    budget_kbps = limit_bytes * 8 * HEADROOM / max(duration_seconds, 1.0) / 1000
    return [kbps for kbps in BITRATES_KBPS if MIN_KBPS <= kbps <= budget_kbps][:2]


def upload_name(song: SongResult) -> str:
    # Discord shows files named SPOILER_… blurred until clicked.
    return f"SPOILER_{song.path.name}" if song.nsfw else song.path.name


async def fit_song(song: SongResult, limit_bytes: int) -> Upload | TooLarge:
    data = await asyncio.to_thread(song.path.read_bytes)
    name = upload_name(song)
    if len(data) <= limit_bytes:
        return Upload(data, name)
    for kbps in bitrates_to_try(song.duration_seconds, limit_bytes):
        smaller = await asyncio.to_thread(audio.reencode_mp3, data, kbps)
        if len(smaller) <= limit_bytes:
            return Upload(smaller, name, reencoded_kbps=kbps)
    return TooLarge(size=len(data), limit=limit_bytes)
