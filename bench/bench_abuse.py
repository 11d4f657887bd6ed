"""A patient's emergency answer time while one client abuses the server (``python bench/bench_abuse.py``).

One real ``botox-bot serve`` in a subprocess on 127.0.0.1 (a webhook secret set, logs at WARNING), and two
parties with addresses of their own on loopback, each in a process of its own (so the abuser's work never delays
the patient's clock):

- **patients** (127.0.1.x, a new address each time): a signed emergency ("my throat is closing after botox")
  on a new connection every 50 ms, answered or not within 10 s; five first, not counted (warm-up);
- **one abuser** (127.0.0.x, a new address for each scenario, so no scenario inherits another's rate-limit
  window), one scenario after the other, each a fixed amount of work:
  ``baseline`` nothing; ``flood`` 3,000 signed messages, each from a sender it invents (8 connections);
  ``mint`` 600 page loads, each minting a sender and web token, and a message with each (8 connections);
  ``compressed`` 24 bodies of 1 MB gzip that inflate to 1 GB each, 8 at a time, to ``/healthz`` and the webhook;
  ``stall`` 1,000 connections that send half a request head and wait (300 with ``--nofile 256``).

For each scenario: the emergency's p50 / p99 / max, emergencies not answered, 5xx seen by either party, what the
abuser's requests got, the server's CPU seconds and the log lines it wrote. Target: p99 <= 100 ms throughout,
no 5xx, every emergency answered (exit 1 otherwise).

``--source DIR`` runs the server from another checkout (``git worktree add /tmp/before <commit>``) to measure
a release before a fix against the same scenarios; ``--nofile N`` starts it with that descriptor limit (the
review's low-limit case). Loopback only: nothing leaves the machine. Timings move with the machine's load:
compare runs made back to back.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import itertools
import json
import os
import re
import resource
import socket
import statistics
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

HOOK = "/webhooks/rest/webhook"
SECRET = "bench-abuse-webhook-secret-0123456789abcdefghij"
PATIENTS = [f"127.0.1.{n}" for n in range(1, 255)]  # patients, each emergency from an address of its own
ABUSERS = {name: f"127.0.0.{n}" for n, name in enumerate(["baseline", "flood", "mint", "compressed", "stall"], 10)}
EMERGENCY = "my throat is closing after botox"
PROBE_EVERY = 0.05
PROBE_TIMEOUT = 10.0
MIN_PROBES = 100
TARGET_P99_MS = 100.0
REPO = Path(__file__).resolve().parent.parent


def signed(body: bytes) -> dict[str, str]:
    ts = str(int(time.time()))
    mac = hmac.new(SECRET.encode(), f"v1:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Botox-Timestamp": ts, "X-Botox-Signature": f"v1={mac}", "Content-Type": "application/json"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


# -- the server ----------------------------------------------------------------------------------------
class Server:
    def __init__(self, source: Path, nofile: int | None, settings: list[str]):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BOTOX_BOT_", "SLACK_", "TWILIO_", "REDIS_"))}
        env.update(
            PYTHONPATH=str(source),
            BOTOX_BOT_WEBHOOK_SECRET=SECRET,
            BOTOX_BOT_LOG_LEVEL="WARNING",
            BOTOX_BOT_COUNTRY="US",
            BOTOX_BOT_SHUTDOWN_TIMEOUT_SECONDS="2",
        )
        env.update(item.split("=", 1) for item in settings)

        def limit() -> None:
            if nofile:
                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

        self.port = free_port()  # chosen here: at WARNING the server does not log where it listens
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "botox_bot", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=source,
            env=env,
            stderr=subprocess.PIPE,
            preexec_fn=limit,
        )
        self.lines = 0
        self.bytes = 0
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines += 1
            self.bytes += len(line)

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=2) as conn:
                    conn.sendall(b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    if b" 200 " in conn.recv(64):
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("the server never got ready")

    def cpu_s(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# -- raw HTTP, from a chosen source address ---------------------------------------------------------------
async def connect(port: int, source: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))


def request(method: str, path: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = re.search(rb"(?i)content-length: *(\d+)", head)
    body = await reader.readexactly(int(length[1])) if length else b""
    return status, body


async def exchange(port: int, source: str, data: bytes) -> tuple[int, bytes]:
    reader, writer = await connect(port, source)
    try:
        writer.write(data)
        await writer.drain()
        return await read_response(reader)
    finally:
        writer.close()


_PATIENT_IDS = itertools.count(1)


# -- the patient ----------------------------------------------------------------------------------------
class Patient:
    def __init__(self, port: int):
        self.port = port
        self.times: list[float] = []
        self.failed = 0
        self.why: dict[str, int] = {}
        self.server_errors = 0
        self._n = 0

    async def probe(self) -> None:
        self._n = next(_PATIENT_IDS)  # never the same body twice: a signature is taken once (a replay is a 401)
        body = json.dumps({"sender": f"patient-{self._n}", "message": EMERGENCY}).encode()
        source = PATIENTS[self._n % len(PATIENTS)]
        started = time.perf_counter()
        try:
            async with asyncio.timeout(PROBE_TIMEOUT):
                status, answer = await exchange(self.port, source, request("POST", HOOK, signed(body), body))
        except (TimeoutError, OSError, asyncio.IncompleteReadError) as exc:
            self._fail(type(exc).__name__)
            return
        self.server_errors += status >= 500
        if status == 200 and json.loads(answer)[0]["custom"]["emergency"]:
            self.times.append(time.perf_counter() - started)
        else:
            self._fail(str(status))

    def _fail(self, why: str) -> None:
        self.failed += 1
        self.why[why] = self.why.get(why, 0) + 1

    async def run_until(self, done: asyncio.Event) -> None:
        probes: list[asyncio.Task[None]] = []
        while not done.is_set() or len(probes) < MIN_PROBES:
            probes.append(asyncio.create_task(self.probe()))
            await asyncio.sleep(PROBE_EVERY)
        await asyncio.gather(*probes)


# -- the abuser -----------------------------------------------------------------------------------------
class Abuser:
    def __init__(self, port: int, stalls: int, source: str):
        self.port = port
        self.stalls = stalls
        self.source = source
        self.statuses: dict[str, int] = {}

    @staticmethod
    def _bomb() -> bytes:
        packer = zlib.compressobj(9, zlib.DEFLATED, 31)
        return b"".join(packer.compress(b"\0" * 2**20) for _ in range(1000)) + packer.flush()

    def _count(self, what: str) -> None:
        self.statuses[what] = self.statuses.get(what, 0) + 1

    async def _keepalive(self, jobs: list[bytes], connections: int) -> None:
        """``jobs`` sent over ``connections`` keep-alive connections, a new one whenever the server closes."""
        queue = list(reversed(jobs))

        async def worker() -> None:
            reader = writer = None
            while queue:
                job = queue.pop()
                try:
                    if writer is None:
                        reader, writer = await connect(self.port, self.source)
                    writer.write(job)
                    await writer.drain()
                    status, _ = await read_response(reader)
                    self._count(str(status))
                except (OSError, asyncio.IncompleteReadError):
                    self._count("closed")
                    if writer is not None:
                        writer.close()
                    reader = writer = None
            if writer is not None:
                writer.close()

        await asyncio.gather(*(worker() for _ in range(connections)))

    async def baseline(self) -> None:
        await asyncio.sleep(MIN_PROBES * PROBE_EVERY)

    async def flood(self) -> None:
        jobs = []
        for n in range(3000):
            body = json.dumps({"sender": f"invented-{n}", "message": "how long does botox last?"}).encode()
            jobs.append(request("POST", HOOK, signed(body), body))
        await self._keepalive(jobs, 8)

    async def mint(self) -> None:
        async def visit(_: int) -> None:
            try:
                status, page = await exchange(self.port, self.source, request("GET", "/", {"Connection": "close"}))
            except (OSError, asyncio.IncompleteReadError):
                self._count("closed")
                return
            self._count(f"page {status}")
            found = re.search(rb'data-sender="([^"]+)".*?data-token="([^"]+)"', page, re.S)
            if status != 200 or not found:
                return
            body = json.dumps({"sender": found[1].decode(), "message": "how long does botox last?"}).encode()
            headers = {"Content-Type": "application/json", "X-Botox-Web-Token": found[2].decode()}
            try:
                status, _ = await exchange(self.port, self.source, request("POST", "/chat/messages", headers, body))
                self._count(f"message {status}")
            except (OSError, asyncio.IncompleteReadError):
                self._count("closed")

        for start in range(0, 600, 8):
            await asyncio.gather(*(visit(n) for n in range(start, start + 8)))

    async def compressed(self) -> None:
        bomb = self._bomb()

        async def send(path: str, method: str) -> None:
            headers = {"Content-Type": "application/json", "Content-Encoding": "gzip", "Connection": "close"}
            try:
                reader, writer = await connect(self.port, self.source)
                writer.write(request(method, path, headers, bomb))
                await writer.drain()
                status, _ = await read_response(reader)
                self._count(str(status))
                writer.close()
            except (OSError, asyncio.IncompleteReadError):
                self._count("closed")

        for round_ in range(3):
            await asyncio.gather(*(send(HOOK if i % 2 else "/healthz", "POST" if i % 2 else "GET") for i in range(8)))
            del round_

    async def stall(self) -> None:
        """Half a request head on each connection, then nothing for 12 s (past a 10 s header deadline)."""
        held = []
        for _ in range(self.stalls):
            try:
                reader, writer = await connect(self.port, self.source)
                writer.write(b"POST /webhooks/rest/webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: appl")
                held.append((reader, writer))
                self._count("opened")
            except OSError:
                self._count("not opened")
        await asyncio.sleep(12)
        self.statuses["closed by the server"] = sum(reader.at_eof() for reader, _ in held)
        for _, writer in held:
            writer.close()


async def warm_up(server: Server) -> None:
    """The first emergencies load what a process loads lazily (word frequencies for typos): not counted."""
    patient = Patient(server.port)
    for _ in range(5):
        await patient.probe()


async def scenario(name: str, server: Server, stalls: int) -> dict:
    patient = Patient(server.port)
    cpu, lines = server.cpu_s(), server.lines
    done = asyncio.Event()
    statuses: dict[str, int] = {}

    async def abuse() -> None:
        """The abuser in a process of its own, which prints what its requests got."""
        try:
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                __file__,
                "--abuser",
                name,
                "--port",
                str(server.port),
                "--stalls",
                str(stalls),
                stdout=asyncio.subprocess.PIPE,
            )
            out, _ = await proc.communicate()
            statuses.update(json.loads(out))
        finally:
            done.set()

    started = time.perf_counter()
    await asyncio.gather(abuse(), patient.run_until(done))
    await asyncio.sleep(0.5)
    times_ms = [t * 1000 for t in patient.times]
    abuser_5xx = sum(n for k, n in statuses.items() if k.split()[-1].startswith("5"))
    return {
        "scenario": name,
        "seconds": round(time.perf_counter() - started, 1),
        "emergencies": len(patient.times) + patient.failed,
        "unanswered": patient.failed,
        "unanswered_why": patient.why,
        "p50_ms": round(statistics.median(times_ms), 1) if times_ms else None,
        "p99_ms": round(pct(times_ms, 0.99), 1) if times_ms else None,
        "max_ms": round(max(times_ms), 1) if times_ms else None,
        "5xx": patient.server_errors + abuser_5xx,
        "abuser_got": dict(sorted(statuses.items())),
        "server_cpu_s": round(server.cpu_s() - cpu, 2),
        "log_lines": server.lines - lines,
    }


def _why(result: dict) -> str:
    why = result["unanswered_why"]
    return f" ({', '.join(f'{k}: {v}' for k, v in why.items())})" if why else ""


def run_abuser(name: str, port: int, stalls: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, stalls + 512)), hard))
    abuser = Abuser(port, stalls, ABUSERS[name])
    asyncio.run(getattr(abuser, name)())
    print(json.dumps(abuser.statuses))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=REPO, help="checkout to run the server from (default: this)")
    parser.add_argument("--nofile", type=int, help="the server's descriptor limit (e.g. 256)")
    parser.add_argument("--stalls", type=int, help="stalled connections (default 1000; 300 with --nofile)")
    parser.add_argument(
        "--scenarios", default="baseline,flood,mint,compressed,stall", help="comma-separated, in this order"
    )
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="a setting for the server")
    parser.add_argument("--json", metavar="FILE", help="also write the numbers here")
    parser.add_argument("--abuser", help=argparse.SUPPRESS)  # the abuser's own process
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.abuser:
        return run_abuser(args.abuser, args.port, args.stalls)
    stalls = args.stalls or (300 if args.nofile else 1000)
    server = Server(args.source.resolve(), args.nofile, args.set)
    try:
        server.wait_ready()
        asyncio.run(warm_up(server))
        results = [asyncio.run(scenario(name, server, stalls)) for name in args.scenarios.split(",")]
    finally:
        server.stop()
    print(
        f"server: {args.source} (nofile {args.nofile or 'default'}); patient probes every {PROBE_EVERY * 1000:.0f} ms"
    )
    columns = (
        "scenario | emergencies | unanswered | p50 ms | p99 ms | max ms | 5xx | server CPU s | log lines | abuser got"
    )
    print(f"| {columns} |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        got = ", ".join(f"{k}: {v}" for k, v in r["abuser_got"].items())
        print(
            f"| {r['scenario']} | {r['emergencies']} | {r['unanswered']}{_why(r)} | {r['p50_ms']} | {r['p99_ms']} | "
            f"{r['max_ms']} | {r['5xx']} | {r['server_cpu_s']} | {r['log_lines']} | {got} |"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    ok = all(r["unanswered"] == 0 and r["5xx"] == 0 and (r["p99_ms"] or 1e9) <= TARGET_P99_MS for r in results)
    print("target (p99 <= 100 ms, every emergency answered, no 5xx):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
