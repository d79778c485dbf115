"""The job runner: a persisted state machine driven by owned asyncio tasks.

    queued → submitted → generating → delivering → delivered
       ↘─────────↘────────────↘─────────────↘→ failed | cancelled

Every transition is written to storage before the work it guards, so a restart resumes
exactly where it stopped: a job with a backend task id is polled again (never submitted
twice), a job whose MP3 is on disk is delivered (once) without generating it again, and a
job whose submit outcome is unknown is failed honestly instead of being re-sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import re
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot import audio
from bot.backends.base import (
    Backend,
    BackendError,
    GenerationSpec,
    RateLimited,
    SubmitOutcomeUnknown,
)
from bot.models import (
    Cancelled,
    Delivered,
    Failed,
    Job,
    JobEvent,
    JobState,
    Progress,
    SongResult,
)
from bot.ports import DeliveryError, Notifier
from bot.scheduler import Limits, Scheduler
from storage.jobs import JobStore, utcnow

log = logging.getLogger(__name__)

ACTIVE = (JobState.QUEUED, JobState.SUBMITTED, JobState.GENERATING)
HEARTBEAT_SECONDS = 10.0
DELIVERY_ATTEMPTS = 3
RATE_LIMITED_REQUEUES = 5
"""A submit refused with 429 created nothing: the job waits in the queue again, this often."""
REQUEUE_DELAY_SECONDS = (5.0, 120.0)
"""Bounds on how long a rate-limited job waits before it queues again."""
INTERNAL_ERROR = (
    "Something went wrong on our side while making this song. You were not charged; "
    "please try again."
)

Settle = Callable[[str], Awaitable[None]]


class Requeue(Exception):
    """The backend refused the submit with a rate limit: nothing was created, try later."""

    def __init__(self, delay: float) -> None:
        super().__init__(f"requeue in {delay:.0f} s")
        self.delay = delay


def song_title(tags: tuple[str, ...]) -> str:
    return " · ".join(tag.title() for tag in tags[:6])[:120] or "Untitled"


def song_filename(job: Job) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", job.request.tags_text.lower()).strip("-")[:40]
    return f"{job.id}-{slug or 'song'}.mp3"


def generation_spec(job: Job) -> GenerationSpec:
    request = job.request
    return GenerationSpec(
        tags=request.tags_text, lyrics=request.lyrics, duration=request.duration, seed=job.seed
    )


class JobRunner:
    """Owns every running job's task; `start`/`stop` bracket its life."""

    def __init__(
        self,
        store: JobStore,
        backend: Backend,
        out_dir: Path,
        *,
        max_concurrent: int,
        capture: Settle,
        release: Settle,
    ) -> None:
        self.store = store
        self.backend = backend
        self.out_dir = out_dir
        self._capture = capture
        self._release = release
        limit = min(max_concurrent, backend.max_concurrency or max_concurrent)
        self.scheduler = Scheduler(Limits(limit, backend.max_per_minute))
        self.notifiers: dict[str, Notifier] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._wakeup = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._dispatcher: asyncio.Task[None] | None = None
        self._queued: dict[str, Job] = {}
        """Queued jobs by id, so queue-position notices need no database reads."""
        self._requeues: dict[str, int] = {}
        self.requeue_delay = REQUEUE_DELAY_SECONDS
        self._pending: set[str] = set()
        """Jobs this runner is responsible for until they finish (queued or running)."""

    # -- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        for job in await self.store.unfinished():
            if job.origin.platform not in self.notifiers:
                log.info("job %s waits for its %s adapter", job.id, job.origin.platform)
                continue
            self._track(job.id)
            if job.state is JobState.QUEUED:
                self._queued[job.id] = job
                self.scheduler.enqueue(job.id, job.origin.user_key)
            else:
                if job.state in (JobState.SUBMITTED, JobState.GENERATING):
                    self.scheduler.mark_running(job.id)
                self._spawn(job)
            log.info("resuming job %s (%s)", job.id, job.state)
        self._dispatcher = asyncio.create_task(self._dispatch(), name="songbot-dispatcher")

    async def stop(self) -> None:
        tasks = [t for t in (self._dispatcher, *self._tasks.values()) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
        self._dispatcher = None

    async def wait_idle(self) -> None:
        await self._idle.wait()

    # -- entry points ------------------------------------------------------------------

    def enqueue(self, job: Job) -> int:
        """Queue a freshly persisted job; returns its 1-based queue position."""
        self._track(job.id)
        self._queued[job.id] = job
        self.scheduler.enqueue(job.id, job.origin.user_key)
        self._wakeup.set()
        return self.scheduler.positions().get(job.id, 1)

    def position(self, job_id: str) -> int | None:
        return self.scheduler.positions().get(job_id)

    async def cancel(self, job: Job) -> Job | None:
        """Cancel a queued or generating job. Returns the cancelled job, or None if too late."""
        cancelled = await self.store.update(
            job.id, expect=ACTIVE, state=JobState.CANCELLED, error="cancelled by the user"
        )
        if cancelled is None:
            return None
        self._queued.pop(job.id, None)
        if not self.scheduler.remove(job.id):
            task = self._tasks.get(job.id)
            if task is not None:
                task.cancel()
            self.scheduler.finish(job.id)
        await self._release(job.id)
        self._untrack(job.id)
        self._wakeup.set()
        await self._notify(cancelled, Cancelled())
        return cancelled

    # -- internals ---------------------------------------------------------------------

    def _track(self, job_id: str) -> None:
        self._pending.add(job_id)
        self._idle.clear()

    def _untrack(self, job_id: str) -> None:
        self._pending.discard(job_id)
        if not self._pending:
            self._idle.set()

    def _spawn(self, job: Job) -> None:
        task = asyncio.create_task(self._run(job), name=f"songbot-job-{job.id}")
        self._tasks[job.id] = task
        task.add_done_callback(functools.partial(self._forget_task, job.id))

    def _forget_task(self, job_id: str, task: asyncio.Task[None]) -> None:
        if self._tasks.get(job_id) is task:  # not a requeue task that replaced it
            del self._tasks[job_id]

    async def _dispatch(self) -> None:
        while True:
            job_id = self.scheduler.admit()
            if job_id is None:
                self._wakeup.clear()
                delay = self.scheduler.seconds_until_rate_allows() if self.scheduler.queued else 0
                timeout = delay if delay > 0 else None
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), timeout)
                continue
            self._queued.pop(job_id, None)
            job = await self.store.get(job_id)
            if job is None or job.state is not JobState.QUEUED:
                self.scheduler.finish(job_id)
                continue
            self._spawn(job)
            await self._announce_positions()

    async def _announce_positions(self) -> None:
        for job_id, position in self.scheduler.positions().items():
            job = self._queued.get(job_id)
            if job is not None:
                await self._notify(job, Progress(state=JobState.QUEUED, position=position))

    async def _run(self, job: Job) -> None:
        try:
            if job.state is not JobState.DELIVERING:
                job = await self._generate(job)
            await self._deliver(job)
        except asyncio.CancelledError:
            raise  # shutdown or user cancel: the persisted state says where to resume
        except Requeue as requeue:
            self.scheduler.finish(job.id)
            self._tasks[job.id] = asyncio.create_task(
                self._queue_again(job, requeue.delay), name=f"songbot-requeue-{job.id}"
            )
        except BackendError as exc:
            await self._fail(job, exc.user_message)
        except audio.AudioFormatError as exc:
            log.warning("job %s: unusable audio: %s", job.id, exc)
            await self._fail(job, "The music service returned audio songbot could not read.")
        except Exception:
            log.exception("job %s crashed", job.id)
            await self._fail(job, INTERNAL_ERROR)
        finally:
            self.scheduler.finish(job.id)
            self._wakeup.set()

    async def _generate(self, job: Job) -> Job:
        spec = generation_spec(job)
        started = time.monotonic()
        if job.task_id is None:
            job = await self._submit(job, spec)
        await self._notify(job, Progress(state=job.state))

        async def on_progress(status: str) -> None:
            nonlocal job
            if status == "processing" and job.state is JobState.SUBMITTED:
                moved = await self.store.update(
                    job.id, expect=(JobState.SUBMITTED,), state=JobState.GENERATING
                )
                if moved is not None:
                    job = moved
                    await self._notify(job, Progress(state=job.state))

        heartbeat = asyncio.create_task(self._heartbeat(lambda: job, started))
        try:
            assert job.task_id is not None
            generated = await self.backend.wait(job.task_id, spec, on_progress)
        finally:
            heartbeat.cancel()
        self.scheduler.finish(job.id)
        self._wakeup.set()
        result = await self._save(job, generated.data, generated.content_type, generated.nsfw)
        delivering = await self.store.update(
            job.id, expect=ACTIVE, state=JobState.DELIVERING, result=result
        )
        if delivering is None:
            raise asyncio.CancelledError  # cancelled while the song was finishing
        return delivering

    async def _submit(self, job: Job, spec: GenerationSpec) -> Job:
        if job.submit_started_at is not None and not self.backend.submit_is_idempotent:
            raise SubmitOutcomeUnknown(
                "songbot stopped while sending this request to the music service, so it is "
                "unknown whether it started. To avoid paying twice it was not re-sent; you were "
                "not charged. Please try again."
            )
        marked = await self.store.update(
            job.id, expect=(JobState.QUEUED,), submit_started_at=utcnow()
        )
        if marked is None:
            raise asyncio.CancelledError
        try:
            task_id = await self.backend.submit(spec)
        except RateLimited as exc:
            tries = self._requeues.pop(job.id, 0) + 1
            if tries > RATE_LIMITED_REQUEUES:
                raise
            self._requeues[job.id] = tries
            # A 429 means no task was created, so the submit may safely be sent again.
            await self.store.update(job.id, expect=(JobState.QUEUED,), submit_started_at=None)
            low, high = self.requeue_delay
            raise Requeue(min(high, max(low, exc.retry_after or low * tries))) from exc
        self._requeues.pop(job.id, None)
        submitted = await self.store.update(
            job.id, expect=(JobState.QUEUED,), state=JobState.SUBMITTED, task_id=task_id
        )
        if submitted is None:
            raise asyncio.CancelledError
        return submitted

    async def _queue_again(self, job: Job, delay: float) -> None:
        """Wait out a rate limit, then put the job back in the queue (its place is told)."""
        await self._notify(job, Progress(state=JobState.QUEUED))
        await asyncio.sleep(delay)
        current = await self.store.get(job.id)
        if current is None or current.state is not JobState.QUEUED:
            return
        self._tasks.pop(job.id, None)
        self._queued[job.id] = current
        self.scheduler.enqueue(job.id, job.origin.user_key)
        self._wakeup.set()

    async def _heartbeat(self, current: Callable[[], Job], started: float) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            job = current()
            elapsed = time.monotonic() - started
            await self._notify(job, Progress(state=job.state, elapsed_seconds=elapsed))

    async def _save(
        self, job: Job, data: bytes, content_type: str | None, nsfw: bool
    ) -> SongResult:
        meta = audio.SongMetadata(
            title=song_title(job.request.tags),
            tags=job.request.tags_text,
            seed=job.seed,
            duration_seconds=float(job.request.duration),
            lyrics="" if job.request.instrumental else job.request.lyrics,
            comment=f"songbot job {job.id} · {job.backend}",
        )
        mp3 = await asyncio.to_thread(audio.to_mp3, data, content_type, meta)
        path = self.out_dir / song_filename(job)
        temporary = path.with_suffix(".part")
        await asyncio.to_thread(temporary.write_bytes, mp3)
        temporary.replace(path)
        return SongResult(
            path=path,
            title=meta.title,
            duration_seconds=meta.duration_seconds,
            size_bytes=len(mp3),
            nsfw=nsfw,
        )

    async def _deliver(self, job: Job) -> None:
        assert job.result is not None
        if not job.result.path.exists():
            await self._fail(job, "The finished song file went missing before it could be sent.")
            return
        await self._notify(job, Progress(state=JobState.DELIVERING))
        notifier = self.notifiers.get(job.origin.platform)
        if notifier is None:
            raise RuntimeError(f"no adapter for platform {job.origin.platform!r}")
        for attempt in range(1, DELIVERY_ATTEMPTS + 1):
            try:
                await notifier.notify(job, Delivered(song=job.result))
                break
            except DeliveryError as exc:
                await self._fail(job, exc.user_message)
                return
            except Exception:
                if attempt == DELIVERY_ATTEMPTS:
                    raise
                log.warning("job %s: delivery attempt %d failed", job.id, attempt, exc_info=True)
                await asyncio.sleep(2.0 * attempt)
        if await self.store.update(job.id, expect=(JobState.DELIVERING,), state=JobState.DELIVERED):
            await self._capture(job.id)
        self._untrack(job.id)

    async def _fail(self, job: Job, message: str) -> None:
        unfinished = tuple(s for s in JobState if not s.finished)
        failed = await self.store.update(
            job.id, expect=unfinished, state=JobState.FAILED, error=message
        )
        if failed is not None:
            await self._release(job.id)
            await self._notify(failed, Failed(message=message))
        self._untrack(job.id)

    async def _notify(self, job: Job, event: JobEvent) -> None:
        """Progress and outcome notices are best effort: a broken adapter never stops a job."""
        notifier = self.notifiers.get(job.origin.platform)
        if notifier is None:
            return
        try:
            await notifier.notify(job, event)
        except Exception:
            log.warning("job %s: %s notice failed", job.id, event.kind, exc_info=True)
