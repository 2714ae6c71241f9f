"""Reading a page's form as a browser would send it, for tests that post to many forms."""

from __future__ import annotations

from html.parser import HTMLParser


class _FormParser(HTMLParser):
    """The fields of each POST form on a page: action → {name: [values]}."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: dict[str, dict[str, list[str]]] = {}
        self._fields: dict[str, list[str]] | None = None
        self._select: str | None = None
        self._first_option: str | None = None
        self._selected = False
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            self._fields = self.forms.setdefault(a.get("action", ""), {})
        if self._fields is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("radio", "checkbox") and "checked" not in a:
                self._fields.setdefault(name, [])
                return
            default = "on" if kind in ("radio", "checkbox") else ""
            self._fields.setdefault(name, []).append(a.get("value", default))
        elif tag == "select" and name:
            self._select, self._first_option, self._selected = name, None, False
            self._fields.setdefault(name, [])
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in a:
                self._fields[self._select].append(value)
                self._selected = True
        elif tag == "textarea" and name:
            self._textarea = name
            self._fields.setdefault(name, []).append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._fields = None
        elif tag == "select" and self._select and self._fields is not None:
            if not self._selected and self._first_option is not None:
                self._fields[self._select].append(self._first_option)
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea and self._fields is not None:
            self._fields[self._textarea][-1] += data


def post_form_fields(html: str, action: str) -> dict[str, list[str]]:
    """The fields (with their current values) of the page's POST form that posts to
    `action` (or to the page itself); {} when there is none. Radio buttons and check
    boxes that are not ticked appear with no value."""
    parser = _FormParser()
    parser.feed(html)
    return parser.forms.get(action) or parser.forms.get("") or {}
