"""The web chat's own message route, over real HTTP: its messages are the "web" channel's, guarded by the
page's web token when a webhook secret is set. (The page in a real browser: tests/test_web_page.py.)"""

from __future__ import annotations

import asyncio
import html
import json
import re
import time

import pytest
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


# -- languages ---------------------------------------------------------------------------------------
def page_strings(page: str) -> dict:
    return json.loads(html.unescape(re.search(r'data-strings="([^"]*)"', page)[1]))


def html_lang(page: str) -> str:
    return re.search(r'<html lang="([^"]+)">', page)[1]


async def get_page(client, accept: str | None = None, query: str = "") -> str:
    headers = {"Accept-Language": accept} if accept is not None else {}
    response = await client.get(f"/{query}", headers=headers)
    assert response.status == 200
    return await response.text()


async def test_a_spanish_browser_gets_the_page_in_spanish_with_english_one_click_away(serve, engine):
    client = await serve()
    page = await get_page(client, "es-MX,es;q=0.9,en;q=0.8")
    assert html_lang(page) == "es"
    assert "<title>Preguntas sobre el Botox — Riverside Skin</title>" in page
    assert 'placeholder="Escriba su pregunta…"' in page and ">Enviar</button>" in page
    assert "En una emergencia, llame al 911." in page
    strings = page_strings(page)
    assert set(strings) == {"en", "es"}
    content = engine.content
    for lang, hello in (("es", "¡Hola! Pregúnteme sobre "), ("en", "Hello! Ask me about ")):
        greeting = strings[lang]["greeting"]
        assert greeting.startswith(hello)
        titles = [content.title(topic, lang) for topic in content.topics]
        assert all(title[:1].lower() + title[1:] in greeting for title in titles), (lang, greeting)
    assert strings["es"]["greeting"] in page  # shown as it loads
    assert strings["en"]["rate_limited_other"].count("{seconds}") == 1  # left for the script to fill
    buttons = re.findall(
        r'<button type="button" lang="(\w+)" data-lang="\w+" aria-label="([^"]+)" '
        r'aria-pressed="(\w+)">(\w+)</button>',
        page,
    )
    assert buttons == [("en", "English (EN)", "false", "EN"), ("es", "Español (ES)", "true", "ES")]


@pytest.mark.parametrize(
    ("accept", "query", "lang"),
    [
        (None, "", "en"),
        ("en-US,en;q=0.9", "", "en"),
        ("en-US", "?lang=es", "es"),  # a clinic's Spanish site links or embeds /?lang=es
        ("es", "?lang=fr", "es"),  # a language the page does not speak is ignored
        ("en;q=0.5, es;q=0.9", "", "es"),
        ("fr-FR, es;q=0.1", "", "es"),
        ("*", "", "en"),
        ("es;q=0, en;q=0.2", "", "en"),
        ("es;q=bad", "", "en"),
    ],
)
async def test_the_page_opens_in_the_browsers_language(serve, accept, query, lang):
    client = await serve()
    assert html_lang(await get_page(client, accept, query)) == lang


async def test_a_clinic_that_serves_one_language_shows_no_switch(serve):
    client = await serve(languages=["en"])
    page = await get_page(client, "es")
    assert html_lang(page) == "en" and set(page_strings(page)) == {"en"}
    assert 'data-lang="es"' not in page and re.search(r'id="languages"[^>]* hidden', page)
    spanish_only = await serve(languages=["es"])
    assert html_lang(await get_page(spanish_only, "en")) == "es"


async def test_unset_clinic_details_read_in_the_pages_language(serve):
    client = await serve(clinic_name=None, emergency_number=None, country=None)
    strings = page_strings(await get_page(client, "es"))
    assert strings["es"]["title"] == "Preguntas sobre el Botox — nuestra clínica"
    assert "número local de emergencias" in strings["es"]["notice"]
    assert strings["en"]["clinic"] == "our clinic"


async def test_the_pages_language_is_sent_as_the_messages_language(serve, asked):
    client = await serve()
    response = await client.post(MESSAGES, json={"sender": "web-1", "message": "ok", "language": "es"})
    (message,) = await response.json()
    assert asked[-1].language == "es" and message["custom"]["language"] == "es"
