"""Admin operations: the typed methods, the `/admin` text grammar, CSV exports, bad input."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.admin import AdminError, AdminService, parse_amount, parse_server_key, parse_user_key
from bot.budget import Budgets
from bot.models import Origin
from bot.settings import load_settings
from storage.db import Database
from storage.ledger import hold_params

NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
GUILD = "900000000000000009"
BOB_ID = "200000000000000002"
CONSOLE_ADMIN = Origin(platform="console", user_id="root")
DISCORD_ADMIN = Origin(platform="discord", user_id="100000000000000001", server_id=GUILD)
ALICE = Origin(platform="console", user_id="alice")
BOB = Origin(platform="discord", user_id=BOB_ID, server_id=GUILD)
BOB_ELSEWHERE = Origin(platform="discord", user_id=BOB_ID, server_id="800000000000000008")


@dataclass
class Env:
    db: Database
    budgets: Budgets
    admin: AdminService

    async def hold(self, origin: Origin, job_id: str, amount: int) -> bool:
        async with self.db.transaction() as conn:
            return (await self.budgets.try_hold(conn, origin, job_id, amount)).ok

    async def state(self) -> tuple[list[Any], list[Any]]:
        """Everything an admin operation could change."""
        overrides = await self.db.fetchall("SELECT * FROM budget_overrides ORDER BY scope")
        entries = await self.db.fetchall("SELECT * FROM ledger ORDER BY id")
        return [tuple(row) for row in overrides], [tuple(row) for row in entries]

    async def ledger_credit(self, conn: Any, user_key: str, note: str) -> None:
        await self.budgets.ledger.credit(
            conn, user_key=user_key, amount_micros=1, period="day:2026-03-04", at=NOW, note=note
        )

    async def say(self, origin: Origin, args: str) -> str:
        reply = await self.admin.handle_text(origin, args)
        assert reply.ok, reply.text
        return reply.text


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[Env]:
    settings = load_settings(
        songbot_db=tmp_path / "db.sqlite3",
        songbot_backend="local",
        songbot_budget_local=True,
        songbot_price_per_second_usd="0.0002",
        songbot_user_budget_usd="0.50",
        songbot_budget_period="day",
        songbot_server_budget_usd=None,
    )
    async with Database(settings.songbot_db) as db:
        budgets = Budgets(db, settings, lambda: NOW)
        yield Env(db, budgets, AdminService(budgets, db))


# -- input validation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "micros"),
    [("1.50", 1_500_000), ("$2", 2_000_000), ("0", 0), ("0.000001", 1), (" 1e2 ", 100_000_000)],
)
def test_amounts(text: str, micros: int) -> None:
    assert parse_amount(text) == micros


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("-1", "negative"),
        ("abc", "not an amount"),
        ("NaN", "not an amount"),
        ("inf", "not an amount"),
        ("1000000.01", "the most allowed"),
        ("1e9", "the most allowed"),
        ("0.0000001", "6 decimals"),
        ("", "not an amount"),
    ],
)
def test_bad_amounts(text: str, complaint: str) -> None:
    with pytest.raises(AdminError, match=complaint):
        parse_amount(text)


@pytest.mark.parametrize(
    ("text", "platform", "key"),
    [
        ("alice", "console", "console:alice"),
        ("console:alice", "console", "console:alice"),
        (BOB_ID, "discord", f"discord:{BOB_ID}"),
        (f"<@{BOB_ID}>", "discord", f"discord:{BOB_ID}"),
        (f"<@!{BOB_ID}>", "discord", f"discord:{BOB_ID}"),
        ("<@U0123ABCD|carol>", "slack", "slack:U0123ABCD"),
        (f"discord:{BOB_ID}", None, f"discord:{BOB_ID}"),
    ],
)
def test_user_keys(text: str, platform: str | None, key: str) -> None:
    assert parse_user_key(text, platform) == key


@pytest.mark.parametrize(
    ("text", "platform", "complaint"),
    [
        ("alice", "discord", "not a discord user"),
        ("u0123abcd", "slack", "not a slack user"),
        (f"discord:{BOB_ID}", "console", "you manage console users only"),
        ("alice", None, "needs a platform"),
        ("irc:alice", None, "needs a platform"),
        ("x" * 65, "console", "not a console user"),
    ],
)
def test_bad_user_keys(text: str, platform: str | None, complaint: str) -> None:
    with pytest.raises(AdminError, match=complaint):
        parse_user_key(text, platform)


def test_server_keys() -> None:
    assert parse_server_key(f"discord:{GUILD}") == f"discord:{GUILD}"
    assert parse_server_key("T0ABCDEF", "slack") == "slack:T0ABCDEF"
    with pytest.raises(AdminError, match="no servers"):
        parse_server_key("console:here")
    with pytest.raises(AdminError, match="not a discord server"):
        parse_server_key("discord:general")


@pytest.mark.parametrize(
    "args",
    [
        "budget alice -1",
        "budget alice lots",
        "budget alice 0.0000001",
        "budget alice 99999999",
        "budget alice",
        "budget",
        f"budget discord:{BOB_ID} 1",
        "budget bad:name 1",
        "unlimited alice maybe",
        "reset",
        "reset alice bob",
        "servercap 5",  # the console has no server
        "usage 2026-13-01",
        "usage today tomorrow",
        "export ledger 2026-03-01 more",
        "export nonsense",
        "frobnicate alice",
    ],
)
async def test_bad_admin_input_changes_nothing(env: Env, args: str) -> None:
    await env.hold(ALICE, "j1", 12_000)
    await env.budgets.capture("j1")
    await env.say(CONSOLE_ADMIN, "budget alice 2")
    before = await env.state()
    reply = await env.admin.handle_text(CONSOLE_ADMIN, args)
    assert not reply.ok
    assert reply.text and "Traceback" not in reply.text
    assert await env.state() == before


async def test_unknown_commands_point_to_help(env: Env) -> None:
    reply = await env.admin.handle_text(CONSOLE_ADMIN, "frobnicate")
    assert "/admin help" in reply.text
    reply = await env.admin.handle_text(CONSOLE_ADMIN, "budget alice")
    assert reply.text == "Usage: `/admin budget USER AMOUNT|default`"


async def test_help_lists_every_command(env: Env) -> None:
    for args in ("", "help"):
        text = await env.say(DISCORD_ADMIN, args)
        for command in ("budget", "unlimited", "reset", "show", "servercap", "usage", "export"):
            assert f"`/admin {command}" in text


# -- budgets -------------------------------------------------------------------------------


async def test_setting_a_budget_in_the_console_acts_on_console_users(env: Env) -> None:
    text = await env.say(CONSOLE_ADMIN, "budget alice 0.02")
    assert text == "`console:alice` now has a budget of **$0.02** per day."
    assert await env.hold(ALICE, "a1", 12_000)
    assert not await env.hold(ALICE, "a2", 12_000)
    assert "left: **$0.008**" in await env.budgets.quota_text(ALICE)
    await env.say(CONSOLE_ADMIN, "budget alice default")
    assert await env.hold(ALICE, "a3", 12_000)
    assert await env.state() and (await env.state())[0] == []


async def test_a_budget_can_be_set_before_the_user_first_appears(env: Env) -> None:
    await env.say(DISCORD_ADMIN, f"budget <@{BOB_ID}> 0")
    assert not await env.hold(BOB, "b1", 200)


async def test_unlimited_and_back_restores_the_custom_budget(env: Env) -> None:
    await env.say(CONSOLE_ADMIN, "budget alice 0.01")
    text = await env.say(CONSOLE_ADMIN, "unlimited alice")
    assert "without limit" in text
    assert await env.hold(ALICE, "big", 48_000)
    text = await env.say(CONSOLE_ADMIN, "unlimited alice off")
    assert "$0.01 per day" in text
    assert not await env.hold(ALICE, "more", 200)
    assert "budget $0.01 per day" in await env.say(CONSOLE_ADMIN, "show alice")


async def test_reset_forgives_spending_but_not_songs_in_progress(env: Env) -> None:
    await env.say(CONSOLE_ADMIN, "budget alice 0.03")
    for job in ("a1", "a2"):
        assert await env.hold(ALICE, job, 12_000)
    await env.budgets.capture("a1")
    assert not await env.hold(ALICE, "a3", 12_000)
    text = await env.say(CONSOLE_ADMIN, "reset alice")
    assert "$0.012 spent today was forgiven" in text and "still hold $0.012" in text
    assert await env.hold(ALICE, "a4", 12_000)
    credit = [row for row in (await env.state())[1] if row[1] == "credit"]
    assert len(credit) == 1 and credit[0][5] == 12_000
    assert "nothing to reset" in await env.say(CONSOLE_ADMIN, "reset bob")
    assert await env.budgets.ledger.balances() == await env.budgets.ledger.balances_from_entries()


async def test_server_cap_for_the_admins_own_server(env: Env) -> None:
    text = await env.say(DISCORD_ADMIN, "servercap 0.02")
    assert text == f"Server `discord:{GUILD}` may now spend **$0.02** per day."
    assert await env.hold(BOB, "b1", 12_000)
    assert not await env.hold(BOB, "b2", 12_000)
    assert await env.hold(BOB_ELSEWHERE, "b3", 12_000)
    await env.say(DISCORD_ADMIN, "servercap off")
    assert await env.hold(BOB, "b4", 12_000)
    await env.say(DISCORD_ADMIN, "servercap default")
    assert (await env.state())[0] == []


async def test_typed_methods_validate_too(env: Env) -> None:
    with pytest.raises(AdminError):
        await env.admin.set_user_budget("discord:someone", "1", by="test")
    with pytest.raises(AdminError):
        await env.admin.set_server_cap(f"discord:{GUILD}", "-3", by="test")
    assert await env.state() == ([], [])
    await env.admin.set_server_cap(f"discord:{GUILD}", "3", by="discord:1")
    overrides, _ = await env.state()
    assert overrides == [(f"server:discord:{GUILD}", 3_000_000, 0, NOW.isoformat(), "discord:1")]


# -- reports -------------------------------------------------------------------------------


async def spend(env: Env) -> None:
    await env.hold(ALICE, "a1", 12_000)
    await env.hold(ALICE, "a2", 6_000)
    await env.hold(BOB, "b1", 24_000)
    await env.hold(BOB_ELSEWHERE, "b2", 2_000)
    for job in ("a1", "b1", "b2"):
        await env.budgets.capture(job)


async def test_usage_report_totals_and_scopes(env: Env) -> None:
    await spend(env)
    report = await env.admin.usage_report()
    assert report.period.key == "day:2026-03-04"
    assert [(u.key, u.songs, u.spent_micros, u.held_micros) for u in report.users] == [
        (f"discord:{BOB_ID}", 2, 26_000, 0),
        ("console:alice", 1, 12_000, 6_000),
    ]
    assert (report.total_songs, report.total_spent_micros, report.total_held_micros) == (
        3,
        38_000,
        6_000,
    )
    assert [s.key for s in report.servers] == [f"discord:{GUILD}", "discord:800000000000000008"]

    in_guild = await env.say(DISCORD_ADMIN, "usage")  # only what was spent in this server
    assert f"server discord:{GUILD}" in in_guild
    assert "1 songs, **$0.024** spent" in in_guild and "console:alice" not in in_guild
    in_console = await env.say(CONSOLE_ADMIN, "usage")
    assert "console:alice" in in_console and "discord:" not in in_console
    other_day = await env.say(CONSOLE_ADMIN, "usage 2026-03-01")
    assert "Nobody has spent anything" in other_day


async def test_usage_csv(env: Env) -> None:
    await spend(env)
    rows = list(csv.DictReader(io.StringIO(await env.admin.usage_csv())))
    assert rows[1] == {
        "period": "day:2026-03-04",
        "user_key": "console:alice",
        "songs": "1",
        "spent_usd": "0.012",
        "held_usd": "0.006",
        "budget_usd": "0.5",
        "spent_micros": "12000",
        "held_micros": "6000",
    }
    assert [row["user_key"] for row in rows] == [f"discord:{BOB_ID}", "console:alice"]
    text = await env.say(CONSOLE_ADMIN, "export")
    assert text.splitlines()[0].startswith("period,user_key,songs")


async def test_ledger_csv(env: Env) -> None:
    await spend(env)
    await env.admin.reset_user("console:alice", by="console:root")
    rows = list(csv.DictReader(io.StringIO(await env.admin.ledger_csv())))
    assert [(r["kind"], r["job_id"], r["amount_micros"]) for r in rows] == [
        ("hold", "a1", "12000"),
        ("hold", "a2", "6000"),
        ("hold", "b1", "24000"),
        ("hold", "b2", "2000"),
        ("capture", "a1", "12000"),
        ("capture", "b1", "24000"),
        ("capture", "b2", "2000"),
        ("credit", "", "12000"),
    ]
    assert rows[2]["server_key"] == f"discord:{GUILD}" and rows[2]["amount_usd"] == "0.024"
    assert rows[-1]["note"] == "reset by console:root"
    assert await env.admin.ledger_csv(date(2026, 3, 5)) == (
        "id,created_at,kind,job_id,user_key,server_key,period,amount_micros,amount_usd,note\n"
    )
    assert (await env.say(CONSOLE_ADMIN, "export ledger")).count("\n") == 9
    reply = await env.admin.handle_text(DISCORD_ADMIN, "export ledger")
    assert not reply.ok and "songbot admin export" in reply.text


# -- found in review -----------------------------------------------------------------------

OTHER_GUILD = GUILD + "1"  # a longer id that starts with GUILD's digits


async def test_usage_in_a_server_names_that_server_and_only_it(env: Env) -> None:
    await env.admin.set_server_cap(f"discord:{GUILD}", "0.10", by="test")
    assert await env.hold(BOB, "b1", 12_000)
    elsewhere = Origin(platform="discord", user_id=BOB_ID, server_id=OTHER_GUILD)
    assert await env.hold(elsewhere, "b2", 2_000)
    report = await env.admin.usage_report(server_key=f"discord:{GUILD}")
    assert [(s.key, s.held_micros, s.limit_micros) for s in report.servers] == [
        (f"discord:{GUILD}", 12_000, 100_000)
    ]
    text = await env.say(DISCORD_ADMIN, "usage")
    assert f"Server `discord:{GUILD}`: $0.00 spent of $0.10, $0.012 held" in text
    assert "Server ``" not in text


@pytest.mark.parametrize(
    "args", ["usage 9999-12-31", "export usage 9999-12-31", "usage 0001-01-01"]
)
async def test_dates_outside_any_sensible_period_are_refused(env: Env, args: str) -> None:
    reply = await env.admin.handle_text(CONSOLE_ADMIN, args)
    assert not reply.ok and "date" in reply.text


@pytest.mark.parametrize(
    "args",
    [
        "budget " + "x" * 5000 + " 1",
        "budget alice " + "9" * 5000 + "x",
        "show <@" + "1" * 5000 + ">",
    ],
)
async def test_replies_to_very_long_input_stay_short(env: Env, args: str) -> None:
    reply = await env.admin.handle_text(CONSOLE_ADMIN, args)
    assert not reply.ok and len(reply.text) < 300


async def test_default_keyword_is_case_insensitive_in_chat(env: Env) -> None:
    await env.say(CONSOLE_ADMIN, "budget alice 2")
    assert "back on the default" in await env.say(CONSOLE_ADMIN, "budget alice Default")
    assert (await env.state())[0] == []


async def test_csv_exports_neutralise_spreadsheet_formulas(env: Env) -> None:
    async with env.db.transaction() as conn:
        await env.ledger_credit(conn, '=HYPERLINK("http://x")', "+cmd|' /C calc'!A0")
        await env.ledger_credit(conn, "@SUM(1)", "-2+3")
    ledger = await env.admin.ledger_csv()
    cells = [cell for row in csv.reader(io.StringIO(ledger)) for cell in row]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert '\'=HYPERLINK("http://x")' in cells and "'-2+3" in cells
    async with env.db.transaction() as conn:
        params = hold_params(
            job_id="j",
            user_key="=1+1",
            server_key=None,
            amount_micros=1,
            period="day:2026-03-04",
            at=NOW,
            user_default_micros=1,
            server_default_micros=None,
        )
        await env.budgets.ledger.hold(conn, params)
    usage = await env.admin.usage_csv()
    cells = [cell for row in csv.reader(io.StringIO(usage)) for cell in row]
    assert "'=1+1" in cells and "=1+1" not in cells
