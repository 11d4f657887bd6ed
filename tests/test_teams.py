"""Teams over real HTTP on loopback, against a local key set and a mock Bot Connector (tests/teams_mock.py):
mounting, token checks (the real validation path, with keys served from 127.0.0.1), personal chats, channel
mentions, Adaptive Card replies (emergency heading, choices, consult prompt, sources), choice clicks, the
welcome, activities that are only acknowledged, malformed bodies, the unsafe anonymous mode, the app package.

Every token is signed with an RSA key made for the run; activities have the shapes Microsoft documents.
"""

from __future__ import annotations

import asyncio
import json
import logging
import struct
import time
import zipfile
import zlib

import pytest
from pydantic import SecretStr

from tests.conftest import CONSULT
from tests.teams_mock import (
    BOT_ID,
    BOT_NAME,
    CHANNEL,
    CLIENT_ID,
    OUTBOUND_TOKEN,
    PERSONAL_CONVERSATION,
    TENANT_ID,
    USER_AAD,
    USER_ID,
    ConnectorMock,
    KeySet,
    KeySetServer,
    TokenProviderMock,
    bot_added,
    card_click,
    channel_conversation,
    group_chat_conversation,
    member_added,
    message,
    other_activities,
)

PATH = "/api/messages"
CHOICE_QUESTION = "repeat treatment side effects"  # repeat_treatment first, safety second: the bot asks when told to
CLOSE = {"choice_margin": 1.0}  # every close call offers choices, whatever the model's exact scores
ADAPTIVE = "application/vnd.microsoft.card.adaptive"

# The SDK's adapter reads the caller's identity from request["claims_identity"], a string key; aiohttp warns
# about string keys (and ignores that warning itself outside pytest).
pytestmark = pytest.mark.filterwarnings("ignore::aiohttp.web.NotAppKeyWarning")


@pytest.fixture(scope="session")
def keys() -> KeySet:
    return KeySet()


@pytest.fixture
async def key_server(keys):
    async with KeySetServer(keys) as server:
        yield server


@pytest.fixture
async def connector():
    async with ConnectorMock() as mock:
        yield mock


@pytest.fixture
def tokens(monkeypatch) -> TokenProviderMock:
    from botox_bot.channels.teams import TeamsChannel

    mock = TokenProviderMock()
    monkeypatch.setattr(TeamsChannel, "token_provider_factory", mock.factory)
    return mock


@pytest.fixture
def teams(serve, key_server, connector, tokens):
    """Start the bot with Teams configured; the key set and the connector (set up first) outlive the app."""

    async def start(**overrides):
        conf = dict(
            teams_client_id=CLIENT_ID,
            teams_client_secret=SecretStr("client-secret"),
            teams_tenant_id=TENANT_ID,
            teams_jwks_url=key_server.url,
        )
        return await serve(**{**conf, **overrides})

    return start


async def post(client, activity, token=None, headers=None):
    auth = {"Authorization": f"Bearer {token}"} if token else {}
    return await client.post(PATH, json=activity, headers={**auth, **(headers or {})})


async def send(client, keys, connector, activity, count=1):
    """Deliver an activity with a valid token, check the ack, return the ``count``-th Bot Connector call."""
    response = await post(client, activity, keys.token(connector.service_url))
    assert response.status == 202, await response.text()
    calls = await connector.wait_for(count)
    return calls[count - 1]


def card_of(activity):
    (attachment,) = activity["attachments"]
    assert attachment["contentType"] == ADAPTIVE
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    return card


def texts(card):
    return [e["text"] for e in card["body"] if e["type"] == "TextBlock"]


def actions(card):
    return [a for e in card["body"] if e["type"] == "ActionSet" for a in e["actions"]]


# -- mounting and settings -----------------------------------------------------------------------------
async def test_mounted_only_with_a_client_id_or_the_unsafe_flag(serve, teams):
    client = await serve()
    assert (await client.post(PATH, json={})).status == 404
    assert "teams" not in (await (await client.get("/readyz")).json())["channels"]
    client = await teams()
    assert "teams" in (await (await client.get("/readyz")).json())["channels"]
    client = await serve(teams_allow_anonymous_unsafe=True)
    assert "teams" in (await (await client.get("/readyz")).json())["channels"]


def test_a_client_id_needs_its_secret_and_tenant(settings):
    from botox_bot.app import create_app
    from botox_bot.settings import SettingsError

    with pytest.raises(SettingsError, match="CLIENTSECRET and CONNECTIONS__SERVICE_CONNECTION__SETTINGS__TENANTID"):
        create_app(settings.model_copy(update={"teams_client_id": CLIENT_ID}))


async def test_without_a_key_set_url_the_sdks_own_validator_runs(serve, tokens):
    from microsoft_agents.hosting.core.authorization import JwtTokenValidator

    from botox_bot.app import CHANNELS

    client = await serve(teams_client_id=CLIENT_ID, teams_client_secret=SecretStr("s"), teams_tenant_id=TENANT_ID)
    (channel,) = [c for c in client.server.app[CHANNELS] if c.name == "teams"]
    assert type(channel.validator) is JwtTokenValidator
    config = channel.validator.configuration
    assert (config.CLIENT_ID, config.TENANT_ID, config.ANONYMOUS_ALLOWED, config.VALIDATE_ISSUER) == (
        CLIENT_ID,
        TENANT_ID,
        False,
        True,
    )
    # refused before any key is fetched, so this needs no network
    response = await client.post(PATH, json=message("hi", "https://smba.trafficmanager.net/amer/"))
    assert response.status == 401


# -- tokens ----------------------------------------------------------------------------------------------
async def test_no_token_is_refused(teams, connector):
    client = await teams()
    response = await post(client, message("how long does botox last?", connector.service_url))
    assert response.status == 401 and response.headers["WWW-Authenticate"] == "Bearer"
    body = await response.json()
    assert body["error"]["code"] == "missing_token" and body["request_id"]
    assert not connector.calls


@pytest.mark.parametrize(
    "claims, why",
    [
        ({"aud": "00000000-0000-0000-0000-000000000000"}, "another app's audience"),
        ({"exp": int(time.time()) - 3600, "nbf": int(time.time()) - 7200}, "expired"),
        ({"exp": None}, "no expiry"),
        ({"nbf": int(time.time()) + 3600}, "not valid yet"),
        ({"iss": "https://evil.example"}, "an issuer not on the allow-list"),
        (
            {
                "iss": f"https://login.microsoftonline.com/{TENANT_ID}/v2.0",
                "tid": "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9",
            },
            "a tenant that is not the issuer's",
        ),
    ],
)
async def test_bad_tokens_are_refused(teams, keys, connector, claims, why):
    client = await teams()
    response = await post(
        client, message("how long does botox last?", connector.service_url), keys.token(connector.service_url, **claims)
    )
    assert response.status == 401, why
    assert (await response.json())["error"]["code"] == "bad_token"
    assert not connector.calls


async def test_a_token_signed_by_a_key_the_key_set_does_not_have_is_refused(teams, connector):
    client = await teams()
    response = await post(client, message("hi", connector.service_url), KeySet().token(connector.service_url))
    assert response.status == 401 and not connector.calls


async def test_a_token_with_the_right_key_id_but_a_bad_signature_is_refused(teams, keys, connector):
    client = await teams()
    forger = KeySet(kid=keys.kid)  # names the real key, signs with its own
    response = await post(client, message("hi", connector.service_url), forger.token(connector.service_url))
    assert response.status == 401 and not connector.calls
    good = keys.token(connector.service_url)
    header, payload, _ = good.split(".")
    tampered = forger.token(connector.service_url, aud=CLIENT_ID).split(".")[2]
    response = await post(client, message("hi", connector.service_url), f"{header}.{payload}.{tampered}")
    assert response.status == 401 and not connector.calls


async def test_malformed_authorization_headers_are_refused(teams, keys, connector):
    client = await teams()
    activity = message("hi", connector.service_url)
    for header in (
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "Bearer a b",
        f"Token {keys.token(connector.service_url)}",
        "Bearer not-a-jwt",
    ):
        response = await client.post(PATH, json=activity, headers={"Authorization": header})
        assert response.status == 401, header
    assert not connector.calls


async def test_a_token_for_another_service_url_is_refused(teams, keys, connector):
    client = await teams()
    token = keys.token("https://smba.trafficmanager.net/amer/")  # stolen from another conversation
    response = await post(client, message("hi", connector.service_url), token)
    assert response.status == 401 and not connector.calls


async def test_a_valid_token_is_accepted_and_the_key_set_is_fetched_once(teams, keys, key_server, connector, tokens):
    client = await teams()
    for n in range(1, 4):
        await send(client, keys, connector, message("how long does botox last?", connector.service_url), n)
    assert key_server.fetches == 1
    # replies carry the outbound token, asked for the Bot Connector's scope
    assert {c["authorization"] for c in connector.calls} == {f"Bearer {OUTBOUND_TOKEN}"}
    assert ("https://api.botframework.com", ["https://api.botframework.com/.default"]) in tokens.requests
    assert tokens.configurations[0].CLIENT_ID == CLIENT_ID


# -- personal chat ---------------------------------------------------------------------------------------
async def test_personal_chat_is_answered_with_a_card(teams, keys, connector, asked):
    client = await teams()
    activity = message("how long does botox last?", connector.service_url)
    call = await send(client, keys, connector, activity)
    assert call["conversation"] == PERSONAL_CONVERSATION and call["reply_to"] == activity["id"]
    reply = call["activity"]
    assert reply["type"] == "message" and reply["replyToId"] == activity["id"]
    assert reply["conversation"]["id"] == PERSONAL_CONVERSATION
    assert reply["from"]["id"] == BOT_ID and reply["recipient"]["id"] == USER_ID
    assert not reply.get("text")  # Teams would show text and card as two messages
    card = card_of(reply)
    body = texts(card)
    assert "3 to 4 months" in body[0] and CONSULT in body[1]
    assert body[2].startswith("Sources: [") and "](https://" in body[2]
    assert not actions(card)
    assert CONSULT in reply["summary"] and "3 to 4 months" in reply["summary"]
    assert card["fallbackText"] == reply["summary"]
    (msg,) = asked
    assert (msg.text, msg.channel, msg.sender_id, msg.payload) == (
        "how long does botox last?",
        "teams",
        f"{TENANT_ID}:{USER_AAD}",
        None,
    )


async def test_the_teams_locale_is_the_messages_language(teams, keys, connector, asked):
    """Staff whose Teams speaks Spanish get a Spanish answer to a message too short to tell; the words decide
    otherwise (an English question from a Spanish Teams is answered in English)."""
    client = await teams()
    short = {**message("botox?", connector.service_url), "locale": "es-MX"}
    call = await send(client, keys, connector, short)
    assert asked[-1].language == "es-MX"
    assert "Si tiene dificultad" in card_of(call["activity"])["fallbackText"]  # answered in Spanish
    english = {**message("how long does botox last?", connector.service_url), "locale": "es-MX"}
    call = await send(client, keys, connector, english, count=2)
    assert "3 to 4 months" in texts(card_of(call["activity"]))[0]


async def test_emergency_card_is_visibly_marked(teams, keys, connector):
    client = await teams()
    call = await send(client, keys, connector, message("I can't breathe after my botox", connector.service_url))
    reply = call["activity"]
    first = card_of(reply)["body"][0]
    assert first["color"] == "attention" and first["weight"] == "bolder" and first["size"] == "large"
    assert first["text"] == "Emergency: get help now"
    assert reply["summary"].startswith("Emergency: get help now.") and "911" in reply["summary"]
    assert any("911" in t for t in texts(card_of(reply))[1:])


async def test_urgent_card_says_get_care_today(teams, keys, connector):
    client = await teams()
    call = await send(client, keys, connector, message("hives all over after botox", connector.service_url))
    first = card_of(call["activity"])["body"][0]
    assert first["color"] == "attention" and first["text"] == "Urgent: get care today"
    assert call["activity"]["summary"].startswith("Urgent: get care today.")


# -- channels and group chats ----------------------------------------------------------------------------
@pytest.mark.parametrize("conversation", [channel_conversation, group_chat_conversation])
async def test_group_conversations_are_answered_only_when_mentioned(teams, keys, connector, asked, conversation):
    client = await teams()
    place = conversation()
    unmentioned = message("how long does botox last?", connector.service_url, place)
    response = await post(client, unmentioned, keys.token(connector.service_url))
    assert response.status == 202 and not connector.calls and not asked

    mentioned = message("how long does botox last?", connector.service_url, place, mention=True)
    assert mentioned["text"] == f"<at>{BOT_NAME}</at> how long does botox last?"
    call = await send(client, keys, connector, mentioned)
    assert call["conversation"] == place["id"] and call["reply_to"] == mentioned["id"]
    assert call["activity"]["replyToId"] == mentioned["id"]
    assert call["activity"]["conversation"]["id"] == place["id"]  # in a channel: the thread (;messageid=)
    assert "3 to 4 months" in texts(card_of(call["activity"]))[0]
    (msg,) = asked
    assert msg.text == "how long does botox last?"  # classified without the mention


async def test_a_mention_of_someone_else_is_not_for_the_bot(teams, keys, connector):
    client = await teams()
    activity = message("<at>Dr Lee</at> how long does botox last?", connector.service_url, channel_conversation())
    activity["entities"].insert(
        0, {"type": "mention", "mentioned": {"id": "29:1DrLee", "name": "Dr Lee"}, "text": "<at>Dr Lee</at>"}
    )
    response = await post(client, activity, keys.token(connector.service_url))
    assert response.status == 202 and not connector.calls


async def test_a_mention_entity_without_text_or_name_still_counts(teams, keys, connector, asked):
    client = await teams()
    activity = message("how long does botox last?", connector.service_url, channel_conversation())
    activity["entities"] = [{"type": "mention", "mentioned": {"id": BOT_ID}}]
    await send(client, keys, connector, activity)
    assert asked[0].text == "how long does botox last?"


async def test_mention_with_entities_and_spacing_teams_adds(teams, keys, connector, asked):
    client = await teams()
    activity = message("is it safe while pregnant?&nbsp;", connector.service_url, channel_conversation(), mention=True)
    activity["text"] = activity["text"].replace("</at> ", "</at>&nbsp;")
    await send(client, keys, connector, activity)
    assert asked[0].text == "is it safe while pregnant?"


# -- choices ---------------------------------------------------------------------------------------------
async def test_choices_are_buttons_and_a_click_answers_that_topic(teams, keys, connector, asked):
    client = await teams(**CLOSE)
    place = channel_conversation()
    question = message(CHOICE_QUESTION, connector.service_url, place, mention=True)
    call = await send(client, keys, connector, question)
    card = card_of(call["activity"])
    buttons = actions(card)
    assert [b["type"] for b in buttons] == ["Action.Submit", "Action.Submit"]
    assert [b["data"]["botox_choice"] for b in buttons] == ["/repeat_treatment", "/safety"]
    assert all(
        b["data"]["msteams"]["type"] == "messageBack" and b["data"]["msteams"]["displayText"] == b["title"]
        for b in buttons
    )
    kinds = [e["type"] for e in card["body"]]
    assert kinds.index("ActionSet") < len(kinds) - 1 and CONSULT in texts(card)[-1]  # buttons before the prompt

    # the click: a message in the same thread, no mention, value = the button's data
    first = buttons[0]
    click = card_click(
        first["data"], first["title"], connector.service_url, card_id="1700000000999", conversation=place
    )
    picked = await send(client, keys, connector, click, count=2)
    assert picked["conversation"] == place["id"] and picked["activity"]["replyToId"] == click["id"]
    assert asked[-1].payload == "/repeat_treatment"
    assert not actions(card_of(picked["activity"]))
    assert CONSULT in texts(card_of(picked["activity"]))[-2]


async def test_welcome_topic_buttons_answer_in_a_personal_chat(teams, keys, connector, asked, engine):
    client = await teams()
    welcome = await send(
        client,
        keys,
        connector,
        bot_added(
            connector.service_url, {"conversationType": "personal", "tenantId": TENANT_ID, "id": PERSONAL_CONVERSATION}
        ),
    )
    button = actions(card_of(welcome["activity"]))[1]
    assert button["title"] == engine.content.title("duration")
    call = await send(
        client,
        keys,
        connector,
        card_click(button["data"], button["title"], connector.service_url, card_id="1700000000998"),
        count=2,
    )
    assert asked[-1].payload == "/duration" and "3 to 4 months" in texts(card_of(call["activity"]))[0]


# -- the welcome ------------------------------------------------------------------------------------------
async def test_the_bot_added_to_a_team_says_what_it_answers(teams, keys, connector, asked, engine):
    content = engine.content  # the topics and their titles come from the content, as every channel shows them
    client = await teams()
    added = bot_added(connector.service_url)
    call = await send(client, keys, connector, added)
    assert call["conversation"] == CHANNEL
    reply = call["activity"]
    card = card_of(reply)
    assert content.topics[:5] == ["how_it_works", "duration", "repeat_treatment", "medical_uses", "safety"]
    shown = content.topics[:6]  # more buttons than six wrap badly on a phone
    assert [b["title"] for b in actions(card)] == [content.title(t) for t in shown]
    assert [b["data"]["botox_choice"] for b in actions(card)] == [f"/{t}" for t in shown]
    assert "Riverside Skin" in texts(card)[0] and f"@{BOT_NAME}" in " ".join(texts(card))
    for topic in content.topics:
        assert content.title(topic).lower() in reply["summary"].lower()
    assert not asked  # a welcome is not a question


async def test_people_joining_are_not_welcomed(teams, keys, connector):
    client = await teams()
    response = await post(client, member_added(connector.service_url), keys.token(connector.service_url))
    assert response.status == 202 and not connector.calls


# -- what is only acknowledged, and what is refused ------------------------------------------------------
async def test_other_activities_are_acknowledged_and_nothing_is_sent(teams, keys, connector, asked, caplog):
    client = await teams()
    for activity in other_activities(connector.service_url):
        response = await post(client, activity, keys.token(connector.service_url))
        assert response.status in (200, 202), activity["type"]
    assert not connector.calls and not asked
    assert not [
        r.getMessage()
        for r in caplog.records  # no "No route found" from the SDK either
        if r.name.startswith("microsoft_agents") and r.levelno >= logging.WARNING
    ]


async def test_an_invoke_the_bot_does_not_handle_is_acknowledged(teams, keys, connector):
    client = await teams()
    invoke = {
        **message("", connector.service_url),
        "type": "invoke",
        "name": "composeExtension/query",
        "value": {"commandId": "search"},
    }
    response = await post(client, invoke, keys.token(connector.service_url))
    assert response.status == 200 and not connector.calls


@pytest.mark.parametrize(
    "body, content_type, status, code",
    [
        (b"{not json", "application/json", 400, "invalid_json"),
        (b"\xff\xfe", "application/json", 400, "invalid_json"),
        (b"[1, 2]", "application/json", 400, "invalid_request"),
        (b'{"type": "message"}', "application/json", 400, "invalid_request"),
        (
            b'{"type": "message", "serviceUrl": "SERVICE", "conversation": {}}',
            "application/json",
            400,
            "invalid_request",
        ),
        (
            b'{"type": "typing", "serviceUrl": "SERVICE", "conversation": {"id": "a:1"}}',
            "application/json",
            400,
            "invalid_request",
        ),  # no channelId, from or recipient: not from the Bot Connector
        (
            b'{"type": "message", "channelId": "msteams", "serviceUrl": "SERVICE", "conversation": {"id": "a:1"}, '
            b'"from": {"id": "29:1"}, "recipient": {"id": "28:b"}, "entities": "x"}',
            "application/json",
            400,
            "invalid_activity",
        ),
        (b'{"type": "message"}', "text/plain", 415, "unsupported_media_type"),
        (b"[" * 100_000, "application/json", 400, "invalid_json"),
    ],
)
async def test_malformed_bodies_get_a_json_400(teams, keys, connector, body, content_type, status, code):
    client = await teams()
    body = body.replace(b"SERVICE", connector.service_url.encode())
    response = await client.post(
        PATH,
        data=body,
        headers={"Content-Type": content_type, "Authorization": f"Bearer {keys.token(connector.service_url)}"},
    )
    assert response.status == status
    payload = await response.json()
    assert payload["error"]["code"] == code and "Traceback" not in json.dumps(payload)
    assert not connector.calls


async def test_a_failing_connector_is_a_502_with_no_traceback(teams, keys, connector):
    client = await teams()
    connector.fail = True
    response = await post(
        client, message("how long does botox last?", connector.service_url), keys.token(connector.service_url)
    )
    assert response.status == 502
    body = await response.json()
    assert body["error"]["code"] == "reply_not_delivered" and "Traceback" not in json.dumps(body)


async def test_still_starting_says_so_in_the_chat(teams, keys, connector):
    client = await teams(engine_ready=False)
    call = await send(client, keys, connector, message("how long does botox last?", connector.service_url))
    assert "still starting" in call["activity"]["text"]


async def test_refusals_are_counted(teams, connector):
    client = await teams()
    await post(client, message("hi", connector.service_url))
    metrics = await (await client.get("/metrics")).text()
    assert 'botox_bot_rejected_total{channel="teams",reason="missing_token"} 1.0' in metrics


def test_choice_payloads_are_read_from_either_place_teams_puts_them():
    from botox_bot.channels.teams.cards import chosen_payload

    assert chosen_payload({"botox_choice": "/safety", "msteams": {"type": "messageBack"}}) == "/safety"
    assert chosen_payload({"msteams": {"type": "messageBack", "value": {"botox_choice": "/duration"}}}) == "/duration"
    for value in (None, "/safety", {"botox_choice": ""}, {"botox_choice": 3}, {"msteams": "x"}, {"other": 1}):
        assert chosen_payload(value) is None


# -- the unsafe anonymous mode ---------------------------------------------------------------------------
async def test_anonymous_requests_need_the_unsafe_flag_and_no_client_id(serve, connector, tokens, caplog):
    caplog.set_level(logging.WARNING, logger="botox_bot.teams")
    client = await serve(teams_allow_anonymous_unsafe=True)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("BOTOX_BOT_TEAMS_ALLOW_ANONYMOUS_UNSAFE is on" in w and "Local development only" in w for w in warnings)
    activity = message("how long does botox last?", connector.service_url)
    response = await post(client, activity)
    assert response.status == 202
    (call,) = await connector.wait_for(1)
    assert call["authorization"] is None and call["activity"]["replyToId"] == activity["id"]
    assert "3 to 4 months" in texts(card_of(call["activity"]))[0]
    assert not tokens.requests  # anonymous replies ask Entra ID for nothing
    # a token can never be valid without a client id (and no key set is fetched to find that out)
    response = await post(client, activity, KeySet().token(connector.service_url))
    assert response.status == 401


async def test_with_a_client_id_the_unsafe_flag_changes_nothing(teams, connector, caplog):
    caplog.set_level(logging.WARNING, logger="botox_bot.teams")
    client = await teams(teams_allow_anonymous_unsafe=True)
    assert any("has no effect" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    response = await post(client, message("how long does botox last?", connector.service_url))
    assert response.status == 401 and not connector.calls


# -- the app package -------------------------------------------------------------------------------------
def test_teams_package_needs_a_client_id_and_an_https_website(run_cli, tmp_path):
    out = tmp_path / "app.zip"
    result = run_cli(
        "teams-package", "--out", str(out), env={"CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID": ""}
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID" in result.stderr
    for args in ((), ("--website-url", "http://riverside.example")):
        result = run_cli(
            "teams-package",
            "--out",
            str(out),
            *args,
            env={"CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID": CLIENT_ID},
        )
        assert result.returncode == 2 and "--website-url" in result.stderr, args
    assert not out.exists()


def test_teams_package_writes_manifest_and_icons(run_cli, tmp_path):
    out = tmp_path / "app.zip"
    result = run_cli(
        "teams-package",
        "--out",
        str(out),
        "--app-version",
        "1.2.3",
        env={
            "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID": CLIENT_ID,
            "BOTOX_BOT_CLINIC_NAME": "Riverside Skin",
            "BOTOX_BOT_BOOKING_LINK": "https://riverside.example/book",
        },
    )
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
        color, outline = archive.read("color.png"), archive.read("outline.png")
    assert manifest["$schema"].endswith("/v1.17/MicrosoftTeams.schema.json") and manifest["manifestVersion"] == "1.17"
    assert manifest["id"] == CLIENT_ID and manifest["version"] == "1.2.3"
    assert "Riverside Skin" in manifest["name"]["short"] and len(manifest["name"]["short"]) <= 30
    assert "Riverside Skin" in manifest["name"]["full"] and "Riverside Skin" in manifest["description"]["full"]
    assert len(manifest["description"]["short"]) <= 80
    assert manifest["developer"]["websiteUrl"] == "https://riverside.example"
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    (bot,) = manifest["bots"]
    assert bot["botId"] == CLIENT_ID and bot["scopes"] == ["personal", "team", "groupChat"]
    assert bot["supportsFiles"] is False and bot["isNotificationOnly"] is False
    assert all(len(c["title"]) <= 32 for c in bot["commandLists"][0]["commands"])
    assert png_size(color) == (192, 192) and png_size(outline) == (32, 32)
    pixels = rgba(outline, 32)
    assert {p for p in pixels if p[3]} == {(255, 255, 255, 255)} and (0, 0, 0, 0) in pixels  # white on clear


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def rgba(data: bytes, width: int) -> set[tuple[int, ...]]:
    """The pixels of one of our PNGs (RGBA, one IDAT, filter 0 on every row)."""
    length = struct.unpack(">I", data[33:37])[0]
    assert data[37:41] == b"IDAT"
    raw = zlib.decompress(data[41 : 41 + length])
    row = 1 + 4 * width
    return {tuple(raw[r + 1 + 4 * x : r + 5 + 4 * x]) for r in range(0, len(raw), row) for x in range(width)}


def test_the_package_suggests_the_contents_topics(engine, settings):
    from botox_bot.channels.teams.package import manifest

    titles = [engine.content.title(t) for t in engine.content.topics]
    conf = settings.model_copy(update={"teams_client_id": CLIENT_ID})
    (bot,) = manifest(conf, titles)["bots"]
    suggested = [c["title"] for c in bot["commandLists"][0]["commands"]]
    assert suggested == titles[:10] and "How Botox works" in suggested
    assert all(len(c["description"]) <= 128 for c in bot["commandLists"][0]["commands"])


# -- where replies may go, and what Microsoft's endpoints hanging may cost (M2, M3, L6) -----------------
ENTRA_ISSUER = f"https://login.microsoftonline.com/{TENANT_ID}/v2.0"


@pytest.mark.parametrize(
    "claims, why",
    [
        ({"serviceurl": None}, "a Bot Framework token always names its serviceUrl: one without it is refused"),
        (
            {"serviceurl": None, "iss": ENTRA_ISSUER, "tid": TENANT_ID},
            "no claim: only a Bot Connector host, over https",
        ),
        ({"serviceurl": "SCHEME"}, "the claim names https where the activity names http"),
        ({"serviceurl": "PORT"}, "the claim names another port of the same host"),
    ],
)
async def test_replies_go_only_where_the_token_allows(teams, keys, connector, claims, why):
    """The SDK posts the reply, with the bot's own outbound token, to the activity's serviceUrl: a token must
    not be able to send it (and that token) anywhere else."""
    from yarl import URL

    client = await teams()
    own = URL(connector.service_url)
    swap = {"SCHEME": str(own.with_scheme("https")), "PORT": str(own.with_port(own.port + 1))}
    claims = {k: swap.get(v, v) if isinstance(v, str) else v for k, v in claims.items()}
    response = await post(client, message("hi", connector.service_url), keys.token(connector.service_url, **claims))
    assert response.status == 401, why
    await asyncio.sleep(0.1)
    assert not connector.calls, why


def test_without_a_claim_only_microsofts_bot_connector_hosts_over_https():
    from botox_bot.channels.teams.auth import may_reply_to
    from botox_bot.settings import TEAMS_SERVICE_HOSTS

    entra = {"iss": ENTRA_ISSUER}
    assert may_reply_to(entra, "https://smba.trafficmanager.net/amer/", TEAMS_SERVICE_HOSTS)
    assert may_reply_to(entra, "https://SMBA.trafficmanager.net./emea/", TEAMS_SERVICE_HOSTS)
    assert may_reply_to(entra, "https://smba.infra.gov.teams.microsoft.us/gcch/", TEAMS_SERVICE_HOSTS)
    for url in (
        "http://smba.trafficmanager.net/amer/",
        "https://smba.trafficmanager.net:8443/amer/",
        "https://smba.trafficmanager.net.evil.example/amer/",
        "https://10.0.0.5/internal/",
        "not a url",
    ):
        assert not may_reply_to(entra, url, TEAMS_SERVICE_HOSTS), url
    assert not may_reply_to(
        {"iss": "https://api.botframework.com"}, "https://smba.trafficmanager.net/amer/", TEAMS_SERVICE_HOSTS
    )
    claimed = {"iss": "https://api.botframework.com", "serviceurl": "https://smba.trafficmanager.net/amer/"}
    assert may_reply_to(claimed, "https://smba.trafficmanager.net/amer/", ())
    assert not may_reply_to(claimed, "https://smba.trafficmanager.net:444/amer/", ())


def _provider(get_access_token):
    from microsoft_agents.hosting.core.authorization import AccessTokenProviderBase

    def factory(configuration):
        class Provider(AccessTokenProviderBase):
            @property
            def configuration(self):
                return configuration

            async def get_access_token(self, resource_url, scopes, force_refresh=False):
                return get_access_token()

            def get_token_credential(self):
                raise NotImplementedError

        return Provider()

    return factory


async def test_an_outbound_token_that_hangs_is_a_502_and_never_freezes_the_other_channels(
    teams, keys, connector, monkeypatch
):
    """MSAL is synchronous: Microsoft's login endpoint hanging froze every channel for 50 s, then a 500."""
    import threading

    from botox_bot.channels.teams import TeamsChannel

    entered, release = threading.Event(), threading.Event()

    def hang():  # as MSAL's tenant discovery does, synchronously
        entered.set()
        release.wait(20)
        return OUTBOUND_TOKEN

    monkeypatch.setattr(TeamsChannel, "token_provider_factory", _provider(hang))
    monkeypatch.setattr(TeamsChannel, "token_timeout_seconds", 1.0)
    client = await teams()
    try:
        pending = asyncio.create_task(
            post(client, message("how long does botox last?", connector.service_url), keys.token(connector.service_url))
        )
        assert await asyncio.to_thread(entered.wait, 20)
        emergency = await client.post("/webhooks/rest/webhook", json={"sender": "p", "message": "I can't breathe"})
        assert emergency.status == 200 and (await emergency.json())[0]["custom"]["emergency"] is True
        assert not release.is_set()  # answered while the token was still hanging
        response = await pending
        assert response.status == 502 and (await response.json())["error"]["code"] == "reply_not_delivered"
        assert not connector.calls
    finally:
        release.set()


async def test_an_outbound_token_that_fails_is_a_502_logged_in_one_line(teams, keys, connector, monkeypatch, caplog):
    from botox_bot.channels.teams import TeamsChannel

    def refuse():
        raise ConnectionError("login.microsoftonline.com unreachable")  # requests' ConnectionError, as seen

    monkeypatch.setattr(TeamsChannel, "token_provider_factory", _provider(refuse))
    client = await teams()
    response = await post(client, message("hi", connector.service_url), keys.token(connector.service_url))
    assert response.status == 502
    assert not [r for r in caplog.records if r.exc_info]  # no traceback
    assert any(r.getMessage() == "teams reply not delivered" for r in caplog.records)


async def test_token_checks_run_in_threads_of_their_own_a_few_at_a_time(teams, keys, connector, monkeypatch):
    """The SDK fetches key sets in the default executor, which DNS lookups share: 12 made-up key ids with
    Microsoft's key endpoint hanging held it all. Checks run in their own threads; past a queue, 429 at once."""
    import threading
    from collections import Counter

    from botox_bot.app import CHANNELS
    from botox_bot.channels.teams.auth import CHECK_WORKERS, CHECKS_WAITING

    client = await teams()
    (channel,) = [c for c in client.server.app[CHANNELS] if c.name == "teams"]
    threads: list[str] = []
    release = threading.Event()
    real = channel.validator.validate_token

    async def slow(token):  # a key-set fetch that hangs
        threads.append(threading.current_thread().name)
        release.wait(20)
        return await real(token)

    monkeypatch.setattr(channel.validator, "validate_token", slow)
    token = keys.token(connector.service_url)
    try:
        tasks = [
            asyncio.create_task(post(client, message("hi", connector.service_url), token))
            for _ in range(CHECKS_WAITING + 4)
        ]
        for _ in range(400):
            if len(threads) == CHECK_WORKERS and sum(t.done() for t in tasks) == 4:
                break
            await asyncio.sleep(0.025)
        assert len(threads) == CHECK_WORKERS and sum(t.done() for t in tasks) == 4
        assert await asyncio.to_thread(lambda: "free") == "free"  # the default executor was never involved
    finally:
        release.set()
    statuses = Counter(r.status for r in await asyncio.gather(*tasks))
    assert statuses == {202: CHECKS_WAITING, 429: 4}
    assert set(threads) <= {f"botox-teams-keys_{i}" for i in range(CHECK_WORKERS)}
