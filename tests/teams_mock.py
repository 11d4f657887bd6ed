"""Microsoft's side of the wire, on 127.0.0.1, for tests: a signing key set, the Bot Connector, activities.

Nothing here reaches Microsoft. ``KeySet`` is an RSA key made for the test run, served as a JWKS by
``KeySetServer`` (the bot is pointed at it with ``BOTOX_BOT_TEAMS_JWKS_URL``) and used to sign tokens the way
the Bot Connector signs them. ``ConnectorMock`` answers the Bot Connector REST calls the bot makes to reply
(``POST {serviceUrl}/v3/conversations/{conversationId}/activities[/{activityId}]``) and records each one, with
its ``Authorization`` header. ``TokenProviderMock`` stands in for MSAL (``TeamsChannel.token_provider_factory``)
and records what it was asked for. The activity builders copy the shapes Microsoft documents:

- activities and the Bot Connector REST API (``learn.microsoft.com/azure/bot-service/rest-api/``):
  bot-framework-rest-connector-api-reference
- the tokens the Bot Connector sends (issuer, audience, ``serviceurl``): same place,
  bot-framework-rest-connector-authentication
- Teams messages, mentions, channel data, conversation updates (``learn.microsoft.com/microsoftteams/platform/``):
  bots/how-to/conversations/conversation-messages, .../channel-and-group-conversations,
  .../subscribe-to-conversation-events
- Adaptive Card ``Action.Submit`` clicks, a message whose ``value`` is the action's data (same place):
  task-modules-and-cards/cards/cards-actions
"""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

CLIENT_ID = "7c1f3b2a-4d5e-4f60-8a9b-0c1d2e3f4a5b"
TENANT_ID = "4e2d1c0b-9a8f-4e7d-b6c5-a4b3c2d1e0f9"
BOT_ID = f"28:{CLIENT_ID}"
BOT_NAME = "Botox Bot"
USER_ID = "29:1xQpZ3mNl8rT6vWk2yBd9cFg4hJs7aEu0oIq5"
USER_AAD = "5d6e7f80-1a2b-4c3d-9e8f-a0b1c2d3e4f5"
ISSUER = "https://api.botframework.com"
OUTBOUND_TOKEN = "outbound-token-from-the-mock-provider"
PERSONAL_CONVERSATION = "a:1mZxVq8WnT3kLp0oR6sYdUeHjG5fCb2Ai9"
CHANNEL = "19:5c1a8f2e0b7d4c3a9e6f1b2d8a7c4e3f@thread.tacv2"
TEAM = "19:0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d@thread.tacv2"
GROUP_CHAT = "19:meeting_6d3a1f0e9b2c4d8a7f5e3c1b0a9d8e7f@thread.v2"

_ids = itertools.count(1)
_BASE = int(time.time() * 1000)


def next_id() -> str:
    """A Teams message id (milliseconds since the epoch, as a string), unique within the test run."""
    return str(_BASE + next(_ids))


async def _start(app: web.Application) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, runner.addresses[0][1]


class _Server:
    def __init__(self, app: web.Application):
        self._app, self._runner, self.port = app, None, 0

    async def __aenter__(self):
        self._runner, self.port = await _start(self._app)
        return self

    async def __aexit__(self, *exc) -> None:
        await self._runner.cleanup()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


# -- signing ---------------------------------------------------------------------------------------
class KeySet:
    """An RSA key pair made for this run, with a key id, as the Bot Connector's signing keys are."""

    def __init__(self, kid: str | None = None):
        self.kid = kid or uuid.uuid4().hex[:27]
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwk(self) -> dict[str, Any]:
        key = RSAAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        return {**key, "kid": self.kid, "use": "sig", "alg": "RS256", "endorsements": ["msteams"]}

    def token(self, service_url: str, **overrides: Any) -> str:
        """A token as the Bot Connector sends it; ``overrides`` change claims (``None`` removes one)."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "serviceurl": service_url,
            "nbf": now - 5,
            "exp": now + 3600,
            "iat": now - 5,
            "iss": ISSUER,
            "aud": CLIENT_ID,
        }
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(claims, self.private_key, algorithm="RS256", headers={"kid": self.kid, "typ": "JWT"})


class KeySetServer(_Server):
    """``GET /v1/.well-known/keys``: the key set, in the shape login.botframework.com serves it."""

    def __init__(self, *keys: KeySet):
        self.keys = list(keys)
        self.fetches = 0
        app = web.Application()
        app.router.add_get("/v1/.well-known/keys", self._keys)
        super().__init__(app)

    @property
    def url(self) -> str:
        return f"{self.base}/v1/.well-known/keys"

    async def _keys(self, request: web.Request) -> web.Response:
        self.fetches += 1
        return web.json_response({"keys": [k.jwk() for k in self.keys]})


# -- the Bot Connector -----------------------------------------------------------------------------
class ConnectorMock(_Server):
    """The Bot Connector service under ``/amer/`` (as Teams' ``serviceUrl`` is ``.../amer/``).

    Records each call as ``{"conversation", "reply_to", "activity", "authorization"}``; ``fail`` makes it answer
    500, as the service does when it is down.
    """

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.fail = False
        app = web.Application()
        app.router.add_post("/amer/v3/conversations/{conversation}/activities/{activity}", self._post)
        app.router.add_post("/amer/v3/conversations/{conversation}/activities", self._post)
        super().__init__(app)

    @property
    def service_url(self) -> str:
        return f"{self.base}/amer/"

    async def _post(self, request: web.Request) -> web.Response:
        if self.fail:
            return web.json_response({"error": {"code": "ServiceError", "message": "down"}}, status=500)
        self.calls.append(
            {
                "conversation": request.match_info["conversation"],
                "reply_to": request.match_info.get("activity"),
                "activity": await request.json(),
                "authorization": request.headers.get("Authorization"),
            }
        )
        return web.json_response({"id": next_id()}, status=201)

    async def wait_for(self, count: int = 1, timeout: float = 5) -> list[dict[str, Any]]:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(self.calls) < count:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"expected {count} call(s) to the Bot Connector; got {self.calls}")
            await asyncio.sleep(0.02)
        return self.calls


class TokenProviderMock:
    """MSAL's stand-in: hands out a fixed token and records ``(resource, scopes)`` for each request.

    ``factory`` has the shape of ``TeamsChannel.token_provider_factory``: configuration in, provider out.
    """

    def __init__(self) -> None:
        self.requests: list[tuple[str, list[str]]] = []
        self.configurations: list[Any] = []

    def factory(self, configuration):
        from microsoft_agents.hosting.core.authorization import AccessTokenProviderBase

        mock = self
        self.configurations.append(configuration)

        class Provider(AccessTokenProviderBase):
            @property
            def configuration(self):
                return configuration

            async def get_access_token(self, resource_url: str, scopes: list[str], force_refresh: bool = False) -> str:
                mock.requests.append((resource_url, list(scopes)))
                return OUTBOUND_TOKEN

            def get_token_credential(self):
                raise NotImplementedError("not used by the bot")

        return Provider()


# -- activities ------------------------------------------------------------------------------------
def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _common(
    type: str, service_url: str, conversation: dict[str, Any], channel_data: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    return {
        "type": type,
        "id": next_id(),
        "timestamp": _now(),
        "localTimestamp": datetime.now().astimezone().isoformat(timespec="milliseconds"),
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {"id": USER_ID, "name": "Amy Nurse", "aadObjectId": USER_AAD},
        "conversation": conversation,
        "recipient": {"id": BOT_ID, "name": BOT_NAME},
        "channelData": channel_data,
        "locale": "en-US",
        "localTimezone": "America/New_York",
        **extra,
    }


def _client_info() -> dict[str, Any]:
    return {"locale": "en-US", "country": "US", "platform": "Web", "timezone": "America/New_York", "type": "clientInfo"}


def personal_conversation() -> dict[str, Any]:
    return {"conversationType": "personal", "tenantId": TENANT_ID, "id": PERSONAL_CONVERSATION}


def channel_conversation(thread: str | None = None) -> dict[str, Any]:
    """A channel thread: Teams puts the thread's root message id in the conversation id."""
    return {
        "isGroup": True,
        "conversationType": "channel",
        "tenantId": TENANT_ID,
        "id": f"{CHANNEL};messageid={thread or next_id()}",
        "name": "Front desk",
    }


def group_chat_conversation() -> dict[str, Any]:
    return {"isGroup": True, "conversationType": "groupChat", "tenantId": TENANT_ID, "id": GROUP_CHAT}


def channel_data(conversation: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {"tenant": {"id": TENANT_ID}}
    if conversation["conversationType"] == "channel":
        data.update(
            teamsChannelId=CHANNEL,
            teamsTeamId=TEAM,
            channel={"id": CHANNEL},
            team={"id": TEAM, "name": "Riverside Skin"},
        )
    return data


def message(
    text: str, service_url: str, conversation: dict[str, Any] | None = None, mention: bool = False, value: Any = None
) -> dict[str, Any]:
    """A message; ``mention`` puts ``<at>Botox Bot</at> `` in front with its mention entity."""
    conversation = conversation or personal_conversation()
    entities = [_client_info()]
    if mention:
        at = f"<at>{BOT_NAME}</at>"
        text = f"{at} {text}"
        entities.insert(0, {"type": "mention", "mentioned": {"id": BOT_ID, "name": BOT_NAME}, "text": at})
    activity = _common(
        "message",
        service_url,
        conversation,
        channel_data(conversation),
        text=text,
        textFormat="plain",
        attachments=[],
        entities=entities,
    )
    if value is not None:
        activity["value"] = value
    return activity


def card_click(
    data: dict[str, Any], title: str, service_url: str, card_id: str, conversation: dict[str, Any] | None = None
) -> dict[str, Any]:
    """An ``Action.Submit`` click with ``msteams`` ``messageBack``: text is its ``text``, value is its data."""
    activity = message(title, service_url, conversation, value=data)
    activity["replyToId"] = card_id
    return activity


def bot_added(service_url: str, conversation: dict[str, Any] | None = None) -> dict[str, Any]:
    """The ``conversationUpdate`` Teams sends when the bot is added (to a team, a chat, or personally)."""
    conversation = conversation or channel_conversation()
    data = channel_data(conversation)
    if conversation["conversationType"] == "channel":
        conversation = {**conversation, "id": CHANNEL}  # the team's General channel, no thread
        data["eventType"] = "teamMemberAdded"
    return _common("conversationUpdate", service_url, conversation, data, membersAdded=[{"id": BOT_ID}])


def member_added(service_url: str) -> dict[str, Any]:
    """A person (not the bot) joined the team."""
    data = {**channel_data(channel_conversation()), "eventType": "teamMemberAdded"}
    conversation = {**channel_conversation(), "id": CHANNEL}
    return _common(
        "conversationUpdate",
        service_url,
        conversation,
        data,
        membersAdded=[{"id": "29:1NewPersonId", "aadObjectId": str(uuid.uuid4())}],
    )


def other_activities(service_url: str) -> list[dict[str, Any]]:
    """Activities the bot receives but does not answer."""
    personal = personal_conversation()
    channel = channel_conversation()
    return [
        _common("typing", service_url, personal, channel_data(personal)),
        _common(
            "messageReaction",
            service_url,
            channel,
            channel_data(channel),
            reactionsAdded=[{"type": "like"}],
            replyToId=next_id(),
        ),
        _common("installationUpdate", service_url, personal, channel_data(personal), action="add"),
        _common(
            "messageUpdate",
            service_url,
            channel,
            {**channel_data(channel), "eventType": "editMessage"},
            text="edited text",
            textFormat="plain",
        ),
        _common(
            "conversationUpdate",
            service_url,
            {**channel, "id": CHANNEL},
            {
                **channel_data(channel),
                "eventType": "channelRenamed",
                "channel": {"id": CHANNEL, "name": "Front desk (new)"},
            },
        ),
    ]
