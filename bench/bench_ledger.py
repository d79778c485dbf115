"""Benchmark: budget reservations (hold + capture pairs) per second on SQLite in WAL mode.

Run on demand (never from tests):

    .venv/bin/python bench/bench_ledger.py [--pairs 20000] [--users 500]

Two paths, each in 1 process and in 2 processes sharing one database file (multiprocessing,
each process with its own connection; BEGIN IMMEDIATE + busy_timeout serialise writers):

* `hold in a transaction`: as the core admits a song: `try_hold` inside
  `Database.transaction()` (BEGIN IMMEDIATE, hold, COMMIT), then `Budgets.capture`.
* `Budgets API, one statement each`: `try_hold` and `capture` as single statements (each is
  atomic on its own: check-and-hold is one INSERT … SELECT), one aiosqlite round trip each.
* the same with 16 users at once: concurrent single statements pipeline through aiosqlite's
  thread (each still atomic; nothing batched).
* `ledger SQL`: the same statements (`HOLD_IF_WITHIN_BUDGETS_SQL`, `SETTLE_SQL`, the same
  triggers and indexes) on a plain synchronous `sqlite3` connection: the storage cost alone.

Phase "throughput": budgets are ample, every hold is accepted and captured. Phase
"contention" (2 processes): both hammer the same users with twice what their budgets allow,
releasing about one in 10 accepted holds; afterwards the parent checks that the ledger holds
exactly what the processes reported, every hold was settled exactly once, the maintained
balances equal the sums of the entries, no user spent more than the budget, and what is
left of each budget can still be held, to the last song.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import sqlite3
import sys
import tempfile
import time
import zlib
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.budget import Budgets, Period  # noqa: E402
from bot.models import Origin  # noqa: E402
from bot.settings import Settings, load_settings  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.ledger import (  # noqa: E402
    HOLD_IF_WITHIN_BUDGETS_SQL,
    SETTLE_SQL,
    Balance,
    Ledger,
    hold_params,
    user_scope,
)

SONG_MICROS = 1_000  # a 5 s song at $0.0002/s
PATH_LABELS = {
    "txn": "hold in a transaction, as the core does (aiosqlite)",
    "api": "Budgets API, one statement each (aiosqlite)",
    "api16": "Budgets API, 16 users at once (aiosqlite)",
    "sql": "ledger SQL (plain sqlite3)",
}


@dataclass(frozen=True)
class Work:
    path: str
    worker: int
    attempts: int
    users: int
    budget_usd: str
    release_every: int
    """Release about one in n accepted holds instead of capturing it (0: capture all)."""
    in_transaction: bool = False
    concurrency: int = 1


@dataclass(frozen=True)
class Outcome:
    accepted: int
    captured: int
    released: int
    seconds: float


def settings_for(work: Work) -> Settings:
    return load_settings(
        songbot_db=Path(work.path),
        songbot_backend="local",
        songbot_budget_local=True,
        songbot_price_per_second_usd="0.0002",
        songbot_user_budget_usd=work.budget_usd,
        songbot_budget_period="day",
        songbot_server_budget_usd=None,
    )


def origin(work: Work, n: int) -> Origin:
    """Discord users spread over 10 servers: each entry updates user, server and member rows."""
    user = n % work.users
    return Origin(platform="discord", user_id=f"{10**17 + user}", server_id=f"{10**17 + user % 10}")


def settles_by_capture(work: Work, job_id: str) -> bool:
    """Release about one in `release_every` holds (by a hash, so no user always loses)."""
    digest = zlib.crc32(job_id.encode())
    return not (work.release_every and digest % work.release_every == 0)


# -- the two paths -------------------------------------------------------------------------


async def run_api(work: Work) -> Outcome:
    async with Database(work.path) as db:
        budgets = Budgets(db, settings_for(work))
        counts: Counter[str] = Counter()

        async def attempt(n: int) -> None:
            job_id = f"w{work.worker}-{n}"
            if work.in_transaction:
                async with db.transaction() as conn:
                    decision = await budgets.try_hold(conn, origin(work, n), job_id, SONG_MICROS)
            else:
                decision = await budgets.try_hold(None, origin(work, n), job_id, SONG_MICROS)
            if not decision.ok:
                return
            counts["accepted"] += 1
            if settles_by_capture(work, job_id):
                await budgets.capture(job_id)
                counts["captured"] += 1
            else:
                await budgets.release(job_id)

        async def lane(first: int) -> None:
            for n in range(first, work.attempts, work.concurrency):
                await attempt(n)

        start = time.perf_counter()
        await asyncio.gather(*(lane(first) for first in range(work.concurrency)))
        seconds = time.perf_counter() - start
        accepted, captured = counts["accepted"], counts["captured"]
        return Outcome(accepted, captured, accepted - captured, seconds)


def run_sql(work: Work) -> Outcome:
    settings = settings_for(work)
    conn = sqlite3.connect(work.path, isolation_level=None, cached_statements=64)
    conn.execute("PRAGMA busy_timeout = 10000")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    now = datetime.now(UTC)
    period = Period.containing("day", now).key
    accepted = captured = 0
    start = time.perf_counter()
    for n in range(work.attempts):
        job_id = f"w{work.worker}-{n}"
        asker = origin(work, n)
        params = hold_params(
            job_id=job_id,
            user_key=asker.user_key,
            server_key=asker.server_key,
            amount_micros=SONG_MICROS,
            period=period,
            at=now,
            user_default_micros=settings.user_budget_micros,
            server_default_micros=None,
        )
        conn.execute("BEGIN IMMEDIATE")
        ok = conn.execute(HOLD_IF_WITHIN_BUDGETS_SQL, params).rowcount == 1
        conn.execute("COMMIT")
        if not ok:
            continue
        accepted += 1
        kind = "capture" if settles_by_capture(work, job_id) else "release"
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(SETTLE_SQL, {"kind": kind, "job_id": job_id, "at": now.isoformat()})
        conn.execute("COMMIT")
        captured += kind == "capture"
    seconds = time.perf_counter() - start
    conn.close()
    return Outcome(accepted, captured, accepted - captured, seconds)


def worker(path_kind: str, work: Work, barrier: Any, results: Any) -> None:
    barrier.wait()
    outcome = run_sql(work) if path_kind == "sql" else asyncio.run(run_api(work))
    results.put((work.worker, outcome))


# -- scenarios -----------------------------------------------------------------------------


def prepare(path: Path) -> None:
    async def create() -> None:
        async with Database(path):
            pass

    asyncio.run(create())


def run_processes(path_kind: str, works: list[Work]) -> list[Outcome]:
    context = mp.get_context("spawn")
    barrier = context.Barrier(len(works))
    results = context.Queue()
    processes = [
        context.Process(target=worker, args=(path_kind, work, barrier, results)) for work in works
    ]
    for process in processes:
        process.start()
    outcomes = dict(results.get() for _ in processes)
    for process in processes:
        process.join()
        assert process.exitcode == 0, f"worker failed with exit code {process.exitcode}"
    return [outcomes[work.worker] for work in works]


def check_ledger(path: Path, work: Work, outcomes: list[Outcome], budget_micros: int) -> None:
    """Everything the processes reported is in the ledger, nothing is overspent, and what
    is left of each budget can still be held to the last song (no money lost either)."""

    async def check() -> None:
        async with Database(path) as db:
            ledger = Ledger(db)
            entries = await ledger.entries()
            kinds = Counter(entry.kind for entry in entries)
            assert kinds["hold"] == sum(o.accepted for o in outcomes)
            assert kinds["capture"] == sum(o.captured for o in outcomes)
            assert kinds["release"] == sum(o.released for o in outcomes)
            settled = Counter(e.job_id for e in entries if e.kind in ("capture", "release"))
            assert len(settled) == kinds["hold"] and set(settled.values()) == {1}
            balances = await ledger.balances()
            assert balances == await ledger.balances_from_entries()
            user_balances = {k: v for k, v in balances.items() if k[0].startswith("user:")}
            for balance in balances.values():
                assert balance.held_micros == 0
            for balance in user_balances.values():
                assert balance.spent_micros <= budget_micros
            budgets = Budgets(db, settings_for(work))
            for n in range(work.users):
                user = origin(work, n)
                key = (user_scope(user.user_key), budgets.period().key)
                spent = balances.get(key, Balance()).spent_micros
                fit = 0
                while True:
                    async with db.transaction() as conn:
                        job_id = f"top-up-{n}-{fit}"
                        if not (await budgets.try_hold(conn, user, job_id, SONG_MICROS)).ok:
                            break
                    fit += 1
                assert spent + fit * SONG_MICROS == budget_micros, (user.user_key, spent, fit)

    asyncio.run(check())


def scenario(
    path_kind: str, processes: int, *, pairs: int, users: int, contention: bool, tmp: Path
) -> dict[str, Any]:
    path = tmp / f"{path_kind}-{processes}-{'contention' if contention else 'throughput'}.db"
    prepare(path)
    if contention:
        songs_per_user = 20
        budget_micros = songs_per_user * SONG_MICROS
        # Every 10th accepted hold is released, freeing room for a later attempt.
        attempts = 2 * users * songs_per_user // processes
        budget_usd, release_every = str(budget_micros / 1_000_000), 10
    else:
        budget_micros, attempts = 10**12, pairs // processes
        budget_usd, release_every = "1000000", 0
    in_transaction, concurrency = path_kind == "txn", 16 if path_kind == "api16" else 1
    works = [
        Work(str(path), n, attempts, users, budget_usd, release_every, in_transaction, concurrency)
        for n in range(processes)
    ]
    if processes == 1 and path_kind != "sql":
        outcomes = [asyncio.run(run_api(works[0]))]
    elif processes == 1:
        outcomes = [run_sql(works[0])]
    else:
        outcomes = run_processes(path_kind, works)
    if contention:
        check_ledger(path, works[0], outcomes, budget_micros)
    wall = max(o.seconds for o in outcomes)
    accepted = sum(o.accepted for o in outcomes)
    return {
        "path": PATH_LABELS[path_kind],
        "processes": processes,
        "phase": "contention" if contention else "throughput",
        "attempts": attempts * processes,
        "accepted": accepted,
        "seconds": wall,
        "pairs_per_s": accepted / wall,
        "attempts_per_s": attempts * processes / wall,
    }


async def round_trip_us(n: int = 5_000) -> float:
    async with Database(":memory:") as db:
        start = time.perf_counter()
        for _ in range(n):
            await db.conn.execute("SELECT 1")
        return (time.perf_counter() - start) / n * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--pairs", type=int, default=20_000, help="hold+capture pairs per run")
    parser.add_argument("--users", type=int, default=500, help="distinct users")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-ledger-") as tmp:
        for path_kind in PATH_LABELS:
            for processes in (1, 2):
                for contention in (False, True) if processes == 2 else (False,):
                    rows.append(
                        scenario(
                            path_kind,
                            processes,
                            pairs=args.pairs,
                            users=args.users,
                            contention=contention,
                            tmp=Path(tmp),
                        )
                    )
                    print(f"done: {rows[-1]}", file=sys.stderr)
    print(f"SQLite {sqlite3.sqlite_version}, WAL, synchronous=NORMAL, busy_timeout=10 s;")
    print(f"one aiosqlite round trip (SELECT 1) here: {asyncio.run(round_trip_us()):.0f} µs")
    print()
    print("| path | processes | phase | attempts | accepted | seconds | pairs/s | attempts/s |")
    print("|---|---:|---|---:|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row['path']} | {row['processes']} | {row['phase']} | {row['attempts']:,} | "
            f"{row['accepted']:,} | {row['seconds']:.2f} | {row['pairs_per_s']:,.0f} | "
            f"{row['attempts_per_s']:,.0f} |"
        )
    print()
    print("contention runs: totals checked (no overspend, every hold settled exactly once).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
