"""The platform-neutral command core: the one object every adapter talks to.

Adapters call these coroutines with an `Origin` and get a `Reply` back immediately (fast:
safe inside a platform's 3-second acknowledgement window). Slow work (generation, delivery)
runs in tasks owned by the job runner, which reports through each platform's `Notifier`.
"""

from __future__ import annotations

import logging
import secrets
import sqlite3
from datetime import timedelta

from bot import grammar
from bot.admin import AdminService
from bot.backends.base import Backend
from bot.budget import Budgets, format_usd
from bot.jobs import JobRunner
from bot.messages import acceptance_text, help_text, history_text
from bot.models import MAX_SEED, Job, JobState, Origin, Reply, SongRequest
from bot.ports import Notifier
from bot.settings import Settings
from storage.db import Database
from storage.jobs import JobStore, new_job_id, utcnow

log = logging.getLogger(__name__)


class Rejected(Exception):
    """A song request refused before anything was stored or charged."""


class SongBot:
    def __init__(self, settings: Settings, db: Database, backend: Backend) -> None:
        self.settings = settings
        self.db = db
        self.backend = backend
        self.jobs = JobStore(db)
        self.budgets = Budgets(db, settings)
        self.admin = AdminService(self.budgets, db)
        self.runner = JobRunner(
            self.jobs,
            backend,
            settings.songbot_out_dir,
            max_concurrent=settings.songbot_max_concurrent_jobs,
            capture=self.budgets.capture,
            release=self.budgets.release,
        )

    # -- lifecycle ---------------------------------------------------------------------

    def add_notifier(self, notifier: Notifier) -> None:
        """Register an adapter's outbound half; jobs of `notifier.platform` go to it."""
        self.runner.notifiers[notifier.platform] = notifier

    async def start(self) -> None:
        """Open storage, start the backend and resume unfinished jobs of registered platforms."""
        await self.db.open()
        try:
            await self.backend.start()
            await self.budgets.reconcile(await self.jobs.states())
            await self.runner.start()
        except BaseException:
            # e.g. a refused API key: close what was opened, or the database thread keeps
            # the process alive after the error message.
            await self.runner.stop()
            await self.backend.aclose()
            await self.db.close()
            raise

    async def stop(self) -> None:
        """Stop owned tasks cleanly; unfinished jobs stay persisted and resume next start."""
        await self.runner.stop()
        await self.backend.aclose()
        await self.db.close()

    async def wait_idle(self) -> None:
        """Return once no job is queued or running (the console's piped mode uses it)."""
        await self.runner.wait_idle()

    # -- commands ----------------------------------------------------------------------

    async def handle_text(
        self, origin: Origin, text: str, *, is_admin: bool = False, lyrics: str | None = None
    ) -> Reply:
        """Parse and run one command line (`/song …`, `/help`, `/cancel ID`, `/history`,
        `/quota`, `/admin …`). `lyrics`, when given, replaces any `lyrics:` in the text
        (multi-line lyrics from a modal or the console)."""
        command = grammar.parse(text, lyrics=lyrics)
        match command:
            case grammar.ParseError():
                return Reply(text=command.message, ok=False)
            case grammar.SongCommand(request=request):
                return await self.request_song(origin, request)
            case grammar.HelpCommand():
                return Reply(text=help_text(origin.platform))
            case grammar.CancelCommand(job_id=job_id):
                return await self.cancel(origin, job_id)
            case grammar.HistoryCommand():
                return await self.history(origin)
            case grammar.QuotaCommand():
                return await self.quota(origin)
            case grammar.AdminCommand(args=args):
                if not is_admin:
                    return Reply(text="Only the bot's admins can use `/admin`.", ok=False)
                return await self.admin.handle_text(origin, args)
        return Reply(text="Unknown command. Try `/help`.", ok=False)  # pragma: no cover

    def price(self, request: SongRequest) -> int:
        return self.budgets.price_micros(self.backend.name, request.duration)

    async def request_song(self, origin: Origin, request: SongRequest) -> Reply:
        """Budget check + hold, persist the job, queue it. `Reply.job` is set when accepted."""
        try:
            job = await self._admit(origin, request)
        except Rejected as exc:
            return Reply(text=str(exc), ok=False)
        position = self.runner.enqueue(job)
        return Reply(text=acceptance_text(job, position), job=job, position=position)

    async def _admit(self, origin: Origin, request: SongRequest) -> Job:
        await self._check_cooldown(origin)
        cost = self.price(request)
        seed = request.seed if request.seed is not None else secrets.randbelow(MAX_SEED + 1)
        for _ in range(5):
            now = utcnow()
            job = Job(
                id=new_job_id(),
                origin=origin,
                request=request,
                seed=seed,
                backend=self.backend.name,
                cost_micros=cost,
                created_at=now,
                updated_at=now,
            )
            try:
                async with self.db.transaction() as conn:
                    active = await self.jobs.count_unfinished(conn, origin.user_key)
                    limit = self.settings.songbot_max_jobs_per_user
                    if active >= limit:
                        raise Rejected(
                            f"You already have {active} song(s) in progress (the limit is "
                            f"{limit}). Please wait for one to finish, or `/cancel` one."
                        )
                    decision = await self.budgets.try_hold(conn, origin, job.id, cost)
                    if not decision.ok:
                        raise Rejected(decision.message)
                    await self.jobs.insert(job, conn)
                return job
            except sqlite3.IntegrityError:
                continue  # job id collision: draw another
        raise Rejected("Could not queue the song right now; please try again.")

    async def _check_cooldown(self, origin: Origin) -> None:
        cooldown = self.settings.songbot_cooldown_seconds
        if not cooldown:
            return
        last = await self.jobs.last_request_at(origin.user_key)
        if last is None:
            return
        wait = last + timedelta(seconds=cooldown) - utcnow()
        if wait.total_seconds() > 0:
            seconds = int(wait.total_seconds()) + 1
            raise Rejected(f"Please wait {seconds} s before asking for another song.")

    async def cancel(self, origin: Origin, job_id: str) -> Reply:
        job_id = job_id.strip().lower()
        job = await self.jobs.get(job_id)
        if job is None or job.origin.user_key != origin.user_key:
            return Reply(
                text=f"No song `{job_id}` of yours. `/history` lists your songs.", ok=False
            )
        if job.state.finished:
            return Reply(text=f"Song `{job.id}` is already {job.state.value}.", ok=False)
        if job.state is JobState.DELIVERING:
            return Reply(text=f"Song `{job.id}` is already being uploaded.", ok=False)
        cancelled = await self.runner.cancel(job)
        if cancelled is None:
            return Reply(text=f"Song `{job.id}` could not be cancelled any more.", ok=False)
        charged = " You were not charged." if job.cost_micros else ""
        return Reply(text=f"Cancelled song `{job.id}`.{charged}", job=cancelled)

    async def recent_jobs(self, origin: Origin, limit: int = 10) -> list[Job]:
        return await self.jobs.for_user(origin.user_key, limit)

    async def history(self, origin: Origin, limit: int = 10) -> Reply:
        return Reply(text=history_text(await self.recent_jobs(origin, limit)))

    async def quota(self, origin: Origin) -> Reply:
        return Reply(text=await self.budgets.quota_text(origin))

    async def get_job(self, job_id: str) -> Job | None:
        return await self.jobs.get(job_id)

    async def set_reply_state(self, job_id: str, state: dict[str, str]) -> None:
        """Persist adapter-owned data (e.g. a status message id) with the job."""
        await self.jobs.update(job_id, reply_state=state)

    def format_cost(self, micros: int) -> str:
        return format_usd(micros) if micros else "free"


def build_backend(settings: Settings) -> Backend:
    if settings.backend == "wavespeed":
        from bot.backends.wavespeed.backend import WaveSpeedBackend

        return WaveSpeedBackend.from_settings(settings)
    from bot.backends.local import LocalBackend

    return LocalBackend()


def build_core(settings: Settings) -> SongBot:
    """Wire the real core from settings: database, job store, budgets, backend, runner.

    Tests and `songbot run` both use this; then `core.add_notifier(adapter)`, `await core.start()`.
    """
    return SongBot(settings, Database(settings.songbot_db), build_backend(settings))
