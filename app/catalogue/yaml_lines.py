"""YAML with line numbers: find the line that a validation error's location points at."""

from __future__ import annotations

from typing import Any

import yaml


class ContentSyntaxError(ValueError):
    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class _Loader(yaml.SafeLoader):
    """PyYAML keeps the last of two equal keys without a word; content must not."""

    def construct_mapping(self, node, deep=False):
        seen: dict[str, int] = {}
        for key_node, _value in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                line = key_node.start_mark.line + 1
                if key_node.value in seen:
                    raise ContentSyntaxError(
                        line,
                        f"'{key_node.value}' appears twice in the same block (first on line "
                        f"{seen[key_node.value]}): keep one",
                    )
                seen[key_node.value] = line
        return super().construct_mapping(node, deep=deep)


def parse(text: str) -> tuple[Any, yaml.Node | None]:
    """The data and the node tree (for line numbers). Raises ContentSyntaxError."""
    try:
        return _compose_and_construct(text)
    except ContentSyntaxError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        hint = ""
        if exc.problem and "mapping values are not allowed" in exc.problem:
            hint = " (a value that contains ': ' must be put in quotes)"
        raise ContentSyntaxError(line, f"this is not valid YAML: {exc.problem}{hint}") from None
    except yaml.reader.ReaderError as exc:
        # A control character, often a line break pasted from a word processor.
        line = text.count("\n", 0, exc.position) + 1
        character = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise ContentSyntaxError(
            line,
            f"this line has a control character (U+{character:04X}) that YAML does not "
            "allow: delete it and type the text again",
        ) from None
    except yaml.YAMLError as exc:
        raise ContentSyntaxError(None, f"this is not valid YAML: {exc}") from None
    except ValueError:  # a number too long for Python to read
        raise ContentSyntaxError(None, "a number in this file is far too long") from None
    except RecursionError:
        raise ContentSyntaxError(
            None, "lists or blocks in this file are nested too deeply"
        ) from None


def _compose_and_construct(text: str) -> tuple[Any, yaml.Node | None]:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        return (loader.construct_document(node) if node is not None else None), node
    finally:
        loader.dispose()


def line_of(node: yaml.Node | None, location: tuple[Any, ...]) -> int | None:
    """The 1-based line of the deepest part of `location` that exists in the file."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for part in location:
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if k.value == str(part)), None)
            if pair is None:
                continue  # Pydantic puts union tags ("decision") into locations; not keys
            # The key's line: a block value starts on the line after it.
            key, node = pair
            line = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            node = node.value[part]
            line = node.start_mark.line + 1
    return line


def key_line(node: yaml.Node | None, *path: str) -> int | None:
    return line_of(node, path)
