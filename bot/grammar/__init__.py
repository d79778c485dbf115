"""The command grammar shared by every adapter: pure parsing, no I/O.

- `parse(text, lyrics=None)` reads one chat line (`/song …`, `/help`, `/cancel ID`,
  `/history`, `/quota`, `/admin …`) into a command value or a `ParseError` that lists every
  problem at once in friendly sentences. It never raises.
- `build_request` / `validate_fields` check structured inputs (Discord options, modal
  fields) with the same rules and messages.
- `format_command(request)` writes a request back as `/song` text that parses to it again.

Decisions: commands need the leading `/` (plain text gets a hint towards `/song` and
`/help`); `private: yes|no` is accepted in text as well as set by adapters; `/history` and
`/quota` ignore trailing words; in text, a key given with an empty value is an error (except
`lyrics:`, which then means instrumental), while in forms a blank field takes its default.
"""

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
from bot.grammar.fields import build_request, parse_duration, validate_fields
from bot.grammar.parser import parse
from bot.grammar.song import KEYS, format_command
from bot.grammar.text import MAX_INPUT_CHARS
from bot.grammar.usage import COMMANDS_HELP, HELP_TEXT, SONG_USAGE

__all__ = [
    "COMMANDS_HELP",
    "HELP_TEXT",
    "KEYS",
    "MAX_INPUT_CHARS",
    "SONG_USAGE",
    "AdminCommand",
    "CancelCommand",
    "Command",
    "HelpCommand",
    "HistoryCommand",
    "ParseError",
    "QuotaCommand",
    "SongCommand",
    "build_request",
    "format_command",
    "parse",
    "parse_duration",
    "validate_fields",
]
