"""`songbot admin …` on a real database file."""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import sqlite3
from pathlib import Path

import pytest

from bot import admin_cli
from bot.budget import Budgets
from bot.models import Origin
from bot.settings import load_settings
from storage.db import Database

BOB = "discord:200000000000000002"
GUILD = "discord:900000000000000009"


@pytest.fixture
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name, value in {
        "SONGBOT_BACKEND": "local",
        "SONGBOT_BUDGET_LOCAL": "true",
        "SONGBOT_USER_BUDGET_USD": "0.50",
        "SONGBOT_BUDGET_PERIOD": "month",
        "SONGBOT_SERVER_BUDGET_USD": "",
    }.items():
        monkeypatch.setenv(name, value)
    return tmp_path / "songbot.sqlite3"


def songbot_admin(db_path: Path, *argv: str) -> int:
    parser = argparse.ArgumentParser(prog="songbot admin")
    admin_cli.configure(parser)
    return admin_cli.run(parser.parse_args([*argv[:1], "--db", str(db_path), *argv[1:]]))


def overrides(db_path: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(db_path) as conn:
        return list(conn.execute("SELECT scope, budget_micros, unlimited FROM budget_overrides"))


def test_budget_unlimited_and_servercap(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert songbot_admin(db_path, "budget", BOB, "1.25") == 0
    assert "discord:200000000000000002 now has a budget of $1.25 per month." in (
        capsys.readouterr().out
    )
    assert songbot_admin(db_path, "unlimited", "console:alice") == 0
    assert (
        songbot_admin(db_path, "servercap", "900000000000000009", "10", "--platform", "discord")
        == 0
    )
    assert sorted(overrides(db_path)) == [
        ("server:" + GUILD, 10_000_000, 0),
        ("user:console:alice", None, 1),
        ("user:" + BOB, 1_250_000, 0),
    ]
    assert songbot_admin(db_path, "unlimited", "console:alice", "--off") == 0
    assert songbot_admin(db_path, "servercap", GUILD, "default") == 0
    assert songbot_admin(db_path, "budget", BOB, "default") == 0
    assert overrides(db_path) == []
    assert "back on the default budget ($0.50 per month)" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        ["budget", "alice", "1"],  # no platform
        ["budget", "discord:alice", "1"],
        ["budget", BOB, "-1"],
        ["budget", BOB, "one"],
        ["servercap", "console:x", "1"],
        ["usage", "--date", "yesterday"],
    ],
)
def test_bad_input_exits_2_and_changes_nothing(
    db_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    assert songbot_admin(db_path, "budget", BOB, "1") == 0
    before = overrides(db_path)
    assert songbot_admin(db_path, *argv) == 2
    error = capsys.readouterr().err
    assert error.startswith("songbot admin: ") and "`" not in error
    assert overrides(db_path) == before


def test_usage_and_export(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async def spend() -> None:
        settings = load_settings(songbot_db=db_path)
        async with Database(db_path) as db:
            budgets = Budgets(db, settings)
            origin = Origin(platform="discord", user_id=BOB.split(":")[1], server_id="9" * 18)
            async with db.transaction() as conn:
                assert (await budgets.try_hold(conn, origin, "job1", 12_000)).ok
            await budgets.capture("job1")

    asyncio.run(spend())
    assert songbot_admin(db_path, "usage") == 0
    assert f"{BOB} · 1 songs · spent $0.012" in capsys.readouterr().out
    assert songbot_admin(db_path, "usage", "--csv") == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["user_key"], r["spent_micros"]) for r in rows] == [(BOB, "12000")]
    out = tmp_path / "ledger.csv"
    assert songbot_admin(db_path, "export", "--all", "--out", str(out)) == 0
    assert "wrote 2 entries" in capsys.readouterr().out
    kinds = [row["kind"] for row in csv.DictReader(out.open(encoding="utf-8"))]
    assert kinds == ["hold", "capture"]
    assert songbot_admin(db_path, "show", BOB) == 0
    assert "spent this month $0.012" in capsys.readouterr().out


def test_bad_input_does_not_even_create_the_database(db_path: Path) -> None:
    assert songbot_admin(db_path, "budget", "alice", "1") == 2
    assert songbot_admin(db_path, "budget", "console:alice", "1e99") == 2
    assert not db_path.exists()


# -- found in review -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["budget", "console:alice", "off"],  # off/none are for servercap only
        ["budget", "console:alice", "none"],
        ["export", "--out", "no/such/dir/ledger.csv"],
        ["usage", "--date", "9999-12-31"],
        ["budget", "console:" + "a" * 10_000, "1"],
    ],
)
def test_more_bad_input_exits_2_before_the_database_is_created(
    db_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    assert songbot_admin(db_path, *argv) == 2
    error = capsys.readouterr().err
    assert error.startswith("songbot admin: ") and len(error) < 300
    assert not db_path.exists()


def test_an_unusable_database_is_reported_without_a_traceback(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db_path.mkdir()  # a directory where the database file should be
    assert songbot_admin(db_path, "show", "console:alice") == 1
    error = capsys.readouterr().err
    assert error.startswith("songbot admin: ") and "Traceback" not in error
    assert str(db_path) in error


def test_a_newer_database_is_reported_without_a_traceback(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with sqlite3.connect(db_path) as conn:
        conn.execute("PRAGMA user_version = 999")
    assert songbot_admin(db_path, "show", "console:alice") == 1
    assert "upgrade songbot" in capsys.readouterr().err
