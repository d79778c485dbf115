"""One SQLite database (WAL) shared by the job store and the ledger.

A single aiosqlite connection runs statements one at a time, in order, on its own thread;
each call is one round trip to that thread (~50 µs here), which is what bounds throughput.

- `transaction()` holds an asyncio lock and a `BEGIN IMMEDIATE` (which also serialises
  against other processes on the same file) for work that needs several statements.
- `execute()`, `fetchone()` and `fetchall()` are single statements in one round trip. A
  single statement is atomic on its own (SQLite wraps it in an implicit transaction, triggers
  included). They wait for the lock only while a transaction holds the connection; otherwise
  they are queued at once, so concurrent single statements pipeline through the thread.
  Queuing happens in the same event-loop step as the lock check, and the thread runs its
  queue in order, so a single statement never lands inside someone else's transaction.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from storage.errors import StorageError
from storage.migrations import migrate

Params = Iterable[Any] | dict[str, Any]


def _preflight(path: Path) -> None:
    """Open the file once with plain sqlite3: a bad path fails here with SQLite's reason,
    before aiosqlite starts a thread that would outlive the error."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA schema_version")
    finally:
        conn.close()


class Database:
    def __init__(self, path: Path | str, *, busy_timeout_ms: int = 10_000) -> None:
        self.path = Path(path)
        self._busy_timeout_ms = busy_timeout_ms
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    async def open(self) -> None:
        if self._conn is not None:
            return
        if str(self.path) != ":memory:":
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                await asyncio.to_thread(_preflight, self.path)
            except (OSError, sqlite3.Error) as exc:
                raise StorageError(f"cannot open the database {self.path}: {exc}") from None
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        await conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA synchronous = NORMAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        try:
            await migrate(conn)
        except BaseException:
            await conn.close()
            raise

        self._conn = conn

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    async def __aenter__(self) -> Database:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("database is not open")
        return self._conn

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """An exclusive write transaction; commits on success, rolls back on any error."""
        conn = self.conn
        async with self._lock:
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                await conn.rollback()
                raise
            await conn.commit()

    @asynccontextmanager
    async def _turn(self) -> AsyncIterator[aiosqlite.Connection]:
        """The connection for one statement: at once, unless a transaction holds it."""
        if self._lock.locked():
            async with self._lock:
                yield self.conn
        else:
            yield self.conn

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one write statement (atomic on its own); returns the affected row count."""
        async with self._turn() as conn:
            cursor = await conn.execute(sql, params)
            return cursor.rowcount

    async def fetchone(self, sql: str, params: Params = ()) -> aiosqlite.Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def fetchall(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        async with self._turn() as conn:
            return list(await conn.execute_fetchall(sql, params))
