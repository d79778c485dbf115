"""Ordered schema migrations. The schema version is SQLite's `PRAGMA user_version`.

Append new migrations to `MIGRATIONS` with the next number; never edit a released one.
Each runs in its own transaction together with the version bump.
"""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from storage.errors import NewerSchemaError


def _add_to_balance(scope: str, condition: str) -> str:
    """Trigger statement: add the ledger entry `NEW` to one balance row (v3)."""
    held = (
        "CASE NEW.kind WHEN 'hold' THEN NEW.amount_micros WHEN 'credit' THEN 0"
        " ELSE -NEW.amount_micros END"
    )
    spent = (
        "CASE NEW.kind WHEN 'capture' THEN NEW.amount_micros"
        " WHEN 'credit' THEN -NEW.amount_micros ELSE 0 END"
    )
    songs = "(NEW.kind = 'capture')"
    # A new row starts from the entry's positive part (holds only ever create rows).
    return f"""
        INSERT INTO ledger_balances (scope, period, held_micros, spent_micros, songs)
        SELECT {scope}, NEW.period, MAX({held}, 0), MAX({spent}, 0), {songs} WHERE {condition}
        ON CONFLICT (scope, period) DO UPDATE SET held_micros = held_micros + {held},
            spent_micros = spent_micros + {spent}, songs = songs + {songs};"""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]


_BALANCES_TRIGGER = (
    "CREATE TRIGGER ledger_updates_balances AFTER INSERT ON ledger BEGIN"
    + _add_to_balance("'user:' || NEW.user_key", "TRUE")
    + _add_to_balance("'server:' || NEW.server_key", "NEW.server_key IS NOT NULL")
    + _add_to_balance(
        "'member:' || NEW.server_key || '|' || NEW.user_key", "NEW.server_key IS NOT NULL"
    )
    + "\nEND"
)

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
            # Balances per scope and period, kept by the trigger below in the same statement
            # as each entry: the budget check and the reports read rows here instead of
            # summing entries. Scopes: 'user:<user_key>', 'server:<server_key>' and
            # 'member:<server_key>|<user_key>' (a user's spending within one server).
            """
            CREATE TABLE ledger_balances (
                scope TEXT NOT NULL,
                period TEXT NOT NULL,
                held_micros INTEGER NOT NULL DEFAULT 0 CHECK (held_micros >= 0),
                spent_micros INTEGER NOT NULL DEFAULT 0 CHECK (spent_micros >= 0),
                songs INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (scope, period)
            ) WITHOUT ROWID
            """,
            "CREATE INDEX ledger_balances_by_period ON ledger_balances (period)",
            _BALANCES_TRIGGER,
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
        raise NewerSchemaError(
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
