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
    Migration(
        3,
        "budget ledger, derived balances and budget overrides",
        (
            # Append-only money movements (see storage/ledger.py). A settlement copies its
            # hold's user, server, period and amount; `credit` is an admin reset (no job).
            """
            CREATE TABLE ledger (
                id INTEGER PRIMARY KEY,
                kind TEXT NOT NULL CHECK (kind IN ('hold', 'capture', 'release', 'credit')),
                job_id TEXT,
                user_key TEXT NOT NULL,
                server_key TEXT,
                amount_micros INTEGER NOT NULL CHECK (amount_micros >= 0),
                period TEXT NOT NULL,
                created_at TEXT NOT NULL,
                note TEXT,
                CHECK ((kind = 'credit') = (job_id IS NULL))
            )
            """,
            "CREATE UNIQUE INDEX ledger_one_hold_per_job ON ledger (job_id) WHERE kind = 'hold'",
            "CREATE UNIQUE INDEX ledger_one_settlement_per_job ON ledger (job_id) "
            "WHERE kind IN ('capture', 'release')",
            "CREATE INDEX ledger_by_period ON ledger (period, user_key)",
            """
            CREATE TRIGGER ledger_is_append_only_update BEFORE UPDATE ON ledger
            BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END
            """,
            """
            CREATE TRIGGER ledger_is_append_only_delete BEFORE DELETE ON ledger
            BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END
            """,
            """
            CREATE TRIGGER ledger_settlement_matches_hold BEFORE INSERT ON ledger
            WHEN NEW.kind IN ('capture', 'release') AND NOT EXISTS (
                SELECT 1 FROM ledger WHERE kind = 'hold' AND job_id = NEW.job_id
                    AND user_key = NEW.user_key AND server_key IS NEW.server_key
                    AND period = NEW.period AND amount_micros = NEW.amount_micros
            )
            BEGIN SELECT RAISE(ABORT, 'a settlement must match its hold'); END
            """,
            # Balances per scope ('user:<user_key>' / 'server:<server_key>') and period,
            # maintained from the ledger by the trigger below: the budget check reads
            # one row instead of summing entries.
            """
            CREATE TABLE ledger_balances (
                scope TEXT NOT NULL,
                period TEXT NOT NULL,
                held_micros INTEGER NOT NULL DEFAULT 0 CHECK (held_micros >= 0),
                spent_micros INTEGER NOT NULL DEFAULT 0 CHECK (spent_micros >= 0),
                PRIMARY KEY (scope, period)
            ) WITHOUT ROWID
            """,
            "CREATE INDEX ledger_balances_by_period ON ledger_balances (period)",
            """
            CREATE TRIGGER ledger_updates_balances AFTER INSERT ON ledger
            BEGIN
                INSERT OR IGNORE INTO ledger_balances (scope, period)
                VALUES ('user:' || NEW.user_key, NEW.period);
                UPDATE ledger_balances SET
                    held_micros = held_micros + CASE NEW.kind WHEN 'hold' THEN NEW.amount_micros
                        WHEN 'credit' THEN 0 ELSE -NEW.amount_micros END,
                    spent_micros = spent_micros + CASE NEW.kind
                        WHEN 'capture' THEN NEW.amount_micros
                        WHEN 'credit' THEN -NEW.amount_micros ELSE 0 END
                WHERE scope = 'user:' || NEW.user_key AND period = NEW.period;
                INSERT OR IGNORE INTO ledger_balances (scope, period)
                SELECT 'server:' || NEW.server_key, NEW.period WHERE NEW.server_key IS NOT NULL;
                UPDATE ledger_balances SET
                    held_micros = held_micros + CASE NEW.kind WHEN 'hold' THEN NEW.amount_micros
                        WHEN 'credit' THEN 0 ELSE -NEW.amount_micros END,
                    spent_micros = spent_micros + CASE NEW.kind
                        WHEN 'capture' THEN NEW.amount_micros
                        WHEN 'credit' THEN -NEW.amount_micros ELSE 0 END
                WHERE NEW.server_key IS NOT NULL
                    AND scope = 'server:' || NEW.server_key AND period = NEW.period;
            END
            """,
            # Admin-set budgets. No row: the default from settings. budget_micros NULL: the
            # default amount; unlimited = 1: no limit at all (for a server: no cap).
            """
            CREATE TABLE budget_overrides (
                scope TEXT PRIMARY KEY,
                budget_micros INTEGER CHECK (budget_micros IS NULL OR budget_micros >= 0),
                unlimited INTEGER NOT NULL DEFAULT 0 CHECK (unlimited IN (0, 1)),
                updated_at TEXT NOT NULL,
                updated_by TEXT NOT NULL
            ) WITHOUT ROWID
            """,
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
