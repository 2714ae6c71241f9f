"""Lesson Markdown → safe HTML with GOV.UK classes.

markdown-it-py renders (raw HTML in the source is escaped, not passed through), then nh3
cleans the result to a small allowlist, so that even a careless edit cannot inject script.
Callouts are block quotes that start with "Key point:" or "Did you know?".
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

LINK_SCHEMES = {"", "http", "https", "mailto"}
_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_md.validateLink = lambda url: urlsplit(url.strip()).scheme in LINK_SCHEMES
# For `problems` only: sees raw HTML and every link, so the check can name them.
_checker = MarkdownIt("commonmark", {"html": True})
_checker.validateLink = lambda url: True

ALLOWED_TAGS = {
    "p",
    "h2",
    "h3",
    "h4",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "a",
    "blockquote",
    "div",
    "span",
    "code",
    "br",
    "hr",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "class", "rel"},
    "div": {"class"},
    "span": {"class"},
    "h2": {"class"},
    "h3": {"class"},
    "h4": {"class"},
    "p": {"class"},
    "ul": {"class"},
    "ol": {"class"},
}
ALLOWED_CLASSES = {
    "govuk-body",
    "govuk-heading-l",
    "govuk-heading-m",
    "govuk-heading-s",
    "govuk-list",
    "govuk-list--bullet",
    "govuk-list--number",
    "govuk-link",
    "govuk-inset-text",
    "app-callout",
    "app-callout--key-point",
    "app-callout--did-you-know",
    "govuk-visually-hidden",
    "govuk-!-margin-bottom-0",
}

_CLASSES = [
    (re.compile(r"<p>"), '<p class="govuk-body">'),
    (re.compile(r"<h2>"), '<h2 class="govuk-heading-m">'),
    (re.compile(r"<h3>"), '<h3 class="govuk-heading-s">'),
    (re.compile(r"<ul>"), '<ul class="govuk-list govuk-list--bullet">'),
    (re.compile(r"<ol>"), '<ol class="govuk-list govuk-list--number">'),
]
_CALLOUT = re.compile(
    r'<blockquote>\s*<p class="govuk-body">(Key point:|Did you know\?)\s*(.*?)</blockquote>',
    re.S,
)
_LINK = re.compile(r'<a href="([^"]*)"(?: title="[^"]*")?>(.*?)</a>', re.S)


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "class":
        kept = [c for c in value.split() if c in ALLOWED_CLASSES]
        return " ".join(kept) or None
    return value


def _callout(match: re.Match[str]) -> str:
    kind = "key-point" if match.group(1).startswith("Key") else "did-you-know"
    label = "Key point" if kind == "key-point" else "Did you know?"
    body = match.group(2)
    return (
        f'<div class="govuk-inset-text app-callout app-callout--{kind}">'
        f'<p class="govuk-body"><strong>{label}</strong> {body}</div>'
    )


def _link(match: re.Match[str]) -> str:
    href, text = match.group(1), match.group(2)
    if href.startswith(("http://", "https://")):
        return (
            f'<a class="govuk-link" href="{href}" rel="noreferrer noopener external">{text}'
            '<span class="govuk-visually-hidden"> (external website)</span></a>'
        )
    return f'<a class="govuk-link" href="{href}">{text}</a>'


def render(source: str) -> Markup:
    html = _md.render(source)
    # Headings in lessons start at h2: the page's h1 is the lesson title.
    html = re.sub(r"<(/?)h1>", r"<\1h2>", html)
    for pattern, replacement in _CLASSES:
        html = pattern.sub(replacement, html)
    html = _CALLOUT.sub(_callout, html)
    html = _LINK.sub(_link, html)
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_filter_attribute,
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
    )
    # The one place lesson HTML is marked safe: it has just been cleaned to the allowlist.
    return Markup(cleaned)  # noqa: S704


def plain_text(source: str) -> str:
    """The words of a lesson, for readability checks."""
    html = _md.render(source)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def problems(source: str) -> list[tuple[int | None, str]]:
    """What lesson Markdown uses that learners would not see as meant: raw HTML (shown as
    text), images (not supported) and links that are not web or e-mail addresses. Each with
    its 1-based line in `source`."""
    found: list[tuple[int | None, str]] = []
    for token in _checker.parse(source):
        line = token.map[0] + 1 if token.map else None
        if token.type == "html_block":
            found.append((line, _RAW_HTML))
        for child in token.children or []:
            if child.type == "html_inline":
                found.append((line, _RAW_HTML))
            elif child.type == "image":
                found.append((line, "images are not supported: describe it in words instead"))
            elif child.type == "link_open":
                href = str(child.attrs.get("href", ""))
                if urlsplit(href.strip()).scheme not in LINK_SCHEMES:
                    found.append(
                        (
                            line,
                            f"the link '{href[:60]}' is not allowed: a link must be a web "
                            "address (https://…) or an e-mail address (mailto:…)",
                        )
                    )
    return found


_RAW_HTML = "raw HTML is shown to learners as text, not as HTML: use Markdown instead"
