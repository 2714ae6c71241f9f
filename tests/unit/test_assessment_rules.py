"""The pure parts of assessment: drawing, scoring, certificate codes and the life-cycle."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from app.catalogue import loader
from app.certificates import codes
from app.certificates.lifecycle import (
    CertificateStatus,
    Standing,
    add_months,
    certificate_status,
    cycle_for,
)
from app.quizzes import scoring

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bank():
    catalogue, problems = loader.load(ROOT / "content")
    assert problems == []
    return catalogue.modules["internet-and-email"].quiz.spec


def test_a_draw_spreads_across_every_tag_and_never_repeats(bank):
    for seed in range(50):
        drawn = scoring.draw(bank, random.Random(seed))
        assert len(drawn.question_ids) == bank.settings.questions_per_attempt
        assert len(set(drawn.question_ids)) == len(drawn.question_ids)
        questions = {q.id: q for q in bank.questions}
        first_tags = {questions[q].tags[0] for q in drawn.question_ids}
        assert first_tags == {q.tags[0] for q in bank.questions}


def test_options_are_shuffled_but_true_false_stays_in_order(bank):
    orders = set()
    for seed in range(30):
        drawn = scoring.draw(bank, random.Random(seed))
        questions = {q.id: q for q in bank.questions}
        for question_id, order in drawn.option_order.items():
            question = questions[question_id]
            assert sorted(order) == sorted(o.id for o in question.options)
            if question.type == "true_false":
                assert order == ["true", "false"]
            else:
                orders.add((question_id, tuple(order)))
    assert len(orders) > len({q for q, _ in orders})  # some question was seen in two orders


def test_scoring_is_exact_for_multiple_answers_and_rounds_down(bank):
    questions = bank.questions[:3]
    right = {q.id: sorted(q.correct_ids) for q in questions}
    assert scoring.score(questions, right, 100).percent == 100
    multiple = next(q for q in bank.questions if q.type == "multiple")
    partly = sorted(multiple.correct_ids)[:1]
    assert scoring.score([multiple], {multiple.id: partly}, 50).passed is False
    extra = sorted(o.id for o in multiple.options)
    assert scoring.score([multiple], {multiple.id: extra}, 50).passed is False
    two_of_three = {**right, questions[2].id: []}
    result = scoring.score(questions, two_of_three, 67)
    assert (result.correct_count, result.total, result.percent) == (2, 3, 66)
    assert result.passed is False  # 66.67% does not round up to a pass
    assert scoring.score(questions, two_of_three, 66).passed is True


def test_codes_carry_80_random_bits_in_crockford_base32():
    seen = {codes.new_code() for _ in range(2000)}
    assert len(seen) == 2000
    for code in list(seen)[:50]:
        assert len(code) == 16 and set(code) <= set(codes.ALPHABET)
    assert len(codes.ALPHABET) == 32  # 16 characters × 5 bits = 80 bits


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("7KQ2-M9XD-4HRT-B8WC", "7KQ2M9XD4HRTB8WC"),
        ("7kq2 m9xd 4hrt b8wc", "7KQ2M9XD4HRTB8WC"),
        ("7KQ2M9XD4HRTB8WC", "7KQ2M9XD4HRTB8WC"),
        ("OO11-IIll-0000-0000", "0011111100000000"),
        ("7KQ2-M9XD-4HRT-B8W", None),
        ("7KQ2-M9XD-4HRT-B8WU", None),  # U is not in the alphabet
        ("../../etc/passwd", None),
        ("", None),
    ],
)
def test_codes_compare_case_and_separator_insensitively(typed, expected):
    assert codes.normalise(typed) == expected


def test_display_groups_in_fours():
    assert codes.display("7KQ2M9XD4HRTB8WC") == "7KQ2-M9XD-4HRT-B8WC"


def test_certificate_status_by_date():
    issued = datetime(2026, 1, 1, tzinfo=UTC)
    common = {"expires_on": date(2027, 1, 1), "revoked_at": None, "superseded_at": None}
    assert certificate_status(**common, today=date(2026, 12, 31)) is CertificateStatus.VALID
    assert certificate_status(**common, today=date(2027, 1, 1)) is CertificateStatus.EXPIRED
    revoked = {**common, "revoked_at": issued}
    assert certificate_status(**revoked, today=date(2026, 6, 1)) is CertificateStatus.REVOKED
    superseded = {**common, "superseded_at": issued}
    assert certificate_status(**superseded, today=date(2026, 6, 1)) is CertificateStatus.SUPERSEDED


def test_the_cycle_moves_through_the_renewal_window():
    def at(day):
        return cycle_for(
            latest_cycle=1,
            expires_on=date(2027, 1, 1),
            revoked=False,
            today=day,
            renewal_window_days=60,
        )

    assert (
        cycle_for(
            latest_cycle=None,
            expires_on=None,
            revoked=False,
            today=date(2026, 1, 1),
            renewal_window_days=60,
        ).standing
        is Standing.NONE
    )
    assert at(date(2026, 11, 1)).standing is Standing.CERTIFIED
    assert at(date(2026, 11, 2)).standing is Standing.EXPIRING
    assert at(date(2026, 11, 2)).number == 2 and at(date(2026, 11, 2)).path == "refresher"
    assert at(date(2027, 1, 1)).standing is Standing.EXPIRED


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2026, 11, 29), 12, date(2027, 11, 29)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2026, 12, 15), 3, date(2027, 3, 15)),
    ],
)
def test_add_months(start, months, expected):
    assert add_months(start, months) == expected
