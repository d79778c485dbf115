"""Who may use `/song admin …`: ids in SLACK_ADMIN_USER_IDS, and workspace admins/owners
(`users.info`, cached for a few minutes so a burst of commands costs one lookup)."""

from __future__ import annotations

import logging
import time

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

CACHE_SECONDS = 300.0


class AdminCheck:
    def __init__(self, client: AsyncWebClient, configured: tuple[str, ...]) -> None:
        self.client = client
        self.configured = frozenset(configured)
        self._cache: dict[str, tuple[float, bool]] = {}

    async def is_admin(self, user_id: str) -> bool:
        if user_id in self.configured:
            return True
        cached = self._cache.get(user_id)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        try:
            response = await self.client.users_info(user=user_id)
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
            log.warning("slack: users.info for %s failed: %s", user_id, exc)
            return False
        user = response.get("user") or {}
        admin = bool(user.get("is_admin") or user.get("is_owner"))
        self._cache[user_id] = (time.monotonic() + CACHE_SECONDS, admin)
        return admin
