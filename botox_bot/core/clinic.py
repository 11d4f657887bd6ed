"""The clinic file: a clinic's own answers (touch-up policy, aftercare sheet, prices, appointment length...),
which take precedence over the shipped general answers. See docs/clinic.md.

It is YAML a clinic edits, checked like the content: every problem names the file and line.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from botox_bot.core.content import Content, ContentError
from botox_bot.core.content.schema import PLACEHOLDERS, placeholders
from botox_bot.core.yaml_lines import YamlError, line_of, load_yaml


class ClinicFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str = "1"
    answers: dict[str, dict[str, str]] = {}
    """Intent or retrieval intent (``repeat_treatment/touch_up``) -> language -> the clinic's answer."""

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
