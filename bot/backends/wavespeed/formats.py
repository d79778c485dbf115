"""Which audio container a download is: magic bytes first, the Content-Type as a hint.

WaveSpeed does not document the output format (ACE-Step writes WAV; hosted variants often
MP3), so it is detected, never assumed.
"""

from __future__ import annotations

from typing import Literal

AudioFormat = Literal["mp3", "wav", "flac", "ogg"]

MIME_TYPES: dict[AudioFormat, str] = {
    "mp3": "audio/mpeg",
    "wav": "audio/wav",
    "flac": "audio/flac",
    "ogg": "audio/ogg",
}
_TYPE_HINTS: dict[str, AudioFormat] = {
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
    "audio/wav": "wav",
    "audio/wave": "wav",
    "audio/x-wav": "wav",
    "audio/vnd.wave": "wav",
    "audio/flac": "flac",
    "audio/x-flac": "flac",
    "audio/ogg": "ogg",
    "application/ogg": "ogg",
}


def sniff(head: bytes) -> AudioFormat | None:
    """The format from the first bytes of a file, or None."""
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"fLaC":
        return "flac"
    if head[:4] == b"OggS":
        return "ogg"
    if head[:3] == b"ID3":
        return "mp3"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06:
        return "mp3"  # an MPEG audio frame sync with a layer set
    return None


def detect_format(data: bytes, content_type: str | None) -> AudioFormat | None:
    """Magic bytes win; the declared type is only trusted when the bytes are inconclusive
    but still look like MPEG audio (some encoders pad the start)."""
    found = sniff(data[:16])
    if found:
        return found
    declared = _TYPE_HINTS.get((content_type or "").split(";")[0].strip().lower())
    if declared == "mp3" and b"\xff\xfb" in data[:4096]:
        return "mp3"
    return None
