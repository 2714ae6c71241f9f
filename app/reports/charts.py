"""Accessible SVG charts for the compliance dashboard, drawn on the server.

Pure functions: data in, `markupsafe.Markup` out, no Flask and no database. The page shows
the same numbers in a table beside each chart, so the SVG is a single image (role="img")
named by its <title> and <desc>; the per-bar and per-point <title>s are tooltips.

Content Security Policy forbids inline styles, so everything is presentation attributes.
All text goes through `markupsafe.escape`, and code points that XML or HTML forbid are
dropped, so the output is well-formed XML on its own and valid inside an HTML5 page.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

SVG_NS = "http://www.w3.org/2000/svg"

# GOV.UK Frontend colours: blue on white is 5.2:1, text is near-black.
BLUE = "#1d70b8"
TEXT = "#0b0c0c"
GRID = "#b1b4b6"
WHITE = "#ffffff"
FONT_FAMILY = "system-ui, sans-serif"
FONT_SIZE = 14
# Rough average glyph width for FONT_SIZE; there is no text measuring on the server.
CHAR_WIDTH = 8.4
ELLIPSIS = "\u2026"

WIDTH = 640  # viewBox width; width="100%" scales the drawing to its container
GRIDLINES = (0, 25, 50, 75, 100)
NO_DATA = "There is no data to show."

# Bar chart layout (viewBox units).
BAR_LABEL_RIGHT = 196  # labels end here, right-aligned
BAR_PLOT_LEFT = 204
BAR_PLOT_RIGHT = 584  # leaves room for "100%" after a full bar
BAR_TOP = 16
BAR_ROW = 36
BAR_HEIGHT = 24
BAR_LABEL_MAX_CHARS = 22

# Line chart layout (viewBox units).
LINE_PLOT_LEFT = 56  # room for "100%" tick labels
LINE_PLOT_RIGHT = 624
LINE_TOP = 28  # room for a value label above a 100% point
LINE_PLOT_HEIGHT = 200
LINE_LABEL_MAX_CHARS = 12

_CHART_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


@dataclass(frozen=True)
class Bar:
    label: str  # e.g. a department name
    percent: float  # 0..100
    detail: str  # e.g. "45 of 60 staff compliant"


@dataclass(frozen=True)
class Point:
    label: str  # e.g. "Dec 2025"
    percent: float  # 0..100


def whole_percent(percent: float) -> int:
    """The whole percentage shown for a value: half rounds up (82.5 -> 83), unlike round().

    100% means every module counts and 0% that none does, so anything in between stays
    within 1-99% (199 of 200 is 99%, not 100%; 1 of 250 is 1%, not 0%).
    Tables showing the same numbers should use this too, so chart and table agree.
    """
    clamped = _clamp(percent)
    if clamped in (0.0, 100.0):
        return int(clamped)
    return min(99, max(1, math.floor(clamped + 0.5)))


def bar_chart(*, chart_id: str, title: str, description: str, bars: Sequence[Bar]) -> Markup:
    """Horizontal bars on a 0-100% axis, one row per item; height grows with the rows."""
    _check_id(chart_id)
    if not bars:
        return _empty_chart(chart_id, title, description)
    plot_bottom = BAR_TOP + len(bars) * BAR_ROW
    height = plot_bottom + 32  # tick labels under the plot
    parts = [
        _vertical_grid(BAR_TOP - 8, plot_bottom, plot_bottom + 20),
        *(_bar_row(index, bar) for index, bar in enumerate(bars)),
    ]
    return _svg(chart_id, title, description, height, parts)


def line_chart(*, chart_id: str, title: str, description: str, points: Sequence[Point]) -> Markup:
    """Compliance over time: a line through one point per label on a 0-100% axis."""
    _check_id(chart_id)
    if not points:
        return _empty_chart(chart_id, title, description)
    slot = (LINE_PLOT_RIGHT - LINE_PLOT_LEFT) / len(points)
    labels = [_shorten(_clean(point.label), LINE_LABEL_MAX_CHARS) for point in points]
    widest = max(len(label) for label in labels) * CHAR_WIDTH
    rotate = widest > slot - 8  # labels would touch their neighbours
    plot_bottom = LINE_TOP + LINE_PLOT_HEIGHT
    # Rotated by 45 degrees a label reaches down about 0.71 of its width.
    height = plot_bottom + (math.ceil(widest * 0.71) + 36 if rotate else 36)
    centres = [
        (LINE_PLOT_LEFT + slot * (index + 0.5), _line_y(p.percent))
        for index, p in enumerate(points)
    ]
    parts = [
        _horizontal_grid(),
        *(
            _x_label(label, x, plot_bottom, rotate)
            for label, (x, _) in zip(labels, centres, strict=True)
        ),
    ]
    if len(points) > 1:
        parts.append(_polyline(centres))
    parts.extend(_point(point, x, y) for point, (x, y) in zip(points, centres, strict=True))
    return _svg(chart_id, title, description, height, parts)


# Bar chart pieces.


def _bar_row(index: int, bar: Bar) -> Markup:
    """One bar: label on the left, the bar, and its percentage just past its end."""
    label = _clean(bar.label)
    shown = whole_percent(bar.percent)
    top = BAR_TOP + index * BAR_ROW + (BAR_ROW - BAR_HEIGHT) / 2
    baseline = top + BAR_HEIGHT / 2 + 5  # roughly centres 14px text on the bar
    width = _clamp(bar.percent) / 100 * (BAR_PLOT_RIGHT - BAR_PLOT_LEFT)
    return _el(
        "g",
        {"class": "app-chart__bar"},
        _el("title", {}, _tooltip(label, shown, bar.detail)),
        _label(_shorten(label, BAR_LABEL_MAX_CHARS), BAR_LABEL_RIGHT, baseline, anchor="end"),
        _el(
            "rect",
            {"x": BAR_PLOT_LEFT, "y": top, "width": width, "height": BAR_HEIGHT, "fill": BLUE},
        ),
        _label(f"{shown}%", BAR_PLOT_LEFT + width + 6, baseline),
    )


def _tooltip(label: str, shown: int, detail: str) -> str:
    detail = _clean(detail)
    return f"{label}: {shown}% ({detail})" if detail else f"{label}: {shown}%"


def _vertical_grid(top: float, bottom: float, tick_y: float) -> Markup:
    """Gridlines at 0/25/50/75/100% across the bar plot, labelled underneath."""
    lines = []
    for percent in GRIDLINES:
        x = BAR_PLOT_LEFT + percent / 100 * (BAR_PLOT_RIGHT - BAR_PLOT_LEFT)
        lines.append(_grid_line(x, top, x, bottom))
        lines.append(_label(f"{percent}%", x, tick_y, anchor="middle"))
    return _el("g", {"class": "app-chart__grid"}, *lines)


# Line chart pieces.


def _line_y(percent: float) -> float:
    return LINE_TOP + (100 - _clamp(percent)) / 100 * LINE_PLOT_HEIGHT


def _horizontal_grid() -> Markup:
    """Gridlines at 0/25/50/75/100% across the line plot, labelled on the left."""
    lines = []
    for percent in GRIDLINES:
        y = _line_y(percent)
        lines.append(_grid_line(LINE_PLOT_LEFT, y, LINE_PLOT_RIGHT, y))
        lines.append(_label(f"{percent}%", LINE_PLOT_LEFT - 8, y + 5, anchor="end"))
    return _el("g", {"class": "app-chart__grid"}, *lines)


def _x_label(label: str, x: float, plot_bottom: float, rotate: bool) -> Markup:
    """An x-axis label, turned 45 degrees when the labels are too wide to sit side by side."""
    if not rotate:
        return _label(label, x, plot_bottom + 22, anchor="middle")
    y = plot_bottom + 16
    return _label(label, x, y, anchor="end", transform=f"rotate(-45 {_num(x)} {_num(y)})")


def _polyline(centres: Iterable[tuple[float, float]]) -> Markup:
    coordinates = " ".join(f"{_num(x)},{_num(y)}" for x, y in centres)
    attrs = {
        "points": coordinates,
        "fill": "none",
        "stroke": BLUE,
        "stroke-width": 3,
        "stroke-linejoin": "round",
        "stroke-linecap": "round",
    }
    return _el("polyline", attrs)


def _point(point: Point, x: float, y: float) -> Markup:
    """A dot with its percentage above it; the white ring keeps it distinct from the line."""
    label = _clean(point.label)
    shown = whole_percent(point.percent)
    circle = {"cx": x, "cy": y, "r": 5, "fill": BLUE, "stroke": WHITE, "stroke-width": 2}
    return _el(
        "g",
        {"class": "app-chart__point"},
        _el("title", {}, f"{label}: {shown}%"),
        _el("circle", circle),
        _label(f"{shown}%", x, y - 10, anchor="middle"),
    )


# Shared pieces.


def _svg(chart_id: str, title: str, description: str, height: float, parts: list[Markup]) -> Markup:
    """The root element: an image named by its own <title> and <desc>."""
    title_text = _clean(title)
    if not title_text:
        raise ValueError("a chart needs a title: it is the chart's accessible name")
    attrs = {
        "xmlns": SVG_NS,
        "class": "app-chart",
        "viewBox": f"0 0 {WIDTH} {_num(height)}",
        "width": "100%",
        "role": "img",
        "aria-labelledby": f"{chart_id}-title {chart_id}-desc",
        "font-family": FONT_FAMILY,
        "font-size": FONT_SIZE,
        "fill": TEXT,
    }
    return _el(
        "svg",
        attrs,
        _el("title", {"id": f"{chart_id}-title"}, title_text),
        _el("desc", {"id": f"{chart_id}-desc"}, _clean(description)),
        *parts,
    )


def _empty_chart(chart_id: str, title: str, description: str) -> Markup:
    """A small image that says there is nothing to draw, rather than empty axes."""
    desc = " ".join(part for part in (_clean(description), NO_DATA) if part)
    return _svg(chart_id, title, desc, 40, [_label(NO_DATA, 0, 26)])


def _grid_line(x1: float, y1: float, x2: float, y2: float) -> Markup:
    attrs = {"x1": x1, "y1": y1, "x2": x2, "y2": y2, "stroke": GRID, "stroke-width": 1}
    return _el("line", attrs)


def _label(
    content: str, x: float, y: float, *, anchor: str = "start", transform: str | None = None
) -> Markup:
    attrs: dict[str, str | float] = {"x": x, "y": y, "text-anchor": anchor, "fill": TEXT}
    if transform:
        attrs["transform"] = transform
    return _el("text", attrs, content)


def _el(name: str, attrs: Mapping[str, str | float], *children: str) -> Markup:
    """One element. Attribute values and plain-str children are escaped; Markup (elements
    built here) is kept. The one place this module marks text as safe."""
    attributes = "".join(
        f' {escape(key)}="{escape(_num(value) if isinstance(value, float | int) else value)}"'
        for key, value in attrs.items()
    )
    inner = "".join(str(escape(child)) for child in children)  # escape() keeps Markup as is
    tag = escape(name)
    html = f"<{tag}{attributes}/>" if not children else f"<{tag}{attributes}>{inner}</{tag}>"
    return Markup(html)  # noqa: S704 - every part above was escaped


def _check_id(chart_id: str) -> None:
    # The id prefixes the <title>/<desc> ids and sits in a space-separated aria-labelledby.
    if not _CHART_ID.fullmatch(chart_id):
        raise ValueError(f"chart_id must be a letter then letters, digits, - or _: {chart_id!r}")


def _clamp(percent: float) -> float:
    """Keep a percentage within 0..100 (absorbs float noise); refuse NaN and infinity."""
    if not math.isfinite(percent):
        raise ValueError(f"percentage must be a finite number, not {percent!r}")
    return min(100.0, max(0.0, float(percent)))


def _clean(text: str) -> str:
    """Collapse whitespace and drop code points that XML or HTML forbid in text."""
    kept = "".join(char for char in str(text) if _allowed(char))
    return " ".join(kept.split())


def _allowed(char: str) -> bool:
    code = ord(char)
    if code in (0x09, 0x0A, 0x0D):
        return True  # whitespace, collapsed by the caller
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return False  # control characters
    if 0xD800 <= code <= 0xDFFF or 0xFDD0 <= code <= 0xFDEF:
        return False  # lone surrogates and noncharacters
    return code & 0xFFFE != 0xFFFE  # the U+xFFFE and U+xFFFF noncharacters


def _shorten(text: str, max_chars: int) -> str:
    """Cut a long label to fit its space; the full text stays in the tooltip <title>."""
    if len(text) <= max_chars:
        return text
    return text[: max_chars - 1].rstrip() + ELLIPSIS


def _num(value: float) -> str:
    """A coordinate with at most two decimals and no trailing zeros ("12", "12.5")."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text
