"""Every setting of the bot: read once, at the edge, and handed out in groups.

Sources, strongest first: command-line flags, environment variables (prefix ``BOTOX_BOT_``; a platform's
credentials under that platform's usual names, such as ``SLACK_BOT_TOKEN``), an optional YAML settings file
(``--settings FILE`` or ``BOTOX_BOT_SETTINGS_FILE``), then the embedded defaults, with which the bot runs with no
setup at all. docs/settings.md lists them all.

``Settings`` reads them flat (so the names stay what they have always been); nobody downstream takes the whole
of it. The engine gets ``engine_config()`` (no credentials), and each channel its own group: ``slack``,
``teams``, ``twilio`` (``None`` when that platform is not configured, so a configured group's credentials are
never ``None``), ``server``, ``clinic`` and ``redis``.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Annotated, Any, Self, TypeVar

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

from botox_bot.core.config import EngineConfig

ENV_PREFIX = "BOTOX_BOT_"
TEAMS_CLIENT_ID = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID"
TEAMS_CLIENT_SECRET = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTSECRET"
TEAMS_TENANT_ID = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__TENANTID"
MIN_SECRET_LENGTH = 32
TEAMS_SERVICE_HOSTS = (  # Microsoft's documented Bot Connector hosts for Teams: public cloud, GCC, GCC High, DoD
    "smba.trafficmanager.net",
    "smba.infra.gcc.teams.microsoft.com",
    "smba.infra.gov.teams.microsoft.us",
    "smba.infra.dod.teams.microsoft.us",
)
_LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}


def _none_if_empty(value: Any) -> Any:
    """``FOO=`` in an environment file means "not set", not "set to the empty string"."""
    return None if value == "" else value


OptionalStr = Annotated[str | None, BeforeValidator(_none_if_empty)]
OptionalSecret = Annotated[SecretStr | None, BeforeValidator(_none_if_empty)]
OptionalPath = Annotated[Path | None, BeforeValidator(_none_if_empty)]


def _strong_secret(value: SecretStr | None) -> SecretStr | None:
    """A secret the bot itself keys HMACs with: long and varied enough that no one guesses it offline from a
    signed request (a one-character secret falls in a second)."""
    if value is None:
        return None
    secret = value.get_secret_value()
    if len(secret) < MIN_SECRET_LENGTH or len(set(secret)) < 8:
        raise ValueError(
            f"too weak: use at least {MIN_SECRET_LENGTH} random characters, e.g. the output of "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    return value


def _https_unless_loopback(value: str | None) -> str | None:
    """Keys and tokens travel over this URL: plain http only to this machine (tests, a local proxy)."""
    if value is None:
        return None
    from urllib.parse import urlsplit

    parts = urlsplit(value)
    if parts.scheme == "https" or (parts.scheme == "http" and (parts.hostname or "") in _LOOPBACK_HOSTS):
        return value
    if parts.scheme == "http" and parts.hostname and _is_loopback(parts.hostname):
        return value
    raise ValueError("must be an https:// URL (plain http only to this machine: 127.0.0.1, ::1, localhost)")


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _comma_list(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def _platform(env_name: str) -> AliasChoices:
    """A platform credential: read from its usual variable (SLACK_BOT_TOKEN), or by field name in a file."""
    return AliasChoices(env_name, env_name.lower())


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "botox-bot"


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "botox-bot"


class _Group(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


G = TypeVar("G", bound=_Group)


class ClinicSettings(_Group):
    """The clinic's details, which channels say and the engine writes into answers (no secrets)."""

    name: str
    phone: str
    booking_link: str
    emergency_number: str


class ServerSettings(_Group):
    """``botox-bot serve`` and the patient webhook and web chat."""

    host: str
    port: int
    workers: int
    rate_limit: int
    address_rate_limit: int
    trusted_proxies: list[str]
    max_connections: int
    max_connections_per_address: int
    header_timeout_seconds: float
    metrics_token: SecretStr | None
    metrics_port: int | None
    webhook_secret: SecretStr | None
    signature_max_age_seconds: int
    max_body_bytes: int
    web_chat: bool
    cors_origins: list[str]
    shutdown_timeout_seconds: float
    request_timeout_seconds: float
    log_level: str
    log_message_text: bool


class SlackSettings(_Group):
    """Slack, configured: a bot token, and a signing secret (HTTP events) or an app token (Socket Mode)."""

    bot_token: SecretStr
    signing_secret: SecretStr | None
    app_token: SecretStr | None
    api_base_url: str | None
    staff_channel: str | None


class TeamsSettings(_Group):
    """Microsoft Teams, configured: a client id with its secret and tenant, or the unsafe anonymous mode."""

    client_id: str | None
    client_secret: SecretStr | None
    tenant_id: str | None
    allow_anonymous_unsafe: bool
    jwks_url: str | None
    service_hosts: list[str]
    staff_channel: str | None = None

    @model_validator(mode="after")
    def _complete(self) -> Self:
        """A client id needs its secret and tenant, or no reply could get a token; said at start-up."""
        if self.client_id:
            missing = [
                n for n, v in ((TEAMS_CLIENT_SECRET, self.client_secret), (TEAMS_TENANT_ID, self.tenant_id)) if not v
            ]
            if missing:
                raise ValueError(f"Teams: {TEAMS_CLIENT_ID} is set, so {' and '.join(missing)} must be set too")
        return self


class TwilioSettings(_Group):
    """SMS and the phone line, configured: the auth token that checks Twilio's signatures; with an account SID and
    a number, staff replies are sent by SMS through Twilio's REST API (live handoff)."""

    auth_token: SecretStr
    public_url: str | None
    account_sid: str | None = None
    from_number: str | None = None
    api_base_url: str = "https://api.twilio.com"


class RedisSettings(_Group):
    """Shared state for several instances; ``url`` None: this process's memory.

    With Redis, ``store_key`` is required: it keys the hashes that stand for sender ids and phone numbers there
    (docs/operations.md, "What Redis holds").
    """

    url: str | None
    store_key: SecretStr | None = None

    @model_validator(mode="after")
    def _keyed(self) -> Self:
        if self.url and self.store_key is None:
            raise ValueError(
                "REDIS_URL is set, so BOTOX_BOT_STORE_KEY must be set too: the secret that keys the hashes standing "
                "for sender ids and phone numbers in Redis (at least 32 random characters)"
            )
        return self


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, extra="forbid", validate_default=True, populate_by_name=True
    )

    # -- the engine (and so every channel): EngineConfig -----------------------------------------
    content_dir: OptionalPath = Field(
        None, description="Folder with domain.yml, intents/ and responses/; default: shipped content."
    )
    clinic_file: OptionalPath = Field(
        None, description="The clinic's own answers (touch-ups, aftercare, prices): see docs/clinic.md."
    )
    clinic_name: OptionalStr = Field(
        None, description="Shown in replies, e.g. 'Riverside Dermatology'; unset: 'our clinic' in the reply's language."
    )
    clinic_phone: str = Field("", description="The clinic's phone number, added to the consult prompt.")
    booking_link: str = Field("", description="Where patients book, e.g. https://clinic.example/book.")
    country: OptionalStr = Field(
        None,
        description="The clinic's country (US, CA, GB, IE, AU, or an EU country code): sets the emergency number "
        "and the crisis line unless they are set below.",
    )
    emergency_number: OptionalStr = Field(
        None, description="The local emergency number (911, 999, 112, ...); default: from country."
    )
    crisis_line: OptionalStr = Field(
        None, description="The suicide and crisis line replies give (988 in the US); default: from country."
    )
    languages: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Languages the clinic serves, comma-separated (en,es); default: every language of the content.",
    )
    selector_threshold: float = Field(
        0.3, ge=0, le=1, description="Below this share of its topic, a specific answer gives way to the general one."
    )
    confidence_threshold: float = Field(0.2, ge=0, le=1, description="Below this, the answer is out_of_scope.")
    emergency_threshold: float = Field(
        0.3, ge=0, le=1, description="The classifier alone (no red flag found by the screen) must be this sure."
    )
    choice_margin: float = Field(0.1, ge=0, le=1, description="Top two topics closer than this: ask which.")
    context_ttl_seconds: int = Field(300, ge=0, description="How long a follow-up keeps its context.")
    cache_dir: OptionalPath = Field(default_factory=_default_cache_dir, description="Model cache; empty: none.")
    log_message_text: bool = Field(False, description="Log message text and sender ids (health information).")
    seed: int | None = Field(None, description="Fix the choice among reply variations (tests, demos).")

    # -- the server (botox-bot serve) -------------------------------------------------------------
    host: str = Field("127.0.0.1", description="Address the server listens on; 0.0.0.0 for every interface.")
    port: int = Field(3000, ge=0, le=65535, description="Port the server listens on (0: any free port).")
    workers: int = Field(
        0,
        ge=0,
        description="Server processes sharing the port; 0: one a core (several need REDIS_URL or redis-server "
        "installed; without either, one). See docs/deployment.md.",
    )
    rate_limit: int = Field(20, ge=0, description="Messages a minute per sender on patient channels; 0: no limit.")
    address_rate_limit: int = Field(
        120,
        ge=0,
        description="Messages a minute per client address on the webhook and web chat, and web chat page loads "
        "(each mints a web token), counted apart; 0: no limit.",
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["127.0.0.1/32", "::1/128"],
        description="Reverse proxies (addresses or networks, comma-separated) whose X-Forwarded-For names the client; "
        "default: this machine's loopback (a proxy on the same host).",
    )
    max_connections: int = Field(
        1000, ge=1, description="Open connections at most (and below the descriptor limit); then idle ones make room."
    )
    max_connections_per_address: int = Field(
        64, ge=1, description="Open connections at most from one client address (a trusted proxy: no limit)."
    )
    header_timeout_seconds: float = Field(
        10, gt=0, description="A new connection that has not sent a whole request head by then is closed."
    )
    metrics_token: OptionalSecret = Field(
        None, description="When set, /metrics needs 'Authorization: Bearer <token>' (at least 32 characters)."
    )
    metrics_port: int | None = Field(
        None, ge=1, le=65535, description="Serve /metrics on this port (same host) instead of the public one."
    )
    webhook_secret: OptionalSecret = Field(
        None,
        description="Shared secret: webhook requests must be signed (HMAC-SHA256), web chat ones carry a web token.",
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
    staff_channel: OptionalStr = Field(
        None, description="Slack channel id where emergencies and requests for a person on patient channels go."
    )

    # -- staff escalations and the desk ------------------------------------------------------------
    escalation_window_seconds: float = Field(
        300, gt=0, description="One escalation per conversation in this window; more are folded into a count."
    )
    escalation_per_minute: int = Field(
        30, ge=1, description="Escalations posted a minute across every sender; past it, one summary a minute."
    )
    escalation_queue_size: int = Field(1000, ge=1, description="Escalations waiting for the staff channel at most.")
    escalation_concurrency: int = Field(4, ge=1, description="Escalations sent to the staff channel at once.")
    escalation_attempts: int = Field(
        5, ge=1, description="Tries per escalation when the staff channel asks to wait (Slack's Retry-After)."
    )

    handoff_timeout_seconds: float = Field(
        1800,
        gt=0,
        description="A conversation staff took over goes back to the bot after this long with no staff reply.",
    )
    staff_names: bool = Field(
        False, description="Sign staff replies to patients with the staff member's name, not the clinic's."
    )
    review: bool = Field(
        False,
        description="Keep questions the bot could not answer (scrubbed of personal details) for botox-bot review.",
    )
    review_retention_days: float = Field(30, gt=0, description="How long review items are kept at most.")
    data_dir: OptionalPath = Field(
        default_factory=_default_data_dir,
        description="Where the audit log and review items are kept when REDIS_URL is not set.",
    )
    audit_log: OptionalPath = Field(
        None, description="A JSON-lines file for the audit log; default: Redis if set, else audit.jsonl in data_dir."
    )
    privacy_notice: str = Field(
        "",
        description="What the web chat shows before the first message; empty: a default naming what is kept and why.",
    )

    # -- platform credentials, under their platforms' usual names ---------------------------------
    slack_bot_token: OptionalSecret = Field(None, validation_alias=_platform("SLACK_BOT_TOKEN"))
    slack_signing_secret: OptionalSecret = Field(None, validation_alias=_platform("SLACK_SIGNING_SECRET"))
    slack_app_token: OptionalSecret = Field(None, validation_alias=_platform("SLACK_APP_TOKEN"))
    slack_api_base_url: OptionalStr = Field(None, validation_alias=_platform("SLACK_API_BASE_URL"))

    # Microsoft Teams, in the Microsoft 365 Agents SDK's own configuration names
    teams_client_id: OptionalStr = Field(None, validation_alias=_platform(TEAMS_CLIENT_ID))
    teams_client_secret: OptionalSecret = Field(None, validation_alias=_platform(TEAMS_CLIENT_SECRET))
    teams_tenant_id: OptionalStr = Field(None, validation_alias=_platform(TEAMS_TENANT_ID))
    teams_allow_anonymous_unsafe: bool = Field(
        False, description="Local development only: accept Teams requests with no token (the Agents Playground)."
    )
    teams_staff_channel: OptionalStr = Field(
        None,
        description="Teams channel id (19:...@thread.tacv2) where escalations are posted as cards staff can take over.",
    )
    teams_jwks_url: str | None = Field(
        None,
        pattern=r"^(https?://\S+)?$",
        description="Check Teams tokens against this key set instead of Microsoft's (tests, private clouds).",
    )
    teams_service_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(TEAMS_SERVICE_HOSTS),
        description="Bot Connector hosts replies may go to when a token names no serviceUrl; comma-separated.",
    )

    # Redis, shared by several instances (its usual name)
    redis_url: OptionalStr = Field(None, validation_alias=_platform("REDIS_URL"))
    store_key: OptionalSecret = Field(
        None,
        description="Keys the hashes (HMAC-SHA256) that stand for sender ids and phone numbers in Redis; required "
        "with REDIS_URL; at least 32 random characters.",
    )

    # Twilio (SMS and voice)
    twilio_auth_token: OptionalSecret = Field(None, validation_alias=_platform("TWILIO_AUTH_TOKEN"))
    twilio_account_sid: OptionalStr = Field(None, validation_alias=_platform("TWILIO_ACCOUNT_SID"))
    twilio_from_number: OptionalStr = Field(None, validation_alias=_platform("TWILIO_FROM_NUMBER"))
    twilio_api_base_url: OptionalStr = Field(None, validation_alias=_platform("TWILIO_API_BASE_URL"))
    public_url: OptionalStr = Field(
        None, description="The public base URL Twilio calls (https://bot.clinic.example), behind a proxy."
    )

    @field_validator("clinic_name", "emergency_number", "crisis_line")
    @classmethod
    def _trimmed(cls, value: str | None) -> str | None:
        return (value.strip() or None) if value is not None else None

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
        """The emergency number and crisis line to use: explicit settings, then the country's (or None)."""
        from botox_bot.core.emergency_numbers import numbers_for

        return numbers_for(self.country, self.emergency_number, self.crisis_line)

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

    @field_validator("webhook_secret", "metrics_token", "store_key")
    @classmethod
    def _strong(cls, value: SecretStr | None) -> SecretStr | None:
        return _strong_secret(value)

    @field_validator("teams_jwks_url", "slack_api_base_url")
    @classmethod
    def _safe_transport(cls, value: str | None) -> str | None:
        return _https_unless_loopback(value)

    @field_validator("trusted_proxies", "teams_service_hosts", mode="before")
    @classmethod
    def _listed(cls, value: Any) -> Any:
        return _comma_list(value)

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        out = []
        for item in value:
            try:
                out.append(str(ipaddress.ip_network(item, strict=False)))
            except ValueError:
                raise ValueError(f"{item!r} is not an address or a network such as 10.0.0.0/8") from None
        return out

    @field_validator("teams_service_hosts")
    @classmethod
    def _hosts(cls, value: list[str]) -> list[str]:
        return [host.lower().rstrip(".") for host in value]

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

    # -- the groups: what each part of the bot gets ------------------------------------------------
    # A group checks what it needs when it is built (Teams: a client id needs its secret and tenant), so that
    # only the commands that use a platform refuse its incomplete settings: `botox-bot ask` does not need Teams.
    def engine_config(self) -> EngineConfig:
        """What the engine reads: no credentials, no server or platform settings."""
        emergency_number, crisis_line = self.emergency_numbers()
        return EngineConfig(
            clinic_name=self.clinic_name,
            clinic_phone=self.clinic_phone,
            booking_link=self.booking_link,
            emergency_number=emergency_number,
            crisis_line=crisis_line,
            languages=tuple(self.languages),
            clinic_file=self.clinic_file,
            selector_threshold=self.selector_threshold,
            confidence_threshold=self.confidence_threshold,
            emergency_threshold=self.emergency_threshold,
            choice_margin=self.choice_margin,
            context_ttl_seconds=self.context_ttl_seconds,
            seed=self.seed,
            content_dir=self.content_dir,
            cache_dir=self.cache_dir,
        )

    @property
    def clinic(self) -> ClinicSettings:
        emergency_number, _ = self.emergency_numbers()
        return ClinicSettings(
            name=self.clinic_name or "our clinic",
            phone=self.clinic_phone,
            booking_link=self.booking_link,
            emergency_number=emergency_number or "your local emergency number",
        )

    @property
    def server(self) -> ServerSettings:
        return ServerSettings(**{name: getattr(self, name) for name in ServerSettings.model_fields})

    @property
    def slack(self) -> SlackSettings | None:
        if not (self.slack_bot_token and (self.slack_signing_secret or self.slack_app_token)):
            return None
        return SlackSettings(
            bot_token=self.slack_bot_token,
            signing_secret=self.slack_signing_secret,
            app_token=self.slack_app_token,
            api_base_url=self.slack_api_base_url,
            staff_channel=self.staff_channel,
        )

    @property
    def teams(self) -> TeamsSettings | None:
        if not (self.teams_client_id or self.teams_allow_anonymous_unsafe):
            return None
        return _group(
            TeamsSettings,
            client_id=self.teams_client_id,
            client_secret=self.teams_client_secret,
            tenant_id=self.teams_tenant_id,
            allow_anonymous_unsafe=self.teams_allow_anonymous_unsafe,
            jwks_url=self.teams_jwks_url,
            staff_channel=self.teams_staff_channel,
            service_hosts=self.teams_service_hosts,
        )

    @property
    def twilio(self) -> TwilioSettings | None:
        if self.twilio_auth_token is None:
            return None
        return TwilioSettings(
            auth_token=self.twilio_auth_token,
            public_url=self.public_url,
            account_sid=self.twilio_account_sid,
            from_number=self.twilio_from_number,
            api_base_url=(self.twilio_api_base_url or "https://api.twilio.com").rstrip("/"),
        )

    @property
    def redis(self) -> RedisSettings:
        return _group(RedisSettings, url=self.redis_url, store_key=self.store_key)

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


def _group(group: type[G], **values: Any) -> G:
    """A group whose own checks failed is a ``SettingsError`` (the settings were copied, not loaded, unchecked)."""
    try:
        return group(**values)
    except ValidationError as exc:
        raise SettingsError("; ".join(err["msg"].removeprefix("Value error, ") for err in exc.errors())) from None


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
    settings_cls: type[Settings] = Settings
    settings_file = settings_file or os.environ.get(f"{ENV_PREFIX}SETTINGS_FILE")
    if settings_file:
        if not Path(settings_file).is_file():
            raise SettingsError(f"settings file {settings_file}: not found")
        _check_yaml_mapping(Path(settings_file))

        class FileSettings(Settings):
            model_config = SettingsConfigDict({**Settings.model_config, "yaml_file": settings_file})

        settings_cls = FileSettings
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
