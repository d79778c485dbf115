"""The prediction (task) object of WaveSpeed's `{code, message, data}` envelope."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

TERMINAL_STATUSES = frozenset(
    {"completed", "failed", "cancelled", "canceled", "timeout", "deleted"}
)


@dataclass(frozen=True)
class Prediction:
    id: str
    status: str
    outputs: tuple[str, ...] = ()
    error: str = ""
    nsfw: bool = False
    """`has_nsfw_contents` of the first output (the one the bot delivers)."""
    created_at: str = ""

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL_STATUSES

    @classmethod
    def from_data(cls, data: object) -> Prediction:
        """Parse `data` (the envelope's or a webhook's body); ValueError if it is not one."""
        if not isinstance(data, Mapping):
            raise ValueError("prediction is not an object")
        task_id, status = data.get("id"), data.get("status")
        if not isinstance(task_id, str) or not task_id:
            raise ValueError("prediction has no id")
        if not isinstance(status, str) or not status:
            raise ValueError("prediction has no status")
        outputs = data.get("outputs") or []
        flags = data.get("has_nsfw_contents") or []
        return cls(
            id=task_id,
            status=status.lower(),
            outputs=tuple(o for o in outputs if isinstance(o, str))
            if isinstance(outputs, list)
            else (),
            error=str(data.get("error") or ""),
            nsfw=bool(flags[0]) if isinstance(flags, list) and flags else False,
            created_at=str(data.get("created_at") or ""),
        )
