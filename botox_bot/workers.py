"""``botox-bot serve --workers N``: every core answers, behind one port, under one supervisor.

One Python process answers on one core. Here a supervisor loads the content and the model once, then forks N
workers (after ``gc.freeze``, so the model's pages stay shared between them); each binds the same port with
``SO_REUSEPORT`` and the kernel spreads connections over them. The supervisor:
- restarts a worker that dies (a fork of the loaded parent: ready at once), and gives up, stopping everything
  with exit code 1, if workers keep dying as they start (a crash loop would otherwise hide the problem);
- forwards SIGTERM and SIGINT to the workers, which stop listening, finish the requests in flight
  (``BOTOX_BOT_SHUTDOWN_TIMEOUT_SECONDS``) and exit; stragglers are killed after that time;
- keeps ``/readyz`` honest: a worker listens only once it can answer (the model is loaded before the fork), a
  draining worker answers 503 ``stopping``, and a dead worker's socket leaves the port with it.

State between requests must be shared, or a follow-up landing on another worker would start afresh and each
worker would count its own rate limit. With ``REDIS_URL`` the workers share that Redis. Without it, the
supervisor starts a private ``redis-server`` (a Unix socket in a private folder; restarted if it dies; nothing
written to disk, so it keeps what the memory store kept: state for the life of the server) when one is installed.
With neither, ``serve`` runs one worker and says so; asking for several then is an error, never state split
silently between workers. Metrics are summed over the workers (prometheus_client's multiprocess mode).
"""

from __future__ import annotations

import ctypes
import gc
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from botox_bot.settings import SettingsError

log = logging.getLogger("botox_bot.server")

CRASH_WINDOW_SECONDS = 30.0
CRASH_LIMIT = 5  # deaths of workers younger than STARTUP_SECONDS within the window: a crash loop
STARTUP_SECONDS = 2.0
_SUPERVISED = {signal.SIGCHLD, signal.SIGTERM, signal.SIGINT}


class WorkersError(SettingsError):
    """Several workers asked for, but no way to share their state."""


def available_cores() -> int:
    """Cores this process may use: its CPU affinity, within a container's CPU quota (cgroup v2 ``cpu.max``)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()
        if quota != "max":
            cores = min(cores, max(1, int(int(quota) / int(period) + 0.5)))
    except (OSError, ValueError):
        pass
    return max(1, cores)


def plan(requested: int, redis_url: str | None) -> tuple[int, str | None]:
    """How many workers, and whether the supervisor must start a private redis-server (its path).

    ``requested`` 0 means one a core. Several workers need shared state: Redis, or a redis-server to start.
    """
    count = requested or available_cores()
    if count <= 1 or redis_url:
        return count, None
    binary = shutil.which("redis-server")
    if binary:
        return count, binary
    if requested:
        raise WorkersError(
            f"{requested} workers need shared state: set REDIS_URL, or install redis-server "
            "(the server then starts a private one); or use --workers 1"
        )
    log.warning(
        "one worker: several need shared state; set REDIS_URL or install redis-server to use every core",
        extra={"cores": count},
    )
    return 1, None


def use_multiprocess_metrics(folder: Path) -> None:
    """Count every worker's metrics in files under ``folder``, summed by whichever worker is scraped.

    prometheus_client picks its mode from this variable when it is first imported; set before the workers
    create their metrics (and the choice made again if it was imported already).
    """
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    if "prometheus_client.values" in sys.modules:
        from prometheus_client import values

        values.ValueClass = values.get_value_class()


@dataclass
class EmbeddedRedis:
    """A private redis-server for the workers of one ``serve``: a Unix socket in a private folder, no disk."""

    binary: str
    folder: Path
    proc: subprocess.Popen[bytes] | None = None

    @property
    def socket_path(self) -> Path:
        return self.folder / "redis.sock"

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                self.binary,
                "--port", "0",
                "--unixsocket", str(self.socket_path),
                "--unixsocketperm", "700",
                "--save", "",
                "--appendonly", "no",
                "--dir", str(self.folder),
                "--loglevel", "warning",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise OSError(f"redis-server exited at start ({self.proc.returncode})")
            try:
                with socket.socket(socket.AF_UNIX) as conn:
                    conn.settimeout(0.5)
                    conn.connect(str(self.socket_path))
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.02)
        raise OSError("redis-server did not answer within 10 s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@dataclass
class Supervisor:
    """Forks the workers, restarts the dead, forwards the stop signal, and cleans up."""

    count: int
    host: str
    port: int
    shutdown_timeout: float
    run_worker: object  # Callable[[int, int], int]: (index, port) -> exit code, run in the child
    redis: EmbeddedRedis | None = None
    metrics_folder: Path | None = None
    workers: dict[int, tuple[int, float]] = field(default_factory=dict)  # pid -> (index, started)
    deaths: list[float] = field(default_factory=list)

    def serve(self) -> int:
        reserved = _reserve(self.host, self.port)  # the port, picked once (port 0) and held for the workers
        port = reserved.getsockname()[1]
        old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, _SUPERVISED)
        try:
            gc.freeze()  # the loaded content and model: shared with every worker, never touched by a GC pass
            for index in range(self.count):
                self._fork(index, port, reserved, old_mask)
            log.info("workers started", extra={"workers": self.count, "port": port, "pid": os.getpid()})
            code = self._supervise(port, reserved, old_mask)
        finally:
            self._stop_all()
            reserved.close()
            signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)
            if self.redis:
                self.redis.stop()
        return code

    def _fork(self, index: int, port: int, reserved: socket.socket, old_mask: set[int | signal.Signals]) -> None:
        for handler in logging.getLogger().handlers:
            handler.flush()  # nothing queued is written twice, by the parent and by the child
        pid = os.fork()
        if pid:
            self.workers[pid] = (index, time.monotonic())
            return
        code = 1
        try:  # the child: never returns into the supervisor's code
            reserved.close()
            _die_with_parent()
            for sig in _SUPERVISED:
                signal.signal(sig, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)
            code = self.run_worker(index, port)  # type: ignore[operator]
        except BaseException:
            log.exception("worker failed", extra={"worker": index})
        finally:
            logging.shutdown()
            os._exit(code)

    def _supervise(self, port: int, reserved: socket.socket, old_mask: set[int | signal.Signals]) -> int:
        while True:
            info = signal.sigtimedwait(_SUPERVISED, 1.0)
            if info is not None and info.si_signo in (signal.SIGTERM, signal.SIGINT):
                log.info("stopping the workers", extra={"signal": signal.Signals(info.si_signo).name})
                return 0
            for pid, status in _reaped():
                if self.redis and self.redis.proc and pid == self.redis.proc.pid:
                    self.redis.proc.returncode = os.waitstatus_to_exitcode(status)
                    log.error("the private redis-server died; restarting it", extra={"status": status})
                    self.redis.start()
                    continue
                if pid not in self.workers:
                    continue
                index, started = self.workers.pop(pid)
                _forget_metrics(pid, self.metrics_folder)
                log.error(
                    "worker died; restarting it", extra={"worker": index, "exit": os.waitstatus_to_exitcode(status)}
                )
                now = time.monotonic()
                if now - started < STARTUP_SECONDS:
                    self.deaths = [t for t in self.deaths if now - t < CRASH_WINDOW_SECONDS] + [now]
                    if len(self.deaths) >= CRASH_LIMIT:
                        log.error("workers keep dying as they start; stopping", extra={"deaths": len(self.deaths)})
                        return 1
                self._fork(index, port, reserved, old_mask)

    def _stop_all(self) -> None:
        """SIGTERM to every worker: each drains its requests in flight; after the drain time, SIGKILL."""
        for pid in self.workers:
            _signal(pid, signal.SIGTERM)
        deadline = time.monotonic() + self.shutdown_timeout + 5
        while self.workers and time.monotonic() < deadline:
            for pid, _ in _reaped():
                self.workers.pop(pid, None)
            time.sleep(0.05)
        for pid in list(self.workers):
            log.error("worker did not stop in time; killed", extra={"pid": pid})
            _signal(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            self.workers.pop(pid)


def _reserve(host: str, port: int) -> socket.socket:
    """Bind (not listen) with SO_REUSEPORT: the address is checked and the port chosen before any worker starts."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[
        0
    ]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    return sock


def _reaped() -> list[tuple[int, int]]:
    """Children that have exited, without waiting for any."""
    done: list[tuple[int, int]] = []
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return done
        if pid == 0:
            return done
        done.append((pid, status))


def _signal(pid: int, sig: signal.Signals) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def _forget_metrics(pid: int, folder: Path | None) -> None:
    """A dead worker's live gauges (ready, degraded) go; its counters stay in the sums."""
    if folder is not None:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid, str(folder))


def _die_with_parent() -> None:
    """Linux: a worker gets SIGTERM if the supervisor dies, so none outlives it holding the port."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass


def private_folder() -> Path:
    """A folder of this server's own (0700): the private Redis's socket, the metrics' files."""
    folder = Path(tempfile.mkdtemp(prefix="botox-bot-"))
    if len(str(folder / "redis.sock")) > 100:  # a Unix socket path has room for about 107 bytes
        folder.rmdir()
        folder = Path(tempfile.mkdtemp(prefix="botox-bot-", dir="/tmp"))
    return folder
