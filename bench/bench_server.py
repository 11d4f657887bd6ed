"""Throughput of the REST webhook under load, beside a bare aiohttp handler (``python bench/bench_server.py``).

Each target runs in its own process on 127.0.0.1; this process is only the load generator (an aiohttp client,
so the server never shares its event loop with the load):
- ``bot``: the real ``botox-bot serve`` (rate limit off, so the limiter does not refuse the load; logs at
  WARNING, so logging is not what is measured, unless ``--with-logs`` turns INFO on);
- ``bare``: an aiohttp app whose one route reads the body, ``json.loads`` it and returns a fixed JSON list:
  the most any handler could do on this machine with this framework.
Both get the same requests: a warm-up (not counted), then ``--requests`` POSTs ``{"sender", "message"}``
(messages from ``bench/messages.py``, 500 senders) with ``--concurrency`` in flight. Rounds alternate
bare/bot so machine noise hits both; the table shows each target's median over rounds, errors summed, and
the server's CPU time per request (Linux), which noise on a shared machine moves less than req/s.
The Python client itself needs about a core, so absolute req/s are a lower bound; the ratio is what counts.
Target: the webhook reaches >= 0.5x the bare handler's req/s with no errors (exit 1 otherwise).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

WEBHOOK = "/webhooks/rest/webhook"
TARGET_RATIO = 0.5


def bare_server(port: int) -> None:
    from aiohttp import web

    async def webhook(request: web.Request) -> web.Response:
        json.loads(await request.read())
        return web.json_response([{"recipient_id": "x", "text": "fixed"}])

    async def ready(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post(WEBHOOK, webhook)
    app.router.add_get("/readyz", ready)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A target in a subprocess; a thread drains its stderr (so the pipe never fills) and keeps the tail."""

    def __init__(self, name: str, cmd: list[str], env: dict[str, str]):
        # a port picked here, not --port 0: the "listening" line that names the port is INFO, unseen at WARNING
        self.name, self.port, self.log_bytes, self.tail = name, free_port(), 0, b""
        self.proc = subprocess.Popen(
            [*cmd, str(self.port)], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        self.url = f"http://127.0.0.1:{self.port}"
        self.drain = threading.Thread(target=self._drain, daemon=True)
        self.drain.start()

    def _drain(self) -> None:
        while chunk := os.read(self.proc.stderr.fileno(), 1 << 16):
            self.log_bytes += len(chunk)
            self.tail = (self.tail + chunk)[-4096:]

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/readyz", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.1)
        exited = self.proc.poll() is not None
        if exited:
            self.drain.join(2)  # the last words
        why = f"exited ({self.proc.returncode})" if exited else f"not ready after {timeout:.0f} s"
        raise SystemExit(f"{self.name} {why}:\n{self.tail.decode(errors='replace')}")

    def cpu_s(self) -> float:
        """User + system CPU seconds the server has used so far (Linux ``/proc``; NaN elsewhere)."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def load(url: str, bodies: list[bytes], concurrency: int, warmup: int) -> dict[str, float]:
    import aiohttp

    headers = {"Content-Type": "application/json"}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:

        async def run(count: int) -> tuple[list[float], int, float]:
            times: list[float] = []
            errors, next_i = 0, 0

            async def worker() -> None:
                nonlocal errors, next_i
                while next_i < count:
                    i, next_i = next_i, next_i + 1
                    start = time.perf_counter()
                    try:
                        async with session.post(url + WEBHOOK, data=bodies[i % len(bodies)], headers=headers) as r:
                            await r.read()
                            errors += r.status != 200
                    except (TimeoutError, aiohttp.ClientError):
                        errors += 1
                    times.append(time.perf_counter() - start)

            start_all = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(concurrency)))
            return times, errors, time.perf_counter() - start_all

        await run(warmup)
        times, errors, wall = await run(len(bodies))
    return {
        "rps": len(bodies) / wall,
        "p50_ms": pct(times, 0.5) * 1e3,
        "p99_ms": pct(times, 0.99) * 1e3,
        "errors": errors,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000, help="counted requests per round (default 5000)")
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight (default 32)")
    parser.add_argument("--warmup", type=int, default=200, help="uncounted requests first (default 200)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating bare/bot rounds (default 3)")
    parser.add_argument("--with-logs", action="store_true", help="run the bot with INFO logs (a line a request)")
    parser.add_argument(
        "--unique",
        action="store_true",
        help="every message a different text, so the bot's cache of understood texts never hits",
    )
    parser.add_argument("--json", metavar="FILE", help="also write the numbers here")
    parser.add_argument("--bare-server", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_server is not None:
        bare_server(args.bare_server)
        return 0

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from messages import messages, unique_messages

    texts = (unique_messages if args.unique else messages)(args.requests)
    print(f"{len(set(texts)):,} distinct texts in {len(texts):,} messages")
    bodies = [json.dumps({"sender": f"bench-{i % 500}", "message": m}).encode() for i, m in enumerate(texts)]
    env = {
        **os.environ,
        "BOTOX_BOT_RATE_LIMIT": "0",
        "BOTOX_BOT_ADDRESS_RATE_LIMIT": "0",
        "BOTOX_BOT_SHUTDOWN_TIMEOUT_SECONDS": "2",
        "BOTOX_BOT_LOG_LEVEL": "INFO" if args.with_logs else "WARNING",
    }
    servers: list[Server] = []
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # killed like Ctrl-C: still stops its servers
    try:
        servers.append(Server("bare", [sys.executable, __file__, "--bare-server"], env))
        servers.append(Server("bot", [sys.executable, "-m", "botox_bot", "serve", "--port"], env))
        for server in servers:
            server.wait_ready()
        rounds: dict[str, list[dict[str, float]]] = {"bare": [], "bot": []}
        for _ in range(args.rounds):
            for server in servers:
                cpu = server.cpu_s()
                result = asyncio.run(load(server.url, bodies, args.concurrency, args.warmup))
                result["cpu_ms_per_req"] = (server.cpu_s() - cpu) * 1e3 / (args.requests + args.warmup)
                rounds[server.name].append(result)
        log_bytes = servers[1].log_bytes
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        for server in servers:
            server.stop()

    summary = {
        name: {
            "rps": statistics.median(r["rps"] for r in rs),
            "p50_ms": statistics.median(r["p50_ms"] for r in rs),
            "p99_ms": statistics.median(r["p99_ms"] for r in rs),
            "cpu_ms_per_req": statistics.median(r["cpu_ms_per_req"] for r in rs),
            "errors": sum(r["errors"] for r in rs),
        }
        for name, rs in rounds.items()
    }
    ratio = summary["bot"]["rps"] / summary["bare"]["rps"]
    ok = ratio >= TARGET_RATIO and summary["bot"]["errors"] == 0 and summary["bare"]["errors"] == 0
    logs = "INFO logs" if args.with_logs else "logs at WARNING"
    print(f"median of {args.rounds} rounds (errors: total); bot with {logs} wrote {log_bytes:,} bytes of log")
    print(
        f"{'target':<7}{'requests':>10}{'concurrency':>13}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"
        f"{'srv CPU ms/req':>16}"
    )
    for name, s in summary.items():
        print(
            f"{name:<7}{args.requests:>10}{args.concurrency:>13}{s['rps']:>10,.0f}{s['p50_ms']:>9.2f}"
            f"{s['p99_ms']:>9.2f}{s['errors']:>8}{s['cpu_ms_per_req']:>16.3f}"
        )
    print(f"bot/bare throughput {ratio:.2f} (target >= {TARGET_RATIO}, no errors): {'PASS' if ok else 'FAIL'}")
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "requests": args.requests,
                    "concurrency": args.concurrency,
                    "warmup": args.warmup,
                    "rounds": args.rounds,
                    "with_logs": args.with_logs,
                    "summary": "median",
                    "targets": summary,
                    "per_round": rounds,
                    "ratio": ratio,
                    "target_ratio": TARGET_RATIO,
                    "pass": ok,
                },
                indent=2,
            )
            + "\n"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
