"""`flask content check`, and refusing to start with broken content."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "content"


def run_flask(*args: str, content_dir: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "APP_ENV": "development", "DATABASE_URL": "sqlite://"}
    if content_dir is not None:
        env["CONTENT_DIR"] = str(content_dir)
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app:create_app", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def broken_copy(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(FIXTURE, root)
    shutil.copytree(FIXTURE.parent / "quizzes", tmp_path / "quizzes")
    bank = tmp_path / "quizzes" / "regulated-only.yaml"
    bank.write_text(bank.read_text().replace("lesson: boundaries", "lesson: no-such", 1))
    scenario = root / "sample-module/scenarios/office-choice.yaml"
    scenario.write_text(scenario.read_text().replace("next: good-end", "next: nowhere", 1))
    module = root / "sample-module/module.yaml"
    module.write_text(module.read_text().replace("version: 1\n", "version: 1\nversoin: 2\n"))
    return root


def test_check_passes_on_the_shipped_content():
    result = run_flask("content", "check")
    assert result.returncode == 0, result.stderr
    assert "Content is valid: 5 modules" in result.stdout
    questions = int(result.stdout.split("scenarios, ")[1].split(" quiz questions")[0])
    assert questions >= 100


def test_check_lists_every_problem_and_fails(tmp_path):
    result = run_flask("content", "check", content_dir=broken_copy(tmp_path))
    assert result.returncode == 1
    assert "content/sample-module/module.yaml:6: 'versoin' is not a field we know" in result.stderr
    assert "office-choice.yaml:19: node 'ask' leads to 'nowhere'" in result.stderr
    assert "quizzes/regulated-only.yaml:12: question 'friend-request' names lesson 'no-such'" in (
        result.stderr
    )


def test_the_app_refuses_to_start_with_broken_content(tmp_path):
    result = run_flask("routes", content_dir=broken_copy(tmp_path))
    assert result.returncode != 0
    assert "Refusing to start: the content has problems" in result.stderr
    assert "'versoin' is not a field we know" in result.stderr
    assert "leads to 'nowhere'" in result.stderr
