"""The job store: every song request, who asked, where to answer, and how far it got."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from typing import Any

import aiosqlite

from bot.models import Job, JobState, Origin, SongRequest, SongResult
from storage.db import Database

JOB_ID_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
"""No 0/1/i/l/o: ids are read aloud and typed into `/cancel`."""
JOB_ID_LENGTH = 6
UNFINISHED = tuple(s.value for s in JobState if not s.finished)


def new_job_id() -> str:
    return "".join(secrets.choice(JOB_ID_ALPHABET) for _ in range(JOB_ID_LENGTH))


def utcnow() -> datetime:
    return datetime.now(UTC)


def _ts(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def _row_to_job(row: aiosqlite.Row) -> Job:
    result = row["result_json"]
    return Job(
        id=row["id"],
        origin=Origin.model_validate_json(row["origin_json"]),
        request=SongRequest.model_validate_json(row["request_json"]),
        seed=row["seed"],
        backend=row["backend"],
        state=JobState(row["state"]),
        cost_micros=row["cost_micros"],
        task_id=row["task_id"],
        submit_started_at=row["submit_started_at"],
        result=SongResult.model_validate_json(result) if result else None,
        error=row["error"],
        reply_state=json.loads(row["reply_state_json"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


class JobStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def insert(self, job: Job, conn: aiosqlite.Connection | None = None) -> None:
        """Insert a new job; pass `conn` to do it inside an open `Database.transaction()`."""
        if conn is None:
            async with self.db.transaction() as own:
                await self.insert(job, own)
            return
        await conn.execute(
            """
            INSERT INTO jobs (id, platform, user_key, server_key, origin_json, request_json,
                seed, backend, state, cost_micros, task_id, submit_started_at, result_json,
                error, reply_state_json, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            (
                job.id,
                job.origin.platform,
                job.origin.user_key,
                job.origin.server_key,
                job.origin.model_dump_json(),
                job.request.model_dump_json(),
                job.seed,
                job.backend,
                job.state.value,
                job.cost_micros,
                job.task_id,
                _ts(job.submit_started_at),
                job.result.model_dump_json() if job.result else None,
                job.error,
                json.dumps(job.reply_state),
                _ts(job.created_at),
                _ts(job.updated_at),
            ),
        )

    async def get(self, job_id: str) -> Job | None:
        row = await self.db.fetchone("SELECT * FROM jobs WHERE id = ?", (job_id,))
        return _row_to_job(row) if row else None

    async def exists(self, job_id: str) -> bool:
        return await self.db.fetchone("SELECT 1 FROM jobs WHERE id = ?", (job_id,)) is not None

    async def update(
        self, job_id: str, *, expect: tuple[JobState, ...] | None = None, **fields: Any
    ) -> Job | None:
        """Set `fields` on a job; with `expect`, only if its state is one of those.

        Returns the updated job, or None when the job is missing or in another state
        (a compare-and-set, so a cancel and the runner never both win).
        """
        columns: dict[str, Any] = {"updated_at": _ts(utcnow())}
        for name, value in fields.items():
            if name == "state":
                columns["state"] = JobState(value).value
            elif name == "result":
                columns["result_json"] = value.model_dump_json() if value is not None else None
            elif name == "reply_state":
                columns["reply_state_json"] = json.dumps(value)
            elif name == "submit_started_at":
                columns[name] = _ts(value)
            elif name in ("task_id", "error", "cost_micros"):
                columns[name] = value
            else:
                raise ValueError(f"cannot update job field {name!r}")
        assignments = ", ".join(f"{column} = ?" for column in columns)
        sql = f"UPDATE jobs SET {assignments} WHERE id = ?"
        params: list[Any] = [*columns.values(), job_id]
        if expect:
            sql += f" AND state IN ({', '.join('?' for _ in expect)})"
            params.extend(state.value for state in expect)
        changed = await self.db.execute(sql, params)
        return await self.get(job_id) if changed else None

    async def unfinished(self) -> list[Job]:
        rows = await self.db.fetchall(
            f"SELECT * FROM jobs WHERE state IN ({', '.join('?' for _ in UNFINISHED)}) "
            "ORDER BY created_at, rowid",
            UNFINISHED,
        )
        return [_row_to_job(row) for row in rows]

    async def states(self) -> dict[str, JobState]:
        """Every job's state by id (start-up reconciliation of budget holds)."""
        rows = await self.db.fetchall("SELECT id, state FROM jobs")
        return {row["id"]: JobState(row["state"]) for row in rows}

    async def for_user(self, user_key: str, limit: int = 10) -> list[Job]:
        rows = await self.db.fetchall(
            "SELECT * FROM jobs WHERE user_key = ? ORDER BY created_at DESC, rowid DESC LIMIT ?",
            (user_key, limit),
        )
        return [_row_to_job(row) for row in rows]

    async def count_unfinished(self, conn: aiosqlite.Connection, user_key: str) -> int:
        """Jobs of `user_key` not yet finished; called inside an open transaction."""
        rows = await conn.execute_fetchall(
            f"SELECT COUNT(*) FROM jobs WHERE user_key = ? "
            f"AND state IN ({', '.join('?' for _ in UNFINISHED)})",
            (user_key, *UNFINISHED),
        )
        return int(next(iter(rows))[0])

    async def last_request_at(self, user_key: str) -> datetime | None:
        row = await self.db.fetchone(
            "SELECT MAX(created_at) FROM jobs WHERE user_key = ? AND state != ?",
            (user_key, JobState.FAILED.value),
        )
        return datetime.fromisoformat(row[0]) if row and row[0] else None
