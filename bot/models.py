"""Platform-neutral values shared by the core, storage and adapters.

Adapters turn platform events into an `Origin` (who asked, where to answer) plus a
`SongRequest` (what to make). The core answers with a `Reply` straight away and later sends
`JobEvent`s for the job through the adapter's `Notifier`.
"""

from __future__ import annotations

import enum
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MIN_DURATION = 5
MAX_DURATION = 240
DEFAULT_DURATION = 60
MIN_SEED = -1
MAX_SEED = 2_147_483_647
MAX_TAGS_CHARS = 300
MAX_LYRICS_CHARS = 4000
INSTRUMENTAL_MARKERS = ("[inst]", "[instrumental]")


class SongRequest(BaseModel):
    """What a user asked for, already validated (see `bot.grammar`)."""

    model_config = ConfigDict(frozen=True)

    tags: tuple[str, ...] = Field(min_length=1)
    duration: int = Field(default=DEFAULT_DURATION, ge=MIN_DURATION, le=MAX_DURATION)
    seed: int | None = Field(default=None, ge=0, le=MAX_SEED)
    """None means "pick a random seed"; the seed actually used is stored on the job."""
    lyrics: str = ""
    private: bool = False

    @property
    def tags_text(self) -> str:
        return ", ".join(self.tags)

    @property
    def instrumental(self) -> bool:
        text = self.lyrics.strip().lower()
        return text == "" or text in INSTRUMENTAL_MARKERS


class Origin(BaseModel):
    """Who asked and where the answer goes. `reply` is adapter-owned opaque data."""

    model_config = ConfigDict(frozen=True)

    platform: str
    user_id: str
    user_name: str = ""
    server_id: str | None = None
    """Discord guild or Slack workspace; None in DMs and the console."""
    channel_id: str | None = None
    reply: dict[str, str] = Field(default_factory=dict)

    @property
    def user_key(self) -> str:
        return f"{self.platform}:{self.user_id}"

    @property
    def server_key(self) -> str | None:
        return f"{self.platform}:{self.server_id}" if self.server_id else None

    @property
    def display_name(self) -> str:
        return self.user_name or self.user_id


class JobState(enum.StrEnum):
    QUEUED = "queued"
    SUBMITTED = "submitted"
    GENERATING = "generating"
    DELIVERING = "delivering"
    DELIVERED = "delivered"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (JobState.DELIVERED, JobState.FAILED, JobState.CANCELLED)


class SongResult(BaseModel):
    """The finished MP3 on disk, ready to deliver."""

    path: Path
    title: str
    duration_seconds: float
    size_bytes: int
    nsfw: bool = False


class Job(BaseModel):
    id: str
    origin: Origin
    request: SongRequest
    seed: int
    """The seed actually used (resolved from a random pick when the request had none)."""
    backend: str
    state: JobState = JobState.QUEUED
    cost_micros: int = 0
    task_id: str | None = None
    submit_started_at: datetime | None = None
    """Set just before the backend submit is sent; with no task_id, its outcome is unknown."""
    result: SongResult | None = None
    error: str | None = None
    reply_state: dict[str, str] = Field(default_factory=dict)
    """Adapter-owned, persisted (status message ids and the like)."""
    created_at: datetime
    updated_at: datetime


class Progress(BaseModel):
    kind: Literal["progress"] = "progress"
    state: JobState
    position: int | None = None
    """1-based place in the local queue while queued."""
    elapsed_seconds: float = 0.0


class Delivered(BaseModel):
    kind: Literal["delivered"] = "delivered"
    song: SongResult


class Failed(BaseModel):
    kind: Literal["failed"] = "failed"
    message: str
    """Friendly, user-facing."""


class Cancelled(BaseModel):
    kind: Literal["cancelled"] = "cancelled"


JobEvent = Progress | Delivered | Failed | Cancelled


class Reply(BaseModel):
    """The core's immediate answer to a command.

    `text` uses a small markdown subset both platforms render: **bold**, `code`, line breaks.
    """

    text: str
    ok: bool = True
    job: Job | None = None
    """Set when a song request was accepted."""
    position: int | None = None
