"""Load YAML while remembering the line of every value, so validation errors can name file and line.

PyYAML's safe loader builds plain Python objects and forgets where they came from. Here the composed node tree
is walked once: values are built with the same safe constructor, and each path (``("responses",
"utter_duration", 0, "text")``) is mapped to its 1-based line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

Path_ = tuple[str | int, ...]


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when PyYAML has it: 5x faster


class YamlError(ValueError):
    """A file that is not valid YAML; the message names the file and line."""


def load_yaml(path: Path) -> tuple[Any, dict[Path_, int]]:
    """Parse ``path`` and return ``(data, lines)``; raise :class:`YamlError` on syntax errors."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise YamlError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    loader = _Loader(text)
    loader.name = str(path)  # marks (and so error messages) name the file
    try:
        node = loader.get_single_node()
        lines: dict[Path_, int] = {}
        data = _build(loader, node, (), lines) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark else ""
        raise YamlError(f"{path}{line}: invalid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise YamlError(f"{path}: invalid YAML: {exc}") from None
    finally:
        loader.dispose()
    return data, lines


def _build(
    loader: yaml.SafeLoader, node: yaml.Node, path: Path_, lines: dict[Path_, int], key_line: int | None = None
) -> Any:
    """Build the value of ``node``; a collection's line is its key's line, a scalar's is its text's."""
    if isinstance(node, yaml.ScalarNode):
        block = node.style in ("|", ">")  # a block scalar's text starts on the line after its indicator
        lines[path] = node.start_mark.line + 1 + int(block)
        return loader.construct_object(node, deep=True)
    lines[path] = key_line or node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if key in out:
                raise YamlError(f"{loader.name}:{line}: key {key!r} appears twice")
            out[key] = _build(loader, value_node, (*path, str(key)), lines, line)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(loader, child, (*path, i), lines) for i, child in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def line_of(lines: dict[Path_, int], loc: tuple[Any, ...]) -> int | None:
    """The line of the deepest known prefix of a pydantic error location."""
    loc = tuple(loc)
    while loc:
        if loc in lines:
            return lines[loc]
        loc = loc[:-1]
    return lines.get(())
