"""Microsoft Teams: personal chats, channels and group chats, through the Microsoft 365 Agents SDK.

The SDK (``microsoft-agents-hosting-aiohttp``, Microsoft's successor to the archived Bot Framework SDK) does
the Teams side: the token check, the activity model, the turn, and replies through the Bot Connector service
at the activity's ``serviceUrl``. This module only turns activities into ``Message`` and a ``Reply`` into an
Adaptive Card (``botox_bot.channels.teams.cards``). Who may call, and the two seams around the SDK's token handling,
are in ``botox_bot.channels.teams.auth``.

``POST /api/messages`` is the one route. Its handler checks the token first (so strangers learn nothing), then
the body (malformed JSON or something that is not an activity: 400), then that the reply may go to the
activity's ``serviceUrl`` (``auth.may_reply_to``: the token's ``serviceurl`` claim names that origin, or, for a
token without one that is not the Bot Connector's own, a documented Bot Connector host; so a token cannot send
replies, and the bot's own outbound token, elsewhere), then hands the request to the SDK's
``start_agent_process``. The token check guards that route alone; the other channels never see it.

What the bot does with each activity:

- a message in a personal chat: answered;
- a message in a channel or a group chat: answered when it mentions the bot, the mention removed first; the
  reply goes to the same conversation, which in a channel carries the thread (``;messageid=``), with
  ``replyToId`` set to the message;
- a click on one of the card's choice buttons: that choice's answer, wherever the card was;
- the ``conversationUpdate`` that adds the bot: a welcome listing the topics, as buttons;
- anything else: acknowledged (202, or 200 for an invoke), nothing sent. A reply the Bot Connector does not take
  is a 502 (logged, and counted in ``botox_bot_rejected_total{reason="reply_not_delivered"}``).
"""

from __future__ import annotations

import html
import logging
import re
from typing import Any, Self

import aiohttp
from aiohttp import web
from microsoft_agents.activity import Activity, ActivityTypes, Attachment
from microsoft_agents.authentication.msal import MsalAuth
from microsoft_agents.hosting.aiohttp import CloudAdapter, start_agent_process
from microsoft_agents.hosting.core import (
    AgentApplication,
    ApplicationOptions,
    MemoryStorage,
    RouteRank,
    TurnContext,
    TurnState,
)
from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError, field_validator
from yarl import URL

from botox_bot.channels.base import Channel, Route
from botox_bot.channels.formatting import topic_choices
from botox_bot.channels.teams.auth import (
    TOKEN_TIMEOUT_SECONDS,
    ProviderFactory,
    TokenChecks,
    TokenUnavailable,
    auth_configuration,
    authorize,
    connections,
    may_reply_to,
    token_validator,
    unauthorized,
)
from botox_bot.channels.teams.cards import CARD_CONTENT_TYPE, chosen_payload, reply_message, welcome_message
from botox_bot.channels.teams.desk import TeamsDesk
from botox_bot.core.models import Message
from botox_bot.runtime import BotRuntime
from botox_bot.server.body import parse_json, parse_model, require_json
from botox_bot.server.errors import Problem
from botox_bot.settings import TEAMS_CLIENT_ID as CLIENT_ID
from botox_bot.settings import Settings, SettingsError, TeamsSettings

log = logging.getLogger("botox_bot.teams")

MESSAGES_PATH = "/api/messages"
NAME = "teams"
GROUP_CONVERSATIONS = frozenset({"channel", "groupChat"})
ANONYMOUS = "BOTOX_BOT_TEAMS_ALLOW_ANONYMOUS_UNSAFE"
_SPACES = re.compile(r"\s+")
_SDK_REFUSALS = {501: ("not_implemented", "the bot does not handle this invoke")}  # an invoke with no route
_HOST = re.compile(r"^[A-Za-z0-9._:-]+$")  # a DNS name, an IPv4 or an IPv6 address


class _Identified(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: StrictStr = Field(min_length=1)


class _Envelope(BaseModel):
    """What every Bot Connector activity has and the turn needs (replies, turn state), checked before the SDK
    sees the body; the rest is the SDK's ``Activity`` model."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)
    type: StrictStr = Field(min_length=1)
    channelId: StrictStr = Field(min_length=1)
    serviceUrl: StrictStr
    conversation: _Identified
    from_: _Identified = Field(alias="from")
    recipient: _Identified

    @field_validator("serviceUrl")
    @classmethod
    def _reachable_url(cls, value: str) -> str:
        """Where replies go: an http(s) URL with a host name or address the client can connect to."""
        try:
            url = URL(value)
            host = url.host if url.scheme in ("http", "https") and url.port is not None else None
        except ValueError:
            host = None
        if not host or not _HOST.match(host.strip("[]")):
            raise ValueError("must be the Bot Connector's URL, such as https://smba.trafficmanager.net/amer/")
        return value


def register(app: AgentApplication, runtime: BotRuntime, desk: TeamsDesk | None = None) -> TeamsHandlers:
    """Add the bot's handlers to an ``AgentApplication`` (the bot's own, or a clinic's); with ``desk``, the staff
    channel's escalation cards, Take over / Hand back and replies in their threads."""
    handlers = TeamsHandlers(runtime, desk)
    app.message()(handlers.on_message)
    app.conversation_update("membersAdded")(handlers.on_members_added)
    return handlers


class TeamsHandlers:
    def __init__(self, runtime: BotRuntime, desk: TeamsDesk | None = None):
        self.runtime = runtime
        self.desk = desk

    async def on_message(self, context: TurnContext, state: TurnState) -> None:
        """Personal chats always; channels and group chats when mentioned; choice clicks anywhere; the desk's
        buttons and staff replies in escalation threads first."""
        activity = context.activity
        if self.desk is not None and await self.desk.on_message(context, _plain(_without_mention(activity))):
            return
        payload = chosen_payload(activity.value)
        if payload is None and _in_group(activity) and not _mentions_bot(activity):
            return
        text = _plain(_without_mention(activity))
        message = Message(
            text=text,
            payload=payload,
            channel=NAME,
            sender_id=_sender(activity),
            metadata={"teams_conversation_type": _conversation_type(activity) or "personal"},
            language=_locale(activity),
        )
        try:
            reply = await self.runtime.answer(message, TeamsChannel)
        except Problem as problem:  # still starting: say so in the chat rather than stay silent
            await context.send_activity(problem.message)
            return
        await context.send_activity(card_activity(*reply_message(reply)))

    async def on_members_added(self, context: TurnContext, state: TurnState) -> None:
        """A welcome when the bot itself is added; people joining a team or a chat are not greeted."""
        activity = context.activity
        bot = activity.recipient
        if not bot or not any(member.id == bot.id for member in activity.members_added or []):
            return
        topics = topic_choices(self.runtime.content)
        summary, card = welcome_message(self.runtime.clinic.name, bot.name, _in_group(activity), topics)
        await context.send_activity(card_activity(summary, card))


class TeamsChannel(Channel):
    """The bot's own Teams app at ``POST /api/messages``."""

    name = NAME
    label = "Microsoft Teams"
    token_provider_factory: ProviderFactory = MsalAuth
    """Where outbound tokens come from (``teams_auth``, seam 2). Tests replace it with a local provider."""
    token_timeout_seconds: float = TOKEN_TIMEOUT_SECONDS
    """How long an outbound token may take (MSAL, run off the event loop) before the reply is a 502."""

    def __init__(self, runtime: BotRuntime, teams: TeamsSettings, prefix: str = ""):
        super().__init__(runtime, prefix)
        self.teams = teams
        self.auth_config = auth_configuration(teams)
        self.validator = token_validator(self.auth_config, teams.jwks_url or None)
        self.checks = TokenChecks()
        self.service_hosts = frozenset(teams.service_hosts)
        manager = connections(self.auth_config, type(self).token_provider_factory, type(self).token_timeout_seconds)
        self.adapter = CloudAdapter(connection_manager=manager)
        self.adapter.on_turn_error = None  # errors reach the server's wrapper: logged there, never sent to a chat
        self.storage = MemoryStorage()  # the SDK's turn state; the bot keeps none of its own there
        self.agent = AgentApplication[TurnState](
            ApplicationOptions(storage=self.storage, start_typing_timer=False, remove_recipient_mention=False),
            connection_manager=manager,
        )
        self.desk: TeamsDesk | None = None
        if teams.staff_channel and teams.client_id:  # posting into a channel needs the bot's own identity
            config = runtime.services.config
            self.desk = TeamsDesk(
                runtime.desk,
                self.adapter,
                teams.client_id,
                teams.staff_channel,
                runtime.store,
                config.staff_names,
                round(config.handoff_timeout_seconds / 60),
            )
            runtime.desk.add_side(self.desk)
            runtime.add_escalation_sink(self.desk.escalate)
        self.handlers = register(self.agent, runtime, self.desk)
        unhandled = (ActivityTypes.message, ActivityTypes.invoke)
        self.agent.add_route(lambda context: context.activity.type not in unhandled, _acknowledge, rank=RouteRank.LAST)

    @classmethod
    def configured(cls, settings: Settings) -> bool:
        return settings.teams is not None

    @classmethod
    def from_settings(cls, runtime: BotRuntime, settings: Settings, prefix: str = "") -> Self:
        teams = settings.teams  # raises SettingsError when a client id lacks its secret or tenant
        if teams is None:
            raise SettingsError(f"Teams is not configured: set {CLIENT_ID}")
        return cls(runtime, teams, prefix)

    def routes(self) -> list[Route]:
        return [Route("POST", self.path(MESSAGES_PATH), self.messages)]

    async def start(self) -> None:
        s = self.teams
        if s.allow_anonymous_unsafe and s.client_id:
            log.warning(
                f"{ANONYMOUS} is on but has no effect: a client id is configured ({CLIENT_ID}), so "
                "Teams requests without a token are refused"
            )
        elif s.allow_anonymous_unsafe:
            log.warning(
                f"{ANONYMOUS} is on: {MESSAGES_PATH} accepts requests with no token and replies to "
                "whatever serviceUrl they name. Local development only; never expose this server"
            )
        if s.jwks_url:
            log.warning(
                "teams tokens are checked against the key set at BOTOX_BOT_TEAMS_JWKS_URL, not Microsoft's",
                extra={"jwks_url": s.jwks_url},
            )

    async def stop(self) -> None:
        self.checks.close()

    async def messages(self, request: web.Request) -> web.StreamResponse:
        """Token, then body, then the SDK's turn; 202 once the reply (if any) has been sent."""
        try:
            identity = await authorize(request, self.validator, self.checks)
        except Problem as problem:
            self.runtime.metrics.rejected.labels(NAME, problem.code).inc()
            raise
        activity = await _read_activity(request)
        anonymous = not identity.claims  # the unsafe local mode: no token, and no outbound token to take either
        if not anonymous and not may_reply_to(identity.claims, activity.service_url, self.service_hosts):
            self.runtime.metrics.rejected.labels(NAME, "service_url").inc()
            raise unauthorized("bad_token", "the token does not allow replies to this activity's serviceUrl")
        if self.desk is not None:
            await self.desk.learn(activity)  # the staff channel's address, for posting escalations there
        request["claims_identity"] = identity  # where the SDK's adapter reads it (as its own decorator leaves it)
        try:
            response = await start_agent_process(request, self.agent, self.adapter)
        except (TimeoutError, aiohttp.ClientError, TokenUnavailable) as exc:  # the Bot Connector did not take the reply
            self.runtime.metrics.rejected.labels(NAME, "reply_not_delivered").inc()
            log.error("teams reply not delivered", extra={"error": type(exc).__name__})
            raise Problem(502, "reply_not_delivered", "the answer could not be sent to the Bot Connector") from None
        if response is None:  # the SDK had nothing to say about it: received
            return web.Response(status=202)
        if response.status == 501 and activity.type == ActivityTypes.invoke:
            return web.Response(status=200)  # an invoke the bot has no use for: acknowledged, as other activities
        if response.status >= 400:  # the SDK's own refusal, in the bot's error shape
            code, message = _SDK_REFUSALS.get(response.status, ("refused", "the Agents SDK refused this activity"))
            raise Problem(response.status, code, message)
        return response


def card_activity(summary: str, card: dict[str, Any]) -> Activity:
    """A message that is only the card; ``summary`` is the SDK's text for clients that cannot render cards."""
    return Activity(
        type=ActivityTypes.message,
        summary=summary,
        attachments=[Attachment(content_type=CARD_CONTENT_TYPE, content=card)],
    )


async def _read_activity(request: web.Request) -> Activity:
    """The body as an ``Activity``, or a 400 that says what is wrong (the SDK would answer a 500 instead).

    aiohttp keeps the body it read, so the SDK's own ``request.json()`` reads the same bytes again; the
    application's ``client_max_size`` bounds it (413 beyond).
    """
    require_json(request)
    data = parse_json(await request.read())  # deep nesting, huge numbers, bad JSON: a 400 already
    parse_model(_Envelope, data)
    try:
        return Activity.model_validate(data)
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in err["loc"]) or "body" for err in exc.errors()})
        raise Problem(400, "invalid_activity", "not a Bot Framework activity: check " + ", ".join(fields)) from None


async def _acknowledge(context: TurnContext, state: TurnState) -> None:
    """Typing, reactions, installation updates, edits...: received, nothing to say."""


def _conversation_type(activity: Activity) -> str | None:
    return activity.conversation.conversation_type if activity.conversation else None


def _in_group(activity: Activity) -> bool:
    return _conversation_type(activity) in GROUP_CONVERSATIONS


def _mentions_bot(activity: Activity) -> bool:
    bot = activity.recipient.id if activity.recipient else None
    return any(m.mentioned and m.mentioned.id == bot for m in activity.get_mentions())


def _without_mention(activity: Activity) -> str:
    """The text with the bot's mention removed, as the SDK removes it (by the mention's text, else its name)."""
    try:
        return activity.remove_recipient_mention()
    except TypeError:  # a mention of the bot with neither text nor name: nothing to find in the text
        return activity.text or ""


def _plain(text: str) -> str:
    """Teams text as typed: entities decoded, non-breaking spaces (left around mentions) made plain."""
    return _SPACES.sub(" ", html.unescape(text or "")).strip()


def _locale(activity: Activity) -> str | None:
    """The Teams client's locale ("es-MX"), as the message's channel language: the engine still answers in the
    language a message is written in, and uses this only for a message too short to tell ("ok")."""
    locale = activity.locale
    return locale if isinstance(locale, str) and 0 < len(locale) <= 35 else None


def _sender(activity: Activity) -> str:
    """``tenant:user``, the user by Entra object id when Teams gives one (it is the same in every chat)."""
    tenant = activity.conversation.tenant_id if activity.conversation else None
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = tenant or (data["tenant"].get("id") if isinstance(data.get("tenant"), dict) else None)
    user = activity.from_property
    return f"{tenant or '-'}:{(user.aad_object_id or user.id) if user else '-'}"
