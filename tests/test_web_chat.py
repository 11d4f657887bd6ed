"""The web chat's own message route, over real HTTP: its messages are the "web" channel's, guarded by the
page's web token when a webhook secret is set. (The page in a real browser: tests/test_web_page.py.)"""

from __future__ import annotations

import asyncio
import re
import time

from pydantic import SecretStr

from botox_bot.server import signing
from tests.conftest import CONSULT

MESSAGES = "/chat/messages"
SECRET = "shared-secret"


async def error_of(response) -> dict:
    return (await response.json())["error"]


async def test_the_page_posts_to_its_own_route_and_its_messages_are_the_web_channels(serve, asked):
    client = await serve()
    page = await (await client.get("/")).text()
    assert f'data-messages="{MESSAGES}"' in page
    sender = re.search(r'data-sender="(web-[0-9a-f]+)"', page)[1]
    response = await client.post(MESSAGES, json={"sender": sender, "message": "How long does Botox last?"})
    assert response.status == 200
    (message,) = await response.json()
    assert message["recipient_id"] == sender and CONSULT in message["text"]
    assert message["custom"]["intent"] == "duration"
    assert [(m.channel, m.sender_id) for m in asked] == [("web", sender)]


async def test_web_token_pins_its_sender(serve):
    client = await serve(webhook_secret=SecretStr(SECRET))
    token = signing.issue_web_token(SECRET, "web-abc", 60)
    ok = await client.post(
        MESSAGES, json={"sender": "web-abc", "message": "hi"}, headers={signing.WEB_TOKEN_HEADER: token}
    )
    assert ok.status == 200
    other = await client.post(
        MESSAGES, json={"sender": "web-xyz", "message": "hi"}, headers={signing.WEB_TOKEN_HEADER: token}
    )
    assert other.status == 401
    forged = await client.post(
        MESSAGES,
        json={"sender": "web-abc", "message": "hi"},
        headers={signing.WEB_TOKEN_HEADER: signing.issue_web_token("guess", "web-abc", 60)},
    )
    assert forged.status == 401
    expired = signing.issue_web_token(SECRET, "web-abc", 60, now=time.time() - 120)
    late = await client.post(
        MESSAGES, json={"sender": "web-abc", "message": "hi"}, headers={signing.WEB_TOKEN_HEADER: expired}
    )
    assert late.status == 401 and "expired" in (await error_of(late))["message"]
    missing = await client.post(MESSAGES, json={"sender": "web-abc", "message": "hi"})
    assert missing.status == 401 and signing.WEB_TOKEN_HEADER in (await error_of(missing))["message"]


async def test_the_token_is_checked_before_the_body_is_parsed(serve):
    client = await serve(webhook_secret=SecretStr(SECRET))
    response = await client.post(MESSAGES, data=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status == 401


async def test_no_page_no_route(serve):
    client = await serve(web_chat=False)
    assert (await client.get("/")).status == 404
    assert (await client.post(MESSAGES, json={"sender": "web-1", "message": "hi"})).status == 404


async def test_an_emergency_on_the_page_is_escalated_as_the_web_chats(serve, monkeypatch):
    from botox_bot.runtime import BotRuntime

    told = []

    async def sink(escalation):
        told.append(escalation)

    real_init = BotRuntime.__init__

    def with_sink(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        self.add_escalation_sink(sink)

    monkeypatch.setattr(BotRuntime, "__init__", with_sink)
    client = await serve()
    text = "I can't breathe since my botox this morning"
    response = await client.post(MESSAGES, json={"sender": "web-1", "message": text})
    assert (await response.json())[0]["custom"]["emergency"] is True
    for _ in range(50):
        if told:
            break
        await asyncio.sleep(0.02)
    (escalation,) = told
    assert (escalation.channel, escalation.label, escalation.urgency) == ("web", "the web chat", "call_now")
