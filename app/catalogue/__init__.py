"""The read-only catalogue of lesson content, loaded once when the app starts."""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path

from flask import Flask, current_app

from app.catalogue.loader import Catalogue, Problem, load

_EXTENSION = "catalogue"


class InvalidContent(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@lru_cache(maxsize=8)
def _load_cached(root: str, stamp: tuple[tuple[str, float], ...]) -> Catalogue:
    catalogue, problems = load(Path(root))
    if problems:
        raise InvalidContent(problems)
    return catalogue


def _stamp(root: Path) -> tuple[tuple[str, float], ...]:
    # Reload when any file changes (tests and `flask run` start many apps in one process).
    files = [*root.rglob("*"), *(root.parent / "quizzes").glob("*.yaml")]
    return tuple(sorted((str(p), p.stat().st_mtime) for p in files if p.is_file()))


def init_app(app: Flask) -> None:
    """Load and validate content/. Raises InvalidContent listing every problem."""
    from app.catalogue.commands import content_cli

    app.cli.add_command(content_cli)
    root = Path(app.config["CONTENT_DIR"])
    app.extensions[_EXTENSION] = _load_cached(str(root), _stamp(root))


def is_content_check_command() -> bool:
    """True inside `flask content check`, which must run (and report) even when the
    content is broken, although the app refuses to start with broken content otherwise."""
    return sys.argv[1:] and "content" in sys.argv and "check" in sys.argv


def get() -> Catalogue:
    return current_app.extensions[_EXTENSION]
