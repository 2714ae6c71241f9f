"""Where each item of a module's path lives."""

from __future__ import annotations

from flask import url_for


def item_url(module_id: str, ref: str | None) -> str:
    """The page for `lesson:<id>` or `scenario:<id>`; the module's task list for None."""
    if ref is None:
        return url_for("learning.module", module_id=module_id)
    kind, _, item_id = ref.partition(":")
    if kind == "lesson":
        return url_for("learning.lesson", module_id=module_id, lesson_id=item_id)
    return url_for("learning.scenario", module_id=module_id, scenario_id=item_id)
