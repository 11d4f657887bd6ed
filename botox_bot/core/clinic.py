"""The clinic file: a clinic's own answers (touch-up policy, aftercare sheet, prices, appointment length...),
which take precedence over the shipped general answers, and its business hours (when staff are at the desk).
See docs/clinic.md.

It is YAML a clinic edits, checked like the content: every problem names the file and line.
"""

from __future__ import annotations

import re
from datetime import date, time
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from botox_bot.core.content import Content, ContentError
from botox_bot.core.content.schema import PLACEHOLDERS, placeholders
from botox_bot.core.yaml_lines import YamlError, line_of, load_yaml

Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAYS: tuple[Day, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE = re.compile(r"^\s*([0-2]?\d):([0-5]\d)\s*-\s*([0-2]?\d):([0-5]\d)\s*$")


def _ranges(spec: str) -> list[tuple[time, time]]:
    """``"09:00-12:30, 13:30-17:00"`` -> [(09:00, 12:30), (13:30, 17:00)]; ``"closed"`` -> []."""
    if spec.strip().lower() in ("", "closed"):
        return []
    out: list[tuple[time, time]] = []
    for part in spec.split(","):
        match = _RANGE.match(part)
        if not match:
            raise ValueError(f"{part.strip()!r} is not a time range such as 09:00-17:00")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or h2 > 24 or (h2 == 24 and m2) or (h1, m1) >= (h2, m2):
            raise ValueError(f"{part.strip()!r}: the opening must come before the closing, within one day")
        out.append((time(h1, m1), time(23, 59, 59) if h2 == 24 else time(h2, m2)))
    return sorted(out)


class BusinessHours(BaseModel):
    """When staff are at the desk: a live handoff is offered then; outside, the request waits for the morning."""

    model_config = ConfigDict(extra="forbid")

    time_zone: str
    """An IANA time zone (``America/New_York``), read with ``zoneinfo``."""
    open: dict[Day, str]
    """Day (``mon`` ... ``sun``) -> ``"09:00-17:00"`` (several ranges comma-separated); a day left out is closed."""
    holidays: str | None = None
    """A country code (``US``, ``GB``, ``ES``...) whose public holidays close the desk (the ``holidays`` package)."""
    subdivision: str | None = None
    """A state or region for regional holidays (``NY``, ``CA``...)."""
    closed: list[date] = []
    """Other days the desk is closed (``2025-12-24``)."""

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not a time zone such as America/New_York") from None
        return value

    @field_validator("open")
    @classmethod
    def _open(cls, value: dict[Day, str]) -> dict[Day, str]:
        for spec in value.values():
            _ranges(spec)
        return value

    @model_validator(mode="after")
    def _holidays(self) -> BusinessHours:
        if self.holidays is not None:
            import holidays as public_holidays

            try:
                public_holidays.country_holidays(self.holidays.upper(), subdiv=self.subdivision)
            except NotImplementedError as exc:
                raise ValueError(f"holidays: {exc}") from None
        return self

    def ranges(self, day: Day) -> list[tuple[time, time]]:
        return _ranges(self.open.get(day, ""))


class ClinicFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str = "1"
    answers: dict[str, dict[str, str]] = {}
    """Intent or retrieval intent (``repeat_treatment/touch_up``) -> language -> the clinic's answer."""
    hours: BusinessHours | None = None
    """When staff are at the desk; none: always (a request for a person is passed on at once)."""

    @field_validator("answers")
    @classmethod
    def _texts(cls, value: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        for name, texts in value.items():
            for lang, text in texts.items():
                if not text.strip():
                    raise ValueError(f"{name}: the {lang} answer is empty")
                unknown = placeholders(text) - PLACEHOLDERS
                if unknown:
                    raise ValueError(f"{name}: unknown placeholder {{{sorted(unknown)[0]}}}")
        return value


def load_clinic(path: Path | None, content: Content) -> ClinicFile:
    """Read and check the clinic file against the content; no file means no clinic answers."""
    if path is None:
        return ClinicFile()
    path = Path(path)
    if not path.is_file():
        raise ContentError([f"{path}: clinic file not found"])
    try:
        data, lines = load_yaml(path)
    except YamlError as exc:
        raise ContentError([str(exc)]) from None
    try:
        clinic = ClinicFile.model_validate(data or {})
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "file"
            msg = str(err["msg"]).removeprefix("Value error, ")
            problems.append(f"{path}:{line_of(lines, err['loc']) or 1}: {where}: {msg}")
        raise ContentError(problems) from None
    known = set(content.examples) | {label.split("/")[0] for label in content.examples}
    problems = []
    for name, texts in clinic.answers.items():
        if name.split("/")[0] in ("emergency", "crisis"):
            problems.append(
                f"{path}:{lines.get(('answers', name), 1)}: answers: {name} cannot be replaced by the "
                "clinic file (emergency wording is content checked by botox-bot check)"
            )
        elif name not in known:
            problems.append(
                f"{path}:{lines.get(('answers', name), 1)}: answers: {name} is not an intent of the content"
            )
        for lang in texts:
            if lang not in content.languages:
                problems.append(
                    f"{path}:{lines.get(('answers', name, lang), 1)}: answers: {name}: the content has no "
                    f"language {lang!r} (it has {', '.join(content.languages)})"
                )
    if problems:
        raise ContentError(problems)
    return clinic


def overrides(clinic: ClinicFile) -> dict[str, dict[str, str]]:
    """language -> response name -> text, for the templates."""
    out: dict[str, dict[str, str]] = {}
    for name, texts in clinic.answers.items():
        for lang, text in texts.items():
            out.setdefault(lang, {})[f"utter_{name}"] = text
    return out
