"""The job state machine: happy path, failures, cancel, and a restart in each state."""

import asyncio

import pytest

from bot.backends.base import RateLimited, UpstreamError
from bot.models import JobState, Origin, SongRequest
from tests.support import (
    RecordingNotifier,
    Remote,
    ScriptedBackend,
    scripted_core,
    settings_for,
    wait_for_state,
)

ALICE = Origin(platform="console", user_id="alice", user_name="Alice")


def request(**changes) -> SongRequest:
    values = {"tags": ("lofi", "chill"), "duration": 10, "seed": 7, "lyrics": ""}
    values.update(changes)
    return SongRequest(**values)


async def started(settings, remote, notifier=None, **backend_options):
    core = scripted_core(settings, ScriptedBackend(remote, **backend_options))
    notifier = notifier or RecordingNotifier()
    core.add_notifier(notifier)
    await core.start()
    return core, notifier


async def test_song_is_generated_saved_and_delivered(tmp_path):
    core, notifier = await started(settings_for(tmp_path), Remote())
    try:
        reply = await core.request_song(ALICE, request())
        assert reply.ok and reply.job is not None
        job = await wait_for_state(core, reply.job.id, JobState.DELIVERED)
    finally:
        await core.stop()
    assert job.result is not None and job.result.path.exists()
    assert job.result.path.read_bytes()[:3] == b"ID3"
    kinds = notifier.kinds(job.id)
    assert kinds[-1] == "delivered" and kinds.count("delivered") == 1
    states = [e.state for jid, e in notifier.events if e.kind == "progress"]
    assert JobState.GENERATING in states and JobState.DELIVERING in states


async def test_random_seed_is_chosen_and_reported(tmp_path):
    core, _ = await started(settings_for(tmp_path), Remote())
    try:
        reply = await core.request_song(ALICE, request(seed=None))
        assert reply.job is not None
        assert 0 <= reply.job.seed <= 2_147_483_647
        assert f"`{reply.job.seed}`" in reply.text
        await core.wait_idle()
    finally:
        await core.stop()


async def test_backend_failure_reaches_the_user(tmp_path):
    remote = Remote(failures={"task-1": UpstreamError("The model crashed on this one.")})
    core, notifier = await started(settings_for(tmp_path), remote)
    try:
        reply = await core.request_song(ALICE, request())
        job = await wait_for_state(core, reply.job.id, JobState.FAILED)
    finally:
        await core.stop()
    assert job.error == "The model crashed on this one."
    assert notifier.kinds(job.id)[-1] == "failed"


async def test_submit_error_fails_the_job(tmp_path):
    remote = Remote(submit_error=UpstreamError())
    core, _notifier = await started(settings_for(tmp_path), remote)
    try:
        reply = await core.request_song(ALICE, request())
        job = await wait_for_state(core, reply.job.id, JobState.FAILED)
    finally:
        await core.stop()
    assert "music service" in (job.error or "")


async def test_cancel_while_generating_and_while_queued(tmp_path):
    remote = Remote(hold_tasks=True)
    core, notifier = await started(
        settings_for(tmp_path, songbot_max_jobs_per_user=5), remote, max_concurrency=1
    )
    try:
        first = (await core.request_song(ALICE, request())).job
        second = (await core.request_song(ALICE, request(seed=8))).job
        await wait_for_state(core, first.id, JobState.GENERATING)
        assert core.runner.position(second.id) == 1
        assert (await core.cancel(ALICE, second.id)).ok
        assert (await core.cancel(ALICE, first.id)).ok
        again = await core.cancel(ALICE, first.id)
        assert not again.ok and "already cancelled" in again.text
        await core.wait_idle()
        assert (await core.get_job(first.id)).state is JobState.CANCELLED
        assert (await core.get_job(second.id)).state is JobState.CANCELLED
        assert len(remote.submits) == 1  # the queued one never reached the backend
    finally:
        await core.stop()
    assert notifier.kinds(second.id)[-1] == "cancelled"


async def test_cannot_cancel_someone_elses_song(tmp_path):
    core, _ = await started(settings_for(tmp_path), Remote(hold_tasks=True))
    try:
        job = (await core.request_song(ALICE, request())).job
        bob = Origin(platform="console", user_id="bob")
        reply = await core.cancel(bob, job.id)
        assert not reply.ok and "No song" in reply.text
    finally:
        await core.stop()


async def test_per_user_in_flight_limit(tmp_path):
    core, _ = await started(
        settings_for(tmp_path, songbot_max_jobs_per_user=2), Remote(hold_tasks=True)
    )
    try:
        assert (await core.request_song(ALICE, request())).ok
        assert (await core.request_song(ALICE, request())).ok
        third = await core.request_song(ALICE, request())
        assert not third.ok and "limit is 2" in third.text
        other = await core.request_song(Origin(platform="console", user_id="bob"), request())
        assert other.ok
    finally:
        await core.stop()


# -- restarts: nothing lost, nothing done twice ---------------------------------------


async def restart_and_finish(settings, remote, job_id, **backend_options):
    remote.hold_tasks = False
    remote.hold_submit = False
    remote.released.set()
    core, notifier = await started(settings, remote, **backend_options)
    try:
        await asyncio.wait_for(core.wait_idle(), 20)
        return await core.get_job(job_id), notifier
    finally:
        await core.stop()


async def test_restart_while_queued_submits_once(tmp_path):
    settings = settings_for(tmp_path)
    remote = Remote(hold_tasks=True)
    core, _ = await started(settings, remote, max_concurrency=1)
    blocker = (await core.request_song(Origin(platform="console", user_id="bob"), request())).job
    queued = (await core.request_song(ALICE, request())).job
    await wait_for_state(core, blocker.id, JobState.GENERATING)
    assert (await core.get_job(queued.id)).state is JobState.QUEUED
    await core.stop()

    job, notifier = await restart_and_finish(settings, remote, queued.id, max_concurrency=1)
    assert job.state is JobState.DELIVERED
    assert len(remote.submits) == 2  # blocker once, queued once
    assert (await_state := job.task_id) is not None and await_state != "task-1"
    assert len(notifier.delivered(queued.id)) == 1
    assert len(notifier.delivered(blocker.id)) == 1


@pytest.mark.parametrize("state", [JobState.SUBMITTED, JobState.GENERATING])
async def test_restart_after_submit_polls_the_same_task(tmp_path, state):
    settings = settings_for(tmp_path)
    remote = Remote(hold_tasks=True)
    core, _ = await started(settings, remote)
    job = (await core.request_song(ALICE, request())).job
    running = await wait_for_state(core, job.id, JobState.GENERATING)
    if state is JobState.SUBMITTED:
        await core.jobs.update(job.id, state=JobState.SUBMITTED)
    await core.stop()
    assert running.task_id == "task-1"

    finished, notifier = await restart_and_finish(settings, remote, job.id)
    assert finished.state is JobState.DELIVERED
    assert len(remote.submits) == 1
    assert remote.waits == ["task-1", "task-1"]
    assert len(notifier.delivered(job.id)) == 1


async def test_restart_while_delivering_delivers_once_without_regenerating(tmp_path):
    settings = settings_for(tmp_path)
    remote = Remote()
    stuck = RecordingNotifier(block_delivery=True)
    core, _ = await started(settings, remote, notifier=stuck)
    job = (await core.request_song(ALICE, request())).job
    await asyncio.wait_for(stuck.delivery_started.wait(), 20)
    assert (await core.get_job(job.id)).state is JobState.DELIVERING
    await core.stop()
    assert stuck.delivered(job.id) == []

    finished, notifier = await restart_and_finish(settings, remote, job.id)
    assert finished.state is JobState.DELIVERED
    assert len(notifier.delivered(job.id)) == 1
    assert len(remote.submits) == 1 and len(remote.waits) == 1


async def test_restart_during_submit_never_resends_a_paid_request(tmp_path):
    settings = settings_for(tmp_path)
    remote = Remote(hold_submit=True)
    core, _ = await started(settings, remote)
    job = (await core.request_song(ALICE, request())).job
    while not remote.submits:
        await asyncio.sleep(0.01)
    await core.stop()

    finished, notifier = await restart_and_finish(settings, remote, job.id)
    assert finished.state is JobState.FAILED
    assert "unknown whether it started" in (finished.error or "")
    assert len(remote.submits) == 1
    assert notifier.kinds(job.id)[-1] == "failed"


async def test_restart_during_submit_resends_when_the_backend_is_free_to(tmp_path):
    settings = settings_for(tmp_path)
    remote = Remote(hold_submit=True)
    core, _ = await started(settings, remote, idempotent=True)
    job = (await core.request_song(ALICE, request())).job
    while not remote.submits:
        await asyncio.sleep(0.01)
    await core.stop()

    finished, _ = await restart_and_finish(settings, remote, job.id, idempotent=True)
    assert finished.state is JobState.DELIVERED
    assert len(remote.submits) == 2


async def test_rate_limited_submit_waits_in_the_queue_and_is_sent_again(tmp_path):
    remote = Remote(submit_errors=[RateLimited(retry_after=0.01), RateLimited()])
    core, notifier = await started(settings_for(tmp_path), remote)
    core.runner.requeue_delay = (0.01, 0.05)
    try:
        job = (await core.request_song(ALICE, request())).job
        done = await wait_for_state(core, job.id, JobState.DELIVERED, JobState.FAILED)
    finally:
        await core.stop()
    assert done.state is JobState.DELIVERED
    assert len(remote.submits) == 3  # two refusals created nothing; the third made the song
    assert len(notifier.delivered(job.id)) == 1


async def test_rate_limited_too_often_fails_with_the_services_message(tmp_path):
    remote = Remote(submit_error=RateLimited("The music service is busy; try later."))
    core, notifier = await started(settings_for(tmp_path), remote)
    core.runner.requeue_delay = (0.01, 0.01)
    try:
        job = (await core.request_song(ALICE, request())).job
        failed = await wait_for_state(core, job.id, JobState.FAILED)
    finally:
        await core.stop()
    assert failed.error == "The music service is busy; try later."
    assert len(remote.submits) == 6  # the first try and five requeues
    assert notifier.kinds(job.id)[-1] == "failed"


async def test_cancel_while_waiting_out_a_rate_limit(tmp_path):
    remote = Remote(submit_error=RateLimited())
    core, notifier = await started(settings_for(tmp_path), remote)
    core.runner.requeue_delay = (30.0, 30.0)
    try:
        job = (await core.request_song(ALICE, request())).job
        while not remote.submits:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        assert (await core.cancel(ALICE, job.id)).ok
        await asyncio.wait_for(core.wait_idle(), 5)
        assert (await core.get_job(job.id)).state is JobState.CANCELLED
    finally:
        await core.stop()
    assert notifier.kinds(job.id)[-1] == "cancelled"
    assert len(remote.submits) == 1
