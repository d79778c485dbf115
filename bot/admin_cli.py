"""`songbot admin …`: the admin operations from the command line, on the configured database.

Users and servers are full keys (`discord:1234`, `slack:U0ABC`, `console:alice`) or bare ids
with `--platform`. Exit status: 0 done, 1 the database (or output file) could not be used,
2 bad input (nothing changed).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import re
import sqlite3
import sys
from pathlib import Path

from bot.admin import (
    USER_ID_PATTERNS,
    AdminError,
    AdminService,
    parse_amount,
    parse_day,
    parse_server_key,
    parse_user_key,
    usage_text,
)
from bot.budget import Budgets
from bot.settings import Settings, load_settings
from storage.db import Database
from storage.errors import StorageError


def configure(parser: argparse.ArgumentParser) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db", type=Path, default=None, help="SQLite database (default: SONGBOT_DB)"
    )
    common.add_argument(
        "--platform",
        choices=sorted(USER_ID_PATTERNS),
        default=None,
        help="platform of USER/SERVER given as bare ids",
    )
    actions = parser.add_subparsers(dest="admin_command", metavar="ACTION", required=True)

    def action(name: str, help: str) -> argparse.ArgumentParser:
        return actions.add_parser(name, parents=[common], help=help, description=help)

    budget = action("budget", "set a user's budget per period (AMOUNT in dollars, or 'default')")
    budget.add_argument("user", metavar="USER")
    budget.add_argument("amount", metavar="AMOUNT")
    unlimited = action("unlimited", "let a user spend without limit (a server cap still applies)")
    unlimited.add_argument("user", metavar="USER")
    unlimited.add_argument("--off", action="store_true", help="undo: limit the user again")
    action("reset", "forgive what a user spent this period").add_argument("user", metavar="USER")
    action("show", "a user's budget, spent, held and left").add_argument("user", metavar="USER")
    cap = action("servercap", "cap a server's spending per period (AMOUNT, 'off' or 'default')")
    cap.add_argument("server", metavar="SERVER")
    cap.add_argument("amount", metavar="AMOUNT")
    usage = action("usage", "spending per user and server in a period")
    usage.add_argument("--date", type=str, default=None, help="a day in the period (YYYY-MM-DD)")
    usage.add_argument("--server", default=None, help="only spending in this server")
    usage.add_argument("--csv", action="store_true", help="CSV instead of text")
    export = action("export", "the ledger entries of a period as CSV")
    export.add_argument("--date", type=str, default=None, help="a day in the period (YYYY-MM-DD)")
    export.add_argument("--all", action="store_true", help="every entry ever")
    export.add_argument("--out", type=Path, default=None, help="write here instead of stdout")


def run(args: argparse.Namespace) -> int:
    settings = load_settings(**({"songbot_db": args.db} if args.db else {}))
    try:
        output = asyncio.run(execute(settings, args))
    except AdminError as exc:
        print(f"songbot admin: {plain(str(exc))}", file=sys.stderr)
        return 2
    except StorageError as exc:  # a directory, no permission, or a newer songbot's database
        print(f"songbot admin: {exc}", file=sys.stderr)
        return 1
    except sqlite3.Error as exc:  # e.g. locked by another writer for too long
        print(f"songbot admin: {settings.songbot_db}: {exc}", file=sys.stderr)
        return 1
    if output:
        print(output)
    return 0


async def execute(settings: Settings, args: argparse.Namespace) -> str:
    """Run one parsed `songbot admin` action; returns what to print."""
    validate(args)  # before the database is even opened
    async with Database(settings.songbot_db) as db:
        admin = AdminService(Budgets(db, settings), db)
        return await _dispatch(admin, args)


async def _dispatch(admin: AdminService, args: argparse.Namespace) -> str:
    by = f"cli:{_login_name()}"
    platform: str | None = args.platform
    user = parse_user_key(args.user, platform) if "user" in args else ""
    match args.admin_command:
        case "budget" if args.amount.lower() == "default":
            return plain(await admin.clear_user_budget(user, by=by))
        case "budget":
            return plain(await admin.set_user_budget(user, args.amount, by=by))
        case "unlimited":
            return plain(await admin.set_unlimited(user, not args.off, by=by))
        case "reset":
            return plain(await admin.reset_user(user, by=by))
        case "show":
            return plain(await admin.user_status(user))
        case "servercap":
            server = parse_server_key(args.server, platform)
            amount = args.amount.lower()
            if amount == "default":
                return plain(await admin.clear_server_cap(server, by=by))
            cap = None if amount in ("off", "none") else args.amount
            return plain(await admin.set_server_cap(server, cap, by=by))
        case "usage":
            on = parse_day(args.date) if args.date else None
            only = parse_server_key(args.server, platform) if args.server else None
            if args.csv:
                return (await admin.usage_csv(on, platform=platform, server_key=only)).rstrip()
            report = await admin.usage_report(on, platform=platform, server_key=only)
            return plain(usage_text(report))
        case "export":
            on = parse_day(args.date) if args.date else None
            text = await admin.ledger_csv(on, everything=args.all)
            if args.out is None:
                return text.rstrip()
            args.out.write_text(text, encoding="utf-8")
            return f"wrote {text.count(chr(10)) - 1} entries to {args.out}"
    raise AdminError(f"unknown action {args.admin_command!r}")  # pragma: no cover


def validate(args: argparse.Namespace) -> None:
    """Raise `AdminError` for any bad argument."""
    platform = args.platform
    if "user" in args:
        parse_user_key(args.user, platform)
    if getattr(args, "server", None):
        parse_server_key(args.server, platform)
    if getattr(args, "date", None):
        parse_day(args.date)
    amount = getattr(args, "amount", None)
    keywords = ("default", "off", "none") if args.admin_command == "servercap" else ("default",)
    if amount is not None and amount.lower() not in keywords:
        parse_amount(amount)
    out = getattr(args, "out", None)
    if out is not None and not out.parent.is_dir():
        raise AdminError(f"cannot write {out}: {out.parent} is not a directory.")


def plain(text: str) -> str:
    """Chat markdown (**bold**, `code`) as plain terminal text."""
    return re.sub(r"\*\*|`", "", text)


def _login_name() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"
