"""The protocol an adapter implements so the core can reach its users."""

from __future__ import annotations

from typing import Protocol

from bot.models import Job, JobEvent


class DeliveryError(Exception):
    """Raised by a notifier when a finished song could not reach the user.

    `user_message` is shown to the user if any channel is still open to them.
    """

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


class Notifier(Protocol):
    """An adapter's outbound half. One per platform (`platform` matches `Origin.platform`).

    `notify` is awaited by the job runner; for `Delivered` it must only return once the song
    has been posted (raise `DeliveryError` otherwise). Progress notifications may be
    rate-limited or dropped by the adapter; they must never raise.
    """

    platform: str

    async def notify(self, job: Job, event: JobEvent) -> None: ...


class ChatAdapter(Notifier, Protocol):
    """A whole adapter: the notifier plus its lifecycle. `songbot run` starts every adapter
    whose credentials are configured and registers it with the core (`core.add_notifier`)."""

    async def start(self) -> None:
        """Connect and begin handling events in owned background tasks; return once running."""
        ...

    async def stop(self) -> None: ...

    async def wait_failed(self) -> BaseException:
        """Return, with the cause, only if the adapter has stopped working for good (e.g. the
        platform revoked its token); `songbot run` then shuts down loudly instead of running
        on without that platform."""
        ...
