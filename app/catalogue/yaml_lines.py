"""YAML with line numbers: find the line that a validation error's location points at."""

from __future__ import annotations

from typing import Any

import yaml


class ContentSyntaxError(ValueError):
    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def parse(text: str) -> tuple[Any, yaml.Node | None]:
    """The data and the node tree (for line numbers). Raises ContentSyntaxError."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        hint = ""
        if exc.problem and "mapping values are not allowed" in exc.problem:
            hint = " (a value that contains ': ' must be put in quotes)"
        raise ContentSyntaxError(line, f"this is not valid YAML: {exc.problem}{hint}") from None
    return data, node


def line_of(node: yaml.Node | None, location: tuple[Any, ...]) -> int | None:
    """The 1-based line of the deepest part of `location` that exists in the file."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for part in location:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == str(part)), None)
            if match is None:
                # Pydantic puts union tags ("decision") into locations; they are not keys.
                key = next((k for k, _v in node.value if k.value == str(part)), None)
                if key is None:
                    continue
                return key.start_mark.line + 1
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            node = node.value[part]
        else:
            continue
        line = node.start_mark.line + 1
    return line


def key_line(node: yaml.Node | None, *path: str) -> int | None:
    return line_of(node, path)
