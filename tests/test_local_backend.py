"""The offline `local` backend satisfies the Backend protocol and returns preview MP3s."""

from __future__ import annotations

from bot.audio import detect_format, duration_seconds
from bot.backends.base import Backend, GenerationSpec
from bot.backends.local import LocalBackend

SPEC = GenerationSpec(tags="lofi, chill", lyrics="[verse]\nhello there", duration=5, seed=7)


def test_is_a_backend() -> None:
    backend: Backend = LocalBackend()
    assert backend.name == "local"
    assert backend.submit_is_idempotent is True
    assert backend.max_concurrency is None and backend.max_per_minute is None


async def test_submit_is_a_stable_id_from_the_spec() -> None:
    backend = LocalBackend()
    await backend.start()
    first = await backend.submit(SPEC)
    assert first.startswith("local-")
    assert await backend.submit(SPEC) == first
    assert await LocalBackend().submit(SPEC) == first
    other = GenerationSpec(SPEC.tags, SPEC.lyrics, SPEC.duration, seed=8)
    assert await backend.submit(other) != first
    await backend.aclose()


async def test_wait_reports_progress_and_returns_an_mp3() -> None:
    backend = LocalBackend()
    statuses: list[str] = []

    async def on_progress(status: str) -> None:
        statuses.append(status)

    task_id = await backend.submit(SPEC)
    audio = await backend.wait(task_id, SPEC, on_progress)
    assert statuses == ["processing"]
    assert audio.content_type == "audio/mpeg"
    assert not audio.nsfw
    assert detect_format(audio.data, audio.content_type) == "mp3"
    assert not audio.data.startswith(b"ID3"), "untagged: the core adds the tag"
    assert 5.0 <= duration_seconds(audio.data) < 5.1
    again = await backend.wait(task_id, SPEC, on_progress)
    assert again.data == audio.data
