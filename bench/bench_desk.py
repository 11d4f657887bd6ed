"""Time from a staff reply to the patient's screen, on loopback (``python bench/bench_desk.py``).

The real ``botox-bot serve`` runs in a subprocess with Slack configured (its Web API is a mock in this process).
A web chat patient asks for a person, staff press "Take over" (a signed Slack click), then, ``--replies`` times,
staff reply in the escalation's thread (a signed Slack message event) while the patient's page waits:

- ``http``: the page's long poll (``GET /chat/updates``) is open; measured from the moment the Slack event is
  posted to the moment the poll's answer is read;
- ``browser``: the real page in headless chromium (Playwright); measured from the moment the Slack event is posted
  to the moment the staff bubble is in the page's DOM (a MutationObserver stamps it; same machine clock).

``--instances 2`` runs two servers on one ``redis-server`` (Slack's events reach one, the patient's page polls the
other), which is where the shared outbox's poll interval shows. Reports p50, p99 and the slowest, per mode.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_server import Server, free_port, pct  # noqa: E402

SECRET = "bench-signing-secret"
STAFF = "C0STAFF"


async def mock_slack(posts: list[dict]):
    """Slack's Web API on 127.0.0.1: every call answered ok; chat.postMessage recorded with a ts of its own."""
    from aiohttp import web

    counter = iter(range(1, 10**9))

    async def api(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if method == "auth.test":
            return web.json_response({"ok": True, "user_id": "U0BOT", "team_id": "T0", "bot_id": "B0"})
        if method == "chat.postMessage":
            body = await request.json() if request.content_type == "application/json" else dict(await request.post())
            ts = f"{int(time.time())}.{next(counter):06d}"
            posts.append({**body, "ts": ts})
            return web.json_response({"ok": True, "channel": body.get("channel"), "ts": ts})
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_route("*", "/api/{method}", api)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}/api/"


def signed(body: bytes, content_type: str) -> dict[str, str]:
    from slack_sdk.signature import SignatureVerifier

    stamp = str(int(time.time()))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=stamp, body=body)
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature, "Content-Type": content_type}


def click(conversation: str, ts: str) -> tuple[bytes, dict[str, str]]:
    payload = {
        "type": "block_actions",
        "user": {"id": "U0NURSE", "team_id": "T0"},
        "team": {"id": "T0"},
        "api_app_id": "A0",
        "container": {"type": "message", "message_ts": ts, "channel_id": STAFF},
        "channel": {"id": STAFF},
        "message": {"type": "message", "ts": ts, "text": "", "blocks": []},
        "trigger_id": f"1.2.{time.time_ns()}",
        "response_url": "http://127.0.0.1:9/unused",
        "actions": [{"action_id": "desk_take_over", "block_id": "desk", "type": "button", "value": conversation}],
    }
    body = urlencode({"payload": json.dumps(payload)}).encode()
    return body, signed(body, "application/x-www-form-urlencoded")


def staff_message(text: str, ts: str) -> tuple[bytes, dict[str, str]]:
    now = f"{time.time():.6f}"
    event = {
        "type": "message",
        "channel": STAFF,
        "channel_type": "channel",
        "user": "U0NURSE",
        "text": text,
        "ts": now,
        "event_ts": now,
        "thread_ts": ts,
    }
    envelope = {
        "type": "event_callback",
        "team_id": "T0",
        "api_app_id": "A0",
        "event": event,
        "event_id": f"Ev{time.time_ns()}",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": "T0", "user_id": "U0BOT", "is_bot": True}],
    }
    body = json.dumps(envelope).encode()
    return body, signed(body, "application/json")


async def open_case(session, staff_url: str, patient_url: str, posts: list[dict], sender: str) -> str:
    """The patient asks for a person on the web chat; staff take over. Returns the escalation's thread ts."""
    async with session.post(
        f"{patient_url}/chat/messages", json={"sender": sender, "message": "can I talk to a real person"}
    ) as response:
        assert response.status == 200, await response.text()
    for _ in range(500):
        if posts:
            break
        await asyncio.sleep(0.01)
    post = posts[-1]
    blocks = post["blocks"] if isinstance(post["blocks"], list) else json.loads(post["blocks"])
    conversation = blocks[-1]["elements"][0]["value"]
    body, headers = click(conversation, post["ts"])
    async with session.post(f"{staff_url}/slack/events", data=body, headers=headers) as response:
        assert response.status == 200
    async with session.get(f"{patient_url}/chat/updates", params={"sender": sender}) as response:
        notice = await response.json()
    assert notice["messages"] and notice["messages"][0]["kind"] == "notice", notice
    return post["ts"]


async def http_mode(staff_url: str, patient_url: str, posts: list[dict], replies: int) -> list[float]:
    import aiohttp

    sender = f"web-{os.urandom(16).hex()}"
    async with aiohttp.ClientSession() as session:
        ts = await open_case(session, staff_url, patient_url, posts, sender)
        times = []
        for n in range(replies):
            poll = asyncio.create_task(session.get(f"{patient_url}/chat/updates", params={"sender": sender}))
            await asyncio.sleep(0.05)  # the page is waiting, as it is between replies
            body, headers = staff_message(f"reply {n}", ts)
            start = time.perf_counter()
            async with session.post(f"{staff_url}/slack/events", data=body, headers=headers) as response:
                assert response.status == 200
            got = await (await poll).json()
            times.append(time.perf_counter() - start)
            assert got["messages"][0]["text"] == f"reply {n}", got
        return times


async def browser_mode(staff_url: str, patient_url: str, posts: list[dict], replies: int) -> list[float]:
    import aiohttp
    from playwright.async_api import async_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    async with async_playwright() as pw, aiohttp.ClientSession() as session:
        browser = await pw.chromium.launch(executable_path=chromium, args=["--headless=new", "--no-sandbox"])
        page = await browser.new_page()
        await page.goto(patient_url)
        await page.wait_for_selector("#message")
        await page.evaluate(
            """() => { window.seen = [];
                new MutationObserver(() => {
                  const n = document.querySelectorAll('.msg.staff').length;
                  while (window.seen.length < n) window.seen.push(Date.now());
                }).observe(document.getElementById('log'), {childList: true}); }"""
        )
        await page.fill("#message", "can I talk to a real person")
        await page.press("#message", "Enter")
        await page.locator(".msg.bot").first.wait_for()
        for _ in range(500):
            if posts:
                break
            await asyncio.sleep(0.01)
        post = posts[-1]
        blocks = post["blocks"] if isinstance(post["blocks"], list) else json.loads(post["blocks"])
        body, headers = click(blocks[-1]["elements"][0]["value"], post["ts"])
        async with session.post(f"{staff_url}/slack/events", data=body, headers=headers) as response:
            assert response.status == 200
        await page.locator(".msg.notice").wait_for()
        times = []
        for n in range(replies):
            await asyncio.sleep(0.05)
            body, headers = staff_message(f"reply {n}", post["ts"])
            start = time.time()
            async with session.post(f"{staff_url}/slack/events", data=body, headers=headers) as response:
                assert response.status == 200
            while await page.evaluate("() => window.seen.length") <= n:  # the page's CSP forbids wait_for_function
                await asyncio.sleep(0.005)  # the bubble's time is the observer's stamp, not this loop's
            shown = await page.evaluate(f"() => window.seen[{n}]")
            times.append(shown / 1000 - start)
        await browser.close()
        return times


def report(name: str, times: list[float]) -> None:
    ms = [t * 1000 for t in times]
    print(f"{name:<28} n={len(ms):<4} p50 {pct(ms, 0.5):7.1f} ms   p99 {pct(ms, 0.99):7.1f} ms   max {max(ms):7.1f} ms")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--replies", type=int, default=200)
    parser.add_argument("--instances", type=int, choices=(1, 2), default=1)
    parser.add_argument("--modes", default="http,browser")
    args = parser.parse_args()

    posts: list[dict] = []
    runner, api_url = await mock_slack(posts)
    work = Path(tempfile.mkdtemp(prefix="bench-desk-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOTOX_BOT_")}
    env.update(
        SLACK_BOT_TOKEN="xoxb-bench",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_BASE_URL=api_url,
        BOTOX_BOT_STAFF_CHANNEL=STAFF,
        BOTOX_BOT_DATA_DIR=str(work),
        BOTOX_BOT_LOG_LEVEL="WARNING",
        BOTOX_BOT_RATE_LIMIT="0",
        BOTOX_BOT_ADDRESS_RATE_LIMIT="0",
    )
    redis = None
    if args.instances == 2:
        port = free_port()
        redis = subprocess.Popen(
            ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no", "--dir", str(work)],
            stdout=subprocess.DEVNULL,
        )
        env["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
        env["BOTOX_BOT_STORE_KEY"] = "bench-store-key-for-the-keyed-hashes-0123456789"
    cmd = [sys.executable, "-m", "botox_bot", "serve", "--port"]
    servers = [Server(f"bot{i}", cmd, env) for i in range(args.instances)]
    try:
        for server in servers:
            server.wait_ready()
        staff_url, patient_url = servers[0].url, servers[-1].url
        label = "two instances + Redis" if args.instances == 2 else "one instance"
        for mode in args.modes.split(","):
            posts.clear()
            run = http_mode if mode == "http" else browser_mode
            times = await run(staff_url, patient_url, posts, args.replies)
            report(f"{mode}, {label}", times)
    finally:
        for server in servers:
            server.stop()
        if redis is not None:
            redis.terminate()
            redis.wait()
        await runner.cleanup()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
