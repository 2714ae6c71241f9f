"""The compliance trend counts a person's module once a month, however many certificates
(or recorded completions) cover that month end."""

from app.compliance.summary import _merged


def test_overlapping_and_touching_ranges_merge_and_empty_ones_vanish():
    assert _merged([(2, 5)]) == [(2, 5)]
    assert _merged([(4, 9), (2, 5)]) == [(2, 9)]  # a renewal before the old one expired
    assert _merged([(0, 3), (3, 6)]) == [(0, 6)]
    assert _merged([(0, 2), (5, 7), (6, 6)]) == [(0, 2), (5, 7)]
    assert _merged([(3, 3), (3, 3)]) == []  # issued and revoked between two month ends
