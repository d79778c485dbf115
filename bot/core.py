"""The platform-neutral command core: the one object every adapter talks to.

Adapters call these coroutines with an `Origin` and get a `Reply` back immediately (fast:
safe inside a platform's 3-second acknowledgement window). Slow work (generation, delivery)
runs in tasks owned by the job runner, which reports through each platform's `Notifier`.
"""

from __future__ import annotations

from bot.models import Job, Origin, Reply, SongRequest
from bot.ports import Notifier


class SongBot:
    def add_notifier(self, notifier: Notifier) -> None:
        """Register an adapter's outbound half; jobs of `notifier.platform` go to it."""
        raise NotImplementedError

    async def start(self) -> None:
        """Open storage, start the backend and resume unfinished jobs of registered platforms."""
        raise NotImplementedError

    async def stop(self) -> None:
        """Stop owned tasks cleanly; unfinished jobs stay persisted and resume next start."""
        raise NotImplementedError

    async def handle_text(
        self, origin: Origin, text: str, *, is_admin: bool = False, lyrics: str | None = None
    ) -> Reply:
        """Parse and run one command line (`/song …`, `/help`, `/cancel ID`, `/history`,
        `/quota`, `/admin …`). `lyrics`, when given, replaces any `lyrics:` in the text
        (multi-line lyrics from a modal or the console)."""
        raise NotImplementedError

    async def request_song(self, origin: Origin, request: SongRequest) -> Reply:
        """Budget check + hold, persist the job, queue it. `Reply.job` is set when accepted."""
        raise NotImplementedError

    async def cancel(self, origin: Origin, job_id: str) -> Reply:
        raise NotImplementedError

    async def history(self, origin: Origin, limit: int = 10) -> Reply:
        raise NotImplementedError

    async def recent_jobs(self, origin: Origin, limit: int = 10) -> list[Job]:
        raise NotImplementedError

    async def quota(self, origin: Origin) -> Reply:
        raise NotImplementedError

    async def get_job(self, job_id: str) -> Job | None:
        raise NotImplementedError

    async def set_reply_state(self, job_id: str, state: dict[str, str]) -> None:
        """Persist adapter-owned data (e.g. a status message id) with the job."""
        raise NotImplementedError

    async def wait_idle(self) -> None:
        """Return once no job is queued or running (the console's piped mode uses it)."""
        raise NotImplementedError


def build_core(settings: object) -> SongBot:
    """Wire the real core from settings: database, job store, budgets, backend, runner.

    Tests and `songbot run` both use this; then `core.add_notifier(adapter)`, `await core.start()`.
    """
    raise NotImplementedError
