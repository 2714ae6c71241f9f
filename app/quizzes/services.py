"""Quiz attempts: starting, saving answers as the person goes, and submitting.

The database allows one unsubmitted attempt per person and module, and a submission is a
conditional update (only an unsubmitted attempt can be submitted), so a double click, two
tabs or a replayed request give exactly one result.
"""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Row, bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app import audit
from app.catalogue.loader import Module
from app.catalogue.schema import Question
from app.certificates import services as certificates
from app.compliance import corrections, standings
from app.extensions import db
from app.learning import services as learning
from app.learning.services import ModuleState
from app.models import Certificate, Correction, CorrectionKind, QuizAnswer, QuizAttempt, User
from app.models.base import utcnow
from app.quizzes import archive, scoring, tallies

_rng = random.SystemRandom()  # the draw must not be predictable


class Lock(enum.Enum):
    """Why a person cannot start an attempt now (None: they can)."""

    LEARNING = "learning"  # the module's learning is not complete
    PASSED = "passed"  # passed in this cycle already
    COOL_DOWN = "cool_down"


@dataclass(frozen=True)
class QuizState:
    open_attempt: QuizAttempt | None
    submitted: list[QuizAttempt]  # this cycle's, newest first
    lock: Lock | None
    cool_down_until: datetime | None
    lapsed: frozenset[int] = frozenset()  # passes too old to certify, never confirmed

    @property
    def passed_attempt(self) -> QuizAttempt | None:
        return next((a for a in self.submitted if a.passed and a.id not in self.lapsed), None)

    @property
    def last_attempt(self) -> QuizAttempt | None:
        return self.submitted[0] if self.submitted else None


def quiz_state(user: User, state: ModuleState) -> QuizState:
    return _quiz_state(
        user,
        state.module,
        cycle=state.cycle.number,
        learning_complete=state.complete,
        needs_learning=state.cycle.needs_learning,
    )


def retry_state(user: User, module: Module, attempt: QuizAttempt) -> QuizState:
    """The quiz state as seen from a result page: whether, and when, another try is possible."""
    return _quiz_state(
        user, module, cycle=attempt.cycle, learning_complete=True, needs_learning=True
    )


def _quiz_state(
    user: User, module: Module, *, cycle: int, learning_complete: bool, needs_learning: bool
) -> QuizState:
    attempts = list(
        db.session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.user_id == user.id, QuizAttempt.module_id == module.id)
            .order_by(QuizAttempt.id.desc())
        )
    )
    open_attempt = next((a for a in attempts if a.submitted_at is None), None)
    submitted = [a for a in attempts if a.submitted_at is not None and a.cycle == cycle]
    cool_down_until = _cool_down_until(user, module, submitted)
    # A pass never confirmed, and now too old to certify, no longer counts: the person
    # takes the quiz again (certificates.pass_lapsed).
    lapsed = frozenset(a.id for a in submitted if a.passed and _lapsed_uncertified(module, a))
    lock = None
    if not needs_learning or any(a.passed and a.id not in lapsed for a in submitted):
        lock = Lock.PASSED
    elif not learning_complete:
        lock = Lock.LEARNING
    elif cool_down_until is not None:
        lock = Lock.COOL_DOWN
    return QuizState(open_attempt, submitted, lock, cool_down_until, lapsed)


@dataclass(frozen=True)
class QuizStep:
    """The quiz's part of a person's next step for one module whose learning is done (one
    of these at most is set; none: take the quiz, or carry on with it)."""

    to_confirm: int | None = None  # a pass waiting for the policy to be confirmed: its id
    cool_down_until: datetime | None = None  # no try until then
    # The latest try: a pass never confirmed and now too old to certify (its `submitted_at`
    # dates it), so the quiz is to be taken again.
    lapsed_pass: Row | None = None


def next_steps(user: User, states: list[ModuleState]) -> dict[str, QuizStep]:
    """For "Your training": what the quiz asks next of each module whose learning is done
    and that needs a pass (module id -> step), as `quiz_state` would tell it module by
    module. One query for all of them, and none when no module has reached the quiz."""
    ready = {s.module.id: s for s in states if s.cycle.needs_learning and s.complete}
    if not ready:
        return {}
    reset = (
        select(Correction.created_at)
        .where(
            Correction.user_id == user.id,
            Correction.module_id == QuizAttempt.module_id,
            Correction.kind == CorrectionKind.RESET_COOL_DOWN.value,
        )
        .order_by(Correction.id.desc())
        .limit(1)
        .correlate(QuizAttempt)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(
            QuizAttempt.id,
            QuizAttempt.module_id,
            QuizAttempt.cycle,
            QuizAttempt.submitted_at,
            QuizAttempt.passed,
            Certificate.id.label("certificate_id"),
            reset.label("reset_at"),  # the latest cool-down reset, on every row
        )
        .outerjoin(Certificate, Certificate.attempt_id == QuizAttempt.id)
        .where(
            QuizAttempt.user_id == user.id,
            QuizAttempt.module_id.in_(ready),
            QuizAttempt.submitted_at.is_not(None),
        )
        .order_by(QuizAttempt.id.desc())
    )
    tries: dict[str, list[Row]] = {module_id: [] for module_id in ready}
    for row in rows:
        if row.cycle == ready[row.module_id].cycle.number:
            tries[row.module_id].append(row)
    return {module_id: _step(ready[module_id].module, tries[module_id]) for module_id in ready}


def _step(module: Module, submitted: list[Row]) -> QuizStep:
    # As _quiz_state: a pass counts unless it lapsed uncertified; a pause only without one.
    lapsed = {
        r.id
        for r in submitted
        if r.passed and r.certificate_id is None and certificates.pass_lapsed(module, r)
    }
    passed = next((r for r in submitted if r.passed and r.id not in lapsed), None)
    if passed is not None:
        return QuizStep(to_confirm=passed.id if passed.certificate_id is None else None)
    until = _pause_ends(module, submitted)
    if until is not None:
        reset = submitted[0].reset_at
        if reset is None or reset < submitted[0].submitted_at:
            return QuizStep(cool_down_until=until)
    if submitted and submitted[0].id in lapsed:
        return QuizStep(lapsed_pass=submitted[0])
    return QuizStep()


def _lapsed_uncertified(module: Module, attempt: QuizAttempt) -> bool:
    # The date is checked first: the certificate is looked up only for an old pass.
    return certificates.pass_lapsed(module, attempt) and (
        certificates.certificate_for_attempt(attempt) is None
    )


def _cool_down_until(user: User, module: Module, submitted: list[QuizAttempt]) -> datetime | None:
    """After every `attempts_before_cool_down` fails in a row, a pause before the next try
    (unless a training officer has reset it since)."""
    until = _pause_ends(module, submitted)
    if until is None:
        return None
    reset = corrections.cool_down_reset_after(user.id, module.id)  # only asked when it matters
    if reset is not None and reset >= submitted[0].submitted_at:
        return None
    return until


def _pause_ends(module: Module, submitted: list) -> datetime | None:
    """When the pause after the latest fails in a row ends, if it has not ended yet (a
    reset aside). `submitted` is the cycle's tries, newest first: attempts or rows with
    `passed` and `submitted_at`."""
    settings = module.quiz.settings
    fails = 0
    for attempt in submitted:  # newest first
        if attempt.passed:
            break
        fails += 1
    if fails == 0 or fails % settings.attempts_before_cool_down:
        return None
    until = _next_whole_minute(
        submitted[0].submitted_at + timedelta(hours=settings.cool_down_hours)
    )
    return None if until <= utcnow() else until


def _next_whole_minute(moment: datetime) -> datetime:
    # Pages give the time to the minute: the pause ends at the minute they show, not
    # a few seconds after it.
    whole = moment.replace(second=0, microsecond=0)
    return whole if whole == moment else whole + timedelta(minutes=1)


def start_attempt(user: User, state: ModuleState) -> QuizAttempt | Lock:
    """The open attempt, or a new one with freshly drawn questions."""
    quiz = quiz_state(user, state)
    if quiz.open_attempt is not None:
        return quiz.open_attempt
    if quiz.lock is not None:
        return quiz.lock
    module = state.module
    # The record of the learning comes first (if the path changed under someone who had
    # done all of it but one dropped item, it was not written when they finished).
    learning.record_completion_if_done(user, module)
    drawn = scoring.draw(module.quiz.spec, _rng)
    attempt = QuizAttempt(
        user_id=user.id,
        module_id=module.id,
        cycle=state.cycle.number,
        content_version=module.spec.version,
        pass_mark_percent=module.quiz.settings.pass_mark_percent,
        question_ids=drawn.question_ids,
        option_order=drawn.option_order,
    )
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
    except IntegrityError:
        pass  # another request started one first: use that
    else:
        standings.mark_started(user.id, module.id)
    return db.session.scalar(
        select(QuizAttempt).where(
            QuizAttempt.user_id == user.id,
            QuizAttempt.module_id == module.id,
            QuizAttempt.submitted_at.is_(None),
        )
    )


def attempt_of(
    user: User,
    module: Module,
    attempt_id: int,
    *,
    with_answers: bool = True,
    for_change: bool = False,
) -> QuizAttempt | None:
    """The person's own attempt at this module, or None (someone else's is a 404).

    `for_change` locks the attempt's row (PostgreSQL; SQLite's write transaction already
    excludes everyone) so that saving an answer and submitting take turns: an answer can
    never change under a submission, nor after it. Without its answers for the
    check-and-submit page, which reads them as plain rows (`answers_of`): loading them as
    objects costs more than the rest of the submission.
    """
    query = select(QuizAttempt).where(
        QuizAttempt.id == attempt_id,
        QuizAttempt.user_id == user.id,
        QuizAttempt.module_id == module.id,
    )
    if with_answers:
        query = query.options(selectinload(QuizAttempt.answers))
    if for_change:
        query = query.with_for_update()
    return db.session.scalar(query)


Answers = dict[str, list[str]]  # question id -> the option ids chosen

_answers = QuizAnswer.__table__
_ANSWERS_OF = select(_answers.c.question_id, _answers.c.selected).where(
    _answers.c.attempt_id == bindparam("attempt")
)


def answers_of(attempt: QuizAttempt) -> Answers:
    """The attempt's saved answers, read as rows."""
    rows = db.session.connection().execute(_ANSWERS_OF, {"attempt": attempt.id})
    return {question_id: selected for question_id, selected in rows}


def questions_of(module: Module, attempt: QuizAttempt) -> list[Question]:
    """The attempt's drawn questions that the bank still has (a removed one cannot be shown)."""
    return [module.quiz.questions[q] for q in attempt.question_ids if q in module.quiz.questions]


def options_in_order(question: Question, attempt: QuizAttempt) -> list:
    """The options in the order this attempt drew them. One added to the bank since goes
    last: a right answer nobody is shown could never be chosen."""
    order = attempt.option_order.get(question.id) or []
    by_id = {o.id: o for o in question.options}
    drawn = [by_id[i] for i in order if i in by_id]
    return drawn + [o for o in question.options if o.id not in order]


class SaveResult(enum.Enum):
    SAVED = "saved"
    SUBMITTED = "submitted"  # too late: the attempt is finished
    INVALID = "invalid"


def save_answer(attempt: QuizAttempt, question: Question, selected: list[str]) -> SaveResult:
    if attempt.submitted_at is not None:
        return SaveResult.SUBMITTED
    known = {o.id for o in question.options}
    chosen = sorted(set(selected))
    if not chosen or any(c not in known for c in chosen):
        return SaveResult.INVALID
    if question.type != "multiple" and len(chosen) != 1:
        return SaveResult.INVALID
    answer = attempt.answer_for(question.id)
    if answer is None:
        try:
            with db.session.begin_nested():
                db.session.add(
                    QuizAnswer(
                        attempt=attempt,
                        module_id=attempt.module_id,
                        question_id=question.id,
                        selected=chosen,
                    )
                )
            return SaveResult.SAVED
        except IntegrityError:
            db.session.refresh(attempt)
            answer = attempt.answer_for(question.id)
    answer.selected = chosen
    answer.answered_at = utcnow()
    db.session.flush()
    return SaveResult.SAVED


def unanswered(module: Module, attempt: QuizAttempt, answers: Answers) -> list[Question]:
    """Questions with no answer, or whose answer chose an option the bank has since
    removed (the check page shows it as not answered, and it must be answered again)."""
    return [q for q in questions_of(module, attempt) if not _still_valid(q, answers.get(q.id))]


def _still_valid(question: Question, selected: list[str] | None) -> bool:
    known = {o.id for o in question.options}
    return bool(selected) and all(option in known for option in selected)


# The submission's writes, built once: the hottest write in the service.
_attempts = QuizAttempt.__table__
_CLAIM = (
    update(_attempts)
    .where(_attempts.c.id == bindparam("attempt"), _attempts.c.submitted_at.is_(None))
    .values(
        submitted_at=bindparam("submitted_at"),
        correct_count=bindparam("correct_count"),
        score_percent=bindparam("score_percent"),
        passed=bindparam("passed"),
        bank_fingerprint=bindparam("bank_fingerprint"),
    )
)
# One statement marks every scored answer right or wrong. An answer to a question taken
# out of the bank before submission was not scored, and stays unmarked (NULL).
_MARK = (
    update(_answers)
    .where(
        _answers.c.attempt_id == bindparam("attempt"),
        _answers.c.question_id.in_(bindparam("scored", expanding=True)),
    )
    .values(is_correct=_answers.c.question_id.in_(bindparam("right", expanding=True)))
)


def submit(user: User, module: Module, attempt: QuizAttempt, answers: Answers) -> QuizAttempt:
    """Score the attempt once. A second submission finds it submitted and changes nothing.

    The score is worked out first, then written with a conditional update that only an
    unsubmitted attempt matches: of two concurrent submissions exactly one writes. The
    attempt was loaded `for_change`, so its answers cannot change until this commits.
    """
    result = scoring.score(questions_of(module, attempt), answers, attempt.pass_mark_percent)
    submitted = {
        "submitted_at": utcnow(),
        "correct_count": result.correct_count,
        "score_percent": result.percent,
        "passed": result.passed,
        "bank_fingerprint": module.quiz.fingerprint,
    }
    connection = db.session.connection()
    claimed = connection.execute(_CLAIM, {"attempt": attempt.id, **submitted}).rowcount
    if claimed == 0:
        db.session.refresh(attempt)
        return attempt  # already submitted by another request
    archive.ensure_archived(module)
    right = {r.question_id for r in result.results if r.correct}
    scored = sorted(r.question_id for r in result.results)
    connection.execute(_MARK, {"attempt": attempt.id, "scored": scored, "right": sorted(right)})
    tallies.record_if_first(attempt, {q: answers[q] for q in scored if q in answers}, right)
    audit.record(
        "quiz_passed" if result.passed else "quiz_failed",
        actor=user,
        subject=user,
        details={"module": module.id, "attempt": attempt.id, "score_percent": result.percent},
    )
    # The row was written by statement; bring the loaded object in step without marking
    # it changed (which would write it a second time).
    for name, value in submitted.items():
        set_committed_value(attempt, name, value)
    return attempt


@dataclass(frozen=True)
class ReviewItem:
    number: int
    question: Question | None  # None: not in the wording shown (removed before or since)
    options: list
    selected: frozenset[str]
    correct: bool | None  # as marked at submission; None: removed before it, not scored
    lesson_title: str
    lesson_id: str | None = None  # the lesson to link to, if the module still has it
    key_changed: bool = False  # the bank's right answer is not the one it was marked by


def review(
    module: Module, attempt: QuizAttempt, archived: archive.ArchivedBank | None = None
) -> list[ReviewItem]:
    """Each question with the person's answer and whether it was right (after submission).

    Right or not is as it was marked at submission (stored with each answer). The wording
    is the one the attempt was scored against when it was kept (`archived`); otherwise
    today's, where a question since removed is still listed with its mark."""
    if archived is not None:
        questions, lesson_titles = archived.questions, archived.lesson_titles
    else:
        questions = module.quiz.questions
        lesson_titles = {lesson_id: lesson.title for lesson_id, lesson in module.lessons.items()}
    answers = {a.question_id: a for a in attempt.answers}
    items = []
    for number, question_id in enumerate(attempt.question_ids, start=1):
        answer = answers.get(question_id)
        chosen = frozenset(answer.selected) if answer else frozenset()
        question = questions.get(question_id)
        right_now = question is not None and chosen == question.correct_ids
        if answer is not None and answer.is_correct is not None:
            marked: bool | None = answer.is_correct
        else:
            marked = right_now if question is not None else None
        lesson = question.lesson if question else None
        items.append(
            ReviewItem(
                number=number,
                question=question,
                options=options_in_order(question, attempt) if question else [],
                selected=chosen,
                correct=marked,
                lesson_title=lesson_titles.get(lesson, lesson) if lesson else "",
                lesson_id=lesson if lesson in module.lessons else None,
                key_changed=question is not None and marked is not None and marked != right_now,
            )
        )
    return items
