"""Reading a content folder: domain.yml, intents/LANG/*.yml, responses/LANG/*.yml.

Everything is read once, at load, and every problem is reported with its file and line, all at once, so a
clinic that edits its YAML learns everything that is wrong in one run of ``botox-bot check``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from botox_bot.core.content import checks
from botox_bot.core.content.model import Content, Example
from botox_bot.core.content.schema import DomainFile, IntentBlock, NluFile, ResponsesFile, Variation
from botox_bot.core.yaml_lines import YamlError, line_of, load_yaml


class ContentError(ValueError):
    """Content that cannot be used. ``problems`` holds one 'file:line: what is wrong' string each."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def load_content(root: Path, channels: Collection[str] | None = None) -> Content:
    """Read and validate the content folder ``root``; raise :class:`ContentError` naming every problem.

    ``channels`` are the channel names a variation may be written for (the channel registry's, which the core
    does not know); None skips that one check.
    """
    root = Path(root)
    problems: list[str] = []
    domain = _read_domain(root / "domain.yml", problems)
    if domain is None:
        raise ContentError(problems)
    files: list[Path] = [root / "domain.yml"]
    reader = _Reader(problems)
    for lang in domain.languages:
        intent_files = _yaml_files(root / "intents" / lang, problems)
        response_files = _yaml_files(root / "responses" / lang, problems)
        files += intent_files + response_files
        for path in intent_files:
            reader.read_nlu(path, lang)
        for path in response_files:
            reader.read_responses(path, lang)
    content = Content(
        root=root,
        languages=list(domain.languages),
        topics=list(domain.topics),
        logistics=list(domain.logistics),
        examples=reader.examples,
        keywords=reader.keywords,
        responses=reader.responses,
        titles=reader.titles,
        defaults=reader.defaults,
        language_names=reader.language_names,
        digest=_digest(files, root),
    )
    if not problems:
        checks.check_all(content, reader.where, frozenset(channels) if channels is not None else None, problems)
    if problems:
        raise ContentError(problems)
    return content


class _Reader:
    """Accumulates what the files hold, and where each thing was defined (for messages)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        self.examples: dict[str, list[Example]] = {}
        self.keywords: dict[str, dict[str, list[str]]] = {}
        self.responses: dict[str, dict[str, list[Variation]]] = {}
        self.titles: dict[str, dict[str, str]] = {}
        self.defaults: dict[str, dict[str, str]] = {}
        self.language_names: dict[str, dict[str, str]] = {}
        self.where: dict[tuple[str, str, str], str] = {}  # (kind, language, name) -> "file:line"

    def read_nlu(self, path: Path, lang: str) -> None:
        parsed = _parse(path, NluFile, self.problems)
        if parsed is None:
            return
        nlu, lines = parsed
        for i, item in enumerate(nlu.nlu):
            base = lines.get(("nlu", i, "examples"), 1)
            items = list(_example_lines(item.examples, path, base, self.problems))
            if isinstance(item, IntentBlock):
                self.where.setdefault(("intent", lang, item.intent), f"{path}:{lines.get(('nlu', i), 1)}")
                self.examples.setdefault(item.intent, []).extend(Example(t, w, lang) for t, w in items)
            else:
                words = self.keywords.setdefault(item.slot, {}).setdefault(item.synonym, [])
                words.extend(t for t, _ in items)

    def read_responses(self, path: Path, lang: str) -> None:
        parsed = _parse(path, ResponsesFile, self.problems)
        if parsed is None:
            return
        data, lines = parsed
        mine = self.responses.setdefault(lang, {})
        for name, variations in data.responses.items():
            where = f"{path}:{lines.get(('responses', name), 1)}"
            if name in mine:
                self.problems.append(
                    f"{where}: response {name} is also defined at {self.where[('response', lang, name)]}"
                )
                continue
            if not variations:
                self.problems.append(f"{where}: response {name} has no variations")
            mine[name] = variations
            self.where[("response", lang, name)] = where
        self.defaults.setdefault(lang, {}).update(data.defaults)
        self.language_names.setdefault(lang, {}).update(data.language_names)
        for intent, title in data.titles.items():
            self.titles.setdefault(lang, {})[intent] = title
            self.where.setdefault(("title", lang, intent), f"{path}:{lines.get(('titles', intent), 1)}")


def _read_domain(path: Path, problems: list[str]) -> DomainFile | None:
    if not path.is_file():
        problems.append(
            f"{path}: not found (the content folder needs domain.yml, intents/LANG/ and responses/LANG/; "
            "see docs/content-format.md)"
        )
        return None
    parsed = _parse(path, DomainFile, problems)
    return parsed[0] if parsed else None


def _yaml_files(folder: Path, problems: list[str]) -> list[Path]:
    if not folder.is_dir():
        problems.append(f"{folder}: folder not found (each language of domain.yml needs intents/ and responses/)")
        return []
    files = sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")])
    if not files:
        problems.append(f"{folder}: no .yml files")
    return files


def _parse(path: Path, model: type[BaseModel], problems: list[str]) -> tuple[Any, dict[Any, int]] | None:
    try:
        data, lines = load_yaml(path)
    except YamlError as exc:
        problems.append(str(exc))
        return None
    try:
        return model.model_validate(data), lines
    except ValidationError as exc:
        for err in exc.errors():
            loc = err["loc"]
            if len(loc) > 2 and loc[0] == "nlu" and loc[2] in ("intent", "synonym"):
                loc = loc[:2] + loc[3:]  # drop the union's tag, which is not a key in the file
            line = line_of(lines, loc)
            where = ".".join(str(p) for p in loc) or "file"
            problems.append(f"{path}:{line or 1}: {where}: {_plain(err)}")
        return None


def _plain(err: Any) -> str:
    msg = str(err["msg"]).removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        return "unknown key (is it misspelt?)"
    if err["type"] == "missing":
        return "required key is missing"
    return msg


def _example_lines(block: str, path: Path, first_line: int, problems: list[str]) -> Iterable[tuple[str, str]]:
    for offset, raw in enumerate(block.split("\n")):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{path}:{first_line + offset}"
        if not line.startswith("- ") or not line[2:].strip():
            problems.append(f"{where}: an example line must start with '- ' and hold text: {line[:60]!r}")
            continue
        yield line[2:].strip(), where


def _digest(files: list[Path], root: Path) -> str:
    h = hashlib.sha256()
    for path in files:
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def default_content_dir() -> Path:
    """The content shipped with the package (in a wheel) or, in a source checkout, the repository's."""
    here = Path(__file__).resolve().parent.parent.parent
    packaged = here / "_content"
    if (packaged / "domain.yml").is_file():
        return packaged
    return here.parent
