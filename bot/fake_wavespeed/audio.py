"""Real audio for the fake's outputs (the offline renderer), rendered once per request and cached.

WAV by default, like ACE-Step itself; MP3 like some hosted variants."""

from __future__ import annotations

import asyncio
import io
import wave
from typing import Any

import numpy as np

from bot.audio import encode_mp3
from bot.backends.base import GenerationSpec
from bot.render import render_song

CONTENT_TYPES = {"wav": "audio/wav", "mp3": "audio/mpeg"}


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
        return encode_mp3(samples, sample_rate)
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
        return encode(render_song(spec, self._sample_rate), self._sample_rate, fmt)
