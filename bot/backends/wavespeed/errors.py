"""The one place where WaveSpeed's answers become `bot.backends.base` errors.

Statuses come from the HTTP status or, when HTTP says 200, from the envelope's own `code`
(WaveSpeed wraps answers as `{code, message, data}`; error bodies carry `message`).
Insufficient balance has no documented code, so it is recognised by its message and WaveSpeed's
own words are shown to the user.
"""

from __future__ import annotations

import math
import re
from typing import Literal

from bot.backends.base import (
    AuthError,
    BackendError,
    BackendTimeout,
    ContentRejected,
    OutOfBalance,
    RateLimited,
    UpstreamError,
)

Step = Literal["submit", "result", "account"]

_BALANCE = re.compile(
    r"insufficient|not enough (balance|credit|fund)|balance|top[ -]?up|recharge|credit|payment",
    re.IGNORECASE,
)
_CONTENT = re.compile(
    r"nsfw|sensitive|inappropriate|content polic|safety|moderation|flagged|prohibited|violat",
    re.IGNORECASE,
)
_MAX_SHOWN = 200


def quote(message: str) -> str:
    """Upstream text made safe to show: one line, bounded."""
    text = " ".join(message.split())
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 1] + "…"


def error_for_status(
    status: int, message: str, *, step: Step, retry_after: float | None = None, note: str = ""
) -> BackendError:
    """Map a non-success answer (HTTP status or envelope code) to a user-facing error.

    `message` is WaveSpeed's own (it may be shown to users); `note` goes to the logs only.
    """
    detail = f"HTTP {status}: {quote(message)}" if message else f"HTTP {status}"
    if note:
        detail += f"; {quote(note)}"
    if status == 402 or (400 <= status < 500 and status != 429 and _BALANCE.search(message)):
        return OutOfBalance(
            f"The bot's music-service account is out of credit. WaveSpeed says: “{quote(message)}”"
            if message
            else None,
            detail=detail,
        )
    if status in (401, 403):
        return AuthError(detail=detail)
    if status == 429:
        return RateLimited(_busy_message(retry_after), detail=detail, retry_after=retry_after)
    if status == 404:
        if step == "result":
            return BackendError(
                "The music service no longer knows this song's task (it may have expired).",
                detail=detail,
            )
        return BackendError(
            "The music service does not know the configured model (check WAVESPEED_MODEL).",
            detail=detail,
        )
    if status in (400, 422):
        if _CONTENT.search(message) or not message:
            return ContentRejected(detail=detail)
        return ContentRejected(
            f"The music service rejected this request: “{quote(message)}”", detail=detail
        )
    if status in (408, 504, 524):
        return BackendTimeout(detail=detail)
    if status >= 500:
        return UpstreamError(detail=detail)
    return BackendError(detail=detail)


def _busy_message(retry_after: float | None) -> str | None:
    """The default ("try again in a minute") unless WaveSpeed asked for a longer wait."""
    if retry_after is None or retry_after <= 90:
        return None
    minutes = math.ceil(retry_after / 60)
    wait = "1 hour" if minutes >= 60 else f"{minutes} minutes"
    return (
        f"The music service is busy right now and asks to wait about {wait}. Please try again then."
    )


def error_for_task(status: str, message: str) -> BackendError:
    """Map a task that ended without `completed` (it answers HTTP 200 with `data.status`)."""
    detail = f"task {status}: {quote(message)}" if message else f"task {status}"
    if _CONTENT.search(message):
        return ContentRejected(
            f"The music service rejected this request's content: “{quote(message)}”",
            detail=detail,
        )
    if _BALANCE.search(message) and "insufficient" in message.lower():
        return OutOfBalance(
            f"The bot's music-service account is out of credit. WaveSpeed says: “{quote(message)}”",
            detail=detail,
        )
    if status == "timeout":
        return BackendTimeout(
            "The music service gave up on this song: it took too long.", detail=detail
        )
    if status in ("cancelled", "canceled", "deleted"):
        verb = "deleted" if status == "deleted" else "cancelled"
        return BackendError(
            f"The music service {verb} this song before it finished.", detail=detail
        )
    if message:
        return UpstreamError(
            f"The music service failed to make this song: “{quote(message)}”", detail=detail
        )
    return UpstreamError(detail=detail)
