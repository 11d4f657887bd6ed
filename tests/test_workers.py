"""``serve --workers N``: how many and with what shared state (``plan``), then real supervisors in subprocesses:
workers share the port and the state, a dead worker is replaced, SIGTERM drains and leaves nothing behind."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

import pytest
from aiohttp import ClientSession, TCPConnector

from botox_bot import workers
from botox_bot.app import RUNTIME
from tests.conftest import REPO
from tests.redis_server import require_redis

HOOK = "/webhooks/rest/webhook"


def test_plan_one_a_core_shared_through_redis_or_a_private_redis_server(monkeypatch):
    monkeypatch.setattr(workers, "available_cores", lambda: 4)
    monkeypatch.setattr(workers.shutil, "which", lambda name: "/usr/bin/redis-server")
    assert workers.plan(0, None) == (4, "/usr/bin/redis-server")  # the default: every core, a private Redis
    assert workers.plan(0, "redis://r:6379/0") == (4, None)  # the operator's Redis
    assert workers.plan(1, None) == (1, None)  # one process: its memory, as always


def test_plan_never_splits_state_between_workers(monkeypatch):
    monkeypatch.setattr(workers, "available_cores", lambda: 4)
    monkeypatch.setattr(workers.shutil, "which", lambda name: None)
    assert workers.plan(0, None) == (1, None)  # by default: one worker, and a warning
    with pytest.raises(workers.WorkersError, match="REDIS_URL"):
        workers.plan(3, None)  # asked for: an error, not three workers each with its own state


async def test_readyz_says_stopping_while_draining(serve):
    client = await serve()
    client.server.app[RUNTIME].stopping = True
    response = await client.get("/readyz")
    assert response.status == 503 and (await response.json())["status"] == "stopping"


def test_asking_for_workers_with_no_way_to_share_state_is_refused(run_cli, tmp_path):
    bare_path = tmp_path / "bin"
    bare_path.mkdir()
    os.symlink(sys.executable, bare_path / "python")  # a PATH with no redis-server on it
    result = run_cli("serve", "--workers", "2", "--port", "0", env={"PATH": str(bare_path)}, timeout=60)
    assert result.returncode == 2 and "REDIS_URL" in result.stderr and "redis-server" in result.stderr


class Supervised:
    """``botox-bot serve --workers 2`` in a subprocess, its JSON log lines read as they come."""

    def __init__(self, proc: asyncio.subprocess.Process):
        self.proc = proc
        self.lines: list[dict] = []

    async def until(self, predicate, timeout: float = 120) -> dict:
        async def read() -> dict:
            while True:
                for line in self.lines:
                    if predicate(line):
                        return line
                raw = await self.proc.stderr.readline()
                if not raw:
                    raise AssertionError(f"the server ended; its log:\n{self.lines}")
                try:
                    self.lines.append(json.loads(raw))
                except ValueError:
                    self.lines.append({"message": raw.decode(errors="replace")})

        return await asyncio.wait_for(read(), timeout)

    def listening(self) -> dict[int, str]:
        return {line["pid"]: line["url"] for line in self.lines if line.get("message") == "listening"}


@pytest.fixture
async def supervised(model_cache, tmp_path):
    require_redis()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOTOX_BOT_") and k != "REDIS_URL"}
    env.update(BOTOX_BOT_CACHE_DIR=str(model_cache), PYTHONPATH=str(REPO), BOTOX_BOT_RATE_LIMIT="3")
    env.update(BOTOX_BOT_SHUTDOWN_TIMEOUT_SECONDS="5", TMPDIR=str(tmp_path))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "botox_bot", "serve", "--workers", "2", "--port", "0",
        env=env, cwd=tmp_path, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    server = Supervised(proc)
    yield server
    if proc.returncode is None:
        proc.kill()
        await proc.wait()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").exists() and Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


@pytest.mark.slow  # a real supervisor with two workers and a private redis-server
async def test_two_workers_share_the_port_the_state_and_the_metrics_and_stop_cleanly(supervised, tmp_path):
    await supervised.until(lambda line: line.get("message") == "ready")
    await supervised.until(lambda line: len(supervised.listening()) == 2)
    (url,) = set(supervised.listening().values())  # one port for both
    first_pids = set(supervised.listening())
    private = [p for p in tmp_path.iterdir() if p.name.startswith("botox-bot-")]
    assert len(private) == 1 and (private[0] / "redis.sock").exists()

    async def post(sender: str, text: str) -> int:  # a new connection each time: the kernel spreads them
        async with ClientSession(connector=TCPConnector(force_close=True)) as session:
            async with session.post(url + HOOK, json={"sender": sender, "message": text}) as response:
                return response.status

    statuses = [await post("same-patient", "how long does botox last") for _ in range(8)]
    assert statuses == [200] * 3 + [429] * 5  # rate limit 3 a minute, counted once across both workers
    async with ClientSession() as session:
        metrics = await (await session.get(url + "/metrics")).text()
        ready = await (await session.get(url + "/readyz")).json()
    assert ready["store"] == "redis" and ready["degraded"] is False
    assert 'botox_bot_requests_total{channel="rest",status="200"} 3.0' in metrics  # summed over the workers
    assert 'botox_bot_requests_total{channel="rest",status="429"} 5.0' in metrics

    victim = min(first_pids)
    os.kill(victim, signal.SIGKILL)
    await supervised.until(lambda line: line.get("message") == "worker died; restarting it")
    await supervised.until(lambda line: len(supervised.listening()) == 3)
    assert all([await post(f"after-{i}", "how long does botox last") == 200 for i in range(6)])

    supervised.proc.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(supervised.proc.wait(), 60) == 0
    workers_pids = set(supervised.listening()) - {victim}
    assert not [pid for pid in workers_pids if alive(pid)]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("botox-bot-")]  # the private folder is gone
