"""What "Your training" and the module page tell a learner to do next, at each point of
the certification life-cycle: the step itself, not a page that only leads to it."""

from __future__ import annotations

import re

from tests.support.accounts import submit
from tests.support.page_checks import visible_text
from tests.support.quizzes import MODULE


def text(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return visible_text(response.text)


def test_continue_opens_the_scenario_step_the_learner_is_on(app, client_as, people):
    """With a scenario in progress, "Continue" on home and the scenario's row in the task
    list open its current step (`/play`), not its start page, which only redirects there."""
    learner = client_as("learner")
    assert submit(learner, f"{MODULE}/lessons/first-lesson", {}).status_code == 302
    scenario = f"{MODULE}/scenarios/office-choice"
    assert submit(learner, scenario, {}).status_code == 302  # start the run

    link = re.search(r'href="([^"]+)">Continue<', learner.get("/home").text).group(1)
    assert link == f"{scenario}/play"
    assert learner.get(link).status_code == 200
    assert f'href="{link}"' in learner.get(MODULE).text  # the task list's row
