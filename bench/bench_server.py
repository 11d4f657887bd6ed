"""The webhook under load with wrk, beside a bare aiohttp handler; one worker, two, Redis, two instances.

wrk (Debian's ``wrk``; a C load generator: the Python client this bench used before capped the bare handler at
3-10k req/s and flattered the bot) POSTs Rasa webhook bodies, each from a new sender (``patient-N``, as on a
public webhook), with 1 thread and 32 connections. Two workloads:
- ``repeated``: 1,000 distinct texts cycled (an FAQ bot hears the same questions; the engine caches them);
- ``unique``: texts no server has seen before (each round of each target reads its own slice of a pool).
Targets, all started once, then measured in rounds that go round-robin over them (the order reversed every other
round), so machine noise hits every target; ratios are taken round by round and their median reported:
- ``bare``: an aiohttp app that reads the body, ``json.loads`` it and returns a fixed JSON list;
- ``w1``: ``botox-bot serve --workers 1``, shipped defaults (INFO request log line, metrics, the connection guard,
  signature-free webhook, memory store) except the two rate limits, set to 0: one load generator on loopback is
  one address sending thousands of messages a second (each sender sends one message, so its own limit never binds);
- ``w2``: ``--workers 2``: the default on this 2-core machine without ``REDIS_URL``: a private redis-server;
- ``w1r``: one worker with ``REDIS_URL`` (a redis-server this bench starts, over TCP, as on a network);
- ``i2r``: two instances (two ``serve --workers 1`` on their own ports) sharing that Redis, each driven by its
  own wrk with 16 connections, started together; their req/s are added;
- ``fixed`` (only when asked, ``--targets bare,w1,fixed``): ``w1`` with its engine replaced by one fixed reply,
  the ceiling the HTTP side leaves whatever the engine costs.
Each round: 1 s of warm-up, then ``--seconds`` counted. CPU per request is the targets' processes' user+system time
(``/proc``; Redis's own CPU apart). Targets (issue 17): w1/bare >= 0.3 unique and >= 0.6 repeated; w2/w1 >= 1.7;
w1r/w1 >= 0.9; i2r/w1 >= 1.7. Exit 1 if any request failed.

``--memory N``: one worker, the same settings; RSS after start and after every 20,000 of N new senders.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
WEBHOOK = "/webhooks/rest/webhook"
TARGETS = {"w1/bare unique": 0.3, "w1/bare repeated": 0.6, "w2/w1": 1.7, "w1r/w1": 0.9, "i2r/w1": 1.7}
POOL_PER_ROUND = 40_000  # unique texts a bot target may use in a round (more than one answers in 5 s); bare: any
REPEATED = 1000
PAIRS = {"w1/bare": ("w1", "bare"), "fixed/bare": ("fixed", "bare"), "w2/w1": ("w2", "w1"), "w1r/w1": ("w1r", "w1"),
         "i2r/w1": ("i2r", "w1"), "i2r/w1r": ("i2r", "w1r")}  # fmt: skip

LUA = r"""
-- one body a request: a new sender each time, the texts from lines [start, start+count) of a file of JSON strings
local texts, n, i, tag, limit = {}, 0, 0, "p", 0
function init(args)
  local path, start, count = args[1], tonumber(args[2]), tonumber(args[3])
  tag, limit = args[4], tonumber(args[5] or "0")
  local at = 0
  for line in io.lines(path) do
    if at >= start + count then break end
    if at >= start then texts[#texts + 1] = line end
    at = at + 1
  end
  n = #texts
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
function request()
  i = i + 1
  return wrk.format(nil, nil, nil, '{"sender":"' .. tag .. i .. '","message":' .. texts[(i - 1) % n + 1] .. '}')
end
function response(status, headers, body)
  if limit > 0 and i >= limit then wrk.thread:stop() end
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\nRESULT {"requests": %d, "duration_us": %d, "errors": %d, "status_errors": %d, "p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99)))
end
"""


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


def fixed_engine_server(port: int) -> None:
    """``botox-bot serve --workers 1`` with the engine replaced by one fixed reply: everything around the engine
    (connection guard, request wrapper, metrics, log line, body limits, validation, store, desk) still runs, so
    this is the ceiling an engine that cost nothing would leave."""
    from botox_bot.cli import main
    from botox_bot.core.engine import Engine
    from botox_bot.core.models import Reply

    fixed = Reply(intent="duration", confidence=0.9, text="About 3 to 4 months.\n\nAsk your provider.", language="en")

    async def answer(self, message, context=None):  # noqa: ARG001
        return fixed

    Engine.answer = answer  # type: ignore[method-assign]
    raise SystemExit(main(["serve", "--workers", "1", "--port", str(port)]))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def tree(pid: int) -> list[int]:
    """``pid`` and its descendants (a supervisor, its workers, a private redis-server)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def cpu_s(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def is_redis(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip().startswith("redis")
    except OSError:
        return False


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Server:
    """A target in a subprocess; a thread drains its stderr (so the pipe never fills) and keeps the tail."""

    def __init__(self, name: str, cmd: list[str], env: dict[str, str], port: int | None = None):
        self.name, self.port, self.log_bytes, self.tail = name, port or free_port(), 0, b""
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

    def wait_ready(self, timeout: float = 300) -> None:
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
            self.drain.join(2)
        why = f"exited ({self.proc.returncode})" if exited else f"not ready after {timeout:.0f} s"
        raise SystemExit(f"{self.name} {why}:\n{self.tail.decode(errors='replace')}")

    def cpu_s(self) -> tuple[float, float]:
        """(bot processes, redis-server processes) CPU seconds so far."""
        bot = redis = 0.0
        for pid in tree(self.proc.pid):
            if is_redis(pid):
                redis += cpu_s(pid)
            else:
                bot += cpu_s(pid)
        return bot, redis

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Target:
    """One or more servers measured together (``i2r``: two instances, a wrk each)."""

    def __init__(self, name: str, servers: list[Server], extra_redis_pid: int | None = None):
        self.name, self.servers, self.extra_redis_pid = name, servers, extra_redis_pid

    def cpu(self) -> tuple[float, float]:
        bot = sum(s.cpu_s()[0] for s in self.servers)
        redis = sum(s.cpu_s()[1] for s in self.servers)
        if self.extra_redis_pid:
            redis += cpu_s(self.extra_redis_pid)
        return bot, redis


def wrk(url: str, script: Path, seconds: float, connections: int, body_args: list[str]) -> subprocess.Popen:
    return subprocess.Popen(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{round(seconds)}s",
            "--timeout",
            "5s",
            "-s",
            str(script),
            url + WEBHOOK,
            "--",
        ]
        + body_args,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def result(proc: subprocess.Popen, timeout: float = 120) -> dict[str, float]:
    out, _ = proc.communicate(timeout=timeout)
    line = next((x for x in out.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        raise SystemExit(f"wrk printed no result:\n{out}")
    return json.loads(line[len("RESULT ") :])


def measure(target: Target, script: Path, body_file: Path, start: int, count: int, tag: str, seconds: float) -> dict:
    """Warm up 1 s, then ``seconds`` counted; the servers of a target are loaded at once, a wrk each with its own
    share of the texts (lines ``start`` to ``start + count``)."""
    share = count // len(target.servers)
    per = 32 // len(target.servers)

    def run(secs: float, skip: int, label: str) -> list[subprocess.Popen]:
        return [
            wrk(
                s.url,
                script,
                secs,
                per,
                [str(body_file), str(start + k * share + skip), str(share - skip), f"{label}{k}-"],
            )
            for k, s in enumerate(target.servers)
        ]

    for proc in run(1, 0, f"{tag}w"):
        result(proc)
    bot0, redis0 = target.cpu()
    outs = [result(p) for p in run(seconds, share // 4 if share > 1000 else 0, tag)]
    bot1, redis1 = target.cpu()
    requests = sum(o["requests"] for o in outs)
    duration = max(o["duration_us"] for o in outs) / 1e6
    return {
        "rps": requests / duration,
        "requests": requests,
        "p50_ms": statistics.median(o["p50_us"] for o in outs) / 1e3,
        "p99_ms": max(o["p99_us"] for o in outs) / 1e3,
        "errors": sum(o["errors"] + o["status_errors"] for o in outs),
        "cpu_ms_per_req": (bot1 - bot0) * 1e3 / max(requests, 1),
        "redis_cpu_ms_per_req": (redis1 - redis0) * 1e3 / max(requests, 1),
    }


def bodies(folder: Path, unique: int) -> tuple[Path, Path]:
    """Files of JSON-encoded texts: 1,000 repeated ones, and ``unique`` distinct ones."""
    sys.path.insert(0, str(HERE))
    from messages import messages, unique_messages

    repeated = folder / "repeated.txt"
    texts = list(dict.fromkeys(messages(20_000)))[:REPEATED]
    repeated.write_text("\n".join(json.dumps(t) for t in texts) + "\n")
    seen: dict[str, None] = {}
    seed = 0
    while len(seen) < unique:
        seen.update(dict.fromkeys(unique_messages(unique, seed=seed)))
        seed += 1
    distinct = folder / "unique.txt"
    distinct.write_text("\n".join(json.dumps(t) for t in list(seen)[:unique]) + "\n")
    return repeated, distinct


def start_redis(folder: Path) -> subprocess.Popen:
    port = free_port()
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir",
         str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as c:
                c.sendall(b"PING\r\n")
                if c.recv(16).startswith(b"+PONG"):
                    proc.url = f"redis://127.0.0.1:{port}/0"  # type: ignore[attr-defined]
                    return proc
        except OSError:
            time.sleep(0.05)
    raise SystemExit("redis-server did not start")


STORE_KEY = "bench-store-key-for-the-keyed-hashes-0123456789"  # BOTOX_BOT_STORE_KEY with REDIS_URL


def bot_env(cache: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOTOX_BOT_") and k != "REDIS_URL"}
    env.update(BOTOX_BOT_CACHE_DIR=cache, BOTOX_BOT_SHUTDOWN_TIMEOUT_SECONDS="2", BOTOX_BOT_RATE_LIMIT="0")
    env.update(BOTOX_BOT_ADDRESS_RATE_LIMIT="0", **extra)  # one load generator on loopback is many clients here
    return env


def bot(name: str, env: dict[str, str], workers: int) -> Server:
    return Server(name, [sys.executable, "-m", "botox_bot", "serve", "--workers", str(workers), "--port"], env)


def memory(args, cache: str, folder: Path) -> int:
    """RSS of one worker (the settings of ``w1``), every request a new sender and a new text."""
    _, distinct = bodies(folder, args.memory + 10_000)
    script = folder / "post.lua"
    script.write_text(LUA)
    server = bot("w1", bot_env(cache), 1)
    try:
        server.wait_ready()
        time.sleep(1)
        points = [(0, rss_mb(server.proc.pid))]
        sent = 0
        while sent < args.memory:
            step = min(20_000, args.memory - sent)
            out = result(  # wrk's own duration is only a bound: the script stops after ``step`` requests
                wrk(server.url, script, 120, 32, [str(distinct), str(sent), str(step), f"m{sent}-", str(step)]), 180
            )
            sent += step
            points.append((sent, rss_mb(server.proc.pid)))
            print(f"after {sent:>7,} new senders ({out['requests']:,} requests sent): RSS {points[-1][1]:.1f} MB")
    finally:
        server.stop()
    growth = points[-1][1] - points[1][1]
    print(f"RSS: start {points[0][1]:.1f} MB, after 20k {points[1][1]:.1f} MB, end {points[-1][1]:.1f} MB "
          f"(growth after the first 20k: {growth:+.1f} MB)")  # fmt: skip
    if args.json:
        Path(args.json).write_text(json.dumps({"rss_mb": points}, indent=2) + "\n")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds over every target (default 5)")
    parser.add_argument("--seconds", type=float, default=4, help="counted seconds a round (default 4)")
    parser.add_argument("--targets", default="bare,w1,w2,w1r,i2r", help="comma-separated (default all)")
    parser.add_argument("--workloads", default="repeated,unique", help="comma-separated (default both)")
    parser.add_argument("--memory", type=int, metavar="N", help="instead: RSS over N new senders")
    parser.add_argument("--json", metavar="FILE", help="also write every round's numbers here")
    parser.add_argument("--bare-server", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--fixed-engine-server", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_server is not None:
        bare_server(args.bare_server)
        return 0
    if args.fixed_engine_server is not None:
        fixed_engine_server(args.fixed_engine_server)
        return 0
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk)")

    folder = Path(tempfile.mkdtemp(prefix="bench-server-"))
    cache = str(folder / "cache")
    servers: list[Server] = []
    redis = None
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        subprocess.run([sys.executable, "-m", "botox_bot", "train"], env=bot_env(cache), check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        if args.memory:
            return memory(args, cache, folder)
        names = args.targets.split(",")
        workloads = args.workloads.split(",")
        repeated, distinct = bodies(folder, POOL_PER_ROUND * args.rounds * len(names))
        script = folder / "post.lua"
        script.write_text(LUA)
        if {"w1r", "i2r"} & set(names):
            redis = start_redis(folder)
        targets: dict[str, Target] = {}
        for name in names:
            if name == "bare":
                made = [Server("bare", [sys.executable, __file__, "--bare-server"], bot_env(cache))]
            elif name == "fixed":
                made = [Server("fixed", [sys.executable, __file__, "--fixed-engine-server"], bot_env(cache))]
            elif name in ("w1", "w2"):
                made = [bot(name, bot_env(cache), int(name[1]))]
            elif name == "w1r":
                made = [bot(name, bot_env(cache, REDIS_URL=redis.url, BOTOX_BOT_STORE_KEY=STORE_KEY), 1)]
            elif name == "i2r":
                made = [
                    bot(f"i2r-{k}", bot_env(cache, REDIS_URL=redis.url, BOTOX_BOT_STORE_KEY=STORE_KEY), 1)
                    for k in range(2)
                ]
            else:
                raise SystemExit(f"unknown target {name}")
            servers += made
            targets[name] = Target(name, made, redis.pid if redis and name in ("w1r", "i2r") else None)
        for server in servers:
            server.wait_ready()
        rounds: dict[str, dict[str, list[dict]]] = {w: {n: [] for n in names} for w in workloads}
        slot = 0
        for r in range(args.rounds):
            order = names if r % 2 == 0 else names[::-1]
            for workload in workloads:
                for name in order:
                    if workload == "repeated":
                        start, count = 0, REPEATED
                    elif name == "bare":  # nothing cached: any texts do
                        start, count = 0, POOL_PER_ROUND
                    else:
                        start, count = slot * POOL_PER_ROUND, POOL_PER_ROUND
                        slot += 1
                    row = measure(targets[name], script, distinct if workload == "unique" else repeated, start,
                                  count, f"{workload[0]}{r}{name}-", args.seconds)  # fmt: skip
                    rounds[workload][name].append(row)
                    print(f"round {r + 1} {workload:<8} {name:<5} {row['rps']:>8,.0f} req/s  "
                          f"p50 {row['p50_ms']:.1f} ms  p99 {row['p99_ms']:.1f} ms  errors {row['errors']}  "
                          f"CPU {row['cpu_ms_per_req']:.3f} ms/req", flush=True)  # fmt: skip
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        for server in servers:
            server.stop()
        if redis is not None:
            redis.terminate()
            redis.wait(5)
        shutil.rmtree(folder, ignore_errors=True)
    return report(args, rounds)


def paired(rows_a: list[dict], rows_b: list[dict]) -> list[float]:
    return [a["rps"] / b["rps"] for a, b in zip(rows_a, rows_b)]


def report(args, rounds: dict[str, dict[str, list[dict]]]) -> int:
    print(f"\nmedians of {args.rounds} rounds (min-max); wrk 1 thread, 32 connections, {args.seconds:g} s a round")
    print(f"{'workload':<9}{'target':<7}{'req/s':>18}{'p50 ms':>8}{'p99 ms':>8}{'errors':>8}{'CPU ms/req':>12}"
          f"{'redis ms/req':>13}")  # fmt: skip
    errors = 0
    for workload, by_target in rounds.items():
        for name, rows in by_target.items():
            rps = [r["rps"] for r in rows]
            errors += sum(r["errors"] for r in rows)
            print(f"{workload:<9}{name:<7}{statistics.median(rps):>8,.0f} ({min(rps):,.0f}-{max(rps):,.0f})"
                  f"{statistics.median(r['p50_ms'] for r in rows):>8.1f}"
                  f"{statistics.median(r['p99_ms'] for r in rows):>8.1f}{sum(r['errors'] for r in rows):>8}"
                  f"{statistics.median(r['cpu_ms_per_req'] for r in rows):>12.3f}"
                  f"{statistics.median(r['redis_cpu_ms_per_req'] for r in rows):>13.3f}")  # fmt: skip
    ratios = {}
    print("\nratios, paired round by round: median (min-max), target")
    for workload, by_target in rounds.items():
        for label, (a, b) in PAIRS.items():
            if a in by_target and b in by_target:
                values = paired(by_target[a], by_target[b])
                key = f"{label} {workload}" if label == "w1/bare" else label
                target = TARGETS.get(key)
                ratios[f"{label} {workload}"] = values
                verdict = "" if target is None else (" PASS" if statistics.median(values) >= target else " FAIL")
                print(f"  {label:<11}{workload:<9}{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"
                      f"{'' if target is None else f'  >= {target}'}{verdict}")  # fmt: skip
    if args.json:
        Path(args.json).write_text(json.dumps({"rounds": rounds, "ratios": ratios}, indent=2) + "\n")
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
