"""The backend protocol and the error family every backend maps its failures to.

A backend generates audio in two steps so that a restart never submits twice:
`submit` returns a task id that the job stores; `wait` (polling, webhooks, ...) turns a task
id into audio bytes and can be called again after a restart.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class GenerationSpec:
    tags: str
    lyrics: str
    duration: int
    seed: int


@dataclass(frozen=True)
class GeneratedAudio:
    data: bytes
    content_type: str | None = None
    nsfw: bool = False


ProgressCallback = Callable[[str], Awaitable[None]]
"""Called with a backend status ("created", "processing", ...) when it changes."""


class Backend(Protocol):
    name: str
    submit_is_idempotent: bool
    """True when re-sending a submit whose outcome is unknown costs nothing (offline backends)."""
    max_concurrency: int | None
    max_per_minute: int | None

    async def start(self) -> None: ...

    async def submit(self, spec: GenerationSpec) -> str: ...

    async def wait(
        self, task_id: str, spec: GenerationSpec, on_progress: ProgressCallback
    ) -> GeneratedAudio: ...

    async def aclose(self) -> None: ...


class BackendError(Exception):
    """A generation failure. `user_message` is safe and useful to show a chat user.

    `retryable` says whether the same step may be tried again later without risk.
    """

    default_message = "The music service failed."
    retryable = False

    def __init__(self, user_message: str | None = None, *, detail: str = "") -> None:
        self.user_message = user_message or self.default_message
        self.detail = detail
        super().__init__(self.user_message + (f" ({detail})" if detail else ""))


class AuthError(BackendError):
    default_message = (
        "The bot's music-service key is missing or invalid. Ask the bot's admin to fix it."
    )


class RateLimited(BackendError):
    default_message = "The music service is busy right now. Please try again in a minute."
    retryable = True

    def __init__(
        self, user_message: str | None = None, *, detail: str = "", retry_after: float | None = None
    ) -> None:
        super().__init__(user_message, detail=detail)
        self.retry_after = retry_after


class OutOfBalance(BackendError):
    default_message = "The bot's music-service account is out of credit."


class ContentRejected(BackendError):
    default_message = "The music service rejected this request's content."


class UpstreamError(BackendError):
    default_message = "The music service had a problem making this song."
    retryable = True


class BackendTimeout(BackendError):
    default_message = "The music service took too long to answer."
    retryable = True


class SubmitOutcomeUnknown(BackendError):
    """The submit may or may not have created (and billed) a task; never re-send blindly."""

    default_message = (
        "The connection to the music service broke while sending your request, so it is unknown "
        "whether it started. To avoid paying twice it was not re-sent; you were not charged. "
        "Please try again."
    )


class OutputError(BackendError):
    default_message = "The finished song could not be downloaded from the music service."
