"""The budget ledger: append-only money movements, derived balances, admin overrides.

Every song that costs money leaves entries keyed by its job id:

* `hold`    at submission, reserving the price (only if it fits the budgets, see `hold`);
* `capture` on delivery, or `release` on failure or cancel: exactly one per hold, with the
  hold's user, server, period and amount (a unique index and a trigger enforce this);
* `credit`  (no job): an admin forgave spending (`/admin reset`).

`ledger_balances` holds held/spent/songs per scope and period and is kept by a trigger in
the same statement as each entry, so the budget check reads one row and reports read one
row per user; `balances_from_entries` recomputes it from the entries themselves (tests and
consistency checks). Scopes are `user:<user_key>`, `server:<server_key>` and
`member:<server_key>|<user_key>`. Amounts are integer micro-dollars.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import aiosqlite

from storage.db import Database

Settlement = Literal["capture", "release"]
BalanceKey = tuple[str, str]
"""(scope, period)"""


def user_scope(user_key: str) -> str:
    return f"user:{user_key}"


def server_scope(server_key: str) -> str:
    return f"server:{server_key}"


def member_scope(server_key: str, user_key: str) -> str:
    """A user's spending within one server (for per-server usage reports)."""
    return f"member:{server_key}|{user_key}"


def _ts(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


@dataclass(frozen=True)
class Balance:
    held_micros: int = 0
    spent_micros: int = 0
    songs: int = 0
    """Captured holds (delivered songs)."""

    @property
    def used_micros(self) -> int:
        return self.held_micros + self.spent_micros


@dataclass(frozen=True)
class Override:
    budget_micros: int | None
    """None: the default budget from settings."""
    unlimited: bool
    updated_at: str
    updated_by: str


@dataclass(frozen=True)
class Standing:
    """One scope's balance in one period and its admin override, if any."""

    balance: Balance
    override: Override | None


@dataclass(frozen=True)
class Entry:
    id: int
    kind: str
    job_id: str | None
    user_key: str
    server_key: str | None
    amount_micros: int
    period: str
    created_at: str
    note: str | None


@dataclass(frozen=True)
class Usage:
    """Spending of one user (or server) in one period, summed from the entries."""

    key: str
    songs: int
    spent_micros: int
    held_micros: int


HOLD_IF_WITHIN_BUDGETS_SQL = """
INSERT INTO ledger (kind, job_id, user_key, server_key, amount_micros, period, created_at)
SELECT 'hold', :job_id, :user_key, :server_key, :amount, :period, :at
WHERE (
    SELECT COALESCE(o.unlimited, 0) = 1
        OR COALESCE(b.held_micros + b.spent_micros, 0) + :amount
            <= COALESCE(o.budget_micros, :user_default)
    FROM (SELECT 1) LEFT JOIN budget_overrides o ON o.scope = :user_scope
    LEFT JOIN ledger_balances b ON b.scope = :user_scope AND b.period = :period
) AND (
    :server_scope IS NULL OR (
        SELECT COALESCE(o.unlimited, 0) = 1
            OR COALESCE(o.budget_micros, :server_default) IS NULL
            OR COALESCE(b.held_micros + b.spent_micros, 0) + :amount
                <= COALESCE(o.budget_micros, :server_default)
        FROM (SELECT 1) LEFT JOIN budget_overrides o ON o.scope = :server_scope
        LEFT JOIN ledger_balances b ON b.scope = :server_scope AND b.period = :period
    )
)
"""

SETTLE_SQL = """
INSERT INTO ledger (kind, job_id, user_key, server_key, amount_micros, period, created_at)
SELECT :kind, job_id, user_key, server_key, amount_micros, period, :at FROM ledger
WHERE kind = 'hold' AND job_id = :job_id AND NOT EXISTS (
    SELECT 1 FROM ledger WHERE job_id = :job_id AND kind IN ('capture', 'release')
)
"""

_OPEN_HOLDS = """
SELECT h.job_id FROM ledger h WHERE h.kind = 'hold' AND NOT EXISTS (
    SELECT 1 FROM ledger s WHERE s.job_id = h.job_id AND s.kind IN ('capture', 'release')
) ORDER BY h.id
"""

_STANDINGS = """
WITH wanted(scope) AS (VALUES {values})
SELECT w.scope, b.held_micros, b.spent_micros, b.songs,
    o.scope AS has_override, o.budget_micros, o.unlimited, o.updated_at, o.updated_by
FROM wanted w
LEFT JOIN ledger_balances b ON b.scope = w.scope AND b.period = ?
LEFT JOIN budget_overrides o ON o.scope = w.scope
"""

# Sums straight from the entries (to check ledger_balances against).
_SPENT = (
    "SUM(CASE kind WHEN 'capture' THEN amount_micros WHEN 'credit' THEN -amount_micros ELSE 0 END)"
)
_HELD = "SUM(CASE kind WHEN 'hold' THEN amount_micros WHEN 'credit' THEN 0 ELSE -amount_micros END)"
_SONGS = "SUM(kind = 'capture')"


def hold_params(
    *,
    job_id: str,
    user_key: str,
    server_key: str | None,
    amount_micros: int,
    period: str,
    at: datetime,
    user_default_micros: int,
    server_default_micros: int | None,
) -> dict[str, Any]:
    """The parameters of `HOLD_IF_WITHIN_BUDGETS_SQL`."""
    return {
        "job_id": job_id,
        "user_key": user_key,
        "server_key": server_key,
        "amount": amount_micros,
        "period": period,
        "at": _ts(at),
        "user_scope": user_scope(user_key),
        "server_scope": server_scope(server_key) if server_key else None,
        "user_default": user_default_micros,
        "server_default": server_default_micros,
    }


class Ledger:
    """SQL for the ledger. Methods taking `conn` run inside the caller's open transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def _rows(
        self, conn: aiosqlite.Connection | None, sql: str, params: Sequence[Any] | dict[str, Any]
    ) -> list[aiosqlite.Row]:
        if conn is None:
            return await self.db.fetchall(sql, params)
        return list(await conn.execute_fetchall(sql, params))

    # -- money movements ---------------------------------------------------------------

    async def hold(self, conn: aiosqlite.Connection | None, params: dict[str, Any]) -> bool:
        """Record a hold only if it fits the user's and the server's budgets; True if it did.

        `params` come from `hold_params`. Check and insert are one statement, so no other
        writer can slip in between. With `conn` it runs inside that open transaction, else on
        its own in one round trip. Raises `sqlite3.IntegrityError` if the job has a hold.
        """
        if conn is None:
            return await self.db.execute(HOLD_IF_WITHIN_BUDGETS_SQL, params) == 1
        cursor = await conn.execute(HOLD_IF_WITHIN_BUDGETS_SQL, params)
        return cursor.rowcount == 1

    async def settle(
        self, conn: aiosqlite.Connection | None, job_id: str, kind: Settlement, at: datetime
    ) -> bool:
        """Capture or release the hold of `job_id`. False if it has none or is settled.

        One statement: inside `conn`'s transaction, or on its own in one round trip.
        """
        params = {"kind": kind, "job_id": job_id, "at": _ts(at)}
        if conn is None:
            return await self.db.execute(SETTLE_SQL, params) == 1
        cursor = await conn.execute(SETTLE_SQL, params)
        return cursor.rowcount == 1

    async def credit(
        self,
        conn: aiosqlite.Connection,
        *,
        user_key: str,
        amount_micros: int,
        period: str,
        at: datetime,
        note: str,
    ) -> None:
        """Give back `amount_micros` of a user's spending in `period` (not the server's)."""
        await conn.execute(
            "INSERT INTO ledger (kind, job_id, user_key, server_key, amount_micros, period,"
            " created_at, note) VALUES ('credit', NULL, ?, NULL, ?, ?, ?, ?)",
            (user_key, amount_micros, period, _ts(at), note),
        )

    async def open_holds(self, conn: aiosqlite.Connection | None = None) -> list[str]:
        """Job ids whose hold is neither captured nor released."""
        return [row[0] for row in await self._rows(conn, _OPEN_HOLDS, ())]

    async def hold_state(self, job_id: str) -> str | None:
        """'open', 'capture', 'release', or None when the job has no hold."""
        rows = await self.db.fetchall(
            "SELECT kind FROM ledger WHERE job_id = ? ORDER BY id", (job_id,)
        )
        kinds = [row[0] for row in rows]
        if not kinds:
            return None
        return kinds[-1] if len(kinds) > 1 else "open"

    # -- balances and overrides ----------------------------------------------------------

    async def standings(
        self, scopes: Sequence[str], period: str, conn: aiosqlite.Connection | None = None
    ) -> dict[str, Standing]:
        """Balance and override of each scope, read in one statement (a consistent view)."""
        if not scopes:
            return {}
        sql = _STANDINGS.format(values=", ".join("(?)" for _ in scopes))
        rows = await self._rows(conn, sql, (*scopes, period))
        result = {}
        for row in rows:
            override = None
            if row["has_override"] is not None:
                override = Override(
                    budget_micros=row["budget_micros"],
                    unlimited=bool(row["unlimited"]),
                    updated_at=row["updated_at"],
                    updated_by=row["updated_by"],
                )
            balance = Balance(row["held_micros"] or 0, row["spent_micros"] or 0, row["songs"] or 0)
            result[row["scope"]] = Standing(balance, override)
        return result

    async def set_override(
        self,
        conn: aiosqlite.Connection,
        scope: str,
        *,
        budget_micros: int | None,
        unlimited: bool,
        at: datetime,
        by: str,
    ) -> None:
        await conn.execute(
            "INSERT INTO budget_overrides (scope, budget_micros, unlimited, updated_at,"
            " updated_by) VALUES (?, ?, ?, ?, ?) ON CONFLICT (scope) DO UPDATE SET"
            " budget_micros = excluded.budget_micros, unlimited = excluded.unlimited,"
            " updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            (scope, budget_micros, int(unlimited), _ts(at), by),
        )

    async def override(
        self, scope: str, conn: aiosqlite.Connection | None = None
    ) -> Override | None:
        rows = await self._rows(conn, "SELECT * FROM budget_overrides WHERE scope = ?", (scope,))
        return _override(rows[0]) if rows else None

    async def clear_override(self, conn: aiosqlite.Connection, scope: str) -> None:
        await conn.execute("DELETE FROM budget_overrides WHERE scope = ?", (scope,))

    async def overrides(self) -> dict[str, Override]:
        rows = await self.db.fetchall("SELECT * FROM budget_overrides ORDER BY scope")
        return {row["scope"]: _override(row) for row in rows}

    # -- reports -------------------------------------------------------------------------

    async def usage(
        self,
        period: str,
        *,
        by: Literal["user", "server"] = "user",
        server_key: str | None = None,
    ) -> list[Usage]:
        """Per user (or server) songs, spent and held in `period`, biggest spender first;
        with `server_key`, only what was spent in that server. Reads the balances."""
        if by == "server" and server_key:
            # One server: its own row, by exact scope (a prefix would name it `` and also
            # match servers whose ids merely start with the same digits).
            rows = await self.db.fetchall(
                "SELECT ? AS key, songs, spent_micros, held_micros FROM ledger_balances"
                " WHERE period = ? AND scope = ?"
                " AND (songs != 0 OR spent_micros != 0 OR held_micros != 0)",
                (server_key, period, server_scope(server_key)),
            )
            return [Usage(row[0], row[1], row[2], row[3]) for row in rows]
        if by == "server":
            prefix = "server:"
        else:
            prefix = member_scope(server_key, "") if server_key else "user:"
        rows = await self.db.fetchall(
            "SELECT substr(scope, ?) AS key, songs, spent_micros, held_micros"
            " FROM ledger_balances WHERE period = ? AND substr(scope, 1, ?) = ?"
            " AND (songs != 0 OR spent_micros != 0 OR held_micros != 0)"
            " ORDER BY spent_micros DESC, key",
            (len(prefix) + 1, period, len(prefix), prefix),
        )
        return [Usage(row[0], row[1], row[2], row[3]) for row in rows]

    async def entries(self, period: str | None = None) -> list[Entry]:
        """Ledger entries in order, of one period (a scan: for exports) or all of them."""
        where, params = ("WHERE period = ?", (period,)) if period else ("", ())
        rows = await self.db.fetchall(f"SELECT * FROM ledger {where} ORDER BY id", params)
        return [
            Entry(
                id=row["id"],
                kind=row["kind"],
                job_id=row["job_id"],
                user_key=row["user_key"],
                server_key=row["server_key"],
                amount_micros=row["amount_micros"],
                period=row["period"],
                created_at=row["created_at"],
                note=row["note"],
            )
            for row in rows
        ]

    async def balances(self) -> dict[BalanceKey, Balance]:
        """The maintained balances (rows that are all zero left out)."""
        rows = await self.db.fetchall(
            "SELECT scope, period, held_micros, spent_micros, songs FROM ledger_balances"
            " WHERE held_micros != 0 OR spent_micros != 0 OR songs != 0"
        )
        return {(row[0], row[1]): Balance(row[2], row[3], row[4]) for row in rows}

    async def balances_from_entries(self) -> dict[BalanceKey, Balance]:
        """The balances recomputed from the entries alone (rows all zero left out)."""
        scopes = {
            "user": "'user:' || user_key",
            "server": "'server:' || server_key",
            "member": "'member:' || server_key || '|' || user_key",
        }
        result: dict[BalanceKey, Balance] = {}
        for kind, scope in scopes.items():
            where = "" if kind == "user" else "WHERE server_key IS NOT NULL"
            rows = await self.db.fetchall(
                f"SELECT {scope} AS scope, period, {_HELD}, {_SPENT}, {_SONGS} FROM ledger"
                f" {where} GROUP BY scope, period"
            )
            for scope_name, period, held, spent, songs in rows:
                if held or spent or songs:
                    result[(scope_name, period)] = Balance(held, spent, songs)
        return result


def _override(row: aiosqlite.Row) -> Override:
    return Override(
        budget_micros=row["budget_micros"],
        unlimited=bool(row["unlimited"]),
        updated_at=row["updated_at"],
        updated_by=row["updated_by"],
    )
