"""What `parse` returns: one command value, or a `ParseError` listing every problem."""

from __future__ import annotations

from dataclasses import dataclass

from bot.models import SongRequest


@dataclass(frozen=True)
class SongCommand:
    request: SongRequest


@dataclass(frozen=True)
class HelpCommand:
    topic: str = ""
    """First word after `/help`, lower-case, without a leading `/` (e.g. "song")."""


@dataclass(frozen=True)
class CancelCommand:
    job_id: str
    """Lower-case; `#` and backticks around it removed. Not checked against storage."""


@dataclass(frozen=True)
class HistoryCommand:
    pass


@dataclass(frozen=True)
class QuotaCommand:
    pass


@dataclass(frozen=True)
class AdminCommand:
    args: str
    """Everything after `/admin`, stripped (may be empty); parsed by the admin module."""


Command = SongCommand | HelpCommand | CancelCommand | HistoryCommand | QuotaCommand | AdminCommand


@dataclass(frozen=True)
class ParseError:
    """Every problem found in one input, each a friendly sentence (markdown: **bold**, `code`)."""

    problems: tuple[str, ...]
    hint: str = ""
    """Usage shown under the problems (e.g. `SONG_USAGE`); empty for structured inputs."""

    @property
    def message(self) -> str:
        if len(self.problems) == 1:
            body = self.problems[0]
        else:
            items = "\n".join(f"• {problem}" for problem in self.problems)
            body = f"I found {len(self.problems)} problems:\n{items}"
        return f"{body}\n\n{self.hint}" if self.hint else body
