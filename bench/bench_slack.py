"""Time for Slack's ``/botox`` slash command to be answered, under load (``python bench/bench_slack.py``).

Slack gives a slash command 3 seconds; the bot answers inside the acknowledgement, so the time to respond is
the time to answer. The real ``botox-bot serve`` runs in its own process with Slack configured; its Web API
calls (only ``auth.test``, once) go to a mock in this process. This process then sends ``--requests`` signed
slash commands (``slack_sdk``'s signature, fresh timestamps; questions from ``bench/messages.py``, help and
topic forms mixed in) with ``--concurrency`` in flight, and reports req/s, p50, p99 and the slowest response.
Target: p99 far below 3 s, no errors (exit 1 otherwise; "far below" taken as under 0.5 s).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_server import Server, pct  # noqa: E402
from messages import messages  # noqa: E402

SECRET = "bench-signing-secret"
LIMIT_S = 0.5


async def mock_slack_api(posts: list[dict] | None = None):
    """Slack's Web API on 127.0.0.1: ``auth.test`` answered, ``chat.postMessage`` recorded in ``posts``."""
    from aiohttp import web

    async def api(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if method == "auth.test":
            return web.json_response(
                {
                    "ok": True,
                    "user_id": "U0BOT",
                    "team_id": "T0",
                    "bot_id": "B0",
                    "user": "botox",
                    "team": "Clinic",
                    "url": "https://clinic.slack.com/",
                }
            )
        if method == "chat.postMessage" and posts is not None:
            body = await request.json() if request.content_type == "application/json" else dict(await request.post())
            posts.append({"thread_ts": body.get("thread_ts"), "channel": body.get("channel"), "at": time.time()})
            return web.json_response({"ok": True, "channel": body.get("channel"), "ts": f"{time.time():.6f}"})
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/api/{method}", api)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}/api/"


def command_texts(n: int) -> list[str]:
    texts = messages(n)
    for i in range(0, n, 10):
        texts[i] = "help" if i % 20 == 0 else "duration"
    for i in range(5, n, 10):
        texts[i] = "share " + texts[i]
    return texts


async def run(url: str, texts: list[str], concurrency: int) -> dict[str, float]:
    import aiohttp
    from slack_sdk.signature import SignatureVerifier

    signer = SignatureVerifier(SECRET)
    times: list[float] = []
    errors, next_i = 0, 0

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal errors, next_i
        while next_i < len(texts):
            i, next_i = next_i, next_i + 1
            body = urlencode(
                {
                    "token": "x",
                    "team_id": "T0",
                    "team_domain": "clinic",
                    "channel_id": "C0FRONT",
                    "channel_name": "front-desk",
                    "user_id": f"U{i % 50}",
                    "user_name": "staff",
                    "command": "/botox",
                    "text": texts[i],
                    "api_app_id": "A0",
                    "is_enterprise_install": "false",
                    "response_url": "https://hooks.slack.com/commands/T0/1/x",
                    "trigger_id": f"{i}.0.x",
                }
            )
            stamp = str(int(time.time()))
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": stamp,
                "X-Slack-Signature": signer.generate_signature(timestamp=stamp, body=body),
            }
            start = time.perf_counter()
            try:
                async with session.post(url + "/slack/events", data=body, headers=headers) as response:
                    answer = await response.json(content_type=None)
                    errors += response.status != 200 or "text" not in answer
            except (TimeoutError, aiohttp.ClientError, ValueError):
                errors += 1
            times.append(time.perf_counter() - start)

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:
        started = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        wall = time.perf_counter() - started
    return {
        "requests": len(texts),
        "rps": len(texts) / wall,
        "p50_ms": pct(times, 0.5) * 1e3,
        "p99_ms": pct(times, 0.99) * 1e3,
        "max_ms": max(times) * 1e3,
        "errors": errors,
    }


async def main_async(args) -> int:
    runner, api_url = await mock_slack_api()
    env = {
        **os.environ,
        "BOTOX_BOT_RATE_LIMIT": "0",
        "BOTOX_BOT_ADDRESS_RATE_LIMIT": "0",
        "BOTOX_BOT_LOG_LEVEL": "INFO" if args.with_logs else "WARNING",
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_BASE_URL": api_url,
    }
    server = Server("bot", [sys.executable, "-m", "botox_bot", "serve", "--port"], env)
    try:
        await asyncio.to_thread(server.wait_ready)
        await run(server.url, command_texts(200), args.concurrency)  # warm-up
        result = await run(server.url, command_texts(args.requests), args.concurrency)
    finally:
        server.stop()
        await runner.cleanup()
    print(f"/botox slash commands: {result['requests']:,} at concurrency {args.concurrency}")
    print(
        f"  {result['rps']:,.0f} req/s, p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms, "
        f"slowest {result['max_ms']:.1f} ms, errors {result['errors']}"
    )
    ok = result["errors"] == 0 and result["p99_ms"] < LIMIT_S * 1e3
    print(f"  target p99 < {LIMIT_S * 1e3:.0f} ms (Slack allows 3,000) with no errors: {'PASS' if ok else 'FAIL'}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000, help="slash commands (default 3000)")
    parser.add_argument("--concurrency", type=int, default=64, help="in flight at once (default 64)")
    parser.add_argument("--with-logs", action="store_true", help="the bot logs at INFO (a line a request)")
    parser.add_argument("--json", metavar="FILE", help="also write the numbers here")
    return asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
