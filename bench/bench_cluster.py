"""Two instances sharing Redis, under a mixed load and then under faults (``python bench/bench_cluster.py [--faults]``).

All on 127.0.0.1: a ``redis-server`` of its own (no persistence), a mock Slack Web API in this process (it
answers ``auth.test`` and records every ``chat.postMessage``), and two ``botox-bot serve`` processes with the
same ``REDIS_URL``, with Slack and Twilio configured. This process is the clients and the load balancer in
front of them: round-robin, and a request whose connection fails (refused, reset, dropped) is sent once to the
other instance, as nginx's ``proxy_next_upstream`` does. That counts as "failed over", not as an error; an
error is a request that ends with no 2xx, or a 5xx, or no answer at all within 10 s ("gave up").

Load (default): a warm-up (300, not counted), then ``--requests`` at ``--concurrency``, rate limit off: ~50%
webhook questions (``bench/messages.py``, 300 senders), ~25% signed Slack ``app_mention`` events (unique
``event_id`` and ``ts``; ~20% delivered again, right after the first delivery's ack, to the *other* instance
with ``X-Slack-Retry-Num: 1``), ~25% signed Twilio SMS. Reports count, req/s, p50, p99 and errors per kind;
then, 1 s after the last request, the replies the mock got per event (matched by ``thread_ts`` = the mention's
``ts``); and each instance's RSS (``VmRSS``) after the warm-up and at the end.
Targets: no errors; no duplicate Slack reply (and none missing: an acked event never answered is lost);
RSS flat, taken as growth < 15 MB or < 10% of the start (either passes). Exit 1 otherwise.

Faults (``--faults``): four phases, each under a steady background of webhook questions from fresh senders
(``--rate`` a second, sent on a clock, not when the last one returns), each reporting what happened to every
request (2xx, 429, other 4xx, 5xx, gave up; and how many failed over) before, during and after the fault:
1. Redis killed (SIGKILL) for 3 s, then started again on its port; ``/readyz`` of both polled every 0.1 s.
   64 questions at once before the kill and 3 s after the restart: connections pooled before the kill are
   stale after it, and a busy moment is when an instance reaches for them.
2. Instance b killed (SIGKILL); started again 3 s later on its port and kept out of rotation until its
   ``/readyz`` is 200 (as a readiness probe would); then a choice asked on one instance is answered "1" on the
   other, both ways, to show the context is shared.
3. 50 raw connections send headers (Content-Length: 1000) and 100 bytes of body, then stall. The pair runs
   with ``BOTOX_BOT_REQUEST_TIMEOUT_SECONDS=2`` when the bot has that setting.
4. One sender floods 500 messages at concurrency 16 across both instances, the pair restarted with the rate
   limit at 20 a minute: 20 should get 200 in all (the count is shared), the rest 429.
Faults report; they fail (exit 1) only if a request got a 5xx or was lost (gave up).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_server import Server, free_port, pct  # noqa: E402
from bench_slack import mock_slack_api  # noqa: E402
from messages import messages  # noqa: E402

WEBHOOK, SLACK, SMS = "/webhooks/rest/webhook", "/slack/events", "/twilio/sms"
SLACK_SECRET, TWILIO_TOKEN = "bench-signing-secret", "bench-twilio-token"
MAX_GROWTH_MB, MAX_GROWTH_PCT = 15.0, 10.0
KINDS = ("webhook", "slack", "slack retry", "sms")
CLASSES = ("2xx", "429", "4xx", "5xx", "gave up")
EVENTS = itertools.count(1)  # Slack event numbers: unique over warm-up and run
JSON = {"Content-Type": "application/json"}


class Instance(Server):
    """``botox-bot serve`` on a given port (a restart keeps its address) or a free one."""

    def __init__(self, name: str, env: dict[str, str], port: int | None = None):
        self.name, self.port, self.log_bytes, self.tail, self.env = name, port or free_port(), 0, b"", env
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "botox_bot", "serve", "--port", str(self.port)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        self.drain = threading.Thread(target=self._drain, daemon=True)
        self.drain.start()

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")


class Redis:
    def __init__(self):
        self.binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.port, self.proc = free_port(), None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                tempfile.gettempdir(),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(200):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("redis-server did not start")

    def stop(self) -> None:  # SIGKILL: a crash, and the fault phase's way to stop it
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


# -- requests: each a function of the instance's base URL (a Twilio signature covers the URL) -----------
def webhook(sender: str, text: str):
    body = json.dumps({"sender": sender, "message": text}).encode()
    return lambda base: (WEBHOOK, body, JSON)


def slack_event(n: int, user: str, text: str, retry: bool = False):
    from slack_sdk.signature import SignatureVerifier

    ts = f"{1_700_000_000 + n}.000100"
    body = json.dumps(
        {
            "token": "x",
            "team_id": "T0",
            "api_app_id": "A0",
            "type": "event_callback",
            "event_id": f"Ev{n:010d}",
            "event_time": 1_700_000_000 + n,
            "authorizations": [{"team_id": "T0", "user_id": "U0BOT", "is_bot": True}],
            "event": {
                "type": "app_mention",
                "user": user,
                "text": f"<@U0BOT> {text}",
                "ts": ts,
                "channel": "C0FRONT",
                "event_ts": ts,
            },
        }
    ).encode()
    signer = SignatureVerifier(SLACK_SECRET)

    def request(base):
        stamp = str(int(time.time()))
        headers = {
            **JSON,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signer.generate_signature(timestamp=stamp, body=body),
        }
        if retry:
            headers.update({"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
        return SLACK, body, headers

    return request, ts


def sms(n: int, sender: str, text: str):
    from twilio.request_validator import RequestValidator

    params = {
        "MessageSid": f"SM{n:032x}",
        "AccountSid": "AC" + "0" * 32,
        "From": sender,
        "To": "+15550100000",
        "Body": text,
        "NumMedia": "0",
    }
    validator = RequestValidator(TWILIO_TOKEN)
    return lambda base: (SMS, params, {"X-Twilio-Signature": validator.compute_signature(base + SMS, params)})


# -- the load balancer ----------------------------------------------------------------------------------
@dataclass
class Outcome:
    kind: str
    status: int | None  # None: no answer (gave up)
    seconds: float
    at: float  # sent, seconds after the balancer's t0
    failed_over: bool
    instance: int  # the one that answered (or was tried last)

    @property
    def cls(self) -> str:
        if self.status is None or self.status == 429:
            return "gave up" if self.status is None else "429"
        return "2xx" if self.status < 300 else "5xx" if self.status >= 500 else "4xx"


class Balancer:
    def __init__(self, session, instances: list[Instance]):
        self.session, self.instances = session, instances
        self.in_rotation, self._next, self.t0 = [True] * len(instances), 0, time.perf_counter()
        self.log: list[Outcome] = []  # every request's outcome, since the phase began

    def now(self) -> float:
        return time.perf_counter() - self.t0

    def pick(self) -> int:
        for _ in self.instances:
            i, self._next = self._next, (self._next + 1) % len(self.instances)
            if self.in_rotation[i]:
                return i
        return i

    async def post(self, kind: str, request, to: int | None = None) -> Outcome:
        import aiohttp

        first = self.pick() if to is None else to
        start, status, over, target = time.perf_counter(), None, False, first
        for attempt, target in enumerate((first, (first + 1) % len(self.instances))):
            over = attempt > 0
            base = self.instances[target].url
            path, body, headers = request(base)
            try:
                async with self.session.post(base + path, data=body, headers=headers) as response:
                    await response.read()
                    status = response.status
                break
            except TimeoutError:  # no answer in time: not retried (it may still be working)
                break
            except aiohttp.ClientConnectionError:  # refused, reset, dropped: once more, on the other one
                continue
        self.log.append(Outcome(kind, status, time.perf_counter() - start, start - self.t0, over, target))
        return self.log[-1]


def tally(outcomes: list[Outcome]) -> dict:
    classes = Counter(o.cls for o in outcomes)
    times = [o.seconds * 1e3 for o in outcomes if o.status is not None]
    return {
        "requests": len(outcomes),
        **{c: classes[c] for c in CLASSES},
        "failed_over": sum(o.failed_over for o in outcomes),
        "p50_ms": pct(times, 0.5) if times else float("nan"),
        "p99_ms": pct(times, 0.99) if times else float("nan"),
    }


def bot_env(redis: Redis, api_url: str, rate_limit: int = 0, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOTOX_BOT_", "SLACK_", "TWILIO_", "REDIS_"))}
    return {
        **env,
        "REDIS_URL": redis.url,
        "BOTOX_BOT_STORE_KEY": "bench-store-key-for-the-keyed-hashes-0123456789",
        "BOTOX_BOT_RATE_LIMIT": str(rate_limit),
        "BOTOX_BOT_ADDRESS_RATE_LIMIT": "0",  # one load generator on loopback is many clients here
        "BOTOX_BOT_LOG_LEVEL": "WARNING",
        "BOTOX_BOT_SHUTDOWN_TIMEOUT_SECONDS": "2",
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SLACK_SECRET,
        "SLACK_API_BASE_URL": api_url,
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        **extra,
    }


async def start_pair(env: dict[str, str], procs: list, ports=(None, None)) -> list[Instance]:
    pair = [Instance(name, env, port) for name, port in zip("ab", ports)]
    procs.extend(pair)
    await asyncio.gather(*(asyncio.to_thread(i.wait_ready) for i in pair))
    return pair


# -- load -----------------------------------------------------------------------------------------------
def make_mix(n: int, seed: int) -> tuple[list[tuple], list[str]]:
    """(kind, request, retry request or None) items, and the ``ts`` of every Slack event among them."""
    rng, items, stamps = random.Random(seed), [], []
    for i, text in enumerate(messages(n, seed)):
        r, who = rng.random(), i % 300
        if r < 0.5:
            items.append(("webhook", webhook(f"patient-{who}", text), None))
        elif r < 0.75:
            number = next(EVENTS)
            request, ts = slack_event(number, f"U{who:04d}", text)
            retry = slack_event(number, f"U{who:04d}", text, retry=True)[0] if rng.random() < 0.2 else None
            items.append(("slack", request, retry))
            stamps.append(ts)
        else:
            items.append(("sms", sms(i, f"+1555{who:07d}", text), None))
    return items, stamps


async def run_mix(bal: Balancer, items: list[tuple], concurrency: int) -> tuple[list[Outcome], float]:
    outcomes: list[Outcome] = []
    queue = iter(items)

    async def worker() -> None:
        for kind, request, retry in queue:
            outcomes.append(await bal.post(kind, request))
            if retry is not None:  # Slack thinks the first was lost: it redelivers, here to the other one
                outcomes.append(await bal.post("slack retry", retry, to=(outcomes[-1].instance + 1) % 2))

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return outcomes, time.perf_counter() - start


async def load(args, session, redis, api_url, posts, procs) -> tuple[dict, bool]:
    pair = await start_pair(bot_env(redis, api_url), procs)
    bal = Balancer(session, pair)
    warm_items, stamps = make_mix(300, seed=1)
    await run_mix(bal, warm_items, args.concurrency)
    rss_start, cpu_start = [i.rss_mb() for i in pair], sum(i.cpu_s() for i in pair)
    items, run_stamps = make_mix(args.requests, seed=7)
    outcomes, wall = await run_mix(bal, items, args.concurrency)
    cpu_ms = (sum(i.cpu_s() for i in pair) - cpu_start) * 1e3 / len(outcomes)
    await asyncio.sleep(1)  # replies to the last events are posted after their acks
    rss_end = [i.rss_mb() for i in pair]

    kinds = {k: tally([o for o in outcomes if o.kind == k]) for k in KINDS}
    kinds["all"] = tally(outcomes)
    for row in kinds.values():
        row["rps"], row["errors"] = row["requests"] / wall, row["requests"] - row["2xx"]
    stamps += run_stamps
    known = set(stamps)
    replies = Counter(p["thread_ts"] for p in posts)
    slack = {
        "events": len(stamps),
        "redelivered": sum(o.kind == "slack retry" for o in outcomes),
        "posts": len(posts),
        "duplicates": sum(max(0, replies[ts] - 1) for ts in stamps),
        "missing": sum(replies[ts] == 0 for ts in stamps),
        "unmatched": sum(c for ts, c in replies.items() if ts not in known),
    }
    memory = [
        {"instance": i.name, "start_mb": s, "end_mb": e, "growth_mb": e - s, "growth_pct": (e - s) / s * 100}
        for i, s, e in zip(pair, rss_start, rss_end)
    ]

    print(
        f"load: {args.requests:,} requests (+ Slack redeliveries) at concurrency {args.concurrency} over 2 "
        f"instances sharing Redis, in {wall:.1f} s; server CPU {cpu_ms:.2f} ms a request (both instances)"
    )
    print(f"{'kind':<12}{'requests':>9}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'errors':>7}{'failed over':>12}")
    for kind, r in kinds.items():
        print(
            f"{kind:<12}{r['requests']:>9,}{r['rps']:>8,.0f}{r['p50_ms']:>8.1f}{r['p99_ms']:>8.1f}{r['errors']:>7}"
            f"{r['failed_over']:>12}"
        )
    statuses = Counter(o.status for o in outcomes if o.cls != "2xx")
    if statuses:
        print(f"  not 2xx, by status: {dict(statuses)}")
    print(
        f"Slack: {slack['events']:,} events (warm-up included), {slack['redelivered']:,} redelivered to the other "
        f"instance; {slack['posts']:,} chat.postMessage: duplicates {slack['duplicates']}, missing "
        f"{slack['missing']}, matching no event {slack['unmatched']}"
    )
    print(f"{'instance':<10}{'RSS start MB':>13}{'RSS end MB':>11}{'growth MB':>10}{'growth %':>9}")
    for m in memory:
        print(
            f"{m['instance']:<10}{m['start_mb']:>13.1f}{m['end_mb']:>11.1f}{m['growth_mb']:>10.1f}"
            f"{m['growth_pct']:>9.1f}"
        )
    flat = all(m["growth_mb"] < MAX_GROWTH_MB or m["growth_pct"] < MAX_GROWTH_PCT for m in memory)
    ok = kinds["all"]["errors"] == 0 and slack["duplicates"] == 0 and slack["missing"] == 0 and flat
    print(
        f"targets: errors 0 (got {kinds['all']['errors']}), duplicate and missing Slack replies 0 (got "
        f"{slack['duplicates']}, {slack['missing']}), RSS growth < {MAX_GROWTH_MB:.0f} MB or < "
        f"{MAX_GROWTH_PCT:.0f}% per instance ({'yes' if flat else 'no'}): {'PASS' if ok else 'FAIL'}"
    )
    return {
        "requests": args.requests,
        "concurrency": args.concurrency,
        "wall_s": wall,
        "cpu_ms_per_req": cpu_ms,
        "kinds": kinds,
        "slack": slack,
        "memory": memory,
        "pass": ok,
    }, ok


# -- faults ---------------------------------------------------------------------------------------------
async def background(bal: Balancer, rate: float, tag: str, stop: asyncio.Event) -> None:
    """Webhook questions from fresh senders, ``rate`` a second on a clock, until ``stop``."""
    texts, tasks, due = messages(1000, seed=3), [], time.perf_counter()
    for n in itertools.count():
        if stop.is_set():
            break
        tasks.append(asyncio.create_task(bal.post("webhook", webhook(f"bg-{tag}-{n}", texts[n % 1000]))))
        due = max(due + 1 / rate, time.perf_counter() - 0.1)  # behind by more than 0.1 s: do not burst
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
    await asyncio.gather(*tasks)


async def burst(bal: Balancer, n: int = 64) -> None:
    """``n`` questions at once from fresh senders: each instance's Redis pool grows to about ``n/2`` connections."""
    await asyncio.gather(
        *(bal.post("burst", webhook(f"burst-{time.time_ns()}-{i}", "how long does botox last?")) for i in range(n))
    )


async def phase(bal: Balancer, rate: float, tag: str, script) -> tuple[dict, list[Outcome], object]:
    """Run ``script(mark)`` under the background load; ``mark(name)`` starts a new window of the report.

    The windows count every request but the flood's (fault 4 reports those apart)."""
    bal.t0, bal.log, marks, stop = time.perf_counter(), [], [("before", 0.0)], asyncio.Event()
    task = asyncio.create_task(background(bal, rate, tag, stop))
    try:
        extra = await script(lambda name: marks.append((name, bal.now())))
    finally:
        stop.set()
        await task
    bounds, others = [*marks, ("", float("inf"))], [o for o in bal.log if o.kind != "flood"]
    windows = {
        name: {"from_s": start, **tally([o for o in others if start <= o.at < end])}
        for (name, start), (_, end) in zip(bounds, bounds[1:])
    }
    return windows, bal.log, extra


def print_windows(title: str, windows: dict) -> None:
    print(f"\n{title}")
    print(
        f"{'window':<14}{'from s':>7}{'requests':>9}"
        + "".join(f"{c:>8}" for c in CLASSES)
        + f"{'failed over':>12}{'p50 ms':>8}{'p99 ms':>8}"
    )
    for name, w in windows.items():
        print(
            f"{name:<14}{w['from_s']:>7.1f}{w['requests']:>9,}"
            + "".join(f"{w[c]:>8}" for c in CLASSES)
            + f"{w['failed_over']:>12}{w['p50_ms']:>8.1f}{w['p99_ms']:>8.1f}"
        )


async def poll_ready(session, bal: Balancer, stop: asyncio.Event, polls: list) -> None:
    import aiohttp

    while not stop.is_set():
        for i, inst in enumerate(list(bal.instances)):
            try:
                async with session.get(inst.url + "/readyz", timeout=aiohttp.ClientTimeout(total=1)) as r:
                    polls.append((bal.now(), i, r.status, (await r.json(content_type=None)).get("degraded")))
            except (TimeoutError, aiohttp.ClientError, ValueError):
                polls.append((bal.now(), i, None, None))
        await asyncio.sleep(0.1)


async def redis_phase(bal, session, redis, rate) -> dict:
    polls: list = []

    async def script(mark):
        stop = asyncio.Event()
        poller = asyncio.create_task(poll_ready(session, bal, stop, polls))
        await burst(bal)  # a busy moment before: pooled connections to Redis, which its death leaves stale
        await asyncio.sleep(3)
        redis.stop()
        mark("redis down")
        killed = bal.now()
        await asyncio.sleep(3)
        await asyncio.to_thread(redis.start)
        mark("redis back")
        back = bal.now()
        await asyncio.sleep(3)
        mark("burst")
        await burst(bal)  # a busy moment after: does it reach a stale connection?
        await asyncio.sleep(3)
        stop.set()
        await poller
        return killed, back

    windows, log, (killed, back) = await phase(bal, rate, "redis", script)
    print_windows(
        f"fault 1: Redis killed at {killed:.1f} s, started again (answering PING) at {back:.1f} s; "
        "64 questions at once at the start and 3 s after the restart",
        windows,
    )
    ready = {}
    for i, inst in enumerate(bal.instances):
        mine = [(t, status, degraded) for t, j, status, degraded in polls if j == i]
        down = next((t for t, _, d in mine if d and t >= killed), None)
        up = next((t for t, _, d in mine if t >= back and d is False), None)
        again = sum(1 for (t, _, a), (_, _, b) in zip(mine, mine[1:]) if up and t >= up and a is False and b)
        after = sum(t2 - t for (t, _, d), (t2, _, _) in zip(mine, mine[1:]) if d and t >= back)
        r = ready[inst.name] = {
            "polls": len(mine),
            "not_200": sum(s != 200 for _, s, _ in mine),
            "degraded_after_kill_s": None if down is None else down - killed,
            "not_degraded_after_restart_s": None if up is None else up - back,
            "degraded_again_times": again,
            "degraded_since_restart_s": after,
        }
        print(
            f"  /readyz {inst.name}: {r['polls']} polls, {r['not_200']} not 200; degraded "
            + ("never" if down is None else f"{down - killed:.2f} s after the kill")
            + ("; degraded until the end" if up is None else f"; not degraded {up - back:.2f} s after the restart")
            + f", then degraded again {again} time(s): {after:.1f} s degraded in all since the restart"
        )
    return {"windows": windows, "readyz": ready}


async def ask(session, inst: Instance, sender: str, text: str) -> dict:
    async with session.post(inst.url + WEBHOOK, json={"sender": sender, "message": text}) as r:
        return (await r.json())[0]


async def kill_phase(bal, session, rate, procs) -> dict:
    async def script(mark):
        await asyncio.sleep(3)
        victim = bal.instances[1]
        victim.proc.kill()
        mark("b killed")
        await asyncio.sleep(3)
        bal.in_rotation[1] = False  # the readiness probe keeps it out until it is ready
        started = time.perf_counter()
        bal.instances[1] = Instance("b", victim.env, victim.port)
        procs.append(bal.instances[1])
        await asyncio.to_thread(bal.instances[1].wait_ready)
        bal.in_rotation[1] = True
        mark("b back")
        ready_s = time.perf_counter() - started
        await asyncio.sleep(3)
        return ready_s

    windows, _, ready_s = await phase(bal, rate, "kill", script)
    print_windows("fault 2: instance b killed (SIGKILL); started again 3 s later, in rotation once ready", windows)
    print(f"  restarted b ready in {ready_s:.2f} s (under the background load)")
    checks = []
    for first, second in ((0, 1), (1, 0)):
        sender = f"ctx-{first}{second}-{time.time_ns()}"
        offer = await ask(session, bal.instances[first], sender, "how often side effects")
        pick = await ask(session, bal.instances[second], sender, "1")
        expected = (offer.get("buttons") or [{}])[0].get("payload", "").lstrip("/") or None
        got = pick["custom"]["intent"]
        checks.append(
            {
                "asked_on": "ab"[first],
                "answered_on": "ab"[second],
                "offered": expected,
                "got": got,
                "shared": expected is not None and got == expected,
            }
        )
        print(
            f"  choice offered by {'ab'[first]} ({expected}), '1' sent to {'ab'[second]}: got {got} -> "
            + ("context shared" if checks[-1]["shared"] else "NOT shared" if expected else "no choice offered")
        )
    return {"windows": windows, "restart_ready_s": ready_s, "shared_context": checks}


async def stall(port: int, hold: float) -> dict:
    """Half a request (100 of 1,000 body bytes), then silence: when does the server answer or let go?"""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        f"POST {WEBHOOK} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: 1000\r\n\r\n".encode()
        + (b'{"sender": "slow", "message": "' + b"x" * 100)[:100]
    )
    await writer.drain()
    opened, status, answered, closed = time.perf_counter(), None, None, None
    try:
        chunk = await asyncio.wait_for(reader.read(65536), hold)
        if chunk:
            status, answered = int(chunk.split(b" ", 2)[1]), time.perf_counter() - opened
        while chunk:
            chunk = await asyncio.wait_for(reader.read(65536), max(0.01, opened + hold - time.perf_counter()))
        closed = time.perf_counter() - opened
    except (TimeoutError, OSError, ValueError, IndexError):
        pass
    finally:
        writer.close()
    return {"status": status, "answered_s": answered, "closed_s": closed}


async def stall_phase(bal, rate, n: int = 50, hold: float = 15.0) -> dict:
    async def script(mark):
        await asyncio.sleep(4)
        mark("stalled")
        results = await asyncio.gather(*(stall(bal.instances[i % 2].port, hold) for i in range(n)))
        mark("after")
        await asyncio.sleep(2)
        return results

    windows, _, stalled = await phase(bal, rate, "stall", script)
    print_windows(f"fault 3: {n} clients send half a request and stall (held up to {hold:.0f} s)", windows)
    answered = sorted(s["answered_s"] for s in stalled if s["answered_s"] is not None)
    closed = sorted(s["closed_s"] for s in stalled if s["closed_s"] is not None)
    span = lambda xs: f"{xs[0]:.2f}-{xs[-1]:.2f} s after stalling" if xs else "never"  # noqa: E731
    print(
        f"  stalled connections: status {dict(Counter(s['status'] for s in stalled))}, answered {span(answered)}; "
        f"{len(closed)} of {n} closed by the server, {span(closed)}"
    )
    print(
        f"  the load's p99: {windows['before']['p99_ms']:.1f} ms before, {windows['stalled']['p99_ms']:.1f} ms "
        f"while stalled"
    )
    return {"windows": windows, "stalled": stalled}


async def flood_phase(bal, rate, limit: int, n: int = 500, concurrency: int = 16) -> dict:
    cpu = lambda: sum(i.cpu_s() for i in bal.instances)  # noqa: E731

    async def script(mark):
        texts, queue, out, cpu_before = messages(n, seed=5), iter(range(n)), [], cpu()
        await asyncio.sleep(3)
        mark("flood")
        cpu_flood, started = cpu(), time.perf_counter()

        async def worker():
            for i in queue:
                out.append(await bal.post("flood", webhook("flood-1", texts[i])))

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        mark("after")
        spent = (time.perf_counter() - started, cpu_flood - cpu_before, cpu() - cpu_flood)
        await asyncio.sleep(3)
        return out, spent

    windows, _, (flood, (wall, cpu_bg, cpu_flood)) = await phase(bal, rate, "flood", script)
    print_windows(
        f"fault 4: one sender sends {n} messages at concurrency {concurrency}, rate limit {limit}/min "
        "(windows: the other senders)",
        windows,
    )
    t = tally(flood)
    per = {inst.name: sum(o.instance == i and o.cls == "2xx" for o in flood) for i, inst in enumerate(bal.instances)}
    print(
        f"  flood sender: {t['2xx']} got 200 ({', '.join(f'{k}: {v}' for k, v in per.items())}; limit {limit} "
        f"shared), {t['429']} got 429, other {t['requests'] - t['2xx'] - t['429']}; p50 {t['p50_ms']:.1f} ms, "
        f"p99 {t['p99_ms']:.1f} ms; the flood took {wall:.2f} s ({n / wall:,.0f} req/s)"
    )
    # server CPU (both instances): a background answer, from the window before; a flood request, the rest
    answer_ms = cpu_bg * 1e3 / max(1, windows["before"]["requests"])
    flood_ms = (cpu_flood * 1e3 - answer_ms * windows["flood"]["requests"]) / n
    print(
        f"  server CPU: {answer_ms:.2f} ms an answered question (before), about {flood_ms:.2f} ms a flood request "
        f"(mostly 429s)"
    )
    return {
        "windows": windows,
        "flood": {
            **t,
            "2xx_per_instance": per,
            "wall_s": wall,
            "cpu_ms_per_answer": answer_ms,
            "cpu_ms_per_flood_request": flood_ms,
        },
    }


async def faults(args, session, redis, api_url, procs) -> tuple[dict, bool]:
    from botox_bot.settings import Settings

    extra = {}
    if "request_timeout_seconds" in Settings.model_fields:
        extra["BOTOX_BOT_REQUEST_TIMEOUT_SECONDS"] = "2"
    print(
        f"faults: background {args.rate:.0f} webhook questions/s from fresh senders; request timeout "
        + ("2 s" if extra else "not a setting of this bot")
    )
    env, started = bot_env(redis, api_url, **extra), time.perf_counter()
    bal = Balancer(session, await start_pair(env, procs))
    print(f"pair ready in {time.perf_counter() - started:.2f} s")
    for _ in range(4):  # warm-up, not counted (a new instance's first requests are slower)
        await burst(bal)
    logs: list[Outcome] = []
    report = {"redis": await redis_phase(bal, session, redis, args.rate)}
    logs += bal.log
    report["kill"] = await kill_phase(bal, session, args.rate, procs)
    logs += bal.log
    report["stall"] = await stall_phase(bal, args.rate)
    logs += bal.log
    for inst in bal.instances:
        inst.stop()
    ports = [i.port for i in bal.instances]
    bal.instances[:] = await start_pair(bot_env(redis, api_url, args.flood_limit, **extra), procs, ports)
    for _ in range(4):
        await burst(bal)
    report["flood"] = await flood_phase(bal, args.rate, args.flood_limit)
    bad = sum(o.cls in ("5xx", "gave up") for o in logs + bal.log)
    shared = all(c["shared"] for c in report["kill"]["shared_context"])
    print(
        f"\nfaults: {bad} request(s) with a 5xx or lost; context shared after the restart: "
        f"{'yes' if shared else 'NO'}: {'PASS' if bad == 0 else 'FAIL'}"
    )
    return {**report, "lost_or_5xx": bad, "pass": bad == 0}, bad == 0


async def main_async(args, procs: list) -> int:
    import aiohttp

    # SIGTERM as asyncio.run treats Ctrl-C: cancel, so every ``finally`` runs and main() stops the processes
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, asyncio.current_task().cancel)
    posts: list[dict] = []
    runner, api_url = await mock_slack_api(posts)
    redis = Redis()
    procs.append(redis)
    redis.start()
    try:
        async with aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=512), timeout=aiohttp.ClientTimeout(total=10)
        ) as session:
            if args.faults:
                report, ok = await faults(args, session, redis, api_url, procs)
            else:
                report, ok = await load(args, session, redis, api_url, posts, procs)
    finally:
        await runner.cleanup()
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=6000, help="counted requests of the mix (default 6000)")
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight (default 32)")
    parser.add_argument("--faults", action="store_true", help="run the four fault phases instead of the load")
    parser.add_argument("--rate", type=float, default=200, help="faults: background requests a second (default 200)")
    parser.add_argument("--flood-limit", type=int, default=20, help="faults: rate limit in the flood phase (20)")
    parser.add_argument("--json", metavar="FILE", help="also write the numbers here")
    args = parser.parse_args()
    procs: list = []
    try:
        return asyncio.run(main_async(args, procs))
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        for proc in reversed(procs):
            proc.stop()


if __name__ == "__main__":
    raise SystemExit(main())
