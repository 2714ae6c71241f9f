"""Loads content/ and quizzes/ into an immutable catalogue, or reports every problem it finds.

Each problem names the file, the line and what is wrong, in plain words, so that a
training officer editing content can fix it without reading code.
"""

from __future__ import annotations

import hashlib
import json
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml
from markupsafe import Markup
from pydantic import ValidationError

from app.catalogue import markdown, schema
from app.catalogue.yaml_lines import ContentSyntaxError, line_of, parse

FRONT_MATTER = "---"


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    html: Markup
    text: str


@dataclass(frozen=True)
class Scenario:
    spec: schema.Scenario

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def title(self) -> str:
        return self.spec.title


@dataclass(frozen=True)
class Quiz:
    spec: schema.QuestionBank
    questions: MappingProxyType[str, schema.Question]
    # The questions and the titles of the lessons they name, as JSON text, and its SHA-256:
    # stored once per wording (app.quizzes.archive) so a result shows what was asked.
    snapshot: str = ""
    fingerprint: str = ""

    @property
    def settings(self) -> schema.QuizSettings:
        return self.spec.settings


@dataclass(frozen=True)
class Module:
    spec: schema.Module
    lessons: MappingProxyType[str, Lesson]
    scenarios: MappingProxyType[str, Scenario]
    quiz: Quiz

    @property
    def title(self) -> str:
        return self.spec.title

    @property
    def id(self) -> str:
        return self.spec.id

    def item(self, ref: str) -> Lesson | Scenario:
        kind, _, item_id = ref.partition(":")
        return self.lessons[item_id] if kind == "lesson" else self.scenarios[item_id]


@dataclass(frozen=True)
class Catalogue:
    modules: MappingProxyType[str, Module]
    policy: schema.Policy

    def in_order(self) -> list[Module]:
        return sorted(self.modules.values(), key=lambda m: (m.spec.order, m.id))


@dataclass
class _Loading:
    root: Path
    problems: list[Problem] = field(default_factory=list)

    def add(self, path: Path, line: int | None, message: str) -> None:
        try:
            name = str(path.relative_to(self.root.parent))
        except ValueError:
            name = str(path)
        self.problems.append(Problem(name, line, message))

    def validation(self, path: Path, node: Any, error: ValidationError) -> None:
        items = [(item, *_in_file(node, item["loc"])) for item in error.errors()]
        # For "everyone or a rule", pydantic reports both branches; keep the useful one.
        if len(items) > 1:
            items = [i for i in items if not i[2]] or items
        for item, location, _branch in items:
            # A node of an unknown type: point at its type, not at its name.
            at = (*location, "type") if item["type"] == "union_tag_invalid" else location
            self.add(path, line_of(node, at), _plain(location, item))


def _in_file(node: Any, location: tuple[Any, ...]) -> tuple[tuple[Any, ...], bool]:
    """The error location as keys in the file, and whether a union branch name was taken
    out. Pydantic puts branch names ("decision", "Audience") into locations; a part is one
    only when it looks like one and is not a key at that place in the file (a node may well
    be called "end", and a mistyped key may start with a capital)."""
    kept: list[Any] = []
    dropped = False
    for part in location:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == str(part)), None)
            if match is None and _looks_like_branch(part):
                dropped = True
                continue
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            node = node.value[part] if part < len(node.value) else None
        elif _looks_like_branch(part):
            dropped = True
            continue
        kept.append(part)
    return tuple(kept), dropped


def _looks_like_branch(part: Any) -> bool:
    return isinstance(part, str) and (
        part.startswith("literal[") or part[:1].isupper() or part in {"content", "decision", "end"}
    )


def _plain(location: tuple[Any, ...], item: dict[str, Any]) -> str:
    where = ".".join(str(p) for p in location)
    kind = item["type"]
    if kind == "union_tag_invalid":
        return f"'{where}.type' must be content, decision or end"
    if kind == "literal_error" and location and location[-1] == "audience":
        return "'audience' must be everyone, or a rule with any_of"
    if kind == "missing":
        return f"'{where}' is missing"
    if kind == "extra_forbidden":
        return f"'{where}' is not a field we know: check its spelling, or remove it"
    if kind == "string_pattern_mismatch" and location and location[-1] == "url":
        return f"'{where}' must be a web address starting with https://"
    if kind == "string_pattern_mismatch":
        return (
            f"'{where}' must be lower-case letters, digits and single hyphens "
            "(for example 'personal-use')"
        )
    return f"'{where}': {item['msg']}"


def load(root: Path, quizzes: Path | None = None) -> tuple[Catalogue | None, list[Problem]]:
    """Load content from `root` and question banks from `quizzes` (default: its sibling)."""
    loading = _Loading(root)
    if not root.is_dir():
        loading.problems.append(Problem(str(root), None, "the content folder does not exist"))
        return None, loading.problems
    quizzes = quizzes or root.parent / "quizzes"
    policy = _load_policy(root / "policy.yaml", loading)
    modules: dict[str, Module] = {}
    # Hidden folders (.git, an editor's) are not modules.
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        module = _load_module(folder, quizzes, loading)
        if module is not None:
            modules[module.id] = module
    if not modules and not loading.problems:
        loading.problems.append(Problem(root.name, None, "there are no modules"))
    named = {m.spec.quiz_bank for m in modules.values()}
    for path in sorted(quizzes.glob("*.yaml")) if quizzes.is_dir() else []:
        if path.stem not in named and not loading.problems:
            loading.add(path, None, "no module names this question bank in its quiz_bank field")
    problems = sorted(loading.problems)
    if problems:
        return None, problems
    return Catalogue(MappingProxyType(modules), policy), []


def _load_policy(path: Path, loading: _Loading) -> schema.Policy | None:
    if not path.is_file():
        loading.add(path, None, "there is no policy.yaml naming the policy and its version")
        return None
    data, node = _load_yaml(path, loading)
    if data is None:
        return None
    try:
        return schema.Policy.model_validate(data)
    except ValidationError as error:
        loading.validation(path, node, error)
        return None


def _read_text(path: Path, loading: _Loading) -> str | None:
    """The file's text, or None with a problem recorded. A byte-order mark (older Windows
    editors add one) is dropped."""
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        loading.add(path, None, "this is a folder, not a file: rename or move it")
        return None
    except OSError as exc:
        loading.add(path, None, f"this file cannot be read ({exc.strerror or exc})")
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        loading.add(path, line, "this file is not saved as UTF-8 text: save it as UTF-8")
        return None


def _load_yaml(path: Path, loading: _Loading) -> tuple[Any, Any]:
    text = _read_text(path, loading)
    if text is None:
        return None, None
    try:
        data, node = parse(text)
    except ContentSyntaxError as exc:
        loading.add(path, exc.line, exc.message)
        return None, None
    if not isinstance(data, dict):
        loading.add(path, 1, "this file must be a set of 'name: value' fields")
        return None, None
    return data, node


def _load_module(folder: Path, quizzes: Path, loading: _Loading) -> Module | None:
    path = folder / "module.yaml"
    if not path.is_file():
        loading.add(folder, None, "this module folder has no module.yaml")
        return None
    data, node = _load_yaml(path, loading)
    if data is None:
        return None
    try:
        spec = schema.Module.model_validate(data)
    except ValidationError as error:
        loading.validation(path, node, error)
        spec = None
    if spec is not None and spec.id != folder.name:
        loading.add(
            path,
            line_of(node, ("id",)),
            f"id '{spec.id}' must match the folder name '{folder.name}'",
        )
    lessons = _load_lessons(folder / "lessons", loading)
    scenarios = _load_scenarios(folder / "scenarios", loading)
    if spec is None:
        return None
    for path_name in ("induction_path", "refresher_path"):
        for index, ref in enumerate(getattr(spec, path_name)):
            kind, _, item_id = ref.partition(":")
            known = lessons if kind == "lesson" else scenarios
            if item_id not in known:
                loading.add(
                    path,
                    line_of(node, (path_name, index)),
                    f"{path_name} names {kind} '{item_id}', but there is no such {kind} "
                    f"in {folder.name}/{kind}s/",
                )
        refs = getattr(spec, path_name)
        for ref in sorted({r for r in refs if refs.count(r) > 1}):
            loading.add(path, line_of(node, (path_name,)), f"{path_name} lists '{ref}' twice")
    bank_path = quizzes / f"{spec.quiz_bank}.yaml"
    if not bank_path.is_file():
        loading.add(
            path,
            line_of(node, ("quiz_bank",)),
            f"quiz_bank names '{spec.quiz_bank}', but there is no file "
            f"{quizzes.name}/{spec.quiz_bank}.yaml",
        )
        return None
    taught = {
        ref.partition(":")[2]
        for ref in (*spec.induction_path, *spec.refresher_path)
        if ref.startswith("lesson:")
    }
    quiz = _load_quiz(bank_path, spec, {k: v for k, v in lessons.items() if k in taught}, loading)
    if quiz is None:
        return None
    return Module(spec, MappingProxyType(lessons), MappingProxyType(scenarios), quiz)


# Options each question type must have: (fewest, most, fewest correct, most correct).
_OPTION_RULES = {
    "single": (3, 5, 1, 1, "3 to 5 options, exactly one of them correct"),
    "multiple": (4, 6, 2, None, "4 to 6 options, at least two correct and at least one wrong"),
    "true_false": (2, 2, 1, 1, "exactly two options (true and false), one of them correct"),
}


def _load_quiz(
    path: Path, module: schema.Module, lessons: dict[str, Lesson], loading: _Loading
) -> Quiz | None:
    data, node = _load_yaml(path, loading)
    if data is None:
        return None
    try:
        bank = schema.QuestionBank.model_validate(data)
    except ValidationError as error:
        loading.validation(path, node, error)
        return None
    before = len(loading.problems)
    if bank.module != module.id:
        loading.add(
            path,
            line_of(node, ("module",)),
            f"module '{bank.module}' must be '{module.id}', the module that names this bank",
        )
    seen: set[str] = set()
    used_tags: set[str] = set()
    for index, question in enumerate(bank.questions):
        here = ("questions", index)
        if question.id in seen:
            loading.add(
                path, line_of(node, (*here, "id")), f"question id '{question.id}' is used twice"
            )
        seen.add(question.id)
        _check_question(path, node, here, question, lessons, bank, loading)
        used_tags.update(question.tags)
    for tag in bank.tags:
        if tag not in used_tags:
            loading.add(path, line_of(node, ("tags", tag)), f"no question uses the tag '{tag}'")
    if bank.settings.questions_per_attempt > len(bank.questions):
        loading.add(
            path,
            line_of(node, ("settings", "questions_per_attempt")),
            f"questions_per_attempt is {bank.settings.questions_per_attempt}, but the bank "
            f"has only {len(bank.questions)} questions",
        )
    if len(loading.problems) > before:
        return None
    snapshot = _snapshot(bank, lessons)
    return Quiz(
        bank,
        MappingProxyType({q.id: q for q in bank.questions}),
        snapshot,
        hashlib.sha256(snapshot.encode()).hexdigest(),
    )


def _snapshot(bank: schema.QuestionBank, lessons: dict[str, Lesson]) -> str:
    return json.dumps(
        {
            "questions": [q.model_dump(mode="json") for q in bank.questions],
            "lessons": {q.lesson: lessons[q.lesson].title for q in bank.questions},
        },
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )


def _check_question(
    path: Path,
    node: Any,
    here: tuple[Any, ...],
    question: schema.Question,
    lessons: dict[str, Lesson],
    bank: schema.QuestionBank,
    loading: _Loading,
) -> None:
    name = f"question '{question.id}'"
    ids = [o.id for o in question.options]
    for option_id in sorted({i for i in ids if ids.count(i) > 1}):
        loading.add(
            path, line_of(node, (*here, "options")), f"{name} uses option id '{option_id}' twice"
        )
    fewest, most, fewest_correct, most_correct, rule = _OPTION_RULES[question.type]
    correct = len(question.correct_ids)
    wrong = len(question.options) - correct
    if (
        not fewest <= len(question.options) <= most
        or correct < fewest_correct
        or (most_correct is not None and correct > most_correct)
        or wrong < 1
    ):
        loading.add(
            path,
            line_of(node, (*here, "options")),
            f"{name} is a {question.type} question, so it needs {rule}",
        )
    if question.type == "true_false" and sorted(ids) != ["false", "true"]:
        loading.add(
            path,
            line_of(node, (*here, "options")),
            f"{name} is a true_false question, so its option ids must be 'true' and 'false'",
        )
    if question.lesson not in lessons:
        loading.add(
            path,
            line_of(node, (*here, "lesson")),
            f"{name} names lesson '{question.lesson}', but no lesson of that id is on the "
            f"module's induction_path or refresher_path (a question tests what the module "
            "teaches, and its result page links to that lesson)",
        )
    for tag in question.tags:
        if tag not in bank.tags:
            loading.add(
                path,
                line_of(node, (*here, "tags")),
                f"{name} uses the tag '{tag}', which is not listed under tags",
            )


def _load_lessons(folder: Path, loading: _Loading) -> dict[str, Lesson]:
    lessons: dict[str, Lesson] = {}
    seen: dict[str, Path] = {}
    for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
        lesson = _load_lesson(path, loading)
        if lesson is None:
            continue
        if lesson.id in seen:
            loading.add(path, 2, f"lesson id '{lesson.id}' is also used by {seen[lesson.id].name}")
            continue
        seen[lesson.id] = path
        lessons[lesson.id] = lesson
    return lessons


def _load_lesson(path: Path, loading: _Loading) -> Lesson | None:
    text = _read_text(path, loading)
    if text is None:
        return None
    lines = text.split("\n")
    if not lines or lines[0].strip() != FRONT_MATTER:
        loading.add(path, 1, "a lesson must start with front matter between two '---' lines")
        return None
    try:
        end = next(i for i, line in enumerate(lines[1:], start=1) if line.strip() == FRONT_MATTER)
    except StopIteration:
        loading.add(path, 1, "the front matter has no closing '---' line")
        return None
    try:
        data, node = parse("\n".join(lines[1:end]))
    except ContentSyntaxError as exc:
        loading.add(path, (exc.line or 0) + 1, exc.message)
        return None
    if not isinstance(data, dict):
        loading.add(path, 2, "the front matter must be 'name: value' fields (id and title)")
        return None
    try:
        front = schema.LessonFrontMatter.model_validate(data)
    except ValidationError as error:
        for item in error.errors():
            line = line_of(node, tuple(item["loc"]))
            loading.add(path, (line or 0) + 1, _plain(tuple(item["loc"]), item))
        return None
    body = "\n".join(lines[end + 1 :])
    if not body.strip():
        loading.add(path, end + 2, "the lesson has no text after its front matter")
        return None
    unsupported = markdown.problems(body)
    for line, message in unsupported:
        loading.add(path, end + 1 + line if line else None, message)
    if unsupported:
        return None
    return Lesson(front.id, front.title, markdown.render(body), markdown.plain_text(body))


def _load_scenarios(folder: Path, loading: _Loading) -> dict[str, Scenario]:
    scenarios: dict[str, Scenario] = {}
    seen: dict[str, Path] = {}
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        data, node = _load_yaml(path, loading)
        if data is None:
            continue
        try:
            spec = schema.Scenario.model_validate(data)
        except ValidationError as error:
            loading.validation(path, node, error)
            continue
        if spec.id in seen:
            loading.add(
                path,
                line_of(node, ("id",)),
                f"scenario id '{spec.id}' is also used by {seen[spec.id].name}",
            )
            continue
        if _check_graph(spec, path, node, loading):
            seen[spec.id] = path
            scenarios[spec.id] = Scenario(spec)
    return scenarios


def _check_graph(spec: schema.Scenario, path: Path, node: Any, loading: _Loading) -> bool:
    ok = True
    if spec.start not in spec.nodes:
        loading.add(
            path,
            line_of(node, ("start",)),
            f"start names '{spec.start}', but there is no such node",
        )
        return False
    if isinstance(spec.nodes[spec.start], schema.EndNode):
        loading.add(
            path,
            line_of(node, ("start",)),
            f"start names '{spec.start}', an end node: a scenario must start with content "
            "or a decision",
        )
        return False
    for node_id, item in spec.nodes.items():
        links = (
            [(("nodes", node_id, "next"), item.next)]
            if isinstance(item, schema.ContentNode)
            else [
                (("nodes", node_id, "choices", i, "next"), c.next)
                for i, c in enumerate(item.choices)
            ]
            if isinstance(item, schema.DecisionNode)
            else []
        )
        for location, target in links:
            if target not in spec.nodes:
                loading.add(
                    path,
                    line_of(node, location),
                    f"node '{node_id}' leads to '{target}', but there is no such node",
                )
                ok = False
    if not ok:
        return False
    reachable = _reachable(spec)
    for node_id in spec.nodes:
        if node_id not in reachable:
            loading.add(
                path,
                line_of(node, ("nodes", node_id)),
                f"node '{node_id}' cannot be reached from the start",
            )
            ok = False
    if not any(isinstance(spec.nodes[n], schema.EndNode) for n in reachable):
        loading.add(path, line_of(node, ("start",)), "no end node can be reached from the start")
        return False
    trapped = [n for n in reachable if not _reaches_end(spec, n)]
    for node_id in trapped:
        loading.add(
            path,
            line_of(node, ("nodes", node_id)),
            f"from node '{node_id}' no end node can be reached (a loop with no way out)",
        )
        ok = False
    return ok


def _successors(item: Any) -> list[str]:
    if isinstance(item, schema.ContentNode):
        return [item.next]
    if isinstance(item, schema.DecisionNode):
        return [c.next for c in item.choices]
    return []


def _reachable(spec: schema.Scenario, start: str | None = None) -> set[str]:
    seen = {start or spec.start}
    queue = deque(seen)
    while queue:
        for target in _successors(spec.nodes[queue.popleft()]):
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


def _reaches_end(spec: schema.Scenario, node_id: str) -> bool:
    return any(isinstance(spec.nodes[n], schema.EndNode) for n in _reachable(spec, node_id))
