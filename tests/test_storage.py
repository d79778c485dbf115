"""Storage: migrations from old databases and the job store's compare-and-set updates."""

from datetime import UTC, datetime

import aiosqlite
import pytest

from bot.models import Job, JobState, Origin, SongRequest
from storage.db import Database
from storage.errors import NewerSchemaError, StorageError
from storage.jobs import JobStore
from storage.migrations import LATEST_VERSION, MIGRATIONS, migrate, schema_version


def make_job(job_id: str = "abc234", user: str = "alice") -> Job:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    return Job(
        id=job_id,
        origin=Origin(platform="console", user_id=user, channel_id="c1", reply={"k": "v"}),
        request=SongRequest(tags=("lofi", "chill"), duration=30, seed=42, lyrics="[verse]\nla"),
        seed=42,
        backend="local",
        cost_micros=6000,
        created_at=now,
        updated_at=now,
    )


async def test_fresh_database_is_at_latest_version(tmp_path):
    async with Database(tmp_path / "db.sqlite3") as db:
        assert await schema_version(db.conn) == LATEST_VERSION
        row = await db.fetchone("PRAGMA journal_mode")
        assert row is not None and row[0] == "wal"


async def test_version_1_database_with_data_is_migrated(tmp_path):
    path = tmp_path / "old.sqlite3"
    conn = await aiosqlite.connect(path, isolation_level=None)
    assert await migrate(conn, target=1) == 1
    job = make_job()
    await conn.execute(
        "INSERT INTO jobs (id, platform, user_key, server_key, origin_json, request_json, seed,"
        " backend, state, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (
            job.id,
            "console",
            job.origin.user_key,
            None,
            job.origin.model_dump_json(),
            job.request.model_dump_json(),
            42,
            "local",
            "queued",
            job.created_at.isoformat(),
            job.updated_at.isoformat(),
        ),
    )
    await conn.close()

    async with Database(path) as db:
        assert await schema_version(db.conn) == LATEST_VERSION
        loaded = await JobStore(db).get(job.id)
    assert loaded is not None
    assert loaded.request == job.request
    assert loaded.cost_micros == 0  # added by migration 2 with its default
    assert loaded.reply_state == {}


async def test_every_intermediate_version_migrates(tmp_path):
    for migration in MIGRATIONS:
        path = tmp_path / f"v{migration.version}.sqlite3"
        conn = await aiosqlite.connect(path, isolation_level=None)
        await migrate(conn, target=migration.version)
        await conn.close()
        async with Database(path) as db:
            assert await schema_version(db.conn) == LATEST_VERSION


async def test_newer_database_is_refused(tmp_path):
    path = tmp_path / "future.sqlite3"
    conn = await aiosqlite.connect(path, isolation_level=None)
    await conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    await conn.close()
    with pytest.raises(NewerSchemaError, match="newer"):
        await Database(path).open()


async def test_job_round_trip_and_compare_and_set(tmp_path):
    async with Database(tmp_path / "db.sqlite3") as db:
        store = JobStore(db)
        job = make_job()
        await store.insert(job)
        assert await store.get(job.id) == job
        moved = await store.update(
            job.id, expect=(JobState.QUEUED,), state=JobState.SUBMITTED, task_id="t1"
        )
        assert moved is not None and moved.state is JobState.SUBMITTED and moved.task_id == "t1"
        # a second transition from the old state loses
        assert (
            await store.update(job.id, expect=(JobState.QUEUED,), state=JobState.CANCELLED) is None
        )
        assert [j.id for j in await store.unfinished()] == [job.id]
        await store.update(job.id, state=JobState.DELIVERED)
        assert await store.unfinished() == []
        assert (await store.states())[job.id] is JobState.DELIVERED


async def test_unknown_field_is_rejected(tmp_path):
    async with Database(tmp_path / "db.sqlite3") as db:
        store = JobStore(db)
        await store.insert(make_job())
        with pytest.raises(ValueError):
            await store.update("abc234", origin_json="{}")


async def test_unusable_path_is_a_storage_error(tmp_path):
    with pytest.raises(StorageError, match="cannot open the database"):
        await Database(tmp_path).open()  # a directory, not a file
