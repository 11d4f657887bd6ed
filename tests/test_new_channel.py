"""A new channel is one folder and one registry line: the echo channel (tests/echo/), registered at run time,
answered through the whole app, with the pipeline's policy (limit, red flag, metrics, staff) applied to it."""

from __future__ import annotations

import asyncio

import pytest

from botox_bot import channels
from tests.conftest import CONSULT
from tests.echo import EchoChannel


@pytest.fixture
def echo(monkeypatch):
    monkeypatch.setattr(channels, "REGISTRY", [*channels.REGISTRY, EchoChannel])  # the one registry line


async def test_a_channel_in_one_folder_answers_through_the_whole_app(echo, serve, asked):
    client = await serve()
    response = await client.post("/echo", data="How long does Botox last?", headers={"X-Sender": "e1"})
    assert response.status == 200
    text = await response.text()
    assert "3 to 4 months" in text and CONSULT in text
    assert [(m.channel, m.sender_id) for m in asked] == [("echo", "e1")]
    assert "echo" in (await (await client.get("/readyz")).json())["channels"]
    assert "echo" in channels.channel_names()  # content may now say `channel: echo`
    metrics = await (await client.get("/metrics")).text()
    assert 'botox_bot_replies_total{channel="echo",intent="duration"} 1.0' in metrics
    assert 'botox_bot_requests_total{channel="echo",status="200"} 1.0' in metrics


async def test_the_pipeline_limits_it_but_never_an_emergency_and_tells_staff_in_its_words(echo, serve, monkeypatch):
    from botox_bot.runtime import BotRuntime

    told = []
    real_init = BotRuntime.__init__

    def with_staff(self, *args, **kwargs):
        real_init(self, *args, **kwargs)

        async def sink(escalation):
            told.append(escalation)

        self.add_escalation_sink(sink)

    monkeypatch.setattr(BotRuntime, "__init__", with_staff)
    client = await serve(rate_limit=1)
    assert (await client.post("/echo", data="is it safe?", headers={"X-Sender": "e2"})).status == 200
    assert (await client.post("/echo", data="and in pregnancy?", headers={"X-Sender": "e2"})).status == 429
    urgent = await client.post("/echo", data="I can't breathe since my botox", headers={"X-Sender": "e2"})
    assert urgent.status == 200 and "911" in await urgent.text()
    for _ in range(50):
        if told:
            break
        await asyncio.sleep(0.02)
    (escalation,) = told
    assert (escalation.channel, escalation.label, escalation.emergency) == ("echo", "the echo line", True)
