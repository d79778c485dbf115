"""Admin operations on budgets, platform-neutral: typed methods for the adapters and the CLI,
plus the `/admin …` text grammar for chat.

Users and servers are named by key: `<platform>:<id>` (`discord:1234`, `slack:U0ABC`,
`console:alice`). An admin may set a budget for a user who has never used the bot (budgets
are often set up front), so an "unknown user" is an id that cannot exist on its platform.
Every operation validates all of its input before changing anything and raises `AdminError`
with a message meant for the admin.

In chat, admins act within their own platform (`/admin budget alice 1.50` from the console
means `console:alice`), the server cap is the current server's, and reports cover the
current server (or, outside a server, the admin's platform). The CLI sees everything.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

import aiosqlite

from bot.budget import PERIOD_WORDS, Budgets, Period, format_usd
from bot.models import Origin, Reply
from bot.settings import MICROS_PER_USD, usd_to_micros
from storage.db import Database
from storage.ledger import Balance, Override, Standing, server_scope, user_scope

MAX_BUDGET_USD = Decimal(1_000_000)
USER_ID_PATTERNS = {
    "console": re.compile(r"[^\s:<>`]{1,64}"),
    "discord": re.compile(r"[0-9]{15,21}"),
    "slack": re.compile(r"[UW][A-Z0-9]{2,31}"),
}
SERVER_ID_PATTERNS = {
    "discord": re.compile(r"[0-9]{15,21}"),
    "slack": re.compile(r"[TE][A-Z0-9]{2,31}"),
}
ID_HINTS = {
    "console": "a user name without spaces",
    "discord": "a numeric Discord id (e.g. `123456789012345678`) or a mention",
    "slack": "a Slack user id like `U0123ABCD` or a mention",
}
MENTION = re.compile(r"<@!?([A-Za-z0-9]+)(\|[^>]*)?>")
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(9998, 12, 31)
"""Days an admin may ask about (later ones overflow `datetime` at the period's end)."""
SHOWN_CHARS = 40
"""How much of a bad input an error message repeats (chat messages have length limits)."""
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""A CSV cell starting with one of these is a formula to a spreadsheet."""


class AdminError(ValueError):
    """Bad admin input. The message says what is wrong; nothing was changed."""


def _shown(text: object) -> str:
    """Bad input as quoted back to the admin: cut short, and without backticks."""
    raw = str(text).replace("`", "'")
    return raw if len(raw) <= SHOWN_CHARS else raw[:SHOWN_CHARS] + "…"


# -- validation ----------------------------------------------------------------------------


def parse_amount(text: str | Decimal | int) -> int:
    """A budget in dollars (`1.50`, `$2`, `0`) as micro-dollars."""
    raw = str(text).strip().removeprefix("$")
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise AdminError(f"`{_shown(text)}` is not an amount in dollars (try `1.50`).") from None
    if not amount.is_finite():
        raise AdminError(f"`{_shown(text)}` is not an amount in dollars (try `1.50`).")
    if amount < 0:
        raise AdminError("An amount cannot be negative.")
    if amount > MAX_BUDGET_USD:
        raise AdminError(f"{format_usd(usd_to_micros(MAX_BUDGET_USD))} is the most allowed.")
    if amount != amount.quantize(Decimal(1).scaleb(-6)):
        raise AdminError("Amounts have at most 6 decimals (one micro-dollar).")
    return usd_to_micros(amount)


def _split_key(text: str, platform: str | None) -> tuple[str, str]:
    text = text.strip()
    mention = MENTION.fullmatch(text)
    if mention:
        text = mention.group(1)
    prefix, sep, rest = text.partition(":")
    if sep and prefix in USER_ID_PATTERNS:
        if platform is not None and prefix != platform:
            raise AdminError(
                f"`{_shown(text)}` is a {prefix} id; from {platform} you manage {platform} "
                "users only (the `songbot admin` command line manages all)."
            )
        return prefix, rest
    if platform is None:
        raise AdminError(
            f"`{_shown(text)}` needs a platform: write `discord:ID`, `slack:ID` or `console:NAME`."
        )
    return platform, text


def parse_user_key(text: str, platform: str | None = None) -> str:
    """`alice` (with platform `console`), `console:alice`, `<@1234>` → a checked user key."""
    platform, user_id = _split_key(text, platform)
    pattern = USER_ID_PATTERNS.get(platform)
    if pattern is None:
        raise AdminError(f"Unknown platform `{_shown(platform)}`.")
    if not pattern.fullmatch(user_id):
        raise AdminError(
            f"`{_shown(user_id)}` is not a {platform} user: expected {ID_HINTS[platform]}."
        )
    return f"{platform}:{user_id}"


def parse_server_key(text: str, platform: str | None = None) -> str:
    """`discord:1234` (a guild) or `slack:T0ABC` (a workspace) → a checked server key."""
    platform, server_id = _split_key(text, platform)
    pattern = SERVER_ID_PATTERNS.get(platform)
    if pattern is None:
        raise AdminError(
            f"{_shown(platform)} has no servers: server caps are for Discord and Slack."
        )
    if not pattern.fullmatch(server_id):
        raise AdminError(f"`{_shown(server_id)}` is not a {platform} server id.")
    return f"{platform}:{server_id}"


def parse_day(text: str) -> date:
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise AdminError(f"`{_shown(text)}` is not a date like `2026-03-01`.") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise AdminError(
            f"`{_shown(text)}` is outside the dates budgets are kept for "
            f"({FIRST_DAY} to {LAST_DAY})."
        )
    return day


# -- reports -------------------------------------------------------------------------------


@dataclass(frozen=True)
class UsageLine:
    key: str
    """A user key (or a server key, in `UsageReport.servers`)."""
    songs: int
    spent_micros: int
    held_micros: int
    limit_micros: int | None
    """The budget for the period; None: unlimited."""


@dataclass(frozen=True)
class UsageReport:
    period: Period
    users: list[UsageLine]
    servers: list[UsageLine]
    scope: str
    """What the report covers: `all`, `platform discord`, `server discord:1234`."""

    @property
    def total_spent_micros(self) -> int:
        return sum(line.spent_micros for line in self.users)

    @property
    def total_held_micros(self) -> int:
        return sum(line.held_micros for line in self.users)

    @property
    def total_songs(self) -> int:
        return sum(line.songs for line in self.users)


class AdminService:
    def __init__(self, budgets: Budgets, db: Database) -> None:
        self.budgets = budgets
        self.db = db
        self.ledger = budgets.ledger

    # -- user budgets --------------------------------------------------------------------

    async def set_user_budget(self, user_key: str, amount: str | Decimal, *, by: str) -> str:
        """Give a user their own budget per period (also ends "unlimited")."""
        user_key = parse_user_key(user_key)
        micros = parse_amount(amount)
        await self._write_override(user_scope(user_key), budget=micros, unlimited=False, by=by)
        per = self._per()
        return f"`{user_key}` now has a budget of **{format_usd(micros)}** {per}."

    async def clear_user_budget(self, user_key: str, *, by: str) -> str:
        """Back to the default budget (also ends "unlimited")."""
        user_key = parse_user_key(user_key)
        await self._write_override(user_scope(user_key), budget=None, unlimited=False, by=by)
        default = format_usd(self.budgets.settings.user_budget_micros)
        return f"`{user_key}` is back on the default budget ({default} {self._per()})."

    async def set_unlimited(self, user_key: str, unlimited: bool, *, by: str) -> str:
        """Unlimited users have no budget of their own; a server cap still applies."""
        user_key = parse_user_key(user_key)
        scope = user_scope(user_key)
        async with self.db.transaction() as conn:
            current = await self.ledger.override(scope, conn)
            budget = current.budget_micros if current else None
            await self._store(conn, scope, budget, unlimited, by)
        if unlimited:
            return f"`{user_key}` can now spend without limit (a server cap still applies)."
        limit = format_usd(self.budgets.settings.user_budget_micros if budget is None else budget)
        return f"`{user_key}` is limited again: {limit} {self._per()}."

    async def reset_user(self, user_key: str, *, by: str) -> str:
        """Forgive what a user spent this period (songs in progress still count)."""
        user_key = parse_user_key(user_key)
        now = self.budgets.now()
        period = self.budgets.period(now)
        scope = user_scope(user_key)
        async with self.db.transaction() as conn:
            standing = (await self.ledger.standings([scope], period.key, conn))[scope]
            spent = standing.balance.spent_micros
            if spent:
                await self.ledger.credit(
                    conn,
                    user_key=user_key,
                    amount_micros=spent,
                    period=period.key,
                    at=now,
                    note=f"reset by {by}",
                )
        held = standing.balance.held_micros
        pending = f" Songs in progress still hold {format_usd(held)}." if held else ""
        if not spent:
            return f"`{user_key}` has spent nothing {_this(period)}; nothing to reset.{pending}"
        return (
            f"Reset `{user_key}`: {format_usd(spent)} spent {_this(period)} was forgiven.{pending}"
        )

    # -- server caps ---------------------------------------------------------------------

    async def set_server_cap(
        self, server_key: str, amount: str | Decimal | None, *, by: str
    ) -> str:
        """Cap what a server's users may spend together per period; None: no cap at all."""
        server_key = parse_server_key(server_key)
        micros = None if amount is None else parse_amount(amount)
        scope = server_scope(server_key)
        await self._write_override(scope, budget=micros, unlimited=micros is None, by=by)
        if micros is None:
            return f"Server `{server_key}` has no spending cap now."
        return f"Server `{server_key}` may now spend **{format_usd(micros)}** {self._per()}."

    async def clear_server_cap(self, server_key: str, *, by: str) -> str:
        """Back to SONGBOT_SERVER_BUDGET_USD."""
        server_key = parse_server_key(server_key)
        await self._write_override(server_scope(server_key), budget=None, unlimited=False, by=by)
        default = self.budgets.settings.server_budget_micros
        cap = "no cap" if default is None else f"{format_usd(default)} {self._per()}"
        return f"Server `{server_key}` is back on the default cap ({cap})."

    def _per(self) -> str:
        return _per(self.budgets.period())

    async def _write_override(
        self, scope: str, *, budget: int | None, unlimited: bool, by: str
    ) -> None:
        async with self.db.transaction() as conn:
            await self._store(conn, scope, budget, unlimited, by)

    async def _store(
        self,
        conn: aiosqlite.Connection,
        scope: str,
        budget: int | None,
        unlimited: bool,
        by: str,
    ) -> None:
        if budget is None and not unlimited:
            await self.ledger.clear_override(conn, scope)
            return
        await self.ledger.set_override(
            conn, scope, budget_micros=budget, unlimited=unlimited, at=self.budgets.now(), by=by
        )

    # -- reports -------------------------------------------------------------------------

    async def user_status(self, user_key: str) -> str:
        user_key = parse_user_key(user_key)
        quota = await self.budgets.quota(user_key)
        period = quota.period
        limit = quota.user.limit_micros
        budget = "unlimited" if limit is None else f"{format_usd(limit)} {_per(period)}"
        left = quota.user.left_micros
        return (
            f"`{user_key}`: budget {budget} · spent {_this(period)} "
            f"**{format_usd(quota.user.balance.spent_micros)}** · held "
            f"**{format_usd(quota.user.balance.held_micros)}**"
            + ("" if left is None else f" · left **{format_usd(left)}**")
        )

    async def usage_report(
        self, on: date | None = None, *, platform: str | None = None, server_key: str | None = None
    ) -> UsageReport:
        """Spending per user (and per server) in the period containing `on` (default: now)."""
        period = self._period_on(on)
        users = await self.ledger.usage(period.key, by="user", server_key=server_key)
        if platform is not None:
            users = [u for u in users if u.key.startswith(f"{platform}:")]
        servers = await self.ledger.usage(period.key, by="server", server_key=server_key)
        if platform is not None:
            servers = [s for s in servers if s.key.startswith(f"{platform}:")]
        overrides = await self.ledger.overrides()
        budgets = self.budgets
        user_lines = [
            UsageLine(
                u.key,
                u.songs,
                u.spent_micros,
                u.held_micros,
                budgets.user_limit(_standing(overrides.get(user_scope(u.key)))),
            )
            for u in users
        ]
        server_lines = [
            UsageLine(
                s.key,
                s.songs,
                s.spent_micros,
                s.held_micros,
                budgets.server_limit(_standing(overrides.get(server_scope(s.key)))),
            )
            for s in servers
        ]
        scope = (
            f"server {server_key}" if server_key else f"platform {platform}" if platform else "all"
        )
        return UsageReport(period, user_lines, server_lines, scope)

    def _period_on(self, on: date | None) -> Period:
        if on is None:
            return self.budgets.period()
        return self.budgets.period(datetime.combine(on, time(12), tzinfo=self.budgets.now().tzinfo))

    async def usage_csv(
        self, on: date | None = None, *, platform: str | None = None, server_key: str | None = None
    ) -> str:
        report = await self.usage_report(on, platform=platform, server_key=server_key)
        out = io.StringIO()
        writer = _SafeWriter(out)
        writer.writerow(
            [
                "period",
                "user_key",
                "songs",
                "spent_usd",
                "held_usd",
                "budget_usd",
                "spent_micros",
                "held_micros",
            ]
        )
        for line in report.users:
            writer.writerow(
                [
                    report.period.key,
                    line.key,
                    line.songs,
                    _usd(line.spent_micros),
                    _usd(line.held_micros),
                    "unlimited" if line.limit_micros is None else _usd(line.limit_micros),
                    line.spent_micros,
                    line.held_micros,
                ]
            )
        return out.getvalue()

    async def ledger_csv(self, on: date | None = None, *, everything: bool = False) -> str:
        """The raw ledger entries of one period (or of all time) as CSV."""
        period = None if everything else self._period_on(on).key
        out = io.StringIO()
        writer = _SafeWriter(out)
        writer.writerow(
            [
                "id",
                "created_at",
                "kind",
                "job_id",
                "user_key",
                "server_key",
                "period",
                "amount_micros",
                "amount_usd",
                "note",
            ]
        )
        for entry in await self.ledger.entries(period):
            writer.writerow(
                [
                    entry.id,
                    entry.created_at,
                    entry.kind,
                    entry.job_id or "",
                    entry.user_key,
                    entry.server_key or "",
                    entry.period,
                    entry.amount_micros,
                    _usd(entry.amount_micros),
                    entry.note or "",
                ]
            )
        return out.getvalue()

    # -- chat ----------------------------------------------------------------------------

    async def handle_text(self, origin: Origin, args: str) -> Reply:
        """Run one `/admin …` line from chat (the caller has checked the user is an admin)."""
        try:
            text = await self._dispatch(origin, args.split())
        except AdminError as exc:
            return Reply(text=str(exc), ok=False)
        return Reply(text=text)

    async def _dispatch(self, origin: Origin, words: list[str]) -> str:
        if not words or words[0].lower() in ("help", "?"):
            return admin_help(origin.platform)
        command, rest = words[0].lower(), words[1:]
        by = origin.user_key
        platform = origin.platform
        match command, rest:
            case "budget", [user, keyword] if keyword.lower() == "default":
                return await self.clear_user_budget(parse_user_key(user, platform), by=by)
            case "budget", [user, amount]:
                return await self.set_user_budget(parse_user_key(user, platform), amount, by=by)
            case "unlimited", [user]:
                return await self.set_unlimited(parse_user_key(user, platform), True, by=by)
            case "unlimited", [user, switch] if switch.lower() in ("on", "off"):
                on = switch.lower() == "on"
                return await self.set_unlimited(parse_user_key(user, platform), on, by=by)
            case "reset", [user]:
                return await self.reset_user(parse_user_key(user, platform), by=by)
            case "show", [user]:
                return await self.user_status(parse_user_key(user, platform))
            case "servercap", [amount]:
                return await self._server_cap_here(origin, amount)
            case "usage", [*day] if len(day) <= 1:
                day_on = parse_day(day[0]) if day else None
                return usage_text(await self.usage_report(day_on, **_chat_scope(origin)))
            case "export", [*options] if len(options) <= 2:
                return await self._export(origin, options)
        usage = USAGE.get(command)
        if usage is None:
            raise AdminError(f"Unknown admin command `{_shown(command)}`. Try `/admin help`.")
        raise AdminError(f"Usage: `/admin {usage}`")

    async def _server_cap_here(self, origin: Origin, amount: str) -> str:
        if origin.server_key is None:
            raise AdminError(
                "Run `/admin servercap` inside a server (or use `songbot admin servercap`)."
            )
        match amount.lower():
            case "default":
                return await self.clear_server_cap(origin.server_key, by=origin.user_key)
            case "off" | "none":
                return await self.set_server_cap(origin.server_key, None, by=origin.user_key)
        return await self.set_server_cap(origin.server_key, amount, by=origin.user_key)

    async def _export(self, origin: Origin, options: list[str]) -> str:
        what = "usage"
        if options and options[0].lower() in ("usage", "ledger"):
            what, options = options[0].lower(), options[1:]
        if len(options) > 1:
            raise AdminError(f"Usage: `/admin {USAGE['export']}`")
        on = parse_day(options[0]) if options else None
        if what == "ledger":
            if origin.platform != "console":
                raise AdminError("The raw ledger is exported with `songbot admin export`.")
            return await self.ledger_csv(on)
        return await self.usage_csv(on, **_chat_scope(origin))


def _chat_scope(origin: Origin) -> dict[str, str | None]:
    if origin.server_key:
        return {"server_key": origin.server_key}
    return {"platform": origin.platform}


class _SafeWriter:
    """A CSV writer whose text cells cannot start a spreadsheet formula (`'` is put first)."""

    def __init__(self, out: io.StringIO) -> None:
        self._writer = csv.writer(out, lineterminator="\n")

    def writerow(self, row: list[str | int]) -> None:
        self._writer.writerow([_cell(value) for value in row])


def _cell(value: str | int) -> str | int:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _standing(override: Override | None) -> Standing | None:
    return None if override is None else Standing(Balance(), override)


def _usd(micros: int) -> str:
    return str(Decimal(micros) / MICROS_PER_USD)


def _per(period: Period) -> str:
    return PERIOD_WORDS[period.kind][0]


def _this(period: Period) -> str:
    return PERIOD_WORDS[period.kind][1]


USAGE = {
    "budget": "budget USER AMOUNT|default",
    "unlimited": "unlimited USER [on|off]",
    "reset": "reset USER",
    "show": "show USER",
    "servercap": "servercap AMOUNT|off|default",
    "usage": "usage [YYYY-MM-DD]",
    "export": "export [usage|ledger] [YYYY-MM-DD]",
}


def admin_help(platform: str) -> str:
    who = {
        "console": "a console name like `alice`",
        "discord": "a mention or numeric id",
        "slack": "a mention or user id like `U0123ABCD`",
    }.get(platform, "a user id")
    return "\n".join(
        [
            "**Admin commands** (USER is " + who + "; AMOUNT is dollars like `1.50`):",
            "`/admin budget USER AMOUNT` a user's budget per period · "
            "`/admin budget USER default` back to the default",
            "`/admin unlimited USER [on|off]` no personal limit (a server cap still applies)",
            "`/admin reset USER` forgive this period's spending (songs in progress still count)",
            "`/admin show USER` a user's budget, spent, held and left",
            "`/admin servercap AMOUNT|off|default` this server's cap per period",
            "`/admin usage [YYYY-MM-DD]` spending per user in the period (of that day)",
            "`/admin export [usage|ledger] [YYYY-MM-DD]` the same as CSV",
        ]
    )


def usage_text(report: UsageReport) -> str:
    period = report.period
    lines = [
        f"**Usage, {period.kind} from {period.start:%Y-%m-%d}** ({report.scope}): "
        f"{report.total_songs} songs, **{format_usd(report.total_spent_micros)}** spent, "
        f"{format_usd(report.total_held_micros)} held"
    ]
    if not report.users:
        lines.append("Nobody has spent anything in this period.")
    for line in report.users:
        limit = "unlimited" if line.limit_micros is None else format_usd(line.limit_micros)
        lines.append(
            f"`{line.key}` · {line.songs} songs · spent {format_usd(line.spent_micros)} · "
            f"held {format_usd(line.held_micros)} · budget {limit}"
        )
    for line in report.servers:
        cap = "" if line.limit_micros is None else f" of {format_usd(line.limit_micros)}"
        lines.append(
            f"Server `{line.key}`: {format_usd(line.spent_micros)} spent{cap}, "
            f"{format_usd(line.held_micros)} held"
        )
    return "\n".join(lines)
