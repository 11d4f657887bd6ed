"""The front door: the README stays short and its test command is CI's, every setting is documented once in a
table that renders, the docs' links lead somewhere, and the LICENSE is the one pyproject.toml names."""

from __future__ import annotations

import re
import tomllib

import pytest

from botox_bot.settings import ENV_PREFIX, Settings
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
DOCS = sorted([REPO / "README.md", REPO / "CONTRIBUTING.md", *(REPO / "docs").rglob("*.md")])


def _setting_names() -> list[str]:
    names = []
    for field, info in Settings.model_fields.items():
        alias = info.validation_alias
        names.append(alias.choices[0] if alias is not None else f"{ENV_PREFIX}{field.upper()}")
    return names


def test_the_readme_is_short_and_its_commands_come_first():
    lines = README.splitlines()
    assert len(lines) <= 150
    commands = [line.strip() for line in lines[:12] if line.startswith("    python3 -m venv")]
    assert len(commands) == 2 and commands[0].endswith("botox-bot serve") and "pytest" in commands[1]


def test_ci_runs_the_readmes_test_command_verbatim():
    test_command = next(line.strip() for line in README.splitlines() if "pytest" in line and "venv" in line)
    assert "-c requirements/lock.txt" in test_command  # installs through the lock
    assert test_command in (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("name", _setting_names())
def test_every_setting_is_documented_once_in_the_settings_table(name):
    rows = [
        (page.relative_to(REPO), line)
        for page in DOCS
        for line in page.read_text(encoding="utf-8").splitlines()
        if line.startswith(f"| `{name}` |")
    ]
    assert [str(page) for page, _ in rows] == ["docs/settings.md"], rows


@pytest.mark.parametrize("page", DOCS, ids=lambda p: str(p.relative_to(REPO)))
def test_every_table_renders(page):
    """A table row must follow a header and its separator: a blank line inside a table ends it, and the rows
    after it show as a paragraph of pipes."""
    lines = page.read_text(encoding="utf-8").splitlines()
    in_code = False
    for number, line in enumerate(lines):
        if line.startswith("```"):
            in_code = not in_code
        if in_code or not line.startswith("|"):
            continue
        block_start = number
        while block_start > 0 and lines[block_start - 1].startswith("|"):
            block_start -= 1
        header, separator = lines[block_start], lines[block_start + 1] if block_start + 1 < len(lines) else ""
        assert re.fullmatch(r"\|(\s*:?-+:?\s*\|)+", separator), f"{page.name}:{block_start + 1}: no table header"
        assert header.count("|") == separator.count("|") == line.count("|") - line.count("\\|"), (
            f"{page.name}:{number + 1}: a row with another number of columns than its header"
        )


@pytest.mark.parametrize("page", DOCS, ids=lambda p: str(p.relative_to(REPO)))
def test_every_relative_link_leads_to_a_file(page):
    text = page.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
        if "://" in target:
            continue
        assert (page.parent / target).exists(), f"{page.relative_to(REPO)}: broken link {target}"


def test_the_license_is_the_one_pyproject_names():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert project["license"] == "Apache-2.0"
    assert "Apache License" in text and "Version 2.0, January 2004" in text and "END OF TERMS AND CONDITIONS" in text
