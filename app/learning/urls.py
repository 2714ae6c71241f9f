"""Where each item of a module's path lives."""

from __future__ import annotations

from flask import url_for


def item_url(module_id: str, ref: str | None, *, in_progress: bool = False) -> str:
    """The page for `lesson:<id>` or `scenario:<id>`; the module's task list for None.

    A scenario the person is part way through opens at their step (`in_progress`): its
    start page would only redirect there.
    """
    if ref is None:
        return url_for("learning.module", module_id=module_id)
    kind, _, item_id = ref.partition(":")
    if kind == "lesson":
        return url_for("learning.lesson", module_id=module_id, lesson_id=item_id)
    endpoint = "learning.play" if in_progress else "learning.scenario"
    return url_for(endpoint, module_id=module_id, scenario_id=item_id)
