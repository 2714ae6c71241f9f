"""The page checker that every test client runs must catch what it claims to catch."""

import pytest

from tests.support.page_checks import check_page

GOOD = "<html><head><title>Sign in – Service</title></head><body><h1>Sign in</h1></body></html>"


def test_a_good_page_passes():
    check_page(GOOD)


def test_error_prefix_is_allowed_in_the_title():
    check_page(GOOD.replace("<title>", "<title>Error: "))


@pytest.mark.parametrize(
    ("html", "message"),
    [
        (GOOD.replace("<h1>Sign in</h1>", ""), "expected one h1"),
        (GOOD.replace("</h1>", "</h1><h1>Again</h1>"), "expected one h1"),
        (GOOD.replace("<title>Sign in", "<title>Other"), "does not start with the h1"),
        (GOOD.replace("<h1>", '<p id="a"></p><p id="a"></p><h1>'), "duplicate ids"),
    ],
)
def test_broken_pages_fail(html, message):
    with pytest.raises(AssertionError, match=message):
        check_page(html)
