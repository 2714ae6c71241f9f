"""The lesson and scenario player, through the pages a learner uses (fixture content)."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

from sqlalchemy import func, select

from app.extensions import db
from app.models import ItemProgress, ModuleCompletion, ScenarioDecision, ScenarioRun
from tests.conftest import make_app
from tests.support.accounts import create_user, csrf_token, sign_in, submit
from tests.support.concurrency import at_once
from tests.support.page_checks import visible_text

MODULE = "/modules/sample-module"
LESSON = f"{MODULE}/lessons/first-lesson"
SCENARIO = f"{MODULE}/scenarios/office-choice"
PLAY = f"{SCENARIO}/play"


def count(app, model, **where):
    with app.app_context():
        query = select(func.count()).select_from(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return db.session.scalar(query)


def test_home_lists_the_modules_that_apply(client_as):
    html = client_as("learner").get("/home").get_data(as_text=True)
    assert "A sample module" in html
    assert "Not started" in html
    assert f'href="{LESSON}"' in html  # "Start" leads to the first item
    assert "Only for regulated roles" not in html


def test_audience_rules_decide_who_sees_a_module(app, client_as):
    create_user(app, "carer@example.org", is_regulated_role=True)
    create_user(app, "teacher@example.org", professional_body="GTCS")
    for email in ("carer@example.org", "teacher@example.org"):
        client = app.test_client()
        sign_in(client, email)
        assert "Only for regulated roles" in client.get("/home").get_data(as_text=True)
        assert client.get("/modules/regulated-only").status_code == 200
    learner = client_as("learner")
    assert learner.get("/modules/regulated-only").status_code == 404
    assert learner.get("/modules/regulated-only/lessons/boundaries").status_code == 404


def test_unknown_modules_and_items_are_404(client_as):
    client = client_as("learner")
    for path in (
        "/modules/nope",
        f"{MODULE}/lessons/nope",
        f"{MODULE}/scenarios/nope",
        f"{MODULE}/scenarios/nope/play",
        "/modules/..%2Fconfig",
    ):
        assert client.get(path).status_code == 404, path


def test_module_overview_is_a_task_list_with_the_quiz_locked(client_as):
    html = client_as("learner").get(MODULE).get_data(as_text=True)
    assert "govuk-task-list" in html
    assert "The first lesson" in html and "A choice in the office" in html
    assert "Cannot start yet" in html
    assert "legislation.gov.uk" in html


def test_lesson_progress_is_recorded_once(app, client_as, people):
    client = client_as("learner")
    page = client.get(LESSON).get_data(as_text=True)
    assert "Your e-mails are records." in page
    response = submit(client, LESSON, {})
    assert response.headers["Location"] == SCENARIO
    submit(client, LESSON, {})
    assert count(app, ItemProgress, user_id=people["learner"]) == 1
    html = client.get("/home").get_data(as_text=True)
    assert "In progress" in html and f'href="{SCENARIO}"' in html


def play_to_the_decision(client):
    submit(client, SCENARIO, {})
    return submit(client, PLAY, {"node": "intro"})


def test_a_scenario_from_start_to_summary(app, client_as, people):
    client = client_as("learner")
    submit(client, LESSON, {})
    start_page = client.get(SCENARIO)
    assert start_page.status_code == 200
    # The role as the content names it (no "a" before a vowel, "ICT" kept in capitals).
    assert "Scenario – your role: Office worker" in start_page.text
    play_to_the_decision(client)
    decision = client.get(PLAY).get_data(as_text=True)
    assert "What do you do?" in decision and 'type="radio"' in decision
    # Nothing chosen: a clear message, nothing recorded.
    response = submit(client, PLAY, {"node": "ask"})
    assert "Select what you would do" in response.get_data(as_text=True)
    assert count(app, ScenarioDecision) == 0

    response = submit(client, PLAY, {"node": "ask", "choice": "forward"})
    assert response.headers["Location"] == f"{SCENARIO}/feedback"
    feedback = client.get(f"{SCENARIO}/feedback").get_data(as_text=True)
    assert "A poor choice" in feedback and "That shares data without need." in feedback
    summary = client.get(f"{SCENARIO}/summary").get_data(as_text=True)
    assert "Think again" in summary
    assert "Forward it to everyone." in summary and "Check who needs it." in summary

    with app.app_context():
        decision = db.session.scalar(select(ScenarioDecision))
        assert (
            decision.user_id,
            decision.scenario_id,
            decision.node_id,
            decision.choice_id,
            decision.outcome,
            decision.content_version,
        ) == (people["learner"], "office-choice", "ask", "forward", "poor", 1)
        completion = db.session.scalar(select(ModuleCompletion))
        assert completion.module_id == "sample-module" and completion.content_version == 1
    assert "Learning complete" in client.get("/home").get_data(as_text=True)


def test_the_decision_page_counts_the_decisions_already_made(app, client_as, people):
    client = client_as("learner")
    play_to_the_decision(client)
    assert "decision 1</span>" in client.get(PLAY).get_data(as_text=True)
    # (Rows written directly: the sample scenario has one decision; a longer one would
    # have taken two before this node.)
    with app.app_context():
        run = db.session.scalar(select(ScenarioRun))
        for node in ("earlier-one", "earlier-two"):
            db.session.add(
                ScenarioDecision(
                    run=run,
                    user_id=people["learner"],
                    module_id="sample-module",
                    scenario_id="office-choice",
                    content_version=1,
                    node_id=node,
                    choice_id="check",
                    outcome="best",
                )
            )
        db.session.commit()
    assert "decision 3</span>" in client.get(PLAY).get_data(as_text=True)


def test_replayed_or_stale_steps_change_nothing(app, client_as):
    client = client_as("learner")
    play_to_the_decision(client)
    submit(client, PLAY, {"node": "intro"})  # the content step again (back button)
    with app.app_context():
        assert db.session.scalar(select(ScenarioRun.current_node)) == "ask"
    first = submit(client, PLAY, {"node": "ask", "choice": "check"})
    assert first.status_code == 302
    # The same decision again, or a different answer to it, records nothing new.
    submit(client, SCENARIO, {})  # start a new run after finishing…
    with app.app_context():
        runs = db.session.scalar(select(func.count()).select_from(ScenarioRun))
    assert runs == 2
    replay = submit(client, PLAY, {"node": "ask", "choice": "forward"}, form_path=PLAY)
    assert replay.status_code == 302
    assert count(app, ScenarioDecision) == 1


def test_a_decision_sent_twice_shows_its_feedback_and_is_recorded_once(app, client_as):
    client = client_as("learner")
    play_to_the_decision(client)
    token = csrf_token(client, PLAY)
    for _ in range(2):  # a double click: the same form, the same token
        response = client.post(
            PLAY,
            data={"node": "ask", "choice": "check", "csrf_token": token},
            headers={"Referer": f"http://localhost{PLAY}"},
        )
        assert response.headers["Location"] == f"{SCENARIO}/feedback"
    assert "You had already answered that" not in client.get(f"{SCENARIO}/feedback").text
    assert count(app, ScenarioDecision) == 1


def test_a_decision_sent_twice_at_the_same_moment_is_recorded_once(app, people):
    clients = []
    for _ in range(2):  # two tabs of the same learner
        client = app.test_client()
        sign_in(client, "learner@example.org")
        clients.append(client)
    for trial in range(1, 6):
        play_to_the_decision(clients[0])
        tokens = [csrf_token(c, PLAY) for c in clients]
        barrier = threading.Barrier(2)

        def post(index, tokens=tokens, barrier=barrier):
            barrier.wait()
            return (
                clients[index]
                .post(
                    PLAY,
                    data={"node": "ask", "choice": "check", "csrf_token": tokens[index]},
                    headers={"Referer": f"http://localhost{PLAY}"},
                )
                .status_code
            )

        statuses = at_once(lambda: post(0), lambda: post(1))
        assert statuses == [302, 302], statuses
        assert count(app, ScenarioDecision) == trial


def test_an_answer_for_a_node_you_are_not_on_is_refused(app, client_as):
    client = client_as("learner")
    submit(client, SCENARIO, {})
    response = submit(client, PLAY, {"node": "ask", "choice": "forward"})
    assert response.headers["Location"] == PLAY
    assert count(app, ScenarioDecision) == 0
    page = client.get(PLAY).get_data(as_text=True)
    assert "You had already answered that" in page
    assert "A colleague asks you to forward a file." in page


def test_made_up_choice_is_refused(app, client_as):
    client = client_as("learner")
    play_to_the_decision(client)
    response = submit(client, PLAY, {"node": "ask", "choice": "delete-everything"})
    assert "Select what you would do" in response.get_data(as_text=True)
    assert count(app, ScenarioDecision) == 0


def test_progress_resumes_in_another_session(app, client_as):
    client = client_as("learner")
    play_to_the_decision(client)
    elsewhere = app.test_client()
    sign_in(elsewhere, "learner@example.org")
    assert elsewhere.get(SCENARIO).headers["Location"] == PLAY
    assert "What do you do?" in elsewhere.get(PLAY).get_data(as_text=True)


def test_starting_twice_keeps_one_open_run(app, client_as):
    client = client_as("learner")
    submit(client, SCENARIO, {})
    submit(client, SCENARIO, {}, form_path=PLAY)
    assert count(app, ScenarioRun) == 1


def test_learning_pages_need_sign_in(client):
    response = client.get(LESSON)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_an_item_only_on_the_other_path_can_be_read_to_its_end(database_url, tmp_path, monkeypatch):
    # The scenario is on the refresher path only; a new starter may still open it.
    content = tmp_path / "content"
    fixtures = Path(__file__).resolve().parents[1] / "fixtures"
    shutil.copytree(fixtures / "content", content)
    shutil.copytree(fixtures / "quizzes", tmp_path / "quizzes")
    spec = content / "sample-module" / "module.yaml"
    text = spec.read_text()
    text = text.replace(
        "induction_path:\n  - lesson:first-lesson\n  - scenario:office-choice\n",
        "induction_path:\n  - lesson:first-lesson\n",
    ).replace(
        "refresher_path:\n  - lesson:first-lesson\n",
        "refresher_path:\n  - lesson:first-lesson\n  - scenario:office-choice\n",
    )
    spec.write_text(text)
    app = make_app(database_url, CONTENT_DIR=str(content))
    create_user(app, "starter@example.org")
    client = app.test_client()
    sign_in(client, "starter@example.org")
    play_to_the_decision(client)
    submit(client, PLAY, {"node": "ask", "choice": "check"})
    summary = client.get(f"{SCENARIO}/summary")
    assert summary.status_code == 200 and "Check who needs it." in summary.text
    with app.app_context():
        db.engine.dispose()


def content_copy(tmp_path, name: str) -> Path:
    fixtures = Path(__file__).resolve().parents[1] / "fixtures"
    content = tmp_path / name / "content"
    shutil.copytree(fixtures / "content", content)
    shutil.copytree(fixtures / "quizzes", tmp_path / name / "quizzes")
    return content


def test_a_run_left_on_a_step_that_new_content_removed_starts_again(database_url, tmp_path):
    old = make_app(database_url, CONTENT_DIR=str(content_copy(tmp_path, "old")))
    user_id = create_user(old, "starter@example.org")
    client = old.test_client()
    sign_in(client, "starter@example.org")
    play_to_the_decision(client)  # stopped at the decision "ask"
    # The next version renames that step (and says it is a new version).
    content = content_copy(tmp_path, "new")
    scenario = content / "sample-module" / "scenarios" / "office-choice.yaml"
    scenario.write_text(
        scenario.read_text()
        .replace("next: ask", "next: ask-again")
        .replace("  ask:", "  ask-again:")
    )
    module = content / "sample-module" / "module.yaml"
    module.write_text(module.read_text().replace("version: 1", "version: 2"))
    new = make_app(database_url, CONTENT_DIR=str(content))
    client = new.test_client()
    sign_in(client, "starter@example.org")

    play = client.get(PLAY)  # no error page: the scenario's page explains
    assert play.headers["Location"] == SCENARIO
    page = visible_text(client.get(SCENARIO).text)
    assert "This scenario has changed since you started it" in page
    assert "Start scenario" in page
    assert submit(client, SCENARIO, {}).headers["Location"] == PLAY
    assert "A colleague asks you to forward a file." in client.get(PLAY).text
    submit(client, PLAY, {"node": "intro"})
    submit(client, PLAY, {"node": "ask-again", "choice": "check"})
    assert "Well done" in client.get(f"{SCENARIO}/summary").text
    with new.app_context():
        runs = db.session.scalars(
            select(ScenarioRun).where(ScenarioRun.user_id == user_id).order_by(ScenarioRun.id)
        ).all()
        assert [(r.abandoned_at is not None, r.finished_at is not None) for r in runs] == [
            (True, True),
            (False, True),
        ]
        db.engine.dispose()
    with old.app_context():
        db.engine.dispose()


def test_an_abandoned_run_does_not_count_as_done(database_url, tmp_path):
    app = make_app(database_url, CONTENT_DIR=str(content_copy(tmp_path, "c")))
    user_id = create_user(app, "starter@example.org")
    client = app.test_client()
    sign_in(client, "starter@example.org")
    submit(client, LESSON, {})
    play_to_the_decision(client)
    with app.app_context():
        run = db.session.scalar(select(ScenarioRun).where(ScenarioRun.user_id == user_id))
        run.current_node = "a-step-that-is-gone"
        db.session.commit()
    submit(client, SCENARIO, {})  # starting again closes it as abandoned
    task_list = visible_text(client.get(MODULE).text)
    assert "A choice in the office Scenario In progress" in task_list  # not "Completed"
    assert count(app, ModuleCompletion) == 0
    with app.app_context():
        db.engine.dispose()


def test_new_content_that_drops_the_one_item_left_opens_the_quiz(database_url, tmp_path):
    """The lesson is done, the scenario is not; the next version takes the scenario off the
    path. Everything on the path is then done, so the quiz opens, and starting it records
    the completed learning."""
    from app.models import ModuleCompletion

    old = make_app(database_url, CONTENT_DIR=str(content_copy(tmp_path, "old")))
    user_id = create_user(old, "starter@example.org")
    client = old.test_client()
    sign_in(client, "starter@example.org")
    assert submit(client, LESSON, {}).status_code == 302
    content = content_copy(tmp_path, "new")
    module = content / "sample-module" / "module.yaml"
    module.write_text(
        module.read_text()
        .replace("version: 1", "version: 2")
        .replace(
            "  - lesson:first-lesson\n  - scenario:office-choice\n", "  - lesson:first-lesson\n"
        )
    )
    new = make_app(database_url, CONTENT_DIR=str(content))
    client = new.test_client()
    sign_in(client, "starter@example.org")
    quiz = visible_text(client.get(f"{MODULE}/quiz").text)
    assert "Start the quiz" in quiz and "Cannot start yet" not in quiz
    started = submit(client, f"{MODULE}/quiz", {})
    assert "/questions/1" in started.headers["Location"]
    with new.app_context():
        [completion] = db.session.scalars(
            select(ModuleCompletion).where(ModuleCompletion.user_id == user_id)
        ).all()
        assert completion.content_version == 2
        db.engine.dispose()
    with old.app_context():
        db.engine.dispose()
