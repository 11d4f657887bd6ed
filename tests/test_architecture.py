"""The house rules, checked: imports run one way, the core knows no settings, channels decide no policy.

Read from the source with ``ast`` (no import needed), so a rule broken anywhere fails here with the file named.
"""

from __future__ import annotations

import ast
import re

import pytest

from tests.conftest import REPO

PACKAGE = REPO / "botox_bot"


def _modules(folder: str) -> list:
    """The modules of a folder of the package ("" for its top level)."""
    return sorted((PACKAGE / folder).rglob("*.py")) if folder else sorted(PACKAGE.glob("*.py"))


def _imports(path) -> set[str]:
    """The botox_bot modules ``path`` imports (at module level or inside functions)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name == "botox_bot" or name.startswith("botox_bot.")}


@pytest.mark.parametrize(
    ("folder", "may_import"),
    [
        ("store", ("botox_bot.store",)),
        ("core", ("botox_bot.core", "botox_bot.store")),  # no settings, no HTTP, no channels
        ("server", ("botox_bot.server",)),  # the HTTP toolkit: nothing above it
        ("desk", ("botox_bot.desk", "botox_bot.core", "botox_bot.store")),  # below the runtime: no settings, no HTTP
    ],
)
def test_the_lower_floors_import_nothing_above_them(folder, may_import):
    wrong = {
        f"{path.relative_to(REPO)} imports {name}"
        for path in _modules(folder)
        for name in _imports(path)
        if not name.startswith(may_import)
    }
    assert not wrong, "\n".join(sorted(wrong))


def test_only_the_composition_root_imports_the_channels():
    outside = [p for p in PACKAGE.rglob("*.py") if "channels" not in p.relative_to(PACKAGE).parts]
    wrong = [
        f"{path.relative_to(REPO)} imports {name}"
        for path in outside
        for name in _imports(path)
        if name.startswith("botox_bot.channels") and path.name not in {"app.py", "cli.py"}
    ]
    assert not wrong, "\n".join(wrong)
    for name in ("runtime.py", "escalation.py", "settings.py"):
        assert not {i for i in _imports(PACKAGE / name) if i.startswith(("botox_bot.channels", "botox_bot.app"))}


@pytest.mark.parametrize(
    "pattern",
    [
        r"""slots\s*(\[|\.get\()\s*["']red_flag""",  # the reply's urgency is a typed field
        r"""\.intent\s*[!=]=\s*["']""",  # fallback, handoff, emergency are typed fields
        r"""runtime\.settings""",  # a channel gets its own settings group (the registry hands it over)
        r"""\.rate_limit\(""",  # the runtime's pipeline limits; a channel never calls the limiter
        r"""\bTOPIC_INTENTS\b""",  # topics and their titles come from the content
    ],
)
def test_channels_format_and_never_decide(pattern):
    registry = PACKAGE / "channels" / "__init__.py"
    offenders = [
        f"{path.relative_to(REPO)}:{number}: {line.strip()}"
        for path in _modules("channels")
        if path != registry
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(pattern, line)
    ]
    assert not offenders, "\n".join(offenders)
