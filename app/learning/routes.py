"""Module overview, lesson pages and the scenario player."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app.auth.permissions import signed_in
from app.catalogue import schema
from app.database import transactional
from app.learning import services
from app.learning.forms import CompleteLessonForm, ContinueForm, DecisionForm, StartScenarioForm
from app.learning.urls import item_url
from app.models.base import today
from app.quizzes import services as quizzes

bp = Blueprint("learning", __name__, url_prefix="/modules")


def _module(module_id: str):
    module = services.module_for(current_user, module_id)
    if module is None:
        abort(404)
    return module


@bp.get("/<module_id>")
@signed_in
def module(module_id: str) -> str:
    state = services.state_for(current_user, _module(module_id), with_duties=True)
    return render_template(
        "learning/module.html",
        state=state,
        quiz=quizzes.quiz_state(current_user, state),
        item_url=item_url,
        today=today(),
    )


@bp.route("/<module_id>/lessons/<lesson_id>", methods=["GET", "POST"])
@signed_in
@transactional
def lesson(module_id: str, lesson_id: str) -> str | Response:
    module = _module(module_id)
    item = module.lessons.get(lesson_id)
    ref = f"lesson:{lesson_id}"
    if item is None or not services.in_any_path(module, ref):
        abort(404)
    path = services.path_of(module, services.cycle_of(current_user, module))
    previous, following = services.neighbours(module, path, ref)
    form = CompleteLessonForm()
    if form.validate_on_submit():
        services.complete_lesson(current_user, module, lesson_id)
        return redirect(item_url(module_id, following))
    return render_template(
        "learning/lesson.html",
        module=module,
        lesson=item,
        form=form,
        previous_url=item_url(module_id, previous) if previous else None,
        position=path.index(ref) + 1 if ref in path else None,
        path_length=len(path),
    )


def _scenario(module, scenario_id: str):
    scenario = module.scenarios.get(scenario_id)
    if scenario is None or not services.in_any_path(module, f"scenario:{scenario_id}"):
        abort(404)
    return scenario


@bp.route("/<module_id>/scenarios/<scenario_id>", methods=["GET", "POST"])
@signed_in
@transactional
def scenario(module_id: str, scenario_id: str) -> str | Response:
    module = _module(module_id)
    item = _scenario(module, scenario_id)
    form = StartScenarioForm()
    if form.validate_on_submit():
        services.start_run(current_user, module, item)
        return redirect(url_for("learning.play", module_id=module_id, scenario_id=scenario_id))
    run = services.open_run(current_user, module, item)
    changed = services.left_behind(item, run)
    if run is not None and not changed:
        return redirect(url_for("learning.play", module_id=module_id, scenario_id=scenario_id))
    return render_template(
        "learning/scenario_start.html",
        module=module,
        scenario=item,
        form=form,
        finished=services.latest_finished_run(current_user, module, item),
        changed=changed,
    )


@bp.route("/<module_id>/scenarios/<scenario_id>/play", methods=["GET", "POST"])
@signed_in
@transactional
def play(module_id: str, scenario_id: str) -> str | Response:
    module = _module(module_id)
    item = _scenario(module, scenario_id)
    here = url_for("learning.play", module_id=module_id, scenario_id=scenario_id)
    found = services.open_run_at_step(current_user, module, item)
    if found is None:
        # Finished. The final decision sent twice (a double click) shows its feedback.
        node_id, choice_id = request.form.get("node", ""), request.form.get("choice", "")
        if request.method == "POST" and services.just_decided(
            current_user, module, item, None, node_id, choice_id
        ):
            return redirect(
                url_for("learning.feedback", module_id=module_id, scenario_id=scenario_id)
            )
        return redirect(url_for("learning.summary", module_id=module_id, scenario_id=scenario_id))
    run, decisions_made = found
    if services.left_behind(item, run):  # the scenario's page explains and starts again
        return redirect(url_for("learning.scenario", module_id=module_id, scenario_id=scenario_id))
    if request.method == "POST" and request.form.get("node") != run.current_node:
        # A step already taken (a double click, the back button): a decision sent twice
        # shows its feedback; anything else goes back to where the person is.
        stale = ContinueForm()
        if stale.validate_on_submit():
            result = services.take_step(
                current_user, module, item, stale.node.data or "", request.form.get("choice")
            )
            if result is services.StepResult.DECIDED:
                return redirect(
                    url_for("learning.feedback", module_id=module_id, scenario_id=scenario_id)
                )
            flash("You had already answered that. You are back where you left off.")
            return redirect(here)
    node = item.spec.nodes[run.current_node]
    is_decision = isinstance(node, schema.DecisionNode)
    form = DecisionForm() if is_decision else ContinueForm()
    if is_decision:
        form.choice.choices = [(c.id, c.text) for c in node.choices]
        form.choice.label.text = node.question
    if form.validate_on_submit():
        result = services.take_step(
            current_user, module, item, form.node.data, form.choice.data if is_decision else None
        )
        if result is services.StepResult.STALE:
            flash("You had already answered that. You are back where you left off.")
            return redirect(here)
        if result is services.StepResult.DECIDED:
            return redirect(
                url_for("learning.feedback", module_id=module_id, scenario_id=scenario_id)
            )
        if result is services.StepResult.FINISHED:
            return redirect(
                url_for("learning.summary", module_id=module_id, scenario_id=scenario_id)
            )
        if result is services.StepResult.INVALID_CHOICE:
            form.choice.errors = ["Select what you would do"]
        else:
            return redirect(here)
    form.node.data = run.current_node
    return render_template(
        "learning/play.html",
        module=module,
        scenario=item,
        node=node,
        form=form,
        step=decisions_made + 1,
    )


@bp.get("/<module_id>/scenarios/<scenario_id>/feedback")
@signed_in
def feedback(module_id: str, scenario_id: str) -> str | Response:
    module = _module(module_id)
    item = _scenario(module, scenario_id)
    run = services.open_run(current_user, module, item) or services.latest_finished_run(
        current_user, module, item
    )
    decision = services.last_decision(run) if run else None
    if decision is None:
        return redirect(url_for("learning.scenario", module_id=module_id, scenario_id=scenario_id))
    node = item.spec.nodes.get(decision.node_id)
    choice = next((c for c in getattr(node, "choices", []) if c.id == decision.choice_id), None)
    if choice is None:  # the scenario changed since: its own page says where things stand
        return redirect(url_for("learning.scenario", module_id=module_id, scenario_id=scenario_id))
    next_url = url_for(
        "learning.play" if run.finished_at is None else "learning.summary",
        module_id=module_id,
        scenario_id=scenario_id,
    )
    return render_template(
        "learning/feedback.html",
        module=module,
        scenario=item,
        node=node,
        choice=choice,
        next_url=next_url,
    )


@bp.get("/<module_id>/scenarios/<scenario_id>/summary")
@signed_in
def summary(module_id: str, scenario_id: str) -> str | Response:
    module = _module(module_id)
    item = _scenario(module, scenario_id)
    run = services.latest_finished_run(current_user, module, item)
    if run is None:
        return redirect(url_for("learning.scenario", module_id=module_id, scenario_id=scenario_id))
    path = services.path_of(module, services.cycle_of(current_user, module))
    _previous, following = services.neighbours(module, path, f"scenario:{scenario_id}")
    end = item.spec.nodes.get(run.current_node)  # gone, or now a step, after new content
    return render_template(
        "learning/summary.html",
        module=module,
        scenario=item,
        end=end if isinstance(end, schema.EndNode) else None,  # the content changed since
        reviews=services.review(item, run),
        form=StartScenarioForm(),
        next_url=item_url(module_id, following),
    )
