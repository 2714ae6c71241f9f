"""Analytics: first attempts only, shown from ten learners, with the most-chosen wrong answer;
scenario decisions, shown from ten people, with their share of poor choices."""

from __future__ import annotations

from tests.support.accounts import create_user, sign_in
from tests.support.quizzes import complete_learning, take_quiz


def learners_take_the_quiz(app, count, *, right, first=0):
    for n in range(first, first + count):
        email = f"analytics{n}@example.org"
        user_id = create_user(app, email)
        client = app.test_client()
        sign_in(client, email)
        complete_learning(client)
        take_quiz(client, app, user_id, right=right)
        if not right:
            take_quiz(client, app, user_id, right=True)  # a later attempt does not count


def test_questions_need_ten_first_attempts_then_show_what_goes_wrong(app, people, client_as):
    learners_take_the_quiz(app, 9, right=False)
    officer = client_as("officer")
    page = officer.get("/reports/analytics").get_data(as_text=True)
    assert "Not enough people have taken a quiz yet" in page
    # Nine people's scenario choices are not shown either: so few could identify them.
    assert "Not enough people have made a scenario decision yet" in page
    assert "Check who needs it." not in page
    learners_take_the_quiz(app, 1, right=False, first=9)
    page = officer.get("/reports/analytics").get_data(as_text=True)
    assert "Most staff get this wrong first time" in page
    assert "0% of 10" in page  # first attempts only: the later passes are not counted
    assert "questions" in page and "quizzes/sample-module.yaml" in page
    # Scenario decisions: every learner chose "check" (best), so 0% poor.
    assert "0% of 10 choices by 10 people" in page.split("Scenario decisions")[-1]
    assert "10 × Check who needs it." in page
    assert client_as("learner").get("/reports/analytics").status_code == 403


def test_tallies_kept_at_submission_match_a_count_from_scratch(app, people):
    from app.quizzes import tallies

    learners_take_the_quiz(app, 3, right=False)  # each fails, then passes
    learners_take_the_quiz(app, 2, right=True, first=3)
    with app.app_context():
        kept = tallies.stored()
        assert kept == tallies.counted_from_answers()
        assert sum(kept.values()) == 5 * len_of_an_attempt(app)  # first attempts only
        tallies.rebuild()
        assert tallies.stored() == kept


def len_of_an_attempt(app) -> int:
    from app import catalogue

    return catalogue.get().modules["sample-module"].quiz.settings.questions_per_attempt
