"""The server around the channels: health, readiness, metrics, JSON logs, mounting, settings, shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import os
import signal
import sys
import threading

import pytest
from aiohttp import ClientSession, web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families

from botox_bot.app import create_app, mount
from botox_bot.core.engine import Engine
from botox_bot.runtime import BotRuntime
from botox_bot.server.logs import configure_logging
from tests.conftest import REPO

HOOK = "/webhooks/rest/webhook"


def samples(text: str) -> dict[tuple[str, tuple], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_health_and_readiness_while_loading(settings, engine, monkeypatch):
    gate = threading.Event()

    def slow_load(config, store=None, channels=None):
        gate.wait(10)
        return Engine(engine.content, engine.classifier, config, store)

    monkeypatch.setattr(Engine, "from_config", staticmethod(slow_load))
    async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as client:
        assert (await client.get("/healthz")).status == 200
        loading = await client.get("/readyz")
        assert loading.status == 503 and (await loading.json())["status"] == "loading"
        early = await client.post(HOOK, json={"sender": "a", "message": "hi"})
        assert early.status == 503 and early.headers["Retry-After"] == "1"
        gate.set()
        for _ in range(100):
            if (await client.get("/readyz")).status == 200:
                break
            await asyncio.sleep(0.05)
        ready = await client.get("/readyz")
        assert ready.status == 200
        assert (await ready.json()) == {
            "status": "ready",
            "channels": ["rest", "web"],
            "store": "memory",
            "degraded": False,
        }
        assert (await client.post(HOOK, json={"sender": "a", "message": "hi"})).status == 200


async def test_content_that_fails_to_load_is_not_ready(settings, content_copy):
    (content_copy / "responses" / "en" / "topics.yml").write_text("responses: [broken\n")
    conf = settings.model_copy(update={"content_dir": content_copy})
    async with TestClient(TestServer(create_app(conf), host="127.0.0.1")) as client:
        for _ in range(100):
            body = await (await client.get("/readyz")).json()
            if body["status"] != "loading":
                break
            await asyncio.sleep(0.05)
        assert body["status"] == "failed" and "topics.yml" in body["error"]
        assert (await client.get("/healthz")).status == 200


async def test_metrics_count_requests_intents_fallbacks_emergencies(serve):
    client = await serve()
    for text in [
        "how long does botox last",
        "what's the capital of France",
        "I can't breathe after my injection",
        "how long does it last",
    ]:
        await client.post(HOOK, json={"sender": "m", "message": text})
    await client.post(HOOK, data=b"nope", headers={"Content-Type": "application/json"})
    response = await client.get("/metrics")
    assert response.status == 200 and response.content_type == "text/plain"
    got = samples(await response.text())
    assert got[("botox_bot_requests_total", (("channel", "rest"), ("status", "200")))] == 4
    assert got[("botox_bot_requests_total", (("channel", "rest"), ("status", "400")))] == 1
    assert got[("botox_bot_replies_total", (("channel", "rest"), ("intent", "duration")))] == 2
    assert got[("botox_bot_fallbacks_total", (("channel", "rest"),))] == 1
    assert got[("botox_bot_emergencies_total", (("channel", "rest"), ("level", "call_now")))] == 1
    assert got[("botox_bot_request_duration_seconds_count", (("channel", "rest"),))] == 5
    assert got[("botox_bot_ready", ())] == 1


async def test_logs_are_json_with_request_id_and_no_health_information(serve):
    stream = io.StringIO()
    configure_logging("INFO", stream)
    try:
        client = await serve()
        response = await client.post(
            HOOK,
            json={"sender": "jane-doe-555", "message": "is botulinum safe while pregnant"},
            headers={"X-Request-ID": "req-abc-123"},
        )
        assert response.headers["X-Request-ID"] == "req-abc-123"
        client_loud = await serve(log_message_text=True)
        await client_loud.post(HOOK, json={"sender": "john-roe", "message": "loud question"})
    finally:
        for handler in logging.getLogger().handlers:
            handler.flush()  # lines are written by a thread of the handler's own
        logging.getLogger().handlers.clear()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    mine = [line for line in lines if line["request_id"] == "req-abc-123"]
    assert len(mine) == 1  # one line a request, with its outcome
    assert mine[0]["message"] == "request" and mine[0]["status"] == 200 and mine[0]["intent"] == "safety"
    assert mine[0]["emergency"] is False and mine[0]["channel"] == "rest" and mine[0]["duration_ms"] > 0
    assert all({"time", "level", "logger"} <= set(line) for line in lines)
    quiet_text = "".join(json.dumps(line) for line in mine)
    assert "jane-doe-555" not in quiet_text and "safe while pregnant" not in quiet_text
    loud = [line for line in lines if line.get("text") == "loud question"]
    assert loud and loud[0]["sender"] == "john-roe"


async def test_mounted_into_an_existing_app_under_a_prefix(settings, engine):
    @web.middleware
    async def clinic_middleware(request, handler):
        response = await handler(request)
        response.headers["X-Clinic"] = "yes"
        return response

    async def hello(request):
        return web.Response(text="clinic home")

    app = web.Application(middlewares=[clinic_middleware])
    app.router.add_get("/", hello)
    runtime = BotRuntime(settings, engine=Engine(engine.content, engine.classifier, settings.engine_config()))
    live = mount(app, runtime, prefix="/bot", health=True)
    assert [c.name for c in live] == ["rest", "web"]
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        assert await (await client.get("/")).text() == "clinic home"
        response = await client.post(f"/bot{HOOK}", json={"sender": "x", "message": "how long does it last"})
        assert response.status == 200 and response.headers["X-Clinic"] == "yes"
        assert (await response.json())[0]["custom"]["intent"] == "duration"
        page = await (await client.get("/bot/")).text()
        assert '"/bot/chat/messages"' in page and "/bot/chat/chat.js" in page
        assert (await client.get("/bot/readyz")).status == 200
        assert (await client.get(HOOK)).status == 404  # nothing outside the prefix


async def test_two_apps_in_one_process_keep_their_own_metrics(serve):
    first, second = await serve(), await serve()
    await first.post(HOOK, json={"sender": "a", "message": "hi"})
    got = samples(await (await second.get("/metrics")).text())
    assert ("botox_bot_requests_total", (("channel", "rest"), ("status", "200"))) not in got


# -- the real command ----------------------------------------------------------------------------
def test_serve_refuses_a_wrong_setting_by_name(run_cli):
    result = run_cli("serve", "--port", "0", env={"BOTOX_BOT_RATE_LIMIT": "-5"}, timeout=30)
    assert result.returncode == 2
    assert "BOTOX_BOT_RATE_LIMIT" in result.stderr and "Traceback" not in result.stderr
    result = run_cli("serve", env={"BOTOX_BOT_WEBHOOK_SECRET": "s3cr3t-v4lue", "BOTOX_BOT_PORT": "http"}, timeout=30)
    assert result.returncode == 2 and "BOTOX_BOT_PORT" in result.stderr
    assert "s3cr3t-v4lue" not in result.stderr


def test_serve_refuses_broken_content_by_file_and_line(run_cli, content_copy):
    (content_copy / "intents" / "en" / "duration.yml").write_text("nlu:\n  - intent: duration\n    examples: [\n")
    result = run_cli("serve", "--port", "0", "--content", str(content_copy), timeout=30)
    assert result.returncode == 2 and "duration.yml:" in result.stderr


async def kill_group(proc) -> None:
    """The server and whatever it started (workers, a private redis-server): they share its stderr pipe, and
    ``wait`` returns only once every holder of the pipe is gone."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    await asyncio.wait_for(proc.wait(), 30)


SLOW_SERVER = """
import asyncio, sys
from botox_bot import runtime
from botox_bot.cli import main

real = runtime.BotRuntime.answer

async def slow(self, message, *args, **kwargs):  # an answer that takes a while, as a Slack or Teams call will
    await asyncio.sleep(1.0)
    return await real(self, message, *args, **kwargs)

runtime.BotRuntime.answer = slow
sys.exit(main(["serve", "--port", "0"]))
"""


@pytest.mark.slow  # a real server process
async def test_sigterm_finishes_the_request_in_flight_and_refuses_new_ones(model_cache, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOTOX_BOT_")}
    env.update(BOTOX_BOT_CACHE_DIR=str(model_cache), PYTHONPATH=str(REPO))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", SLOW_SERVER, env=env, cwd=tmp_path, stderr=asyncio.subprocess.PIPE, start_new_session=True
    )
    try:
        logs: list[dict] = []

        async def next_log(message: str) -> dict:
            while True:
                line = await asyncio.wait_for(proc.stderr.readline(), 30)
                assert line, f"server ended early: {logs}"
                logs.append(json.loads(line))
                if logs[-1]["message"] == message:
                    return logs[-1]

        url = (await next_log("listening"))["url"]
        await next_log("ready")
        host, port = url.removeprefix("http://").split(":")

        async with ClientSession() as session:
            in_flight = asyncio.create_task(
                session.post(f"{url}{HOOK}", json={"sender": "slow", "message": "how long does botox last"})
            )
            await asyncio.sleep(0.3)  # the handler is now working on the answer
            proc.send_signal(signal.SIGTERM)
            await next_log("stopping: no new requests; finishing those in flight")
            for _ in range(50):  # the listening socket closes first
                try:
                    _, probe = await asyncio.open_connection(host, int(port))
                except OSError:
                    break
                probe.close()
                await asyncio.sleep(0.05)
            else:
                pytest.fail("still accepting connections after SIGTERM")
            response = await asyncio.wait_for(in_flight, 10)
            assert response.status == 200
            assert (await response.json())[0]["custom"]["intent"] == "duration"
        assert await asyncio.wait_for(proc.wait(), 15) == 0
        await next_log("stopped")
    finally:
        await kill_group(proc)


def test_serve_on_a_port_in_use_says_so(run_cli):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        result = run_cli("serve", "--port", str(busy.getsockname()[1]), timeout=60)
    assert result.returncode == 2
    assert "address already in use" in result.stderr and "Traceback" not in result.stderr
    assert "botox-bot: :" not in result.stderr


# -- /metrics kept to monitoring (L7) ----------------------------------------------------------------
METRICS_TOKEN = "metrics-token-0123456789-abcdefghijklmnop"


async def test_with_a_metrics_token_only_its_holder_reads_the_metrics(serve):
    from pydantic import SecretStr

    client = await serve(metrics_token=SecretStr(METRICS_TOKEN))
    assert (await client.get("/metrics")).status == 401
    assert (await client.get("/metrics", headers={"Authorization": "Bearer wrong-token"})).status == 401
    allowed = await client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert allowed.status == 200 and "botox_bot_requests_total" in await allowed.text()
    assert (await client.get("/healthz")).status == 200  # probes need no token


async def test_answers_carry_no_server_banner_and_are_not_cached(serve):
    client = await serve()
    response = await client.post(HOOK, json={"sender": "p", "message": "how long does botox last?"})
    assert response.headers["Cache-Control"] == "no-store"  # health information: no proxy or browser keeps it
    assert "aiohttp" not in response.headers.get("Server", "") and "Python" not in response.headers.get("Server", "")


@pytest.mark.slow  # a real server process
async def test_with_a_metrics_port_the_public_port_has_no_metrics(model_cache, tmp_path):
    from tests.redis_server import free_port

    metrics_port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOTOX_BOT_")}
    env.update(BOTOX_BOT_CACHE_DIR=str(model_cache), PYTHONPATH=str(REPO), BOTOX_BOT_METRICS_PORT=str(metrics_port))
    proc = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "botox_bot", "serve", "--port", "0"),
        env=env,
        cwd=tmp_path,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
    )
    try:
        urls = []
        while len(urls) < 2:
            line = json.loads(await asyncio.wait_for(proc.stderr.readline(), 30))
            if line["message"] == "listening":
                urls.append(line["url"])
        public = next(u for u in urls if not u.endswith(f":{metrics_port}"))
        async with ClientSession() as session:
            assert (await session.get(f"{public}/metrics")).status == 404
            assert (await session.get(f"{public}/healthz")).status == 200
            metrics = await session.get(f"http://127.0.0.1:{metrics_port}/metrics")
            assert metrics.status == 200 and "botox_bot_requests_total" in await metrics.text()
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 15) == 0
    finally:
        await kill_group(proc)
