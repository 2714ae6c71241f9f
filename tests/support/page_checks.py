"""Checks every HTML page a test fetches: one h1, a title that starts with it, unique ids."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

from flask.testing import FlaskClient


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.h1_texts: list[str] = []
        self.title = ""
        self._in_h1 = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "id" and value is not None:
                self.ids.append(value)
        if tag == "h1":
            self._in_h1 += 1
            self.h1_texts.append("")
        elif tag == "title":
            self._in_title = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1":
            self._in_h1 -= 1
        elif tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_h1:
            self.h1_texts[-1] += data
        if self._in_title:
            self.title += data


def _squash(text: str) -> str:
    return " ".join(text.split())


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def visible_text(html: str) -> str:
    """The page's text as a person reads it: markup gone, entities decoded, one space
    between words (so that a test can look for a sentence split over lines)."""
    parser = _TextParser()
    parser.feed(html)
    return _squash(" ".join(parser.parts))


def check_page(html: str, url: str = "") -> None:
    parser = _PageParser()
    parser.feed(html)
    assert len(parser.h1_texts) == 1, f"{url}: expected one h1, found {len(parser.h1_texts)}"
    h1 = _squash(parser.h1_texts[0])
    title = _squash(parser.title).removeprefix("Error: ")
    assert title.startswith(h1), f"{url}: title {title!r} does not start with the h1 {h1!r}"
    duplicates = [item for item, count in Counter(parser.ids).items() if count > 1]
    assert not duplicates, f"{url}: duplicate ids {duplicates}"


class CheckingClient(FlaskClient):
    """A test client that checks every HTML page it receives."""

    def open(self, *args, **kwargs):  # type: ignore[override]
        response = super().open(*args, **kwargs)
        if response.mimetype == "text/html" and response.status_code != 304:
            check_page(response.get_data(as_text=True), url=response.request.path)
        return response
