"""`parse`: one line of chat text -> a command value or a `ParseError`. Pure; never raises."""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.grammar.commands import (
    AdminCommand,
    CancelCommand,
    Command,
    HelpCommand,
    HistoryCommand,
    ParseError,
    QuotaCommand,
    SongCommand,
)
from bot.grammar.song import parse_song
from bot.grammar.text import MAX_INPUT_CHARS, clean_text, quote
from bot.grammar.usage import COMMANDS, COMMANDS_HELP

Handler = Callable[[str, str | None], Command | ParseError]

_COMMAND_WORD = re.compile(r"/(\S*)")
_JOB_ID = re.compile(r"[a-z0-9_-]{1,64}", re.ASCII)
_JOB_ID_WRAPPING = "`#<>\"'"
_TOPIC_LIMIT = 32
_COMMAND_LIST = ", ".join(f"`/{name}`" for name in COMMANDS)


def parse(text: str, *, lyrics: str | None = None) -> Command | ParseError:
    """Parse a command line. `lyrics`, when given, replaces any `lyrics:` of a `/song`."""
    if len(text) > MAX_INPUT_CHARS:
        return ParseError(
            (
                f"That message is {len(text):,} characters long; commands fit in "
                f"{MAX_INPUT_CHARS:,}.",
            )
        )
    line = clean_text(text).strip()
    if not line:
        return ParseError(("That message is empty. Try `/song lofi, chill` or `/help`.",))
    match = _COMMAND_WORD.match(line)
    if match is None:
        return ParseError(
            ("Commands start with `/`: try `/song lofi, chill piano` to make a song, or `/help`.",)
        )
    handler = _HANDLERS.get(match.group(1).lower())
    if handler is None:
        return ParseError(
            (f"{quote(match.group(0))} isn't a command I know. The commands are {_COMMAND_LIST}.",),
            hint=COMMANDS_HELP,
        )
    return handler(line[match.end() :], lyrics)


def _song(rest: str, lyrics: str | None) -> SongCommand | ParseError:
    result = parse_song(rest, lyrics=lyrics)
    return result if isinstance(result, ParseError) else SongCommand(result)


def _help(rest: str, lyrics: str | None) -> HelpCommand:
    words = rest.split()
    topic = words[0].lstrip("/").lower()[:_TOPIC_LIMIT] if words else ""
    return HelpCommand(topic)


def _cancel(rest: str, lyrics: str | None) -> CancelCommand | ParseError:
    words = rest.split()
    if not words:
        return ParseError(
            ("**/cancel** needs a job id, e.g. `/cancel 7kq2xm`; `/history` lists your songs.",)
        )
    if len(words) > 1:
        return ParseError(
            (f"**/cancel** takes one job id, not {len(words)} words, e.g. `/cancel 7kq2xm`.",)
        )
    job_id = words[0].strip(_JOB_ID_WRAPPING).lower()
    if not _JOB_ID.fullmatch(job_id):
        return ParseError(
            (
                f"{quote(words[0])} doesn't look like a job id; ids look like `7kq2xm` "
                "(see `/history`).",
            )
        )
    return CancelCommand(job_id)


def _history(rest: str, lyrics: str | None) -> HistoryCommand:
    return HistoryCommand()


def _quota(rest: str, lyrics: str | None) -> QuotaCommand:
    return QuotaCommand()


def _admin(rest: str, lyrics: str | None) -> AdminCommand:
    return AdminCommand(rest.strip())


_HANDLERS: dict[str, Handler] = {
    "song": _song,
    "help": _help,
    "cancel": _cancel,
    "history": _history,
    "quota": _quota,
    "admin": _admin,
}
