"""The first ``botox-bot ask`` on a fresh install (``python bench/bench_startup.py [--python VENV/bin/python]``).

A fresh install is the wheel in a new virtual environment, with nothing cached: each run gets a new, empty
``BOTOX_BOT_CACHE_DIR``, so the answer must come from the model the wheel ships (a run that wrote a model to the
cache trained, and is reported). Without ``--python`` this builds the wheel from this checkout and installs it
(with ``requirements/lock.txt``) into a temporary virtual environment first, which takes minutes.
Runs alternate with ``python -c pass`` (the interpreter's own start-up) and medians are reported, wall and CPU.
Target (issue 17): under 0.6 s.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET_S = 0.6


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """(wall, CPU) seconds of one child process, run outside the checkout (``python -m`` would import the
    checkout's package, which has no shipped model, instead of the installed one)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, cwd=tempfile.gettempdir())
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def install(folder: Path) -> Path:
    wheels = folder / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(REPO)], check=True)
    subprocess.run([sys.executable, "-m", "venv", str(folder / "venv")], check=True)
    python = folder / "venv" / "bin" / "python"
    lock = REPO / "requirements" / "lock.txt"
    subprocess.run([python, "-m", "pip", "install", "-q", "-c", lock, *wheels.glob("*.whl")], check=True)
    return python


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", help="the interpreter of a virtual environment where the wheel is installed")
    parser.add_argument("--runs", type=int, default=7, help="runs of each (default 7)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        python = Path(args.python) if args.python else install(Path(tmp))
        asks, bare, trained = [], [], 0
        for i in range(args.runs):
            cache = Path(tmp) / f"cache-{i}"
            env = {"PATH": "/usr/bin:/bin", "BOTOX_BOT_CACHE_DIR": str(cache), "HOME": tmp}
            bare.append(timed([str(python), "-c", "pass"]))
            asks.append(timed([str(python), "-m", "botox_bot", "ask", "how long does botox last?"], env))
            trained += any(cache.glob("intent-model-*.npz"))
    wall = statistics.median(w for w, _ in asks)
    cpu = statistics.median(c for _, c in asks)
    low, high = min(w for w, _ in asks), max(w for w, _ in asks)
    interpreter = statistics.median(w for w, _ in bare)
    print(f"ask on a fresh install: {wall:.3f} s wall ({low:.3f}-{high:.3f}), {cpu:.3f} s CPU, median of {args.runs}")
    print(f"python -c pass: {interpreter:.3f} s")
    print(f"runs that trained (no shipped model found): {trained}")
    print(f"target < {TARGET_S} s: {'PASS' if wall < TARGET_S and not trained else 'FAIL'}")
    return 0 if wall < TARGET_S and not trained else 1


if __name__ == "__main__":
    raise SystemExit(main())
