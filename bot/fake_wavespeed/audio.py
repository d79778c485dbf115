"""Real audio files for the fake's outputs, rendered once per distinct request and cached."""

from __future__ import annotations

import asyncio
import importlib
import io
import wave
from typing import Any

import numpy as np

from bot.backends.base import GenerationSpec

CONTENT_TYPES = {"wav": "audio/wav", "mp3": "audio/mpeg"}


def render_samples(spec: GenerationSpec, sample_rate: int) -> np.ndarray[Any, Any]:
    """(n, 2) float32 in -1..1: the offline renderer when present, else a plain chord."""
    try:
        render: Any = importlib.import_module("bot.render").render_song
    except (ImportError, AttributeError):
        return _chord(spec, sample_rate)
    samples: np.ndarray[Any, Any] = render(spec, sample_rate=sample_rate)
    return samples


def _chord(spec: GenerationSpec, sample_rate: int) -> np.ndarray[Any, Any]:
    t = np.arange(int(spec.duration * sample_rate), dtype=np.float32) / sample_rate
    root = 110.0 * 2 ** ((abs(spec.seed) % 12) / 12)
    tone = sum(np.sin(2 * np.pi * root * ratio * t) for ratio in (1.0, 1.25, 1.5))
    mono = (0.2 * tone * (0.6 + 0.4 * np.sin(2 * np.pi * 2 * t))).astype(np.float32)
    return np.stack([mono, mono], axis=1)


def encode_wav(samples: np.ndarray[Any, Any], sample_rate: int) -> bytes:
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(pcm.shape[1])
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        wav.writeframes(pcm.tobytes())
    return out.getvalue()


def encode(samples: np.ndarray[Any, Any], sample_rate: int, fmt: str) -> bytes:
    if fmt == "mp3":
        encode_mp3: Any = importlib.import_module("bot.audio").encode_mp3
        data: bytes = encode_mp3(samples, sample_rate)
        return data
    return encode_wav(samples, sample_rate)


class OutputCache:
    """Renders each distinct (spec, format) once, off the event loop."""

    def __init__(self, sample_rate: int, max_seconds: float | None) -> None:
        self._sample_rate = sample_rate
        self._max_seconds = max_seconds
        self._files: dict[tuple[GenerationSpec, str], asyncio.Future[bytes]] = {}

    async def get(self, spec: GenerationSpec, fmt: str) -> bytes:
        if self._max_seconds is not None:
            spec = GenerationSpec(
                spec.tags,
                spec.lyrics,
                max(1, min(spec.duration, int(self._max_seconds))),
                spec.seed,
            )
        key = (spec, fmt)
        future = self._files.get(key)
        if future is None:
            loop = asyncio.get_running_loop()
            future = loop.run_in_executor(None, self._render, spec, fmt)
            self._files[key] = future
        return await asyncio.shield(future)

    def _render(self, spec: GenerationSpec, fmt: str) -> bytes:
        return encode(render_samples(spec, self._sample_rate), self._sample_rate, fmt)
