"""The desk in a real browser (Debian's chromium, Playwright; slow): a patient asks for a person on the web chat,
staff take over in (the mock) Slack and reply, and the page shows the notice and the reply without reloading;
helpful / not helpful on an answer."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp import web
from pydantic import SecretStr

from botox_bot.app import create_app
from botox_bot.core.engine import Engine
from tests.slack_mock import STAFF_USER, SlackWebAPIMock, block_actions, channel_message, event_callback, signed_headers
from tests.test_web_page import ARGS, CHROMIUM, Chat, async_playwright

pytestmark = pytest.mark.slow
SECRET = "slack-signing-secret"
STAFF = "C0STAFF"


@pytest.fixture
async def api():
    async with SlackWebAPIMock() as mock:
        yield mock


@pytest.fixture
async def server(engine, settings, api, tmp_path):
    conf = settings.model_copy(
        update=dict(
            slack_bot_token=SecretStr("xoxb-test"),
            slack_signing_secret=SecretStr(SECRET),
            slack_api_base_url=api.base_url,
            staff_channel=STAFF,
            webhook_secret=SecretStr("a-web-token-secret-of-enough-length-0123"),
            review=True,
            data_dir=tmp_path,
        )
    )
    app = create_app(conf, engine=Engine(engine.content, engine.classifier, conf.engine_config()))
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


@pytest.fixture
async def chat():
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        helper = Chat(browser)
        try:
            yield helper
        finally:
            await browser.close()
        assert helper.errors == [], f"browser console errors: {helper.errors}"


async def slack(base: str, payload: dict, form: bool = False) -> None:
    if form:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        headers = signed_headers(SECRET, body, "application/x-www-form-urlencoded")
    else:
        body = json.dumps(event_callback(payload)).encode()
        headers = signed_headers(SECRET, body, "application/json")
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{base}/slack/events", data=body, headers=headers) as r,
    ):
        assert r.status == 200


async def test_a_staff_reply_appears_on_the_page_without_reloading(server, chat, api):
    page = await chat.open(server)
    assert "forget me" in await page.locator("#privacy").inner_text()  # before the first message
    answer = await chat.ask(page, "How long does Botox last?")
    await answer.locator(".feedback button[data-vote='not_helpful']").click()
    await page.locator(".feedback .thanks").wait_for()

    asked = await chat.ask(page, "can I talk to a real person", bubbles=2)
    assert "join this chat" in await asked.inner_text()
    assert await asked.locator(".feedback").count() == 0  # no vote on a handoff
    (post,) = await api.wait_for("chat.postMessage")
    ts = api.answers_to("chat.postMessage")[0]["ts"]
    conversation = post["blocks"][-1]["elements"][0]["value"]
    await slack(server, block_actions("desk_take_over", conversation, "http://127.0.0.1:9/x", STAFF, ts), form=True)
    notice = page.locator(".msg.notice")
    await notice.wait_for()
    assert "now chatting with Riverside Skin's staff" in await notice.inner_text()

    await slack(
        server, channel_message("Hi! A nurse here. How can I help?", channel=STAFF, thread_ts=ts, user=STAFF_USER)
    )
    staff = page.locator(".msg.staff")
    await staff.wait_for()
    assert (
        "A nurse here" in await staff.inner_text() and "Riverside Skin" in await staff.locator(".author").inner_text()
    )
    await page.fill("#message", "I have a question about bruising")
    await page.press("#message", "Enter")
    await page.wait_for_selector("#send:enabled")
    assert await page.locator(".msg.bot").count() == 2  # the bot kept quiet: staff hold the conversation
    thread = [p for p in api.calls("chat.postMessage") if p.get("thread_ts") == ts]
    assert any(p["text"] == "Patient: I have a question about bruising" for p in thread)
