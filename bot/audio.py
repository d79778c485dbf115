"""Audio I/O shared by the bot: detect, decode, encode and ID3-tag songs.

Everything here is synchronous and CPU-bound; async callers run it in `asyncio.to_thread`.

    detect_format(data, content_type) -> "mp3" | "wav" | "flac" | "ogg" | None
    decode(data) -> (float32 samples (frames, channels), sample_rate)
    encode_mp3(samples, sample_rate) -> MP3 bytes (deterministic)
    tag_mp3(mp3, SongMetadata) -> MP3 bytes with exactly our ID3v2 tag
    to_mp3(data, content_type, meta) -> the tagged MP3 the bot delivers (transcodes if needed)
    reencode_mp3(mp3, bitrate_kbps) -> a smaller MP3 with the same tag

Unknown or corrupt audio raises `AudioFormatError` (a `ValueError`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any, Literal

import lameenc
import miniaudio
import mutagen.id3
import numpy as np
import numpy.typing as npt

from bot.models import INSTRUMENTAL_MARKERS

AudioFormat = Literal["mp3", "wav", "flac", "ogg"]
Samples = npt.NDArray[np.float32]

ARTIST = "songbot"
ALBUM = "songbot"
_LAME_QUALITY = 5
"""LAME's speed/quality knob (0 best … 9 fastest); 5 encodes 4 minutes in about a second."""
_MP3_RATES = (32000, 44100, 48000)
_CONTENT_TYPES: dict[str, AudioFormat] = {
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
    "audio/mpeg3": "mp3",
    "audio/x-mpeg-3": "mp3",
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/wave": "wav",
    "audio/vnd.wave": "wav",
    "audio/flac": "flac",
    "audio/x-flac": "flac",
    "audio/ogg": "ogg",
    "application/ogg": "ogg",
    "audio/vorbis": "ogg",
}


_id3: Any = mutagen.id3
"""mutagen's frame classes are untyped; reached through an `Any` for strict mypy."""


class AudioFormatError(ValueError):
    """The bytes are not audio we can read (unknown format, or corrupt)."""


@dataclass(frozen=True)
class SongMetadata:
    title: str
    tags: str
    seed: int
    duration_seconds: float
    lyrics: str
    comment: str = ""


# --- detection ---------------------------------------------------------------------------


def detect_format(data: bytes, content_type: str | None = None) -> AudioFormat | None:
    """The container format, by magic bytes; `content_type` only helps find MP3 frames
    behind leading junk. None when the data is not recognisable audio."""
    if data.startswith(b"ID3") or _is_mpeg_frame(data, 0):
        return "mp3"
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav"
    if data.startswith(b"fLaC"):
        return "flac"
    if data.startswith(b"OggS"):
        return "ogg"
    hinted = _CONTENT_TYPES.get((content_type or "").split(";")[0].strip().lower())
    if hinted == "mp3" and _find_mpeg_frame(data[:65536]) is not None:
        return "mp3"
    return None


def _is_mpeg_frame(data: bytes, at: int) -> bool:
    """A plausible MPEG audio (layer I–III) frame header starts at `at`."""
    if len(data) < at + 4 or data[at] != 0xFF or data[at + 1] & 0xE0 != 0xE0:
        return False
    version = (data[at + 1] >> 3) & 0x3
    layer = (data[at + 1] >> 1) & 0x3
    bitrate = data[at + 2] >> 4
    rate = (data[at + 2] >> 2) & 0x3
    return version != 1 and layer != 0 and bitrate != 15 and rate != 3


def _find_mpeg_frame(data: bytes) -> int | None:
    """Offset of the first plausible MPEG frame header in `data`, if any."""
    at = data.find(b"\xff")
    while at != -1:
        if _is_mpeg_frame(data, at):
            return at
        at = data.find(b"\xff", at + 1)
    return None


# --- decode / encode ---------------------------------------------------------------------


def decode(data: bytes) -> tuple[Samples, int]:
    """All frames as float32 (frames, channels) at the file's own sample rate."""
    fmt = detect_format(data)
    try:
        if fmt == "mp3":
            sound = miniaudio.mp3_read_f32(_strip_id3(data))
        elif fmt == "wav":
            sound = miniaudio.wav_read_f32(data)
        elif fmt == "flac":
            sound = miniaudio.flac_read_f32(data)
        elif fmt == "ogg":
            sound = miniaudio.vorbis_read(data)
        else:
            raise AudioFormatError("not a recognised audio format (mp3, wav, flac or ogg)")
    except miniaudio.MiniaudioError as exc:
        raise AudioFormatError(f"could not decode the {fmt} audio: {exc}") from exc
    if sound.nchannels < 1 or sound.num_frames == 0:
        raise AudioFormatError(f"the {fmt} audio has no samples")
    raw = np.asarray(sound.samples)
    if raw.dtype == np.int16:
        samples = raw.astype(np.float32) / np.float32(32768.0)
    else:
        samples = raw.astype(np.float32, copy=False)
    return samples.reshape(-1, sound.nchannels), int(sound.sample_rate)


def duration_seconds(data: bytes) -> float:
    samples, rate = decode(data)
    return len(samples) / rate


def encode_mp3(
    samples: npt.NDArray[np.floating], sample_rate: int, bitrate_kbps: int = 192
) -> bytes:
    """Constant-bitrate stereo MP3 of float samples in [-1, 1] (mono is duplicated).

    Deterministic: the same samples always give the same bytes.
    """
    if sample_rate not in _MP3_RATES:
        raise ValueError(f"MP3 needs one of {_MP3_RATES} Hz, not {sample_rate}")
    frames = np.asarray(samples, dtype=np.float32)
    if frames.ndim == 1:
        frames = frames[:, None]
    if frames.shape[1] == 1:
        frames = np.repeat(frames, 2, axis=1)
    elif frames.shape[1] > 2:
        frames = frames[:, :2]
    pcm = np.clip(np.rint(frames * 32767.0), -32768, 32767).astype("<i2")
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(bitrate_kbps)
    encoder.set_in_sample_rate(sample_rate)
    encoder.set_channels(2)
    encoder.set_quality(_LAME_QUALITY)
    return bytes(encoder.encode(np.ascontiguousarray(pcm).tobytes())) + bytes(encoder.flush())


def reencode_mp3(data: bytes, bitrate_kbps: int) -> bytes:
    """The same song at another bitrate (e.g. to fit an upload limit), keeping its ID3 tag."""
    samples, rate = _decode_for_mp3(data)
    return _leading_id3(data) + encode_mp3(samples, rate, bitrate_kbps)


def _decode_for_mp3(data: bytes) -> tuple[Samples, int]:
    samples, rate = decode(data)
    if rate in _MP3_RATES:
        return samples, rate
    try:
        sound = miniaudio.decode(
            data, output_format=miniaudio.SampleFormat.FLOAT32, nchannels=2, sample_rate=48000
        )
    except miniaudio.MiniaudioError as exc:
        raise AudioFormatError(f"could not resample the audio: {exc}") from exc
    return np.asarray(sound.samples, dtype=np.float32).reshape(-1, 2), 48000


# --- tags --------------------------------------------------------------------------------


def tag_mp3(data: bytes, meta: SongMetadata) -> bytes:
    """`data` with any ID3 tags replaced by ours (ID3v2.3: title, artist, album, genre,
    seed, length, lyrics unless instrumental, comment). Deterministic."""
    tag = _id3.ID3()
    tag.add(_id3.TIT2(encoding=3, text=meta.title))
    tag.add(_id3.TPE1(encoding=3, text=ARTIST))
    tag.add(_id3.TALB(encoding=3, text=ALBUM))
    genres = [part.strip() for part in meta.tags.split(",") if part.strip()]
    if genres:
        tag.add(_id3.TCON(encoding=3, text=genres))
    tag.add(_id3.TXXX(encoding=3, desc="seed", text=str(meta.seed)))
    tag.add(_id3.TLEN(encoding=3, text=str(round(meta.duration_seconds * 1000))))
    lyrics = meta.lyrics.strip()
    if lyrics and lyrics.lower() not in INSTRUMENTAL_MARKERS:
        tag.add(_id3.USLT(encoding=3, lang="eng", desc="", text=meta.lyrics))
    if meta.comment:
        tag.add(_id3.COMM(encoding=3, lang="eng", desc="", text=meta.comment))
    out = io.BytesIO(_strip_id3(data))
    tag.save(out, v2_version=3, padding=lambda info: 0)
    return out.getvalue()


def to_mp3(
    data: bytes, content_type: str | None, meta: SongMetadata, bitrate_kbps: int = 192
) -> bytes:
    """The tagged MP3 the bot delivers: MP3 input is only re-tagged, other formats are
    decoded and encoded. Raises `AudioFormatError` for unknown or corrupt audio."""
    fmt = detect_format(data, content_type)
    if fmt is None:
        hint = f" (content type {content_type})" if content_type else ""
        raise AudioFormatError(f"the service returned data that is not audio{hint}")
    if fmt == "mp3":
        if not (data.startswith(b"ID3") or _is_mpeg_frame(data, 0)):
            data = data[_find_mpeg_frame(data[:65536]) or 0 :]
        decode(data)  # refuse corrupt MP3s here rather than deliver them
        return tag_mp3(data, meta)
    samples, rate = _decode_for_mp3(data)
    return tag_mp3(encode_mp3(samples, rate, bitrate_kbps), meta)


def _id3_size(data: bytes) -> int:
    """Length of the ID3v2 tag at the start of `data` (0 if none)."""
    if len(data) < 10 or not data.startswith(b"ID3"):
        return 0
    size = 0
    for byte in data[6:10]:
        size = (size << 7) | (byte & 0x7F)
    footer = 10 if data[5] & 0x10 else 0
    return 10 + size + footer


def _leading_id3(data: bytes) -> bytes:
    end = 0
    while (size := _id3_size(data[end:])) > 0:
        end += size
    return data[:end]


def _strip_id3(data: bytes) -> bytes:
    """Audio frames only: every leading ID3v2 tag and a trailing ID3v1 tag removed."""
    body = data[len(_leading_id3(data)) :]
    if len(body) >= 128 and body[-128:-125] == b"TAG":
        body = body[:-128]
    return body
