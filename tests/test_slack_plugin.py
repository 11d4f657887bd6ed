"""The bot as a plugin: its listeners registered on a clinic's own Bolt ``AsyncApp``, served by the clinic."""

from __future__ import annotations

import json

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from botox_bot.channels.slack import register
from botox_bot.runtime import BotRuntime
from tests.conftest import CONSULT
from tests.slack_mock import SlackWebAPIMock, app_mention, event_callback, signed_headers, slash_command

SECRET = "clinic-signing-secret"


async def test_listeners_on_a_clinics_own_bolt_app(settings):
    async with SlackWebAPIMock() as slack:
        clinic = AsyncApp(client=AsyncWebClient(token="xoxb-clinic", base_url=slack.base_url), signing_secret=SECRET)

        @clinic.command("/rota")  # the clinic's own listener keeps working beside the bot's
        async def rota(ack):
            await ack(text="Dr. Lee is on call")

        runtime = BotRuntime(settings)
        register(clinic, runtime)
        await runtime.load()

        async def events(request: web.Request) -> web.Response:
            return await to_aiohttp_response(await clinic.async_dispatch(await to_bolt_request(request)))

        app = web.Application()
        app.router.add_post("/clinic/slack", events)
        async with TestClient(TestServer(app, host="127.0.0.1")) as client:

            async def post(body: bytes, ctype: str):
                return await client.post("/clinic/slack", data=body, headers=signed_headers(SECRET, body, ctype))

            form = "application/x-www-form-urlencoded"
            from urllib.parse import urlencode

            own = await post(urlencode(slash_command("", slack.response_url("r"), command="/rota")).encode(), form)
            assert await own.text() == "Dr. Lee is on call"
            ours = await post(urlencode(slash_command("duration", slack.response_url("r"))).encode(), form)
            answer = await ours.json()
            assert answer["response_type"] == "ephemeral" and CONSULT in answer["text"]

            event = event_callback(app_mention("<@U0BOT> does botox help with migraines?", ts="1700000000.000100"))
            assert (await post(json.dumps(event).encode(), "application/json")).status == 200
            (posted,) = await slack.wait_for("chat.postMessage")
            assert posted["thread_ts"] == "1700000000.000100" and "migraine" in posted["text"].lower()
