"""Loading and validating the clinic's content (``intents/`` and ``responses/``) with pydantic.

Everything is checked once, at load, and every problem is reported with its file and line, all at once, so a
clinic that edits its YAML learns everything that is wrong in one run of ``botox-bot check``.
"""

from __future__ import annotations

import hashlib
import re
import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Tag, ValidationError, field_validator

from botox_bot.core.models import REQUIRED_INTENTS, TOPIC_INTENTS
from botox_bot.core.text import clean, for_model
from botox_bot.core.yaml_lines import YamlError, line_of, load_yaml

PLACEHOLDERS = frozenset({"clinic_name", "clinic_phone", "booking_link", "emergency_number"})
CHANNELS = frozenset({"cli", "rest", "web", "slack", "teams", "sms", "voice"})
RED_FLAGS = ("call_now", "urgent")
SPECIAL_RESPONSES = frozenset({"utter_consult", "utter_choose"})
SOURCED_INTENTS = frozenset({*TOPIC_INTENTS, "emergency"})
"""Replies that state medical facts: each of their variations must say where the facts come from."""


class ContentError(ValueError):
    """Content that cannot be used. ``problems`` holds one 'file:line: what is wrong' string each."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class IntentBlock(_Strict):
    intent: str
    examples: str


class SynonymBlock(_Strict):
    synonym: str
    slot: str
    examples: str


def _nlu_kind(item: Any) -> str | None:
    if isinstance(item, dict):
        for key in ("intent", "synonym"):
            if key in item:
                return key
    return None


NluItem = Annotated[
    Annotated[IntentBlock, Tag("intent")] | Annotated[SynonymBlock, Tag("synonym")],
    Discriminator(
        _nlu_kind,
        custom_error_type="nlu_item",
        custom_error_message="each nlu item needs an 'intent:' or a 'synonym:' key",
    ),
]


class _RasaFile(_Strict):
    version: str

    @field_validator("version")
    @classmethod
    def _rasa_3(cls, value: str) -> str:
        if not re.fullmatch(r"3\.\d+", value):
            raise ValueError('version must be a Rasa 3 format version such as "3.1" (in quotes)')
        return value


class NluFile(_RasaFile):
    nlu: list[NluItem] = []


class Condition(_Strict):
    type: Literal["slot"]
    name: str
    value: str


class Variation(_Strict):
    text: str
    sources: list[str] = []
    condition: list[Condition] = []
    channel: str | None = None

    @field_validator("text")
    @classmethod
    def _placeholders(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text is empty")
        try:
            names = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
        except ValueError as exc:
            raise ValueError(f"broken placeholder braces ({exc}); write {{name}} or {{{{ for a brace") from None
        unknown = sorted(names - PLACEHOLDERS)
        if unknown:
            raise ValueError(
                f"unknown placeholder {{{unknown[0]}}}; use one of: "
                + ", ".join(f"{{{p}}}" for p in sorted(PLACEHOLDERS))
            )
        return value

    @field_validator("sources")
    @classmethod
    def _urls(cls, value: list[str]) -> list[str]:
        for src in value:
            if not re.match(r"https?://\S+$", src):
                raise ValueError(f"source {src!r} is not an http(s) address")
        return value

    @field_validator("channel")
    @classmethod
    def _channel(cls, value: str | None) -> str | None:
        if value is not None and value not in CHANNELS:
            raise ValueError(f"unknown channel {value!r}; use one of: {', '.join(sorted(CHANNELS))}")
        return value


class ResponsesFile(_RasaFile):
    responses: dict[str, list[Variation]] = {}
    titles: dict[str, str] = {}


@dataclass
class Example:
    text: str
    where: str


@dataclass
class Content:
    """Validated content, ready for the classifier and the templates."""

    root: Path
    examples: dict[str, list[Example]]
    keywords: dict[str, dict[str, list[str]]]
    responses: dict[str, list[Variation]]
    titles: dict[str, str]
    digest: str
    warnings: list[str] = field(default_factory=list)

    def title(self, intent: str, language: str = "en") -> str:
        """The short title people see for an intent (choice buttons, help lists, staff escalations)."""
        return self.titles.get(intent) or intent.replace("_", " ").capitalize()

    @property
    def topics(self) -> list[str]:
        """The topics, in the order people see them (choices, /botox help, Teams buttons, the phone menu)."""
        return [t for t in TOPIC_INTENTS if t in self.examples]

    def training_data(self) -> tuple[list[str], list[str]]:
        texts, labels = [], []
        for intent, examples in self.examples.items():
            texts += [ex.text for ex in examples]
            labels += [intent] * len(examples)
        return texts, labels


def load_content(root: Path) -> Content:
    """Read and validate ``root/intents/*.yml`` and ``root/responses/*.yml``; raise :class:`ContentError`."""
    root = Path(root)
    problems: list[str] = []
    intent_files = _yaml_files(root / "intents", problems)
    response_files = _yaml_files(root / "responses", problems)
    examples: dict[str, list[Example]] = {}
    keywords: dict[str, dict[str, list[str]]] = {}
    intent_lines: dict[str, str] = {}
    for path in intent_files:
        _read_nlu(path, examples, keywords, intent_lines, problems)
    responses: dict[str, list[Variation]] = {}
    titles: dict[str, str] = {}
    response_lines: dict[str, str] = {}
    for path in response_files:
        _read_responses(path, responses, titles, response_lines, problems)
    warnings: list[str] = []
    if not problems:
        _check_examples(examples, problems, warnings)
        _check_keywords(keywords, problems)
        _check_links(examples, intent_lines, responses, response_lines, titles, keywords, problems)
    if problems:
        raise ContentError(problems)
    return Content(
        root=root,
        examples=examples,
        keywords=keywords,
        responses=responses,
        titles=titles,
        digest=_digest(intent_files + response_files, root),
        warnings=warnings,
    )


def _yaml_files(folder: Path, problems: list[str]) -> list[Path]:
    if not folder.is_dir():
        problems.append(f"{folder}: folder not found (the content folder needs intents/ and responses/)")
        return []
    files = sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")])
    if not files:
        problems.append(f"{folder}: no .yml files")
    return files


def _parse(path: Path, model: type[BaseModel], problems: list[str]) -> tuple[Any, dict] | None:
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


def _plain(err: dict[str, Any]) -> str:
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        return "unknown key (is it misspelt?)"
    if err["type"] == "missing":
        return "required key is missing"
    return msg


def _read_nlu(path, examples, keywords, intent_lines, problems) -> None:
    parsed = _parse(path, NluFile, problems)
    if parsed is None:
        return
    nlu, lines = parsed
    for i, item in enumerate(nlu.nlu):
        base = lines.get(("nlu", i, "examples"), 1)
        items = list(_example_lines(item.examples, path, base, problems))
        if isinstance(item, IntentBlock):
            intent_lines.setdefault(item.intent, f"{path}:{lines.get(('nlu', i), 1)}")
            examples.setdefault(item.intent, []).extend(Example(t, w) for t, w in items)
        else:
            keywords.setdefault(item.slot, {}).setdefault(item.synonym, []).extend(t for t, _ in items)


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


def _read_responses(path, responses, titles, response_lines, problems) -> None:
    parsed = _parse(path, ResponsesFile, problems)
    if parsed is None:
        return
    data, lines = parsed
    for name, variations in data.responses.items():
        where = f"{path}:{lines.get(('responses', name), 1)}"
        if name in responses:
            problems.append(f"{where}: response {name} is also defined at {response_lines[name]}")
            continue
        if not variations:
            problems.append(f"{where}: response {name} has no variations")
        responses[name] = variations
        response_lines[name] = where
    titles.update(data.titles)


def _check_examples(examples, problems, warnings) -> None:
    seen: dict[str, tuple[str, Example]] = {}
    for intent, items in examples.items():
        if not items:
            problems.append(f"intent {intent} has no examples")
        for ex in items:
            key = for_model(ex.text)  # what the classifier sees: case, punctuation and brand do not count
            if key in seen:
                other_intent, other = seen[key]
                if other_intent != intent:
                    problems.append(
                        f"{ex.where}: example {ex.text!r} is listed under {intent} and under "
                        f"{other_intent} ({other.where}); keep it under one intent"
                    )
                elif clean(ex.text) == clean(other.text):  # brand-only variants are deliberate
                    warnings.append(f"{ex.where}: example {ex.text!r} repeats {other.where}")
            else:
                seen[key] = (intent, ex)
    for intent in REQUIRED_INTENTS:
        if intent not in examples:
            problems.append(f"intents: the required intent {intent} is missing")


def _check_keywords(keywords, problems) -> None:
    for slot, values in keywords.items():
        seen: dict[str, str] = {}
        for value, words in values.items():
            for word in words:
                key = clean(word)
                if key in seen and seen[key] != value:
                    problems.append(f"intents: keyword {word!r} fills slot {slot} with both {seen[key]} and {value}")
                seen[key] = value


def _check_links(examples, intent_lines, responses, response_lines, titles, keywords, problems) -> None:
    for intent in examples:
        if f"utter_{intent}" not in responses:
            problems.append(f"{intent_lines[intent]}: intent {intent} has no response utter_{intent}")
    for name in sorted(SPECIAL_RESPONSES - responses.keys()):
        problems.append(f"responses: the required response {name} is missing")
    slot_values = {slot: set(values) for slot, values in keywords.items()}
    slot_values["red_flag"] = set(RED_FLAGS)
    for name, variations in responses.items():
        where = response_lines[name]
        intent = name.removeprefix("utter_")
        if name not in SPECIAL_RESPONSES and intent not in examples:
            problems.append(f"{where}: response {name} matches no intent (is the name misspelt?)")
        if variations and all(v.condition or v.channel for v in variations):
            problems.append(f"{where}: {name} needs one variation without condition or channel, as a fallback")
        for n, var in enumerate(variations, 1):
            if intent in SOURCED_INTENTS and not var.sources:
                problems.append(f"{where}: {name} variation {n} states facts but lists no sources")
            for cond in var.condition:
                if cond.name not in slot_values:
                    problems.append(f"{where}: {name} variation {n}: unknown slot {cond.name!r}")
                elif cond.value not in slot_values[cond.name]:
                    problems.append(
                        f"{where}: {name} variation {n}: slot {cond.name} has no value {cond.value!r} "
                        f"(known: {', '.join(sorted(slot_values[cond.name]))})"
                    )
    for intent in titles:
        if intent not in examples:
            problems.append(f"responses: title given for unknown intent {intent!r}")


def _digest(files: list[Path], root: Path) -> str:
    h = hashlib.sha256()
    for path in files:
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def default_content_dir() -> Path:
    """The content shipped with the package (in a wheel) or, in a source checkout, the repository's."""
    here = Path(__file__).resolve().parent.parent
    packaged = here / "_content"
    if (packaged / "intents").is_dir():
        return packaged
    return here.parent
