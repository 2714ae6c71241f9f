"""Question tallies for the analytics page: first attempts only, kept as they happen.

`record_if_first` runs inside the submission's transaction; `rebuild` counts everything
again from the answers (after data is written directly, as the demo and the benchmark
generator do, and to check the tallies in tests).
"""

from __future__ import annotations

import functools
import json
from collections import Counter

from sqlalchemy import String, bindparam, cast, delete, exists, func, insert, select

from app.extensions import db
from app.models import QuestionTally, QuizAnswer, QuizAttempt

Key = tuple[str, str, str, bool]  # module, question, chosen options (sorted JSON), right


def key_of(selected: list[str]) -> str:
    return json.dumps(sorted(selected))


# Whether the person had submitted another attempt at the module before this one.
_attempts = QuizAttempt.__table__
_EARLIER = select(
    exists().where(
        _attempts.c.user_id == bindparam("user"),
        _attempts.c.module_id == bindparam("module"),
        _attempts.c.submitted_at.is_not(None),
        _attempts.c.id != bindparam("attempt"),
    )
)


def record_if_first(attempt: QuizAttempt, answers: dict[str, list[str]], right: set[str]) -> None:
    """Add a just-submitted attempt's answers, if it is the person's first for the module.

    Only one attempt per person and module can be open, so submissions of the same
    module never overlap, and "no other submitted attempt" is decided safely here.
    """
    earlier = (
        db.session.connection()
        .execute(
            _EARLIER,
            {"user": attempt.user_id, "module": attempt.module_id, "attempt": attempt.id},
        )
        .scalar()
    )
    if earlier:
        return
    add(
        Counter(
            (attempt.module_id, question_id, key_of(selected), question_id in right)
            for question_id, selected in answers.items()
        )
    )


@functools.cache
def _upsert(dialect: str):
    """The tally upsert (the same text on both databases), built once per database kind:
    building it cost more than running it."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    statement = upsert(QuestionTally.__table__)
    return statement.on_conflict_do_update(
        index_elements=["module_id", "question_id", "selected", "is_correct"],
        set_={"count": QuestionTally.__table__.c.count + statement.excluded.count},
    )


def add(counts: Counter[Key]) -> None:
    """Add counts: one upsert, run for each row."""
    if not counts:
        return
    # Sorted, so that concurrent submissions lock rows in the same order (no deadlock).
    db.session.connection().execute(
        _upsert(db.engine.dialect.name),
        [
            {
                "module_id": module_id,
                "question_id": question_id,
                "selected": selected,
                "is_correct": is_correct,
                "count": count,
            }
            for (module_id, question_id, selected, is_correct), count in sorted(counts.items())
        ],
    )


def counted_from_answers() -> Counter[Key]:
    """The tallies worked out from scratch (the first submitted attempt of each person's
    module, and its answers)."""
    first = (
        select(func.min(QuizAttempt.id))
        .where(QuizAttempt.submitted_at.is_not(None))
        .group_by(QuizAttempt.user_id, QuizAttempt.module_id)
    )
    selected = cast(QuizAnswer.selected, String)
    counts: Counter[Key] = Counter()
    for module_id, question_id, is_correct, chosen, count in db.session.execute(
        select(
            QuizAnswer.module_id,
            QuizAnswer.question_id,
            QuizAnswer.is_correct,
            selected,
            func.count(),
        )
        .where(QuizAnswer.attempt_id.in_(first))
        .group_by(QuizAnswer.module_id, QuizAnswer.question_id, QuizAnswer.is_correct, selected)
    ):
        counts[(module_id, question_id, key_of(json.loads(chosen)), bool(is_correct))] += count
    return counts


def stored() -> Counter[Key]:
    return Counter(
        {
            (row.module_id, row.question_id, row.selected, row.is_correct): row.count
            for row in db.session.scalars(select(QuestionTally))
        }
    )


def rebuild() -> None:
    db.session.execute(delete(QuestionTally))
    counts = counted_from_answers()
    rows = [
        {"module_id": m, "question_id": q, "selected": s, "is_correct": c, "count": n}
        for (m, q, s, c), n in sorted(counts.items())
    ]
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(QuestionTally), rows[start : start + 5000])
