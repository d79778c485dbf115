"""One typed settings object, read from the environment and `.env`, validated at start-up.

Every setting of every issue lives here so there is exactly one place to look (and
`.env.example` documents each one).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

MICROS_PER_USD = 1_000_000


def usd_to_micros(amount: Decimal) -> int:
    return int((amount * MICROS_PER_USD).to_integral_value())


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    # --- core -------------------------------------------------------------------------
    songbot_backend: Literal["local", "wavespeed"] | None = None
    """Default: `wavespeed` when WAVESPEED_API_KEY is set, else `local`."""
    songbot_db: Path = Path("data/songbot.sqlite3")
    songbot_out_dir: Path = Path("songs")
    songbot_max_concurrent_jobs: int = Field(default=4, ge=1, le=1000)
    songbot_log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    songbot_public_url: str | None = None
    """Public https base URL of the bot's HTTP server; enables WaveSpeed webhooks."""
    songbot_files_url: str | None = None
    """Public base URL where SONGBOT_OUT_DIR is served; songs too large to upload are linked."""
    songbot_http_host: str = "0.0.0.0"
    songbot_http_port: int = Field(default=8080, ge=1, le=65535)

    # --- budgets (integer micro-dollars inside the program) ------------------------------
    songbot_price_per_second_usd: Decimal = Field(default=Decimal("0.0002"), ge=0, le=1)
    songbot_budget_local: bool = False
    """Apply prices and budgets to the offline backend too (demos, tests)."""
    songbot_user_budget_usd: Decimal = Field(default=Decimal("0.50"), ge=0, le=1_000_000)
    songbot_budget_period: Literal["day", "week", "month"] = "day"
    songbot_server_budget_usd: Decimal | None = Field(default=None, ge=0, le=1_000_000)
    songbot_max_jobs_per_user: int = Field(default=2, ge=1, le=100)
    songbot_cooldown_seconds: int = Field(default=0, ge=0, le=86_400)

    # --- WaveSpeed ---------------------------------------------------------------------
    wavespeed_api_key: SecretStr | None = None
    wavespeed_base_url: str = "https://api.wavespeed.ai"
    wavespeed_model: str = "wavespeed-ai/ace-step"
    wavespeed_max_concurrency: int = Field(default=2, ge=1, le=10_000)
    wavespeed_max_per_minute: int = Field(default=2, ge=1, le=100_000)
    wavespeed_max_download_mb: int = Field(default=100, ge=1, le=2_000)
    wavespeed_timeout_minutes: int = Field(default=20, ge=1, le=24 * 60)
    """Give up on a task that has not finished after this long."""

    # --- Discord -------------------------------------------------------------------------
    discord_token: SecretStr | None = None
    discord_guild_id: int | None = None

    # --- Slack ---------------------------------------------------------------------------
    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    """`xapp-…`: Socket Mode (no public URL needed)."""
    slack_signing_secret: SecretStr | None = None
    """HTTP mode: verifies Slack's request signatures."""
    slack_port: int = Field(default=3000, ge=1, le=65535)
    slack_api_url: str | None = None
    """Slack Web API base URL ending in `/api/` (default Slack's own; set for a local fake)."""
    slack_admin_user_ids: Annotated[tuple[str, ...], NoDecode] = ()

    @field_validator("slack_admin_user_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator(
        "wavespeed_api_key",
        "discord_token",
        "slack_bot_token",
        "slack_app_token",
        "slack_signing_secret",
        "songbot_public_url",
        "songbot_files_url",
        "slack_api_url",
        "songbot_backend",
        "songbot_server_budget_usd",
        "discord_guild_id",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/") + "/"

    @field_validator("wavespeed_base_url", "songbot_public_url", "songbot_files_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _backend_needs_key(self) -> Settings:
        if self.songbot_backend is None:
            self.songbot_backend = "wavespeed" if self.wavespeed_api_key else "local"
        if self.songbot_backend == "wavespeed" and not self.wavespeed_api_key:
            raise ValueError("WAVESPEED_API_KEY is required when SONGBOT_BACKEND=wavespeed")
        return self

    @property
    def backend(self) -> Literal["local", "wavespeed"]:
        return self.songbot_backend or "local"

    @property
    def price_per_second_micros(self) -> int:
        return usd_to_micros(self.songbot_price_per_second_usd)

    @property
    def user_budget_micros(self) -> int:
        return usd_to_micros(self.songbot_user_budget_usd)

    @property
    def server_budget_micros(self) -> int | None:
        amount = self.songbot_server_budget_usd
        return None if amount is None else usd_to_micros(amount)


class SettingsError(Exception):
    """A one-line, human message naming the bad setting(s)."""


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment (and `.env`), raising `SettingsError` if invalid."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SettingsError(describe_validation_error(exc)) from None


def describe_validation_error(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        name = ".".join(str(p) for p in error["loc"]).upper()
        message = error["msg"].removeprefix("Value error, ")
        parts.append(f"{name}: {message}" if name else message)
    return "invalid settings: " + "; ".join(parts)
