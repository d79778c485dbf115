"""Test doubles at the core's own ports: an in-memory backend and a recording notifier.

These stand in for the platform/backends the way errbot's test backend does; the real
backends and adapters are tested against wire-level fakes in their own test packages.
"""

from __future__ import annotations

import asyncio
import io
import math
import socket
import struct
import wave
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bot.backends.base import BackendError, GeneratedAudio, GenerationSpec, ProgressCallback
from bot.core import SongBot
from bot.models import Delivered, Job, JobEvent, JobState
from bot.settings import Settings, load_settings
from storage.db import Database


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (for servers that need it before they start)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wav_bytes(seconds: float = 0.5, rate: int = 44100) -> bytes:
    frames = int(seconds * rate)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(rate)
        samples = (int(8000 * math.sin(2 * math.pi * 440 * i / rate)) for i in range(frames))
        out.writeframes(b"".join(struct.pack("<hh", s, s) for s in samples))
    return buffer.getvalue()


@dataclass
class Remote:
    """The backend service's side: survives a songbot restart."""

    submits: list[GenerationSpec] = field(default_factory=list)
    waits: list[str] = field(default_factory=list)
    hold_submit: bool = False
    hold_tasks: bool = False
    released: asyncio.Event = field(default_factory=asyncio.Event)
    failures: dict[str, BackendError] = field(default_factory=dict)
    submit_error: BackendError | None = None
    submit_errors: list[BackendError] = field(default_factory=list)
    """Raised by the next submits, one each, before `submit_error` applies."""


class ScriptedBackend:
    name = "scripted"
    submit_is_idempotent = False

    def __init__(
        self, remote: Remote, *, max_concurrency: int | None = None, idempotent: bool = False
    ) -> None:
        self.remote = remote
        self.max_concurrency = max_concurrency
        self.max_per_minute: int | None = None
        self.submit_is_idempotent = idempotent

    async def start(self) -> None:
        return None

    async def aclose(self) -> None:
        return None

    async def submit(self, spec: GenerationSpec) -> str:
        self.remote.submits.append(spec)
        if self.remote.submit_errors:
            raise self.remote.submit_errors.pop(0)
        if self.remote.submit_error is not None:
            raise self.remote.submit_error
        if self.remote.hold_submit:
            await asyncio.Event().wait()  # never answers: the outcome stays unknown
        return f"task-{len(self.remote.submits)}"

    async def wait(
        self, task_id: str, spec: GenerationSpec, on_progress: ProgressCallback
    ) -> GeneratedAudio:
        self.remote.waits.append(task_id)
        await on_progress("processing")
        if self.remote.hold_tasks:
            await self.remote.released.wait()
        if task_id in self.remote.failures:
            raise self.remote.failures[task_id]
        return GeneratedAudio(data=wav_bytes(), content_type="audio/wav")


class RecordingNotifier:
    def __init__(self, platform: str = "console", *, block_delivery: bool = False) -> None:
        self.platform = platform
        self.events: list[tuple[str, JobEvent]] = []
        self.block_delivery = block_delivery
        self.delivery_started = asyncio.Event()

    async def notify(self, job: Job, event: JobEvent) -> None:
        if isinstance(event, Delivered):
            self.delivery_started.set()
            if self.block_delivery:
                await asyncio.Event().wait()
        self.events.append((job.id, event))

    def kinds(self, job_id: str) -> list[str]:
        return [event.kind for jid, event in self.events if jid == job_id]

    def delivered(self, job_id: str) -> list[Delivered]:
        return [e for jid, e in self.events if jid == job_id and isinstance(e, Delivered)]


BUDGETED: dict[str, object] = {
    "songbot_budget_local": True,
    "songbot_price_per_second_usd": "0.0002",
    "songbot_user_budget_usd": "0.50",
    "songbot_budget_period": "day",
    "songbot_server_budget_usd": None,
}
"""Budgets on for the offline backend, at WaveSpeed's price, with the documented defaults."""


def settings_for(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "songbot_db": tmp_path / "songbot.sqlite3",
        "songbot_out_dir": tmp_path / "songs",
        "songbot_backend": "local",
    }
    values.update(overrides)
    return load_settings(**values)


def scripted_core(settings: Settings, backend: ScriptedBackend) -> SongBot:
    return SongBot(settings, Database(settings.songbot_db), backend)  # type: ignore[arg-type]


async def wait_for_state(core: SongBot, job_id: str, *states: JobState, timeout: float = 20) -> Job:
    async def poll() -> Job:
        while True:
            job = await core.get_job(job_id)
            if job is not None and job.state in states:
                return job
            await asyncio.sleep(0.01)

    return await asyncio.wait_for(poll(), timeout)


def events_by_job(notifier: RecordingNotifier) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for job_id, event in notifier.events:
        grouped[job_id].append(event.kind)
    return grouped
