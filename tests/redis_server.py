"""A real ``redis-server`` for the tests, on a free port of 127.0.0.1, that a test can stop and start again.

Installed by ``.ci/run`` (Debian's redis-server). Elsewhere, the Redis tests are skipped when it is missing,
unless ``BOTOX_BOT_REQUIRE_REDIS=1`` (CI), where they fail.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

BINARY = shutil.which("redis-server")
STORE_KEY = "test-store-key-for-the-keyed-hashes-0123456789"  # BOTOX_BOT_STORE_KEY of every Redis test


def require_redis() -> str:
    if BINARY:
        return BINARY
    if os.environ.get("BOTOX_BOT_REQUIRE_REDIS") == "1":
        pytest.fail("redis-server is not installed (apt-get install redis-server)")
    pytest.skip("redis-server is not installed (apt-get install redis-server); CI runs these tests")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    def __init__(self, workdir: Path):
        self.binary = require_redis()
        self.port = free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

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
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)

    def flush(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
            conn.sendall(b"FLUSHALL\r\n")
            conn.recv(16)
