"""`flask content check`: validate content/ and print every problem."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.catalogue import loader

content_cli = AppGroup("content", help="Check the lesson content and question banks.")


@content_cli.command("check")
@click.argument("folder", required=False, type=click.Path(path_type=Path))
def check_command(folder: Path | None) -> None:
    """Check every module, lesson, scenario and question bank; exit 1 if anything is wrong."""
    root = folder or Path(current_app.config["CONTENT_DIR"])
    catalogue, problems = loader.load(root)
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        raise click.exceptions.Exit(1)
    modules = catalogue.in_order()
    lessons = sum(len(m.lessons) for m in modules)
    scenarios = sum(len(m.scenarios) for m in modules)
    questions = sum(len(m.quiz.questions) for m in modules)
    click.echo(
        f"Content is valid: {len(modules)} modules, {lessons} lessons, {scenarios} scenarios, "
        f"{questions} quiz questions."
    )
