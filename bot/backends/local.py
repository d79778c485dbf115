"""The `local` backend: the offline preview renderer, not ACE-Step.

It composes and synthesises a stand-in song with numpy (`bot.render`) from the same tags,
lyrics, duration and seed the real model would get, so the bot can be run, demoed and tested
without a GPU, a network or a paid account. Rendering is deterministic, which makes `submit`
idempotent: the task id is a hash of the spec and `wait` can always render it again.
"""

from __future__ import annotations

import asyncio

from bot.audio import encode_mp3
from bot.backends.base import GeneratedAudio, GenerationSpec, ProgressCallback
from bot.render import render_song
from bot.render.styles import stable_hash

SAMPLE_RATE = 44100


class LocalBackend:
    name = "local"
    submit_is_idempotent = True
    max_concurrency: int | None = None
    max_per_minute: int | None = None

    async def start(self) -> None:
        return None

    async def aclose(self) -> None:
        return None

    async def submit(self, spec: GenerationSpec) -> str:
        return task_id_for(spec)

    async def wait(
        self, task_id: str, spec: GenerationSpec, on_progress: ProgressCallback
    ) -> GeneratedAudio:
        await on_progress("processing")
        data = await asyncio.to_thread(render_mp3, spec)
        return GeneratedAudio(data=data, content_type="audio/mpeg")


def task_id_for(spec: GenerationSpec) -> str:
    digest = stable_hash(spec.tags, spec.lyrics, spec.duration, spec.seed)
    return f"local-{digest:016x}"


def render_mp3(spec: GenerationSpec) -> bytes:
    """The untagged preview MP3 for `spec` (the job runner adds the ID3 tag)."""
    return encode_mp3(render_song(spec, SAMPLE_RATE), SAMPLE_RATE)
