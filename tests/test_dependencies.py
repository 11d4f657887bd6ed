"""Dependencies: every imported package is declared, the lock pins every declared one, the leaned-on are bounded.

The lock (requirements/lock.txt, compiled by pip-tools from pyproject.toml with every extra) is what CI and the
README's test command install through, as constraints.
"""

from __future__ import annotations

import ast
import importlib.metadata
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import REPO

PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
RUNTIME = [Requirement(r) for r in PROJECT["dependencies"]]
EXTRAS = [Requirement(r) for extra in PROJECT["optional-dependencies"].values() for r in extra]
FEATURES = [Requirement(r) for name, extra in PROJECT["optional-dependencies"].items() if name != "dev" for r in extra]
LOCK = REPO / "requirements" / "lock.txt"


def _declared(requirements: list[Requirement]) -> set[str]:
    return {canonicalize_name(r.name) for r in requirements}


def _imported_modules(folder: Path) -> dict[str, Path]:
    """Third-party modules imported under ``folder`` (absolute imports; not the stdlib, ours, or a sibling file)."""
    found: dict[str, Path] = {}
    for path in sorted(folder.rglob("*.py")):
        siblings = {p.stem for p in path.parent.glob("*.py")}
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top in {"__future__", "botox_bot", "tests", *siblings}:
                    continue
                found.setdefault(name, path)
    return found


def _distributions(module: str) -> set[str]:
    """The distributions that provide ``module`` (several for a namespace package such as microsoft_agents)."""
    top, *rest = module.split(".")
    candidates = importlib.metadata.packages_distributions().get(top, [])
    if len(candidates) <= 1 or not rest:
        return {canonicalize_name(c) for c in candidates}
    prefix = "/".join([top, *rest[:2]])  # microsoft_agents/hosting/core
    providing = set()
    for candidate in candidates:
        files = importlib.metadata.distribution(candidate).files or []
        if any(str(f).startswith(prefix) for f in files):
            providing.add(canonicalize_name(candidate))
    return providing


@pytest.mark.parametrize(
    ("folder", "allowed"),
    [
        ("botox_bot", _declared(RUNTIME + FEATURES)),  # an optional feature's package (plots) is imported lazily
        ("tests", _declared(RUNTIME + EXTRAS)),
        ("bench", _declared(RUNTIME + EXTRAS)),
    ],
)
def test_every_imported_package_is_declared(folder, allowed):
    undeclared = {
        f"{module} ({path.relative_to(REPO)}): provided by {sorted(_distributions(module)) or 'nothing installed'}"
        for module, path in _imported_modules(REPO / folder).items()
        if not _distributions(module) & allowed
    }
    assert not undeclared, "import without a declared dependency:\n" + "\n".join(sorted(undeclared))


def _locked() -> dict[str, str]:
    pins = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith((" ", "#", "-")):
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = version.split(";")[0].strip()
    return pins


def test_the_lock_pins_every_declared_dependency_within_its_range():
    pins = _locked()
    for requirement in RUNTIME + EXTRAS:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is declared but not in {LOCK.name}: recompile it (CONTRIBUTING.md)"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"{LOCK.name} pins {name}=={pins[name]}, outside {requirement}: recompile it (CONTRIBUTING.md)"
        )


@pytest.mark.parametrize(
    "name",
    [
        "aiohttp",
        "slack-bolt",
        "microsoft-agents-activity",
        "microsoft-agents-hosting-core",
        "microsoft-agents-hosting-aiohttp",
        "microsoft-agents-authentication-msal",
    ],
)
def test_the_packages_the_code_leans_on_have_an_upper_bound(name):
    (requirement,) = [r for r in RUNTIME if canonicalize_name(r.name) == name]
    assert any(spec.operator in {"<", "<=", "~=", "=="} for spec in requirement.specifier), requirement
