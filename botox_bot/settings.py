"""Every setting of the bot, in one pydantic model.

Sources, strongest first: command-line flags, environment variables (prefix ``BOTOX_BOT_``), an optional YAML
settings file (``--settings FILE`` or ``BOTOX_BOT_SETTINGS_FILE``), then the embedded defaults, with which the
bot runs with no setup at all.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

ENV_PREFIX = "BOTOX_BOT_"


def _platform(env_name: str) -> AliasChoices:
    """A platform credential: read from its usual variable (SLACK_BOT_TOKEN), or by field name in a file."""
    return AliasChoices(env_name, env_name.lower())


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "botox-bot"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, extra="forbid", validate_default=True, populate_by_name=True
    )

    content_dir: Path | None = Field(None, description="Folder with intents/ and responses/; default: shipped content.")
    clinic_name: str | None = Field(
        None, description="Shown in replies, e.g. 'Riverside Dermatology'; unset: 'our clinic' in the reply's language."
    )
    clinic_phone: str = Field("", description="The clinic's phone number, added to the consult prompt.")
    booking_link: str = Field("", description="Where patients book, e.g. https://clinic.example/book.")
    country: str | None = Field(
        None,
        description="The clinic's country (US, CA, GB, IE, AU, or an EU country code): sets the emergency number "
        "and crisis line when they are not set explicitly.",
    )
    emergency_number: str | None = Field(
        None, description="The local emergency number (911, 999, 112, ...); default: from country."
    )
    crisis_line: str | None = Field(
        None, description="The suicide and crisis line replies give (988 in the US); default: from country."
    )
    languages: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Languages the clinic serves (comma-separated ISO codes, e.g. en,es); default: every "
        "language the content has.",
    )
    clinic_file: Path | None = Field(
        None, description="The clinic's own answers (touch-ups, aftercare, prices, hours): docs/clinic.md."
    )
    selector_threshold: float = Field(
        0.3,
        ge=0,
        le=1,
        description="Below this share of its topic, a specific answer gives way to the topic's general answer.",
    )
    confidence_threshold: float = Field(0.2, ge=0, le=1, description="Below this, the answer is out_of_scope.")
    emergency_threshold: float = Field(
        0.3, ge=0, le=1, description="The classifier alone (no red flag found by the screen) must be this sure."
    )
    choice_margin: float = Field(0.1, ge=0, le=1, description="Top two topics closer than this: ask which.")
    context_ttl_seconds: int = Field(300, ge=0, description="How long a follow-up keeps its context.")
    cache_dir: Path | None = Field(default_factory=_default_cache_dir, description="Model cache; empty: none.")
    log_message_text: bool = Field(False, description="Log message text and sender ids (health information).")
    seed: int | None = Field(None, description="Fix the choice among reply variations (tests, demos).")

    # -- the server (botox-bot serve) -------------------------------------------------------------
    host: str = Field("127.0.0.1", description="Address the server listens on; 0.0.0.0 for every interface.")
    port: int = Field(3000, ge=0, le=65535, description="Port the server listens on (0: any free port).")
    rate_limit: int = Field(20, ge=0, description="Messages a minute per sender on patient channels; 0: no limit.")
    webhook_secret: SecretStr | None = Field(
        None, description="Shared secret: when set, REST webhook requests must be signed (HMAC-SHA256)."
    )
    signature_max_age_seconds: int = Field(
        300, ge=1, description="Replay window: a signed request older (or newer) than this is refused."
    )
    max_body_bytes: int = Field(16_384, ge=256, description="Largest webhook body accepted; larger gets 413.")
    web_chat: bool = Field(True, description="Serve the web chat page at /.")
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Web origins (https://clinic.example) whose pages may call the webhook; comma-separated; * any.",
    )
    shutdown_timeout_seconds: float = Field(
        30, ge=0, description="On SIGTERM, how long requests in flight may take to finish."
    )
    request_timeout_seconds: float = Field(
        15, gt=0, description="A request not done in this time (a client stalling mid-body) gets 408."
    )
    log_level: str = Field("INFO", description="DEBUG, INFO, WARNING or ERROR.")
    staff_channel: str | None = Field(
        None, description="Slack channel id where emergencies and requests for a person on patient channels go."
    )

    # -- platform credentials, under their platforms' usual names ---------------------------------
    slack_bot_token: SecretStr | None = Field(None, validation_alias=_platform("SLACK_BOT_TOKEN"))
    slack_signing_secret: SecretStr | None = Field(None, validation_alias=_platform("SLACK_SIGNING_SECRET"))
    slack_app_token: SecretStr | None = Field(None, validation_alias=_platform("SLACK_APP_TOKEN"))
    slack_api_base_url: str | None = Field(None, validation_alias=_platform("SLACK_API_BASE_URL"))

    # Microsoft Teams, in the Microsoft 365 Agents SDK's own configuration names
    teams_client_id: str | None = Field(
        None, validation_alias=_platform("CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID")
    )
    teams_client_secret: SecretStr | None = Field(
        None, validation_alias=_platform("CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTSECRET")
    )
    teams_tenant_id: str | None = Field(
        None, validation_alias=_platform("CONNECTIONS__SERVICE_CONNECTION__SETTINGS__TENANTID")
    )
    teams_allow_anonymous_unsafe: bool = Field(
        False, description="Local development only: accept Teams requests with no token (the Agents Playground)."
    )
    teams_jwks_url: str | None = Field(
        None,
        pattern=r"^(https?://\S+)?$",
        description="Check Teams tokens against this key set instead of Microsoft's (tests, private clouds).",
    )

    # Redis, shared by several instances (its usual name)
    redis_url: str | None = Field(None, validation_alias=_platform("REDIS_URL"))

    # Twilio (SMS and voice)
    twilio_auth_token: SecretStr | None = Field(None, validation_alias=_platform("TWILIO_AUTH_TOKEN"))
    public_url: str | None = Field(
        None, description="The public base URL Twilio calls (https://bot.clinic.example), behind a proxy."
    )

    @field_validator("content_dir", "cache_dir", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("clinic_name")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @field_validator("emergency_number", "crisis_line", "country", "clinic_file", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("country")
    @classmethod
    def _known_country(cls, value: str | None) -> str | None:
        from botox_bot.core.emergency_numbers import COUNTRIES

        if value is not None and value.strip().upper() not in COUNTRIES:
            raise ValueError(f"unknown country {value!r}; use one of: {', '.join(sorted(COUNTRIES))}")
        return value.strip().upper() if value else None

    @field_validator("languages", mode="before")
    @classmethod
    def _language_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip().lower() for part in value.split(",") if part.strip()]
        return value

    def emergency_numbers(self) -> tuple[str | None, str | None]:
        """The emergency number and crisis line to use (explicit settings, then the country's)."""
        from botox_bot.core.emergency_numbers import numbers_for

        return numbers_for(self.country, self.emergency_number, self.crisis_line)

    @field_validator(
        "webhook_secret",
        "slack_bot_token",
        "slack_signing_secret",
        "slack_app_token",
        "slack_api_base_url",
        "staff_channel",
        "teams_client_id",
        "teams_client_secret",
        "teams_tenant_id",
        "twilio_auth_token",
        "public_url",
        "redis_url",
        mode="before",
    )
    @classmethod
    def _empty_secret_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip().rstrip("/") for part in value.split(",") if part.strip()]
        return value

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            if origin != "*" and not origin.startswith(("https://", "http://")):
                raise ValueError(f"{origin!r} is not an origin such as https://clinic.example")
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("must be a URL such as https://bot.clinic.example")
        return value.rstrip("/") if value else None

    @field_validator("slack_api_base_url")
    @classmethod
    def _base_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be a URL such as https://slack.com/api/")
        return value if value.endswith("/") else value + "/"

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return level

    @classmethod
    def settings_customise_sources(
        cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if settings_cls.model_config.get("yaml_file"):
            sources.append(YamlConfigSettingsSource(settings_cls))
        return tuple(sources)


class SettingsError(ValueError):
    """A setting with a wrong value; the message names the setting."""


def _check_yaml_mapping(path: Path) -> None:
    """A settings file must be YAML holding one mapping; say where it is not, with its line."""
    from botox_bot.core.yaml_lines import YamlError, load_yaml

    try:
        data, _ = load_yaml(path)
    except YamlError as exc:
        raise SettingsError(f"settings file {exc}") from None
    if data is not None and not isinstance(data, dict):
        raise SettingsError(f"settings file {path}:1: must hold 'name: value' lines")


def load_settings(settings_file: str | None = None, **overrides: Any) -> Settings:
    """Build the settings, turning pydantic's errors into one message a person can act on."""
    settings_cls = Settings
    settings_file = settings_file or os.environ.get(f"{ENV_PREFIX}SETTINGS_FILE")
    if settings_file:
        if not Path(settings_file).is_file():
            raise SettingsError(f"settings file {settings_file}: not found")
        _check_yaml_mapping(Path(settings_file))
        config = SettingsConfigDict({**Settings.model_config, "yaml_file": settings_file})
        settings_cls = type("FileSettings", (Settings,), {"model_config": config})
    try:
        return settings_cls(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = ".".join(str(p) for p in err["loc"])
            if err["type"] == "extra_forbidden" or name.isupper():  # unknown, or a platform's own name
                label = name
            else:
                label = f"{ENV_PREFIX}{name.upper()}"
            lines.append(f"setting {label} ({name}): {err['msg'].removeprefix('Value error, ')}")
        raise SettingsError("\n".join(lines)) from None
    except (OSError, ValueError) as exc:  # an unreadable or broken settings file
        raise SettingsError(f"settings file: {exc}") from None
