"""Budgets: what a song costs, whether it fits, and holding the money until it is settled.

Money is integer micro-dollars (µ$). A song costs duration × price per second; the offline
`local` backend is free unless SONGBOT_BUDGET_LOCAL=true. Each user has a budget per period
(day, ISO week from Monday, or calendar month, all starting 00:00 UTC) and each server
(Discord guild / Slack workspace) may have a cap; admins override both (storage/ledger.py).

A request is admitted by `try_hold` inside the core's transaction: the check and the hold are
one SQL statement, so concurrent requests can never spend more than the budget. Delivery
captures the hold, failure or cancel releases it, and `reconcile` settles holds whose job
ended while the bot was down. A hold counts in the period it was made, whenever settled.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Literal

import aiosqlite

from bot.models import MIN_DURATION, JobState, Origin
from bot.settings import MICROS_PER_USD, Settings
from storage.db import Database
from storage.ledger import (
    Balance,
    Ledger,
    Settlement,
    Standing,
    hold_params,
    server_scope,
    user_scope,
)

log = logging.getLogger(__name__)

PeriodKind = Literal["day", "week", "month"]
PERIOD_WORDS: dict[str, tuple[str, str]] = {
    "day": ("per day", "today"),
    "week": ("per week", "this week"),
    "month": ("per month", "this month"),
}


def utc_now() -> datetime:
    return datetime.now(UTC)


def format_usd(micros: int) -> str:
    """`$0.012`, `$0.50`, `$0.0002`: at least two decimals, more only when they matter."""
    sign = "-" if micros < 0 else ""
    text = f"{Decimal(abs(micros)) / MICROS_PER_USD:.6f}".rstrip("0")
    whole, _, fraction = text.partition(".")
    return f"{sign}${whole}.{fraction.ljust(2, '0')}"


def format_wait(delta: timedelta) -> str:
    minutes = max(0, int(delta.total_seconds()) // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min" if minutes else "under a minute"


@dataclass(frozen=True)
class Period:
    kind: PeriodKind
    start: datetime
    end: datetime

    @classmethod
    def containing(cls, kind: PeriodKind, moment: datetime) -> Period:
        day = moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        if kind == "day":
            return cls(kind, day, day + timedelta(days=1))
        if kind == "week":
            start = day - timedelta(days=day.weekday())
            return cls(kind, start, start + timedelta(days=7))
        start = day.replace(day=1)
        end = (
            start.replace(year=start.year + 1, month=1)
            if start.month == 12
            else (start.replace(month=start.month + 1))
        )
        return cls(kind, start, end)

    @property
    def key(self) -> str:
        """How the ledger names the period, e.g. `week:2026-03-02`."""
        return f"{self.kind}:{self.start.date().isoformat()}"

    def resets_text(self, now: datetime) -> str:
        return f"**{self.end:%Y-%m-%d %H:%M} UTC** (in {format_wait(self.end - now)})"


@dataclass(frozen=True)
class HoldDecision:
    ok: bool
    message: str
    """Friendly rejection (cost, what is left, reset time); "" when ok."""


@dataclass(frozen=True)
class Allowance:
    """One scope (a user or a server) in one period."""

    limit_micros: int | None
    """None: no limit (an unlimited user, or a server without a cap)."""
    balance: Balance

    @property
    def left_micros(self) -> int | None:
        if self.limit_micros is None:
            return None
        return max(0, self.limit_micros - self.balance.used_micros)


@dataclass(frozen=True)
class Quota:
    user_key: str
    period: Period
    user: Allowance
    server_key: str | None
    server: Allowance | None


class Budgets:
    def __init__(
        self, db: Database, settings: Settings, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.ledger = Ledger(db)

    # -- prices and periods ------------------------------------------------------------

    def price_micros(self, backend: str, duration_seconds: int) -> int:
        if duration_seconds < 0:
            raise ValueError("duration must not be negative")
        if backend == "local" and not self.settings.songbot_budget_local:
            return 0
        return duration_seconds * self.settings.price_per_second_micros

    @property
    def priced(self) -> bool:
        """Whether songs from the configured backend cost anything."""
        return self.price_micros(self.settings.backend, 1) > 0

    def now(self) -> datetime:
        moment = self.clock()
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment

    def period(self, moment: datetime | None = None) -> Period:
        return Period.containing(self.settings.songbot_budget_period, moment or self.now())

    def user_limit(self, standing: Standing | None) -> int | None:
        return _limit(standing, self.settings.user_budget_micros)

    def server_limit(self, standing: Standing | None) -> int | None:
        return _limit(standing, self.settings.server_budget_micros)

    # -- the hold life cycle -------------------------------------------------------------

    async def try_hold(
        self, conn: aiosqlite.Connection | None, origin: Origin, job_id: str, amount_micros: int
    ) -> HoldDecision:
        """Hold `amount_micros` for `job_id` if it fits: check and hold are one statement.

        With `conn`, inside the caller's open transaction (the core also inserts the job
        there); with None, on its own.
        """
        if amount_micros < 0:
            raise ValueError("a price must not be negative")
        if amount_micros == 0:
            return HoldDecision(True, "")
        now = self.now()
        period = self.period(now)
        held = await self.ledger.hold(
            conn,
            hold_params(
                job_id=job_id,
                user_key=origin.user_key,
                server_key=origin.server_key,
                amount_micros=amount_micros,
                period=period.key,
                at=now,
                user_default_micros=self.settings.user_budget_micros,
                server_default_micros=self.settings.server_budget_micros,
            ),
        )
        if held:
            return HoldDecision(True, "")
        quota = await self._quota(origin.user_key, origin.server_key, period, conn)
        return HoldDecision(False, self._rejection(quota, amount_micros, now))

    async def capture(self, job_id: str) -> None:
        """Charge the held amount (the song was delivered). Idempotent."""
        await self._settle(job_id, "capture")

    async def release(self, job_id: str) -> None:
        """Give the held amount back (failed or cancelled). Idempotent."""
        await self._settle(job_id, "release")

    async def _settle(self, job_id: str, kind: Settlement) -> None:
        settled = await self.ledger.settle(None, job_id, kind, self.now())
        if settled:
            log.debug("%s of job %s recorded", kind, job_id)

    async def reconcile(self, job_states: Mapping[str, JobState]) -> None:
        """Settle open holds of jobs that ended (or vanished) while the bot was down."""
        counts = {"capture": 0, "release": 0, "kept": 0}
        async with self.db.transaction() as conn:
            now = self.now()
            for job_id in await self.ledger.open_holds(conn):
                state = job_states.get(job_id)
                if state is not None and not state.finished:
                    counts["kept"] += 1
                    continue
                kind: Settlement = "capture" if state is JobState.DELIVERED else "release"
                await self.ledger.settle(conn, job_id, kind, now)
                counts[kind] += 1
        if counts["capture"] or counts["release"]:
            log.info(
                "budget holds settled at start-up: %(capture)d captured, %(release)d released,"
                " %(kept)d still open",
                counts,
            )

    # -- what users see ------------------------------------------------------------------

    async def quota(self, user_key: str, server_key: str | None = None) -> Quota:
        return await self._quota(user_key, server_key, self.period())

    async def _quota(
        self,
        user_key: str,
        server_key: str | None,
        period: Period,
        conn: aiosqlite.Connection | None = None,
    ) -> Quota:
        scopes = [user_scope(user_key)] + ([server_scope(server_key)] if server_key else [])
        standings = await self.ledger.standings(scopes, period.key, conn)
        user = standings[scopes[0]]
        server = None
        if server_key:
            standing = standings[scopes[1]]
            server = Allowance(self.server_limit(standing), standing.balance)
        return Quota(
            user_key, period, Allowance(self.user_limit(user), user.balance), server_key, server
        )

    def _rejection(self, quota: Quota, cost: int, now: datetime) -> str:
        per, _ = PERIOD_WORDS[quota.period.kind]
        resets = quota.period.resets_text(now)
        user_left = quota.user.left_micros
        server = quota.server
        server_left = server.left_micros if server else None
        # What really fits is the smaller of what the user and the server have left.
        fits = min(left for left in (user_left, server_left, cost) if left is not None)
        if user_left is not None and cost > user_left:
            held = quota.user.balance.held_micros
            in_flight = f" ({format_usd(held)} is held for songs in progress)" if held else ""
            return (
                f"Not enough budget for this song: it would cost **{format_usd(cost)}** and "
                f"you have **{format_usd(user_left)}** left of your "
                f"{format_usd(quota.user.limit_micros or 0)} {per}{in_flight}. "
                f"Your budget resets {resets}.{self._fits_hint(fits)}"
            )
        limit = server.limit_micros if server else None
        return (
            f"Not enough left in this server's song budget: this song would cost "
            f"**{format_usd(cost)}** and the server has **{format_usd(server_left or 0)}** left "
            f"of its {format_usd(limit or 0)} {per}. It resets {resets}."
            f"{self._fits_hint(fits)}"
        )

    def _fits_hint(self, left_micros: int) -> str:
        price = self.settings.price_per_second_micros
        seconds = left_micros // price if price else 0
        if seconds < MIN_DURATION:
            return ""
        return f" A song of up to {seconds} s fits now (`duration: {seconds}`)."

    async def quota_text(self, origin: Origin) -> str:
        if not self.priced:
            return "Songs are free on this bot (offline preview backend): no budget applies."
        now = self.now()
        quota = await self._quota(origin.user_key, origin.server_key, self.period(now))
        per, this_period = PERIOD_WORDS[quota.period.kind]
        user = quota.user
        lines = []
        spent = format_usd(user.balance.spent_micros)
        held = format_usd(user.balance.held_micros)
        if user.left_micros is None:
            lines.append(f"**Your song budget:** no limit. Spent {this_period}: **{spent}**")
            if user.balance.held_micros:
                lines[-1] += f" · held for songs in progress: **{held}**"
        else:
            lines += [
                f"**Your song budget:** {format_usd(user.limit_micros or 0)} {per}",
                f"Spent: **{spent}** · held for songs in progress: **{held}** · "
                f"left: **{format_usd(user.left_micros)}**",
            ]
        lines.append(f"Resets {quota.period.resets_text(now)}.")
        example = self.price_micros(self.settings.backend, 60)
        price = format_usd(self.settings.price_per_second_micros)
        lines.append(f"A song costs {price} per second (60 s = {format_usd(example)}).")
        server = quota.server
        if server is not None and server.limit_micros is not None:
            lines.append(
                f"This server: {format_usd(server.balance.used_micros)} of "
                f"{format_usd(server.limit_micros)} used {this_period}, "
                f"{format_usd(server.left_micros or 0)} left."
            )
        return "\n".join(lines)


def _limit(standing: Standing | None, default: int | None) -> int | None:
    override = standing.override if standing else None
    if override is None:
        return default
    if override.unlimited:
        return None
    return default if override.budget_micros is None else override.budget_micros
