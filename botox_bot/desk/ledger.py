"""Where the desk keeps its lists of records (the audit log, review items): Redis when the bot has it, so every
instance and the command line see one list; else a JSON-lines file, so ``botox-bot audit`` and ``review`` read
what the server wrote.

Records are JSON objects with a ``t`` (Unix time). Only the review ledger ever removes records (labelled,
discarded, expired or forgotten); the audit log's ledger is only appended to.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from botox_bot.store import Store

Record = dict[str, Any]


class Ledger(Protocol):
    async def append(self, record: Record) -> None: ...

    async def records(self) -> list[Record]: ...

    async def remove_where(self, drop: Callable[[Record], bool]) -> int:
        """Remove the records ``drop`` says; returns how many."""
        ...


class StoreLedger:
    """A list in the store (Redis, shared; or memory, for one process and the tests)."""

    def __init__(self, store: Store, name: str, max_records: int):
        self.store, self.name, self.max_records = store, name, max_records

    async def append(self, record: Record) -> None:
        await self.store.append(self.name, record, self.max_records)

    async def records(self) -> list[Record]:
        return await self.store.items(self.name)

    async def remove_where(self, drop: Callable[[Record], bool]) -> int:
        gone = [r for r in await self.records() if drop(r)]
        for record in gone:
            await self.store.remove_item(self.name, record)
        return len(gone)


class FileLedger:
    """JSON lines in a file of its own, created readable by its owner only (it may hold health information)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = asyncio.Lock()
        self._batch: tuple[list[str], asyncio.Future[None]] | None = None

    async def append(self, record: Record) -> None:
        """Returns once the line is in the file. Lines that arrive while a write is under way go together in the
        next one: a thread hop a write, not a line (a flood of emergencies is a flood of audit records)."""
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
        if self._batch is None:
            self._batch = ([], asyncio.get_running_loop().create_future())
        lines, done = self._batch
        lines.append(line)
        async with self._lock:
            if self._batch is not None and self._batch[1] is done:  # not written yet: this append writes the batch
                self._batch = None
                try:
                    await asyncio.to_thread(self._write, "".join(lines))
                except BaseException as exc:
                    done.set_exception(exc if isinstance(exc, Exception) else OSError("the write was cancelled"))
                    if not isinstance(exc, Exception):
                        done.exception()  # retrieved: the others in the batch are told through their own await
                        raise
                else:
                    done.set_result(None)
        await done

    def _write(self, line: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:  # one write of whole lines: appends from two processes
            handle.write(line)  # interleave by whole lines

    async def records(self) -> list[Record]:
        return await asyncio.to_thread(self._read)

    def _read(self) -> list[Record]:
        if not self.path.exists():
            return []
        out = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue  # a line cut short by a crash
            if isinstance(record, dict):
                out.append(record)
        return out

    async def remove_where(self, drop: Callable[[Record], bool]) -> int:
        async with self._lock:
            return await asyncio.to_thread(self._rewrite, drop)

    def _rewrite(self, drop: Callable[[Record], bool]) -> int:
        records = self._read()
        kept = [r for r in records if not drop(r)]
        if len(kept) == len(records):
            return 0
        temporary = self.path.with_suffix(self.path.suffix + ".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.writelines(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in kept)
        os.replace(temporary, self.path)
        return len(records) - len(kept)
