"""Ordered schema migrations. The schema version is SQLite's `PRAGMA user_version`.

Append new migrations to `MIGRATIONS` with the next number; never edit a released one.
Each runs in its own transaction together with the version bump.
"""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "jobs",
        (
            """
            CREATE TABLE jobs (
                id TEXT PRIMARY KEY,
                platform TEXT NOT NULL,
                user_key TEXT NOT NULL,
                server_key TEXT,
                origin_json TEXT NOT NULL,
                request_json TEXT NOT NULL,
                seed INTEGER NOT NULL,
                backend TEXT NOT NULL,
                state TEXT NOT NULL,
                task_id TEXT,
                submit_started_at TEXT,
                result_json TEXT,
                error TEXT,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            )
            """,
            "CREATE INDEX jobs_by_user ON jobs (user_key, created_at)",
            "CREATE INDEX jobs_by_state ON jobs (state)",
        ),
    ),
    Migration(
        2,
        "job cost and adapter reply state",
        (
            "ALTER TABLE jobs ADD COLUMN cost_micros INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE jobs ADD COLUMN reply_state_json TEXT NOT NULL DEFAULT '{}'",
        ),
    ),
)

LATEST_VERSION = MIGRATIONS[-1].version


async def schema_version(conn: aiosqlite.Connection) -> int:
    cursor = await conn.execute("PRAGMA user_version")
    row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def migrate(conn: aiosqlite.Connection, *, target: int | None = None) -> int:
    """Bring the schema up to `target` (default: latest). Returns the resulting version."""
    current = await schema_version(conn)
    goal = LATEST_VERSION if target is None else target
    if current > LATEST_VERSION:
        raise RuntimeError(
            f"database schema version {current} is newer than this songbot ({LATEST_VERSION}); "
            "upgrade songbot"
        )
    for migration in MIGRATIONS:
        if current < migration.version <= goal:
            await conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in migration.statements:
                    await conn.execute(statement)
                await conn.execute(f"PRAGMA user_version = {migration.version}")
            except BaseException:
                await conn.rollback()
                raise
            await conn.commit()
            current = migration.version
    return current
