"""The real core driving the real WaveSpeed backend against the fake server on loopback:
a job submitted before a restart is polled again by its task id and delivered once."""

import asyncio
import os
import sys

from bot.backends.wavespeed import WaveSpeedBackend, WaveSpeedClient
from bot.core import SongBot
from bot.fake_wavespeed import FakeConfig, FakeWaveSpeed
from bot.models import JobState, Origin, SongRequest
from storage.db import Database
from tests.support import RecordingNotifier, settings_for, wait_for_state
from tests.wavespeed.conftest import FAST

ALICE = Origin(platform="console", user_id="alice")
REQUEST = SongRequest(tags=("drum and bass",), duration=5, seed=11, lyrics="[verse]\nrun run run")


def wavespeed_core(settings, base_url: str) -> tuple[SongBot, RecordingNotifier]:
    backend = WaveSpeedBackend(WaveSpeedClient("test-key", base_url=base_url), schedule=FAST)
    core = SongBot(settings, Database(settings.songbot_db), backend)
    notifier = RecordingNotifier()
    core.add_notifier(notifier)
    return core, notifier


async def test_restart_resumes_by_task_id_and_delivers_once(tmp_path):
    fake = FakeWaveSpeed(FakeConfig(latency=1.0, output_seconds=5, seed=3))
    base_url = await fake.start()
    settings = settings_for(tmp_path, songbot_backend="wavespeed", wavespeed_api_key="test-key")
    try:
        first, _ = wavespeed_core(settings, base_url)
        await first.start()
        reply = await first.request_song(ALICE, REQUEST)
        assert reply.ok and reply.job is not None
        assert reply.job.cost_micros == 5 * 200  # $0.0002 per second
        running = await wait_for_state(first, reply.job.id, JobState.GENERATING)
        await first.stop()
        assert running.task_id in fake.tasks

        second, notifier = wavespeed_core(settings, base_url)
        await second.start()
        try:
            done = await wait_for_state(second, reply.job.id, JobState.DELIVERED)
            quota = await second.quota(ALICE)
        finally:
            await second.stop()
    finally:
        await fake.stop()

    assert fake.requests["submit"] == 1
    assert done.task_id == running.task_id
    assert len(notifier.delivered(done.id)) == 1
    assert done.result is not None and done.result.path.read_bytes()[:3] == b"ID3"
    # the fake serves WAV: the core transcoded it to a tagged MP3
    # captured on delivery: spent, no longer held
    assert "Spent: **$0.001** · held for songs in progress: **$0.00**" in quota.text


async def test_backend_failure_releases_the_hold(tmp_path):
    fake = FakeWaveSpeed(FakeConfig(latency=0.2, fail_rate=1.0, fail_message="GPU on fire", seed=3))
    base_url = await fake.start()
    settings = settings_for(tmp_path, songbot_backend="wavespeed", wavespeed_api_key="k")
    core, notifier = wavespeed_core(settings, base_url)
    await core.start()
    try:
        reply = await core.request_song(ALICE, REQUEST)
        assert reply.job is not None
        failed = await wait_for_state(core, reply.job.id, JobState.FAILED)
        quota = await core.quota(ALICE)
    finally:
        await core.stop()
        await fake.stop()
    assert "GPU on fire" in (failed.error or "")
    assert notifier.kinds(failed.id)[-1] == "failed"
    assert "Spent: **$0.00** · held for songs in progress: **$0.00**" in quota.text


async def test_refused_key_stops_songbot_with_one_clear_line(tmp_path):
    fake = FakeWaveSpeed(FakeConfig(api_key="the-right-key"))
    base_url = await fake.start()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SONGBOT_", "WAVESPEED_"))}
    env.update(
        SONGBOT_BACKEND="wavespeed",
        WAVESPEED_BASE_URL=base_url,
        WAVESPEED_API_KEY="a-wrong-key",
        SONGBOT_DB=str(tmp_path / "db.sqlite3"),
    )
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "console",
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
            cwd=tmp_path,
        )
        _, stderr = await asyncio.wait_for(process.communicate(), 60)
    finally:
        await fake.stop()
    assert process.returncode == 1
    lines = stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "WAVESPEED_API_KEY" in lines[0]
