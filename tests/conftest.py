"""Shared fixtures. The shipped content is used as a clinic would get it; broken content is built per test."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from botox_bot.core.content import default_content_dir
from botox_bot.core.engine import Engine
from botox_bot.settings import Settings

REPO = Path(__file__).resolve().parent.parent
CONSULT = "Please talk to your provider"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that runs the real command in a subprocess (``run_cli``) is slow: `-m "not slow"` leaves it out."""
    for item in items:
        if "run_cli" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture(scope="session")
def settings(model_cache, tmp_path_factory) -> Settings:
    return Settings(
        cache_dir=model_cache,
        data_dir=tmp_path_factory.mktemp("data"),  # the desk's files (audit log, review items): never the home folder
        seed=1,
        clinic_name="Riverside Skin",
        clinic_phone="555-0100",
        booking_link="https://riverside.example/book",
        emergency_number="911",
        crisis_line="988",
    )


@pytest.fixture(scope="session")
def engine(settings) -> Engine:
    return Engine.from_config(settings.engine_config())


@pytest.fixture
def fresh_engine(engine, settings) -> Engine:
    """Same content and model, its own conversation memory."""
    return Engine(engine.content, engine.classifier, settings.engine_config())


@pytest.fixture
def content_copy(tmp_path) -> Path:
    """A writable copy of the shipped content, for tests that break it on purpose."""
    root = tmp_path / "content"
    for name in ("intents", "responses"):
        shutil.copytree(default_content_dir() / name, root / name)
    shutil.copy(default_content_dir() / "domain.yml", root / "domain.yml")
    return root


@pytest.fixture
def run_cli(model_cache, tmp_path):
    """Run the real command in a subprocess, as a user would."""

    def run(
        *args: str, stdin: str | None = None, env: dict[str, str] | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("BOTOX_BOT_")}
        full_env["BOTOX_BOT_CACHE_DIR"] = str(model_cache)
        full_env.update(env or {})
        return subprocess.run(
            [sys.executable, "-m", "botox_bot", *args],
            input=stdin,
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=full_env,
            cwd=tmp_path,
            timeout=timeout,
        )

    return run


@pytest.fixture
async def serve(engine, settings):
    """Start the real app on 127.0.0.1 (a free port) and return an aiohttp client for it.

    ``serve(**overrides)`` changes settings; each app gets a fresh engine memory and its own metrics.
    """
    from aiohttp.test_utils import TestClient, TestServer

    from botox_bot.app import create_app

    clients = []

    async def start(engine_ready: bool = True, **overrides):
        conf = settings.model_copy(update=overrides)
        fresh = Engine(engine.content, engine.classifier, conf.engine_config()) if engine_ready else None
        client = TestClient(TestServer(create_app(conf, engine=fresh), host="127.0.0.1"))
        await client.start_server()
        clients.append(client)
        return client

    yield start
    for client in clients:
        await client.close()


@pytest.fixture
def asked(monkeypatch):
    """Every ``Message`` a channel hands to the core, in order (the core still answers them)."""
    from botox_bot.runtime import BotRuntime

    seen = []
    real = BotRuntime.answer

    async def spy(self, msg, *args, **kwargs):
        seen.append(msg)
        return await real(self, msg, *args, **kwargs)

    monkeypatch.setattr(BotRuntime, "answer", spy)
    return seen


@pytest.fixture
async def listen(engine, settings):
    """Start the real app as ``botox-bot serve`` runs it (its runner options and connection guard) on 127.0.0.1.

    ``listen(**overrides)`` returns ``(port, guard)``; each app gets a fresh engine memory.
    """
    from botox_bot.app import connection_limits, create_app
    from botox_bot.server.connections import start_site

    runners = []

    async def start(**overrides):
        conf = settings.model_copy(update=overrides)
        fresh = Engine(engine.content, engine.classifier, conf.engine_config())
        runner, guard = await start_site(create_app(conf, engine=fresh), "127.0.0.1", 0, connection_limits(conf.server))
        runners.append(runner)
        return runner.addresses[0][1], guard

    yield start
    for runner in runners:
        await runner.cleanup()


# -- a real redis-server (tests/redis_server.py): one per test module, emptied before each test ---------------
@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    from tests.redis_server import RedisServer

    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis(redis_server):
    """The module's redis-server, running (a test may have stopped it) and empty."""
    if redis_server.proc.poll() is not None:
        redis_server.start()
    redis_server.flush()
    return redis_server
