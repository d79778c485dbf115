"""Budgets: prices, periods, the hold life cycle, concurrency, restarts and what users see."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.budget import Budgets, HoldDecision, Period, format_usd, format_wait
from bot.models import JobState, Origin
from bot.settings import Settings
from storage.db import Database
from storage.ledger import Balance
from tests.support import BUDGETED, settings_for

WEDNESDAY = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
ALICE = Origin(platform="console", user_id="alice")
BOB_IN_GUILD = Origin(platform="discord", user_id="200000000000000002", server_id="9" * 18)
CAROL_IN_GUILD = Origin(platform="discord", user_id="300000000000000003", server_id="9" * 18)
CAROL_IN_DM = Origin(platform="discord", user_id="300000000000000003")


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    return settings_for(tmp_path, **{**BUDGETED, **overrides})


class Clock:
    def __init__(self, now: datetime = WEDNESDAY) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with Database(tmp_path / "songbot.sqlite3") as database:
        yield database


BudgetsFactory = Callable[..., Budgets]


@pytest.fixture
def make_budgets(db: Database, tmp_path: Path, clock: Clock) -> BudgetsFactory:
    def make(**overrides: object) -> Budgets:
        return Budgets(db, make_settings(tmp_path, **overrides), clock)

    return make


async def hold(budgets: Budgets, origin: Origin, job_id: str, amount: int) -> HoldDecision:
    async with budgets.db.transaction() as conn:
        return await budgets.try_hold(conn, origin, job_id, amount)


async def balance(budgets: Budgets, origin: Origin) -> Balance:
    return (await budgets.quota(origin.user_key, origin.server_key)).user.balance


# -- money and time ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("micros", "text"),
    [
        (0, "$0.00"),
        (1, "$0.000001"),
        (200, "$0.0002"),
        (12_000, "$0.012"),
        (500_000, "$0.50"),
        (1_500_000, "$1.50"),
        (123_456_789, "$123.456789"),
        (-10_000, "-$0.01"),
    ],
)
def test_format_usd(micros: int, text: str) -> None:
    assert format_usd(micros) == text


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(seconds=30), "under a minute"),
        (timedelta(minutes=5, seconds=59), "5 min"),
        (timedelta(hours=5, minutes=12), "5 h 12 min"),
        (timedelta(days=2, hours=3), "2 d 3 h"),
    ],
)
def test_format_wait(delta: timedelta, text: str) -> None:
    assert format_wait(delta) == text


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[arg-type,misc]


def test_periods_start_at_midnight_utc_weeks_on_monday() -> None:
    day = Period.containing("day", WEDNESDAY)
    assert (day.start, day.end) == (
        datetime(2026, 3, 4, tzinfo=UTC),
        datetime(2026, 3, 5, tzinfo=UTC),
    )
    assert day.key == "day:2026-03-04"
    week = Period.containing("week", WEDNESDAY)
    assert (week.start, week.end) == (
        datetime(2026, 3, 2, tzinfo=UTC),
        datetime(2026, 3, 9, tzinfo=UTC),
    )
    sunday_night = datetime(2026, 3, 8, 23, 59, 59, tzinfo=UTC)
    assert Period.containing("week", sunday_night) == week
    assert Period.containing("week", week.end).start == week.end
    december = Period.containing("month", datetime(2026, 12, 31, 23, 0, tzinfo=UTC))
    assert (december.start, december.end) == (
        datetime(2026, 12, 1, tzinfo=UTC),
        datetime(2027, 1, 1, tzinfo=UTC),
    )
    other_zone = utc(2026, 3, 5, 1).astimezone(timezone(timedelta(hours=-5)))
    assert Period.containing("day", other_zone).key == "day:2026-03-05"


def test_prices(make_budgets: BudgetsFactory) -> None:
    priced = make_budgets()
    assert priced.price_micros("local", 60) == 12_000
    assert priced.price_micros("wavespeed", 240) == 48_000
    free_local = make_budgets(songbot_budget_local=False)
    assert free_local.price_micros("local", 60) == 0
    assert free_local.price_micros("wavespeed", 60) == 12_000
    assert not free_local.priced
    with pytest.raises(ValueError):
        priced.price_micros("wavespeed", -1)


# -- holds ---------------------------------------------------------------------------------


async def test_holds_until_the_budget_is_used_then_explains(make_budgets: BudgetsFactory) -> None:
    budgets = make_budgets(songbot_user_budget_usd="0.05")
    for n in range(4):
        assert (await hold(budgets, ALICE, f"job{n}", 12_000)).ok
    rejected = await hold(budgets, ALICE, "job4", 12_000)
    assert not rejected.ok
    message = rejected.message
    assert "$0.012" in message  # what it would cost
    assert "$0.002" in message  # what is left
    assert "2026-03-05 00:00 UTC" in message and "in 14 h 0 min" in message
    assert "A song of up to 10 s fits now" in message
    assert await balance(budgets, ALICE) == Balance(held_micros=48_000, spent_micros=0)
    assert await budgets.ledger.hold_state("job4") is None


async def test_rejection_suggests_a_duration_that_fits(make_budgets: BudgetsFactory) -> None:
    budgets = make_budgets(songbot_user_budget_usd="0.01")
    decision = await hold(budgets, ALICE, "long", 48_000)
    assert not decision.ok
    assert "up to 50 s" in decision.message and "`duration: 50`" in decision.message


async def test_a_free_request_always_passes_and_records_nothing(
    make_budgets: BudgetsFactory,
) -> None:
    budgets = make_budgets(songbot_user_budget_usd="0")
    assert await hold(budgets, ALICE, "free", 0) == HoldDecision(True, "")
    assert not (await hold(budgets, ALICE, "paid", 200)).ok
    assert await budgets.ledger.entries() == []
    with pytest.raises(ValueError):
        await hold(budgets, ALICE, "negative", -1)


async def test_capture_and_release_settle_once(make_budgets: BudgetsFactory) -> None:
    budgets = make_budgets()
    await hold(budgets, ALICE, "a", 12_000)
    await hold(budgets, ALICE, "b", 6_000)
    await budgets.capture("a")
    await budgets.capture("a")
    await budgets.release("a")  # already captured: nothing happens
    await budgets.release("b")
    await budgets.release("b")
    await budgets.capture("b")
    await budgets.capture("never-held")
    assert await balance(budgets, ALICE) == Balance(held_micros=0, spent_micros=12_000, songs=1)
    kinds = [(e.job_id, e.kind) for e in await budgets.ledger.entries()]
    assert kinds == [("a", "hold"), ("b", "hold"), ("a", "capture"), ("b", "release")]
    assert await budgets.ledger.hold_state("a") == "capture"
    assert await budgets.ledger.hold_state("b") == "release"


async def test_one_hold_per_job(make_budgets: BudgetsFactory) -> None:
    budgets = make_budgets()
    await hold(budgets, ALICE, "same", 200)
    with pytest.raises(sqlite3.IntegrityError):
        await hold(budgets, ALICE, "same", 200)


async def test_the_ledger_is_append_only_and_settlements_match_holds(
    make_budgets: BudgetsFactory, db: Database
) -> None:
    budgets = make_budgets()
    await hold(budgets, ALICE, "a", 12_000)
    for sql in ("UPDATE ledger SET amount_micros = 1", "DELETE FROM ledger"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            await db.execute(sql)
    with pytest.raises(sqlite3.IntegrityError, match="must match its hold"):
        await db.execute(
            "INSERT INTO ledger (kind, job_id, user_key, amount_micros, period, created_at)"
            " VALUES ('capture', 'a', 'console:alice', 1, 'day:2026-03-04', 'now')"
        )


async def test_a_new_period_brings_a_new_budget(make_budgets: BudgetsFactory, clock: Clock) -> None:
    budgets = make_budgets(songbot_user_budget_usd="0.012")
    assert (await hold(budgets, ALICE, "monday", 12_000)).ok
    assert not (await hold(budgets, ALICE, "too-much", 200)).ok
    clock.advance(hours=14)  # past midnight UTC
    assert (await hold(budgets, ALICE, "tuesday", 12_000)).ok
    await budgets.capture("monday")  # counts in the period it was held in
    assert await balance(budgets, ALICE) == Balance(held_micros=12_000, spent_micros=0)
    entries = {e.job_id: e.period for e in await budgets.ledger.entries() if e.kind == "capture"}
    assert entries == {"monday": "day:2026-03-04"}


async def test_server_cap_is_shared_and_dms_are_outside_it(make_budgets: BudgetsFactory) -> None:
    budgets = make_budgets(songbot_server_budget_usd="0.02")
    assert (await hold(budgets, BOB_IN_GUILD, "b1", 12_000)).ok
    decision = await hold(budgets, CAROL_IN_GUILD, "c1", 12_000)
    assert not decision.ok
    assert "server" in decision.message and "$0.008" in decision.message
    assert (await hold(budgets, CAROL_IN_GUILD, "c2", 8_000)).ok
    assert (await hold(budgets, CAROL_IN_DM, "c3", 12_000)).ok
    text = await budgets.quota_text(CAROL_IN_GUILD)
    assert "This server: $0.02 of $0.02 used today, $0.00 left." in text


async def test_unlimited_users_skip_their_budget_but_not_the_server_cap(
    make_budgets: BudgetsFactory, db: Database, clock: Clock
) -> None:
    budgets = make_budgets(songbot_user_budget_usd="0.01", songbot_server_budget_usd="0.05")
    for origin in (BOB_IN_GUILD, ALICE):
        async with db.transaction() as conn:
            scope = f"user:{origin.user_key}"
            await budgets.ledger.set_override(
                conn, scope, budget_micros=None, unlimited=True, at=clock(), by="test"
            )
    assert (await hold(budgets, ALICE, "a1", 48_000)).ok
    assert (await hold(budgets, ALICE, "a2", 48_000)).ok
    assert (await hold(budgets, BOB_IN_GUILD, "b1", 48_000)).ok
    assert not (await hold(budgets, BOB_IN_GUILD, "b2", 48_000)).ok
    assert "no limit" in await budgets.quota_text(ALICE)


async def test_reconcile_settles_holds_of_jobs_that_ended_while_down(
    tmp_path: Path, clock: Clock
) -> None:
    settings = make_settings(tmp_path)
    async with Database(settings.songbot_db) as db:
        budgets = Budgets(db, settings, clock)
        for job_id in ("delivered", "failed", "cancelled", "vanished", "queued", "generating"):
            assert (await hold(budgets, ALICE, job_id, 1_000)).ok
        await budgets.capture("delivered")  # already settled before the crash
    # Restart: a new database connection and a new Budgets on the same file.
    async with Database(settings.songbot_db) as db:
        budgets = Budgets(db, settings, clock)
        states = {
            "delivered": JobState.DELIVERED,
            "failed": JobState.FAILED,
            "cancelled": JobState.CANCELLED,
            "queued": JobState.QUEUED,
            "generating": JobState.GENERATING,
        }
        await budgets.reconcile(states)
        await budgets.reconcile(states)  # idempotent
        assert await budgets.ledger.open_holds() == ["queued", "generating"]
        for job_id, settled in [
            ("delivered", "capture"),
            ("failed", "release"),
            ("cancelled", "release"),
            ("vanished", "release"),
        ]:
            assert await budgets.ledger.hold_state(job_id) == settled
        await budgets.reconcile({**states, "queued": JobState.DELIVERED})
        assert await balance(budgets, ALICE) == Balance(
            held_micros=1_000, spent_micros=2_000, songs=2
        )
        assert await budgets.ledger.balances() == await budgets.ledger.balances_from_entries()


# -- concurrency ---------------------------------------------------------------------------


async def test_concurrent_requests_never_overspend(make_budgets: BudgetsFactory) -> None:
    budgets = make_budgets()  # $0.50 a day, $0.012 a minute-long song: 41 fit

    async def request(n: int) -> bool:
        return (await hold(budgets, ALICE, f"job{n}", 12_000)).ok

    results = await asyncio.gather(*(request(n) for n in range(200)))
    assert sum(results) == 41
    assert await balance(budgets, ALICE) == Balance(held_micros=41 * 12_000, spent_micros=0)


async def test_two_connections_on_one_file_never_overspend(tmp_path: Path, clock: Clock) -> None:
    """Like two processes: separate connections serialised only by SQLite's write lock."""
    settings = make_settings(tmp_path, songbot_user_budget_usd="0.10")
    async with Database(settings.songbot_db) as first, Database(settings.songbot_db) as second:
        sides = [Budgets(first, settings, clock), Budgets(second, settings, clock)]

        async def request(n: int) -> bool:
            budgets = sides[n % 2]
            decision = await hold(budgets, ALICE, f"job{n}", 1_000)
            if decision.ok and n % 3 == 0:
                await budgets.release(f"job{n}")
            elif decision.ok:
                await budgets.capture(f"job{n}")
            return decision.ok

        results = await asyncio.gather(*(request(n) for n in range(300)))
        captured = sum(1 for n, ok in enumerate(results) if ok and n % 3 != 0)
        final = await balance(sides[0], ALICE)
        assert final == Balance(held_micros=0, spent_micros=captured * 1_000, songs=captured)
        assert final.spent_micros <= 100_000
        # Whatever is left can still be held, to the last micro-dollar and no further.
        left = 100_000 - final.spent_micros
        assert (await hold(sides[1], ALICE, "rest", left)).ok or left == 0
        assert not (await hold(sides[0], ALICE, "one-more", 1)).ok


# -- what users see ------------------------------------------------------------------------


async def test_quota_text_shows_spent_held_left_and_reset(make_budgets: BudgetsFactory) -> None:
    budgets = make_budgets(songbot_budget_period="week")
    await hold(budgets, ALICE, "a", 12_000)
    await hold(budgets, ALICE, "b", 6_000)
    await budgets.capture("a")
    text = await budgets.quota_text(ALICE)
    assert "**Your song budget:** $0.50 per week" in text
    assert "Spent: **$0.012** · held for songs in progress: **$0.006** · left: **$0.482**" in text
    assert "Resets **2026-03-09 00:00 UTC** (in 4 d 14 h)." in text
    assert "$0.0002 per second (60 s = $0.012)" in text
    assert "This server" not in text


async def test_quota_text_when_songs_are_free(make_budgets: BudgetsFactory) -> None:
    budgets = make_budgets(songbot_budget_local=False)
    assert "free" in await budgets.quota_text(ALICE)


# -- found in review -----------------------------------------------------------------------


async def test_the_duration_hint_fits_the_server_cap_too(make_budgets: BudgetsFactory) -> None:
    """Refused by their own budget, a user must not be told a duration the server refuses."""
    budgets = make_budgets(songbot_user_budget_usd="0.03", songbot_server_budget_usd="0.02")
    assert (await hold(budgets, CAROL_IN_GUILD, "c1", 12_000)).ok  # server: $0.008 left
    decision = await hold(budgets, BOB_IN_GUILD, "b1", 48_000)  # Bob: $0.03 left
    assert not decision.ok
    assert "up to 40 s" in decision.message and "up to 150 s" not in decision.message
    assert (await hold(budgets, BOB_IN_GUILD, "b2", 40 * 200)).ok
