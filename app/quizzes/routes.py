"""The quiz: start, one question per page, check your answers, submit, result, acknowledge."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app import catalogue
from app.auth.permissions import signed_in
from app.certificates import services as certificates
from app.database import transactional
from app.forms import LinkedError
from app.learning import services as learning
from app.quizzes import archive, services, wording
from app.quizzes.forms import AcknowledgeForm, AnswerForm, StartQuizForm, SubmitAnswersForm

bp = Blueprint("quizzes", __name__, url_prefix="/modules/<module_id>/quiz")


def _state(module_id: str) -> learning.ModuleState:
    return learning.state_for(current_user, _module(module_id))


def _module(module_id: str):
    module = learning.module_for(current_user, module_id)
    if module is None:
        abort(404)
    return module


def _module_of_own_attempt(module_id: str):
    """For a result or a confirmation: the module even when it no longer applies to the
    person (their job changed). The attempt is still theirs (`_attempt` checks that), and a
    pass can still become a certificate."""
    module = learning.module_for(current_user, module_id) or catalogue.get().modules.get(module_id)
    if module is None:
        abort(404)
    return module


def _attempt(module, attempt_id: int, *, with_answers: bool = True):
    attempt = services.attempt_of(
        current_user,
        module,
        attempt_id,
        with_answers=with_answers,
        for_change=request.method == "POST",
    )
    if attempt is None:
        abort(404)
    return attempt


def _question_url(module_id: str, attempt_id: int, number: int, *, from_check=False) -> str:
    # A question opened from the check page ("Change") goes back there once saved.
    extra = {"from": "check"} if from_check else {}
    return url_for(
        "quizzes.question", module_id=module_id, attempt_id=attempt_id, number=number, **extra
    )


@bp.route("", methods=["GET", "POST"])
@signed_in
@transactional
def start(module_id: str) -> str | Response:
    state = _state(module_id)
    quiz = services.quiz_state(current_user, state)
    form = StartQuizForm()
    if form.validate_on_submit():
        started = services.start_attempt(current_user, state)
        if isinstance(started, services.Lock):
            flash("You cannot start the quiz yet. This page says why.")
            return redirect(url_for("quizzes.start", module_id=module_id))
        return redirect(_resume_url(state.module, started))
    return render_template(
        "quizzes/start.html",
        state=state,
        quiz=quiz,
        settings=state.module.quiz.settings,
        form=form,
        certificate=_certificate_of(quiz.passed_attempt),
    )


def _certificate_of(attempt):
    return certificates.certificate_for_attempt(attempt) if attempt else None


def _resume_url(module, attempt) -> str:
    """The first question not yet answered, or the check page when all are."""
    answers = {a.question_id: a.selected for a in attempt.answers}
    missing = {q.id for q in services.unanswered(module, attempt, answers)}
    questions = services.questions_of(module, attempt)
    number = next((i for i, q in enumerate(questions, start=1) if q.id in missing), None)
    if number is None:
        return url_for("quizzes.check", module_id=module.id, attempt_id=attempt.id)
    return _question_url(module.id, attempt.id, number)


_QUIZ_CHANGED = (
    "The quiz changed while you had that page open, so your answer was not saved. "
    "Answer the question below."
)
_QUIZ_CHANGED_CHECK = (
    "The quiz changed while you had that page open, so your answer was not saved. "
    "Check your answers below."
)


@bp.route("/attempts/<int:attempt_id>/questions/<int:number>", methods=["GET", "POST"])
@signed_in
@transactional
def question(module_id: str, attempt_id: int, number: int) -> str | Response:
    module = _module(module_id)
    attempt = _attempt(module, attempt_id)
    if attempt.submitted_at is not None:
        return redirect(url_for("quizzes.result", module_id=module_id, attempt_id=attempt_id))
    questions = services.questions_of(module, attempt)
    if not 1 <= number <= len(questions):
        if request.method == "POST" and questions:
            # The last page, left open while new content took a question out of the attempt.
            resume = _resume_url(module, attempt)
            on_check = resume.endswith("/check")
            flash(_QUIZ_CHANGED_CHECK if on_check else _QUIZ_CHANGED)
            return redirect(resume)
        abort(404)
    item = questions[number - 1]
    check_url = url_for("quizzes.check", module_id=module_id, attempt_id=attempt_id)
    from_check = request.args.get("from") == "check"
    form = AnswerForm()
    if form.is_submitted() and form.question.data != item.id:
        flash(_QUIZ_CHANGED)
        return redirect(request.full_path if request.args else request.path)
    if form.validate_for(item.type):
        saved = services.save_answer(attempt, item, form.answer.data)
        if saved is services.SaveResult.SAVED:
            if number < len(questions) and not from_check:
                return redirect(_question_url(module_id, attempt_id, number + 1))
            return redirect(check_url)
        form.answer.errors = ["Select one of the answers shown"]
    elif not form.is_submitted():
        existing = attempt.answer_for(item.id)
        form.answer.data = list(existing.selected) if existing else []
    if from_check:
        previous_url = check_url
    elif number > 1:
        previous_url = _question_url(module_id, attempt_id, number - 1)
    else:
        previous_url = url_for("quizzes.start", module_id=module_id)
    return render_template(
        "quizzes/question.html",
        module=module,
        question=item,
        options=services.options_in_order(item, attempt),
        number=number,
        total=len(questions),
        form=form,
        previous_url=previous_url,
    )


@bp.route("/attempts/<int:attempt_id>/check", methods=["GET", "POST"])
@signed_in
@transactional
def check(module_id: str, attempt_id: int) -> str | Response:
    module = _module(module_id)
    attempt = _attempt(module, attempt_id, with_answers=False)
    result_url = url_for("quizzes.result", module_id=module_id, attempt_id=attempt_id)
    if attempt.submitted_at is not None:
        return redirect(result_url)
    form = SubmitAnswersForm()
    answers = services.answers_of(attempt)
    missing = services.unanswered(module, attempt, answers)
    sent = form.validate_on_submit()
    if sent and not missing:
        services.submit(current_user, module, attempt, answers)
        return redirect(result_url)
    questions = services.questions_of(module, attempt)
    if sent:
        # One error a question left, each linked to that question's Change link.
        position = {q.id: n for n, q in enumerate(questions, start=1)}
        form.form_errors.extend(
            LinkedError(
                f"Answer question {position[q.id]} before you submit",
                f"#question-{position[q.id]}",
            )
            for q in missing
        )
    rows = [
        (
            number,
            question,
            [
                o.text
                for o in services.options_in_order(question, attempt)
                if o.id in answers.get(question.id, ())
            ],
        )
        for number, question in enumerate(questions, start=1)
    ]
    return render_template(
        "quizzes/check.html",
        module=module,
        attempt=attempt,
        rows=rows,
        form=form,
        question_url=lambda n: _question_url(module_id, attempt_id, n, from_check=True),
    )


@bp.get("/attempts/<int:attempt_id>/result")
@signed_in
def result(module_id: str, attempt_id: int) -> str | Response:
    module = _module_of_own_attempt(module_id)
    attempt = _attempt(module, attempt_id)
    if attempt.submitted_at is None:
        return redirect(url_for("quizzes.check", module_id=module_id, attempt_id=attempt_id))
    archived = archive.bank_of(attempt)
    review = services.review(module, attempt, archived)
    quiz = services.retry_state(current_user, module, attempt)
    certificate = certificates.certificate_for_attempt(attempt)
    # A pass never confirmed and now too old to certify: no confirmation to offer.
    lapsed = attempt.passed and certificate is None and certificates.pass_lapsed(module, attempt)
    return render_template(
        "quizzes/result.html",
        module=module,
        attempt=attempt,
        review=review,
        as_asked=archived is not None,
        quiz=quiz,
        to_revisit=_lessons_to_revisit(module, review),
        certificate=certificate,
        certificate_status=certificates.status_of(certificate) if certificate else None,
        applies=learning.module_for(current_user, module_id) is not None,
        lapsed_message=wording.lapsed_pass(module, attempt) if lapsed else None,
    )


def _lessons_to_revisit(module, review) -> list:
    seen: dict[str, object] = {}
    for item in review:
        lesson = module.lessons.get(item.lesson_id) if item.lesson_id else None
        if not item.correct and lesson is not None:
            seen.setdefault(lesson.id, lesson)
    return list(seen.values())


@bp.route("/attempts/<int:attempt_id>/acknowledge", methods=["GET", "POST"])
@signed_in
@transactional
def acknowledge(module_id: str, attempt_id: int) -> str | Response:
    module = _module_of_own_attempt(module_id)
    attempt = _attempt(module, attempt_id)
    if not attempt.passed:
        return redirect(url_for("quizzes.result", module_id=module_id, attempt_id=attempt_id))
    existing = certificates.certificate_for_attempt(attempt)
    if existing is not None:
        return redirect(url_for("certificates.mine", issued=existing.id))
    if certificates.pass_lapsed(module, attempt):
        if learning.module_for(current_user, module_id) is None:
            # The module no longer applies to their job, so its quiz page is a 404: the
            # result page says that neither a confirmation nor a retake is needed.
            return redirect(url_for("quizzes.result", module_id=module_id, attempt_id=attempt_id))
        flash(wording.lapsed_pass(module, attempt))
        return redirect(url_for("quizzes.start", module_id=module_id))
    form = AcknowledgeForm()
    policy = catalogue.get().policy
    if form.validate_on_submit():
        if form.policy_version.data == str(policy.version):
            issued = certificates.acknowledge_and_issue(current_user, module, attempt)
            flash("Your certificate is ready.", "success")
            return redirect(url_for("certificates.mine", issued=issued.id))
        # A new version came out after the page was opened: nobody confirms a version
        # they were not shown.
        form.confirm.data = False
        form.confirm.errors = [
            f"The policy has changed to version {policy.version} since you opened this page. "
            f"Read version {policy.version}, then confirm it"
        ]
    form.policy_version.data = str(policy.version)
    return render_template("quizzes/acknowledge.html", module=module, policy=policy, form=form)
