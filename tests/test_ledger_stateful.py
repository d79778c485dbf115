"""A stateful property test of the budget ledger against a simple model.

Random holds (with and without a server), captures, releases (also repeated and of jobs
never held), admin resets and "unlimited" switches, clock jumps across period boundaries,
and restarts (a new Database and Budgets on the same file, reconciling with random job
states). After every step:

* each decision equals the model's (a hold is accepted exactly when it fits);
* spent + held ≤ budget for every limited user, and ≤ the cap for every server;
* every hold is settled at most once, settlements only follow holds, and the open holds
  are exactly the model's; at the end, once everything is settled, exactly once;
* the maintained balances equal the sums of the ledger entries, and the model's.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections import Counter, defaultdict
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from bot.admin import AdminService
from bot.budget import Budgets
from bot.models import JobState, Origin
from bot.settings import load_settings
from storage.db import Database
from storage.ledger import Balance, member_scope, server_scope, user_scope

T = TypeVar("T")
PRICE = 200
USER_BUDGET = 10_000
SERVER_CAP = 8_000
SERVER_ID = "900000000000000009"
USERS = {
    "console:ann": None,
    "discord:100000000000000001": SERVER_ID,
    "discord:100000000000000002": SERVER_ID,
}
SWITCHABLE = "discord:100000000000000002"
"""The only user ever made unlimited (the others must always stay within budget)."""
START = datetime(2026, 3, 6, 20, 0, tzinfo=UTC)


def origin_of(user_key: str, in_server: bool) -> Origin:
    platform, user_id = user_key.split(":", 1)
    server = USERS[user_key] if in_server else None
    return Origin(platform=platform, user_id=user_id, server_id=server)


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.dir = Path(tempfile.mkdtemp(prefix="ledger-"))
        self.settings = load_settings(
            songbot_db=self.dir / "db.sqlite3",
            songbot_backend="local",
            songbot_budget_local=True,
            songbot_price_per_second_usd="0.0002",
            songbot_user_budget_usd="0.01",
            songbot_server_budget_usd="0.008",
            songbot_budget_period="day",
        )
        self.now = START
        self.db: Database = self._open()
        # The model: open holds, settled holds, and balances per (scope, period).
        self.open: dict[str, tuple[str, str | None, str, int]] = {}
        self.settled: dict[str, str] = {}
        self.balances: dict[tuple[str, str], Balance] = defaultdict(Balance)
        self.unlimited = False
        self.unlimited_periods: set[str] = set()
        """Periods in which SWITCHABLE held money while unlimited (may exceed the budget)."""
        self.next_id = 0

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coro)

    def _open(self) -> Database:
        db = Database(self.settings.songbot_db)
        self._run(db.open())
        self.budgets = Budgets(db, self.settings, lambda: self.now)
        self.admin = AdminService(self.budgets, db)
        return db

    def teardown(self) -> None:
        try:
            # Settle everything still open: then every hold is settled exactly once.
            for job_id in list(self.open):
                self._run(self.budgets.release(job_id))
                self._settle_model(job_id, "release")
            self.check_ledger()
            entries = self._run(self.budgets.ledger.entries())
            holds = {e.job_id for e in entries if e.kind == "hold"}
            settlements = Counter(e.job_id for e in entries if e.kind in ("capture", "release"))
            assert all(settlements[job_id] == 1 for job_id in holds)
        finally:
            self._run(self.db.close())
            self.loop.close()
            shutil.rmtree(self.dir, ignore_errors=True)

    # -- the model ---------------------------------------------------------------------

    def _period(self) -> str:
        return self.budgets.period(self.now).key

    def _add(self, scope: str, period: str, held: int = 0, spent: int = 0, songs: int = 0) -> None:
        old = self.balances[(scope, period)]
        self.balances[(scope, period)] = Balance(
            old.held_micros + held, old.spent_micros + spent, old.songs + songs
        )

    def _add_entry(
        self, user_key: str, server_key: str | None, period: str, held: int, spent: int = 0
    ) -> None:
        songs = int(spent > 0)
        self._add(user_scope(user_key), period, held, spent, songs)
        if server_key:
            self._add(server_scope(server_key), period, held, spent, songs)
            self._add(member_scope(server_key, user_key), period, held, spent, songs)

    def _fits(self, user_key: str, server_key: str | None, amount: int) -> bool:
        period = self._period()
        used = self.balances[(user_scope(user_key), period)].used_micros
        user_ok = (self.unlimited and user_key == SWITCHABLE) or used + amount <= USER_BUDGET
        if server_key is None:
            return user_ok
        return user_ok and (
            self.balances[(server_scope(server_key), period)].used_micros + amount <= SERVER_CAP
        )

    def _settle_model(self, job_id: str, kind: str) -> None:
        if job_id not in self.open:
            return
        user_key, server_key, period, amount = self.open.pop(job_id)
        self.settled[job_id] = kind
        spent = amount if kind == "capture" else 0
        self._add_entry(user_key, server_key, period, held=-amount, spent=spent)

    def _job_ids(self) -> list[str]:
        return [f"job{n}" for n in range(self.next_id + 1)]

    # -- rules -------------------------------------------------------------------------

    @rule(user=st.sampled_from(sorted(USERS)), in_server=st.booleans(), seconds=st.integers(0, 30))
    def hold(self, user: str, in_server: bool, seconds: int) -> None:
        self._hold(user, in_server, seconds * PRICE)

    @rule(
        user=st.sampled_from(sorted(USERS)), in_server=st.booleans(), extra=st.sampled_from([0, 1])
    )
    def hold_exactly_what_is_left(self, user: str, in_server: bool, extra: int) -> None:
        """The boundary: the last micro-dollar fits, one more does not."""
        period = self._period()
        left = USER_BUDGET - self.balances[(user_scope(user), period)].used_micros
        server = USERS[user] if in_server else None
        if server:
            left = min(left, SERVER_CAP - self.balances[(server_scope(server), period)].used_micros)
        self._hold(user, in_server, max(0, left) + extra)

    def _hold(self, user: str, in_server: bool, amount: int) -> None:
        origin = origin_of(user, in_server)
        job_id = f"job{self.next_id}"
        self.next_id += 1

        async def attempt() -> bool:
            async with self.db.transaction() as conn:
                decision = await self.budgets.try_hold(conn, origin, job_id, amount)
            assert decision.ok == (decision.message == "")
            return decision.ok

        accepted = self._run(attempt())
        assert accepted == (amount == 0 or self._fits(user, origin.server_key, amount))
        if accepted and amount:
            period = self._period()
            self.open[job_id] = (user, origin.server_key, period, amount)
            self._add_entry(user, origin.server_key, period, held=amount)
            if self.unlimited and user == SWITCHABLE:
                self.unlimited_periods.add(period)

    @rule(data=st.data(), kind=st.sampled_from(["capture", "release"]))
    def settle(self, data: st.DataObject, kind: str) -> None:
        job_id = data.draw(st.sampled_from(self._job_ids()))
        settle = self.budgets.capture if kind == "capture" else self.budgets.release
        self._run(settle(job_id))
        self._settle_model(job_id, kind)

    @rule(hours=st.integers(1, 30))
    def advance_clock(self, hours: int) -> None:
        self.now += timedelta(hours=hours)

    @rule(unlimited=st.booleans())
    def switch_unlimited(self, unlimited: bool) -> None:
        self._run(self.admin.set_unlimited(SWITCHABLE, unlimited, by="test"))
        self.unlimited = unlimited

    @rule(user=st.sampled_from(sorted(USERS)))
    def reset(self, user: str) -> None:
        self._run(self.admin.reset_user(user, by="test"))
        scope = user_scope(user)
        spent = self.balances[(scope, self._period())].spent_micros
        self._add(scope, self._period(), spent=-spent)

    @precondition(lambda self: self.open or self.settled)
    @rule(data=st.data())
    def restart(self, data: st.DataObject) -> None:
        self._run(self.db.close())
        self.db = self._open()
        states: dict[str, JobState] = {}
        for job_id in sorted(self.open):
            state = data.draw(st.sampled_from([*JobState, None]), label=job_id)
            if state is not None:
                states[job_id] = state
        self._run(self.budgets.reconcile(states))
        for job_id in sorted(self.open):
            state = states.get(job_id)
            if state is None or state.finished:
                self._settle_model(job_id, "capture" if state is JobState.DELIVERED else "release")

    # -- invariants --------------------------------------------------------------------

    @invariant()
    def check_ledger(self) -> None:
        ledger = self.budgets.ledger
        maintained = self._run(ledger.balances())
        assert maintained == self._run(ledger.balances_from_entries())
        assert maintained == {
            key: value for key, value in self.balances.items() if value != Balance()
        }
        assert self._run(ledger.open_holds()) == sorted(self.open, key=lambda j: int(j[3:]))
        for (scope, period), value in maintained.items():
            assert value.held_micros >= 0 and value.spent_micros >= 0
            if scope.startswith("member:"):
                continue
            if scope.startswith("server:"):
                assert value.used_micros <= SERVER_CAP
            elif scope != user_scope(SWITCHABLE) or period not in self.unlimited_periods:
                assert value.used_micros <= USER_BUDGET

    @invariant()
    def settled_at_most_once(self) -> None:
        entries = self._run(self.budgets.ledger.entries())
        holds = {e.job_id for e in entries if e.kind == "hold"}
        settlements = Counter(e.job_id for e in entries if e.kind in ("capture", "release"))
        assert set(settlements) <= holds
        assert all(count == 1 for count in settlements.values())
        kinds = {e.job_id: e.kind for e in entries if e.kind in ("capture", "release")}
        assert kinds == self.settled


LedgerMachine.TestCase.settings = settings(max_examples=40, stateful_step_count=30, deadline=None)
TestLedger = LedgerMachine.TestCase
