"""bot.audio: format detection, decoding, MP3 encoding, ID3 tags, transcoding."""

from __future__ import annotations

import io
import wave

import numpy as np
import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from bot.audio import (
    AudioFormatError,
    SongMetadata,
    decode,
    detect_format,
    duration_seconds,
    encode_mp3,
    reencode_mp3,
    tag_mp3,
    to_mp3,
)

RATE = 44100
META = SongMetadata(
    title="Lofi Chill",
    tags="lofi, chill, rainy night",
    seed=1234,
    duration_seconds=2.0,
    lyrics="[verse]\nhello rain",
    comment="made with songbot",
)


def tone(seconds: float = 2.0, rate: int = RATE, channels: int = 2) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    mono = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    return np.repeat(mono[:, None], channels, axis=1)


def wav_bytes(samples: np.ndarray, rate: int) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(samples.shape[1])
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((samples * 32767).astype("<i2").tobytes())
    return buffer.getvalue()


@pytest.fixture(scope="module")
def mp3() -> bytes:
    return encode_mp3(tone(), RATE)


# --- detection -------------------------------------------------------------------------------


def test_detects_generated_files(mp3: bytes) -> None:
    assert detect_format(mp3, None) == "mp3"
    assert detect_format(tag_mp3(mp3, META), None) == "mp3"
    assert detect_format(wav_bytes(tone(), RATE), None) == "wav"


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"fLaC\x00\x00\x00\x22", "flac"),
        (b"OggS\x00\x02\x00\x00", "ogg"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "wav"),
        (b"ID3\x03\x00\x00\x00\x00\x00\x00", "mp3"),
        (b"\xff\xfb\x90\x64\x00", "mp3"),
        (b"RIFF\x24\x00\x00\x00AVI LIST", None),
        (b"\xff\xf1\x50\x80", None),  # AAC ADTS, not MPEG audio
        (b"<html>error</html>", None),
        (b"", None),
    ],
)
def test_detects_by_magic_bytes(head: bytes, expected: str | None) -> None:
    assert detect_format(head + bytes(64), None) == expected


def test_magic_wins_over_content_type(mp3: bytes) -> None:
    assert detect_format(wav_bytes(tone(), RATE), "audio/mpeg") == "wav"
    assert detect_format(mp3, "audio/wav") == "mp3"
    assert detect_format(b"<html>not audio</html>", "audio/mpeg") is None


def test_content_type_hint_finds_mp3_after_junk(mp3: bytes) -> None:
    junk = b"\x00" * 100 + mp3
    assert detect_format(junk, None) is None
    assert detect_format(junk, "audio/mpeg; charset=binary") == "mp3"


# --- encode / decode -------------------------------------------------------------------------


def test_encode_is_deterministic_and_decodes_to_length(mp3: bytes) -> None:
    assert encode_mp3(tone(), RATE) == mp3
    samples, rate = decode(mp3)
    assert rate == RATE and samples.shape[1] == 2
    assert 2.0 <= duration_seconds(mp3) < 2.1


def test_encode_mono_and_48k() -> None:
    data = encode_mp3(tone(1.0, 48000)[:, 0], 48000)
    samples, rate = decode(data)
    assert rate == 48000 and samples.shape[1] == 2
    assert abs(len(samples) / rate - 1.0) < 0.1


def test_encode_rejects_rates_mp3_cannot_hold() -> None:
    with pytest.raises(ValueError, match="Hz"):
        encode_mp3(tone(0.1, 22050), 22050)


def test_decode_wav_keeps_rate_and_channels() -> None:
    samples, rate = decode(wav_bytes(tone(1.5, 48000, channels=1), 48000))
    assert rate == 48000 and samples.shape == (72000, 1)
    assert abs(float(samples.max()) - 0.5) < 0.01


@pytest.mark.parametrize(
    "data",
    [b"", b"garbage" * 100, b"ID3\x03\x00\x00\x00\x00\x00\x0a" + b"\x00" * 10 + b"x" * 500],
)
def test_decode_rejects_garbage(data: bytes) -> None:
    with pytest.raises(AudioFormatError):
        decode(data)


# --- tags ------------------------------------------------------------------------------------


def test_tags_round_trip(mp3: bytes) -> None:
    tags = ID3(io.BytesIO(tag_mp3(mp3, META)))
    assert str(tags["TIT2"]) == "Lofi Chill"
    assert str(tags["TPE1"]) == "songbot"
    assert str(tags["TALB"]) == "songbot"
    assert tags["TCON"].text == ["lofi", "chill", "rainy night"] or "lofi" in str(tags["TCON"])
    assert str(tags["TXXX:seed"]) == "1234"
    assert str(tags["TLEN"]) == "2000"
    assert tags.getall("USLT")[0].text == "[verse]\nhello rain"
    assert tags.getall("COMM")[0].text == ["made with songbot"]


def test_tagging_is_deterministic_and_replaces_old_tags(mp3: bytes) -> None:
    once = tag_mp3(mp3, META)
    assert tag_mp3(mp3, META) == once
    retitled = tag_mp3(once, SongMetadata("Other", "rock", 1, 2.0, ""))
    tags = ID3(io.BytesIO(retitled))
    assert str(tags["TIT2"]) == "Other"
    assert not tags.getall("USLT") and not tags.getall("COMM")
    assert retitled.count(b"ID3") == 1
    info = MP3(io.BytesIO(retitled)).info
    assert info is not None and info.length == pytest.approx(2.0, abs=0.1)


@pytest.mark.parametrize("lyrics", ["", "[inst]", " [Instrumental] "])
def test_instrumental_songs_have_no_lyrics_frame(mp3: bytes, lyrics: str) -> None:
    meta = SongMetadata("T", "ambient", 1, 2.0, lyrics)
    assert not ID3(io.BytesIO(tag_mp3(mp3, meta))).getall("USLT")


def test_tagged_mp3_still_decodes(mp3: bytes) -> None:
    assert 2.0 <= duration_seconds(tag_mp3(mp3, META)) < 2.1


# --- to_mp3 / reencode -----------------------------------------------------------------------


def test_to_mp3_keeps_mp3_audio_and_tags_it(mp3: bytes) -> None:
    out = to_mp3(mp3, "audio/mpeg", META)
    assert out.endswith(mp3)
    assert str(ID3(io.BytesIO(out))["TIT2"]) == "Lofi Chill"


@pytest.mark.parametrize("rate", [44100, 48000, 96000])
def test_to_mp3_transcodes_wav(rate: int) -> None:
    out = to_mp3(wav_bytes(tone(2.0, rate), rate), "audio/wav", META)
    assert detect_format(out, None) == "mp3"
    assert str(ID3(io.BytesIO(out))["TXXX:seed"]) == "1234"
    assert 2.0 <= duration_seconds(out) < 2.1


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"<html>502 Bad Gateway</html>",
        b"RIFF\x00\x00\x00\x00WAVEjunkjunk",
        b"fLaC" + b"\0" * 90,
    ],
)
def test_to_mp3_rejects_unknown_or_corrupt_data(data: bytes) -> None:
    with pytest.raises(AudioFormatError):
        to_mp3(data, "audio/mpeg", META)
    assert issubclass(AudioFormatError, ValueError)


def test_reencode_shrinks_and_keeps_tags(mp3: bytes) -> None:
    tagged = tag_mp3(mp3, META)
    small = reencode_mp3(tagged, 64)
    assert len(small) < len(tagged) / 2
    assert str(ID3(io.BytesIO(small))["TIT2"]) == "Lofi Chill"
    assert str(ID3(io.BytesIO(small))["TXXX:seed"]) == "1234"
    assert 2.0 <= duration_seconds(small) < 2.2
