"""Slack: mentions, DMs, thread follow-ups, the ``/botox`` command, buttons, Socket Mode, staff escalations.

slack-bolt does the Slack side (signature check, URL verification, acks, retries of its own, the Web API
client); this module only turns Slack payloads into ``Message`` and a ``Reply`` into Block Kit. Bolt acks an
event before its listener runs, so Slack's 3-second limit holds however long a Web API call takes; slash
commands are answered inside the ack, because answering takes well under a millisecond. The one Web API call
Bolt would make before an ack, ``auth.test`` (who the bot is), is made at start-up instead and kept.

``register`` adds the listeners to any Bolt ``AsyncApp``: a clinic with its own Slack app uses the bot as a
plugin. ``SlackChannel`` is the bot's own app, mounted at ``POST /slack/events``, or connected over Socket
Mode when ``SLACK_APP_TOKEN`` is set.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
from typing import TYPE_CHECKING, Any, Self

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from botox_bot.channels.base import Channel, Route
from botox_bot.channels.slack.blocks import (
    FEEDBACK_ACTIONS,
    HAND_BACK,
    TAKE_OVER,
    escalation_blocks,
    help_blocks,
    reply_blocks,
)
from botox_bot.channels.slack.desk import SlackDesk
from botox_bot.core.models import Message
from botox_bot.escalation import Escalation, RetryLater
from botox_bot.runtime import BotRuntime
from botox_bot.server.errors import Problem
from botox_bot.settings import Settings, SettingsError, SlackSettings

if TYPE_CHECKING:
    from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

log = logging.getLogger("botox_bot.slack")

EVENTS_PATH = "/slack/events"
COMMAND = "/botox"
NAME = "slack"
EVENT_TTL_SECONDS = 3600  # Slack retries an event for minutes, not hours
THREAD_TTL_SECONDS = 7 * 86400  # a thread the bot answered in stays open to follow-ups for a week
_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")


def register(app: AsyncApp, runtime: BotRuntime, command: str = COMMAND, desk: SlackDesk | None = None) -> None:
    """Add the bot's listeners to a Bolt ``AsyncApp`` (the bot's own, or a clinic's); with ``desk``, the staff
    channel's "Take over" / "Hand back" buttons and replies in escalation threads."""
    listeners = SlackListeners(runtime, command, desk)
    app.middleware(listeners.once_per_event)
    if desk is not None:
        app.action(TAKE_OVER)(desk.on_take_over)
        app.action(HAND_BACK)(desk.on_hand_back)
    app.event("app_mention")(listeners.on_mention)
    app.event("message")(listeners.on_message)
    app.command(command)(listeners.on_command)
    app.action(re.compile(r"^botox_choice_\d+$"))(listeners.on_choice)
    app.action(re.compile(r"^botox_feedback_(?:yes|no)$"))(listeners.on_feedback)


class SlackListeners:
    def __init__(self, runtime: BotRuntime, command: str, desk: SlackDesk | None = None):
        self.runtime = runtime
        self.command = command
        self.desk = desk

    # -- once per event ------------------------------------------------------------------------------
    async def once_per_event(self, body: dict[str, Any], next) -> BoltResponse | None:
        """Slack redelivers an event it thinks was lost (X-Slack-Retry-Num): answer each ``event_id`` once."""
        event_id = body.get("event_id") if isinstance(body, dict) else None
        if event_id and not await self.runtime.store.claim(f"slack:event:{event_id}", EVENT_TTL_SECONDS):
            log.info("slack event already handled", extra={"event_id": event_id})
            return BoltResponse(status=200, body="")
        await next()
        return None

    # -- events --------------------------------------------------------------------------------------
    async def on_mention(self, event: dict[str, Any], context, client: AsyncWebClient) -> None:
        """A mention in a channel: answered in a thread under it (or in the thread it was written in)."""
        if not _well_formed(event):
            return
        if self.desk is not None and await self.desk.is_case_thread(event):
            return  # a staff reply in an escalation thread: on_message relays it to the patient
        thread = event.get("thread_ts") or event["ts"]
        # open to follow-ups before answering, so a quick reply to the answer is never missed
        await self.runtime.store.set_context(
            self._thread_key(event["channel"], thread), {"open": True}, THREAD_TTL_SECONDS
        )
        await self._answer_event(event, context, client, thread)

    async def on_message(self, event: dict[str, Any], context, client: AsyncWebClient) -> None:
        """DMs, and replies in threads the bot answered in. Bots, edits and the bot itself are ignored."""
        if event.get("subtype") or event.get("bot_id") or event.get("user") in (None, context.bot_user_id):
            return
        if not _well_formed(event):
            return
        if event.get("channel_type") == "im":
            await self._answer_event(event, context, client, event.get("thread_ts"))
            return
        if self.desk is not None and await self.desk.on_thread_reply(_unmentioned(event, context.bot_user_id)):
            return  # a reply for the patient whose conversation this escalation thread is
        thread = event.get("thread_ts")
        if not thread or f"<@{context.bot_user_id}>" in (event.get("text") or ""):
            return  # not a thread follow-up, or a mention (the app_mention listener answers that one)
        if await self.runtime.store.get_context(self._thread_key(event["channel"], thread)):
            await self._answer_event(event, context, client, thread)

    async def _answer_event(self, event: dict[str, Any], context, client: AsyncWebClient, thread: str | None) -> None:
        text = html.unescape(_MENTION.sub(" ", event.get("text") or "")).strip()
        sender = self._sender(context, event.get("user"))
        message = Message(text=text, sender_id=sender, channel=NAME, metadata={"slack_channel": event["channel"]})
        reply = await self.runtime.answer(message, SlackChannel)
        await client.chat_postMessage(
            channel=event["channel"], thread_ts=thread, text=reply.text, blocks=reply_blocks(reply), unfurl_links=False
        )

    # -- the slash command ---------------------------------------------------------------------------
    async def on_command(self, ack, command: dict[str, Any], context) -> None:
        """``/botox <question>``, ``/botox share <question>``, ``/botox <topic>``, ``/botox help``."""
        text = (command.get("text") or "").strip()
        share = text.lower().startswith("share ")
        if share:
            text = text[len("share ") :].strip()
        if text.lower() in {"", "help", "?"}:
            content = self.runtime.content
            help_text, blocks = help_blocks(self.command, content.topics if content else [])
            await ack(response_type="ephemeral", text=help_text, blocks=blocks)
            return
        topic = self._topic(text)
        message = Message(
            text=text,
            payload=f"/{topic}" if topic else None,
            channel=NAME,
            sender_id=self._sender(context, command.get("user_id")),
        )
        try:
            reply = await self.runtime.answer(message, SlackChannel)
        except Problem as problem:  # still starting: say so rather than fail the command
            await ack(response_type="ephemeral", text=problem.message)
            return
        await ack(response_type="in_channel" if share else "ephemeral", text=reply.text, blocks=reply_blocks(reply))

    # -- buttons -------------------------------------------------------------------------------------
    async def on_choice(
        self, ack, body: dict[str, Any], action: dict[str, Any], context, client: AsyncWebClient, respond
    ) -> None:
        """A choice clicked: that topic's answer, in the same thread (or privately, under a /botox answer)."""
        await ack()
        title = (action.get("text") or {}).get("text", "")
        sender = self._sender(context, body["user"]["id"])
        message = Message(text=title, payload=action.get("value"), channel=NAME, sender_id=sender)
        reply = await self.runtime.answer(message, SlackChannel)
        clicked = body.get("message")  # the Slack message the button was on
        if (body.get("container") or {}).get("is_ephemeral") or not clicked or not body.get("channel"):
            await respond(
                text=reply.text, blocks=reply_blocks(reply), response_type="ephemeral", replace_original=False
            )
            return
        thread = clicked.get("thread_ts") or (None if body["channel"]["id"].startswith("D") else clicked["ts"])
        await client.chat_postMessage(
            channel=body["channel"]["id"],
            thread_ts=thread,
            text=reply.text,
            blocks=reply_blocks(reply),
            unfurl_links=False,
        )

    async def on_feedback(self, ack, body: dict[str, Any], action: dict[str, Any], context, respond) -> None:
        """Helpful / not helpful: counted per intent (metrics, the store, the weekly digest); with the review loop
        on, a "not helpful" answer's question is kept for review."""
        await ack()
        intent = action.get("value") or "unknown"
        if intent not in self.runtime.known_intents:
            intent = "unknown"  # a forged value must not grow the metrics without bound
        helpful = FEEDBACK_ACTIONS[action["action_id"]] == "yes"
        sender = self._sender(context, (body.get("user") or {}).get("id"))
        await self.runtime.feedback(SlackChannel, sender, intent, helpful)
        await respond(text="Thanks for the feedback.", response_type="ephemeral", replace_original=False)

    # -- helpers -------------------------------------------------------------------------------------
    def _topic(self, text: str) -> str | None:
        """``/botox duration``, ``how-it-works`` or ``how long it lasts``: a topic named as the content names it."""
        content = self.runtime.content
        if content is None:
            return None
        wanted = " ".join(text.lower().replace("_", " ").replace("-", " ").split())
        for topic in content.topics:
            if wanted in (topic.replace("_", " "), content.title(topic).lower()):
                return topic
        return None

    @staticmethod
    def _sender(context, user: str | None) -> str:
        return f"{context.team_id or '-'}:{user or '-'}"

    @staticmethod
    def _thread_key(channel: str, thread: str) -> str:
        return f"slack:thread:{channel}:{thread}"


def _unmentioned(event: dict[str, Any], bot_user_id: str | None) -> dict[str, Any]:
    """The event with the bot's mention taken out of its text (staff may mention the bot in a thread)."""
    text = event.get("text") or ""
    if bot_user_id:
        text = text.replace(f"<@{bot_user_id}>", " ")
    return {**event, "text": html.unescape(" ".join(text.split()))}


def _retry_after(headers: Any) -> float:
    """Slack's ``Retry-After`` (seconds); 1 s when it is missing or not a number."""
    values = {str(k).lower(): v for k, v in dict(headers or {}).items()}
    raw = values.get("retry-after")
    raw = raw[0] if isinstance(raw, list) and raw else raw
    try:
        return max(0.0, float(raw))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 1.0


def _well_formed(event: dict[str, Any]) -> bool:
    """The fields the listeners rely on, with the types Slack sends; anything else is dropped, logged."""
    ok = (
        isinstance(event.get("channel"), str)
        and isinstance(event.get("ts"), str)
        and isinstance(event.get("text", ""), str)
        and isinstance(event.get("thread_ts", ""), str)
    )
    if not ok:
        log.warning("slack event without the fields a message has; ignored", extra={"type": event.get("type")})
    return ok


class _NoTokenWarning(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN itself and warns that our client (which carries it) wins: noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        return "`token` will be unused" not in text and "(or SLACK_BOT_TOKEN env variable) will be ignored" not in text


class SlackChannel(Channel):
    """The bot's own Slack app: HTTP events at ``/slack/events`` and/or Socket Mode, and staff escalations."""

    name = NAME
    label = "Slack"

    def __init__(self, runtime: BotRuntime, slack: SlackSettings, prefix: str = ""):
        super().__init__(runtime, prefix)
        self.slack = slack
        base_url = slack.api_base_url or AsyncWebClient.BASE_URL
        self.client = AsyncWebClient(token=slack.bot_token.get_secret_value(), base_url=base_url)
        signing_secret = slack.signing_secret.get_secret_value() if slack.signing_secret else None
        bolt_log = logging.getLogger("botox_bot.slack.bolt")
        bolt_log.addFilter(_NoTokenWarning())
        self._identity: dict[str, Any] | None = None  # auth.test's answer: the bot's user id, team, bot id
        self._identifying: asyncio.Task[dict[str, Any]] | None = None
        self._warming: asyncio.Task[None] | None = None
        self.bolt = AsyncApp(
            client=self.client,
            signing_secret=signing_secret or "",
            request_verification_enabled=signing_secret is not None,
            logger=bolt_log,
            authorize=self._authorizer(),
        )
        self.desk: SlackDesk | None = None
        if slack.staff_channel:
            config = runtime.services.config
            self.desk = SlackDesk(
                runtime.desk,
                self.client,
                slack.staff_channel,
                config.staff_names,
                round(config.handoff_timeout_seconds / 60),
            )
            runtime.desk.add_side(self.desk)
        register(self.bolt, runtime, desk=self.desk)
        self.verifier = SignatureVerifier(signing_secret) if signing_secret else None
        self._socket_mode: AsyncSocketModeHandler | None = None
        if slack.staff_channel:
            runtime.add_escalation_sink(self.escalate)

    @classmethod
    def configured(cls, settings: Settings) -> bool:
        return settings.slack is not None

    @classmethod
    def from_settings(cls, runtime: BotRuntime, settings: Settings, prefix: str = "") -> Self:
        if settings.slack is None:
            raise SettingsError(
                "Slack is not configured: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET or SLACK_APP_TOKEN"
            )
        return cls(runtime, settings.slack, prefix)

    def routes(self) -> list[Route]:
        if not self.slack.signing_secret:
            return []  # Socket Mode only: no public URL
        return [Route("POST", self.path(EVENTS_PATH), self.events)]

    async def events(self, request: web.Request) -> web.Response:
        """Events, slash commands and interactivity, all on one URL as Slack expects."""
        # Bolt parses the body as it builds its request, before its own signature check, and some bodies crash
        # that parsing; so the signature is checked here first (the same check, slack_sdk's), and a signed body
        # Bolt cannot read is a 400. Bolt's own check stays on behind this one.
        try:
            body = (await request.read()).decode("utf-8")  # Slack sends UTF-8; anything else is not Slack
        except UnicodeDecodeError:
            raise Problem(400, "invalid_body", "the body is not UTF-8 text") from None
        if not self._signed(body, request):
            raise Problem(401, "bad_signature", "the Slack signature is missing, wrong or stale")
        try:
            bolt_request = await to_bolt_request(request)
        except Exception:
            log.warning("slack body not understood", exc_info=True)
            raise Problem(400, "invalid_body", "the body is not a Slack request") from None
        response = await self.bolt.async_dispatch(bolt_request)
        if response.status >= 500:  # Bolt's middleware chokes on a payload of a shape Slack never sends
            log.warning("slack request not understood", extra={"bolt_status": response.status})
            raise Problem(400, "invalid_body", "the body is not a Slack request Bolt can handle")
        return await to_aiohttp_response(response)

    def _signed(self, body: str, request: web.Request) -> bool:
        if self.verifier is None:
            return True
        try:
            return self.verifier.is_valid_request(body, dict(request.headers))
        except (ValueError, TypeError):  # a timestamp that is not a number; a signature that is not ASCII
            return False

    # -- who the bot is: auth.test once, at start-up, not before the first event's ack -----------------------
    def _authorizer(self):
        """Bolt's authorization for every request, from the identity fetched at start-up (Bolt alone calls
        auth.test inline on the first event, before acking it: 5 s of a slow Slack API past Slack's 3 s).

        A plain function: Bolt passes arguments by the names it finds in the signature."""
        token = self.slack.bot_token.get_secret_value()

        async def authorize(enterprise_id: str | None = None, user_id: str | None = None) -> AuthorizeResult:
            identity = await self._bot_identity()
            return AuthorizeResult(
                enterprise_id=identity.get("enterprise_id") or enterprise_id,
                team_id=identity.get("team_id"),
                bot_id=identity.get("bot_id"),
                bot_user_id=identity.get("user_id"),
                bot_token=token,
                user_id=user_id,
            )

        return authorize

    async def _bot_identity(self) -> dict[str, Any]:
        if self._identity is None:
            if self._identifying is None or (self._identifying.done() and self._identifying.exception()):
                self._identifying = asyncio.create_task(self._auth_test(), name="botox-bot slack auth.test")
            self._identity = await asyncio.shield(self._identifying)
        return self._identity

    async def _auth_test(self) -> dict[str, Any]:
        response = await self.client.auth_test()
        return dict(response.data) if isinstance(response.data, dict) else {}

    def _identify_in_background(self) -> None:
        """Start-up does not wait on Slack (other channels answer meanwhile); a failure is retried on first use."""

        async def identify() -> None:
            try:
                await self._bot_identity()
            except Exception as exc:  # Slack unreachable at start-up: the first event tries again
                log.warning(
                    "slack auth.test failed at start-up; retried on the first event",
                    extra={"error": type(exc).__name__},
                )

        self._warming = asyncio.create_task(identify(), name="botox-bot slack identity")

    async def start(self) -> None:
        self._identify_in_background()
        if not self.slack.app_token:
            return
        from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

        web_client = AsyncWebClient(base_url=self.client.base_url)
        self._socket_mode = AsyncSocketModeHandler(
            self.bolt, self.slack.app_token.get_secret_value(), web_client=web_client
        )
        await self._socket_mode.connect_async()
        log.info("slack socket mode connected")

    async def stop(self) -> None:
        if self._warming is not None and not self._warming.done():
            self._warming.cancel()
        if self._socket_mode is not None:
            await self._socket_mode.close_async()

    async def escalate(self, item: Escalation) -> None:
        """The staff channel's sink (added only when one is set). Slack's ``ratelimited`` (HTTP 429) and a Slack
        that cannot be reached are ``RetryLater``: the escalation workers wait (``Retry-After``) and try again."""
        if not self.slack.staff_channel:
            return
        text, blocks = escalation_blocks(item)
        try:
            posted = await self.client.chat_postMessage(channel=self.slack.staff_channel, text=text, blocks=blocks)
        except SlackApiError as exc:
            response = exc.response
            if response.status_code == 429 or response.get("error") == "ratelimited":
                raise RetryLater(_retry_after(response.headers), "slack ratelimited") from None
            raise
        except (aiohttp.ClientConnectionError, TimeoutError) as exc:
            raise RetryLater(1.0, f"slack unreachable ({type(exc).__name__})") from None
        if self.desk is not None and item.conversation and item.summary is None and posted.get("ts"):
            await self.desk.escalated(item.conversation, self.slack.staff_channel, str(posted["ts"]))
