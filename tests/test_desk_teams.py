"""The desk from Microsoft Teams, over real HTTP against the local key set and the mock Bot Connector: the staff
channel learnt from a mention, escalations posted there as cards, Take over from the card's thread, replies both
ways, Hand back; and no other conversation can become the desk."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import SecretStr

from botox_bot.app import RUNTIME
from tests.teams_mock import (
    CHANNEL,
    CLIENT_ID,
    TENANT_ID,
    ConnectorMock,
    KeySet,
    KeySetServer,
    TokenProviderMock,
    card_click,
    channel_conversation,
    message,
)
from tests.test_desk_slack import Patient

PATH = "/api/messages"
HOOK = "/webhooks/rest/webhook"
pytestmark = pytest.mark.filterwarnings("ignore::aiohttp.web.NotAppKeyWarning")


@pytest.fixture(scope="module")
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
def desk(serve, key_server, connector, tokens):
    async def start(**overrides):
        conf = dict(
            teams_client_id=CLIENT_ID,
            teams_client_secret=SecretStr("client-secret"),
            teams_tenant_id=TENANT_ID,
            teams_jwks_url=key_server.url,
            teams_staff_channel=CHANNEL,
        )
        client = await serve(**{**conf, **overrides})
        patient = Patient()
        client.app[RUNTIME].desk.add_deliverer("rest", patient)
        return client, patient

    return start


async def send(client, keys, connector, activity):
    response = await client.post(
        PATH, json=activity, headers={"Authorization": f"Bearer {keys.token(connector.service_url)}"}
    )
    assert response.status in (200, 202), await response.text()


async def calls_to(connector, conversation_prefix: str, count: int):
    for _ in range(300):
        found = [c for c in connector.calls if c["conversation"].startswith(conversation_prefix)]
        if len(found) >= count:
            return found
        await asyncio.sleep(0.01)
    raise AssertionError(f"expected {count} call(s) to {conversation_prefix}: {connector.calls}")


def card_body(call) -> list:
    (attachment,) = call["activity"]["attachments"]
    return attachment["content"]["body"]


def texts(call) -> str:
    activity = call["activity"]
    if activity.get("attachments"):
        return " ".join(b.get("text", "") for b in card_body(call))
    return activity.get("text", "")


async def test_teams_staff_take_over_reply_and_hand_back(desk, keys, connector):
    client, patient = await desk()
    # staff mention the bot once in the staff channel: its address is learnt
    await send(
        client, keys, connector, message("desk here", connector.service_url, channel_conversation(), mention=True)
    )
    (ready,) = await connector.wait_for(1)
    assert "This channel is the clinic's desk" in ready["activity"]["text"]

    response = await client.post(HOOK, json={"sender": "pat-9", "message": "can I talk to a real person"})
    assert (await response.json())[0]["custom"]["intent"] == "handoff"
    posted = (await calls_to(connector, CHANNEL, 2))[1]
    assert posted["conversation"] == CHANNEL and posted["reply_to"] is None  # a new post: a thread of its own
    (actions,) = [b for b in card_body(posted) if b["type"] == "ActionSet"]
    (take,) = actions["actions"]
    assert take["title"] == "Take over" and take["data"]["desk"] == "take"
    conversation = take["data"]["conversation"]
    assert "pat-9" not in str(posted["activity"]) and "patient writes in English" in str(posted["activity"])
    # the card's id (the connector's answer) is the root of its thread: the case's thread in Teams
    case = await client.app[RUNTIME].desk.case(conversation)
    root = case.threads["teams"]["conversation"].split(";messageid=")[1]
    thread = channel_conversation(thread=root)

    # the click arrives from the card's thread
    await send(client, keys, connector, card_click(take["data"], "Take over", connector.service_url, "x", thread))
    said = await calls_to(connector, thread["id"], 1)
    assert "took over" in texts(said[0]) and "Hand back to the bot" in str(said[0]["activity"])
    assert "now chatting with Riverside Skin's staff" in (await patient.wait(1))[0].text

    # the patient writes: into the thread
    held = await client.post(HOOK, json={"sender": "pat-9", "message": "is it ok to exercise today?"})
    assert await held.json() == []
    relayed = await calls_to(connector, thread["id"], 2)
    assert relayed[1]["activity"]["text"] == "Patient: is it ok to exercise today?"

    # a staff reply in the thread (mentioning the bot): to the patient, signed as the clinic
    await send(client, keys, connector, message("Light exercise is fine.", connector.service_url, thread, mention=True))
    staff = (await patient.wait(2))[1]
    assert (staff.kind, staff.text, staff.author) == ("staff", "Light exercise is fine.", "Riverside Skin")

    back = {"desk": "back", "conversation": conversation}
    await send(client, keys, connector, card_click(back, "Hand back", connector.service_url, "y", thread))
    assert "back with Riverside Skin's automated assistant" in (await patient.wait(3))[2].text


async def test_only_the_configured_channel_becomes_the_desk(desk, keys, connector, caplog):
    client, _ = await desk()
    other = {**channel_conversation(), "id": "19:someone-elses-channel@thread.tacv2;messageid=1"}
    await send(client, keys, connector, message("desk here", connector.service_url, other, mention=True))
    await connector.wait_for(1)  # answered as a question, not as the desk
    assert await client.app[RUNTIME].store.get_context("desk:teams:address") is None
    await client.post(HOOK, json={"sender": "p", "message": "I can't breathe after my botox"})
    await asyncio.sleep(0.3)
    assert all(c["conversation"] != CHANNEL for c in connector.calls)  # nowhere to post yet: not posted elsewhere
    metrics = await (await client.get("/metrics")).text()
    assert 'botox_bot_escalations_total{channel="rest",outcome="failed"} 1.0' in metrics
