"""The dashboard's SVG charts: well-formed, accessible, escaped and proportional."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest
from markupsafe import Markup

from app.reports.charts import Bar, Point, bar_chart, line_chart, whole_percent

NS = "{http://www.w3.org/2000/svg}"
NASTY = '<script>alert(1)</script> & "x"'


def parse(markup: Markup) -> ET.Element:
    assert isinstance(markup, Markup)
    return ET.fromstring(str(markup))  # noqa: S314 - our own output, not untrusted input


def bars_svg(*bars: Bar, chart_id: str = "by-dept") -> ET.Element:
    return parse(
        bar_chart(
            chart_id=chart_id,
            title="Compliance by department",
            description="Percentage of staff in each department whose training is up to date.",
            bars=bars,
        )
    )


def line_svg(*points: Point, chart_id: str = "by-month") -> ET.Element:
    return parse(
        line_chart(
            chart_id=chart_id,
            title="Compliance over the last 12 months",
            description="Percentage of all staff compliant at the end of each month.",
            points=points,
        )
    )


def groups(svg: ET.Element, kind: str) -> list[ET.Element]:
    return [g for g in svg.iter(f"{NS}g") if g.get("class") == f"app-chart__{kind}"]


def tooltip(group: ET.Element) -> str:
    # The tooltip <title> comes first, as SVG expects of descriptive elements.
    first = group[0]
    assert first.tag == f"{NS}title"
    return first.text or ""


def texts(element: ET.Element) -> list[str]:
    return [t.text or "" for t in element.iter(f"{NS}text")]


def view_box_height(svg: ET.Element) -> float:
    return float(svg.get("viewBox", "").split()[3])


def assert_accessible(svg: ET.Element, chart_id: str) -> None:
    assert svg.tag == f"{NS}svg"
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == f"{chart_id}-title {chart_id}-desc"
    assert svg[0].tag == f"{NS}title" and svg[0].get("id") == f"{chart_id}-title"
    assert svg[1].tag == f"{NS}desc" and svg[1].get("id") == f"{chart_id}-desc"
    assert svg[0].text and svg[1].text
    assert svg.get("width") == "100%"
    assert svg.get("viewBox", "").startswith("0 0 640 ")
    assert svg.get("font-family") == "system-ui, sans-serif"


def assert_no_inline_styles(svg: ET.Element) -> None:
    # The Content Security Policy forbids both style attributes and <style> elements.
    for element in svg.iter():
        assert "style" not in element.attrib
        assert element.tag not in (f"{NS}style", f"{NS}script")


# Bar chart


def test_bar_chart_is_a_named_and_described_image():
    svg = bars_svg(Bar("Finance", 75, "45 of 60 staff compliant"))
    assert_accessible(svg, "by-dept")
    assert svg[0].text == "Compliance by department"
    assert svg[1].text.startswith("Percentage of staff")
    assert_no_inline_styles(svg)


def test_one_bar_group_per_item_with_tooltip():
    svg = bars_svg(
        Bar("Finance", 75, "45 of 60 staff compliant"),
        Bar("Legal", 50, "5 of 10 staff compliant"),
        Bar("Estates", 12.4, ""),
    )
    found = groups(svg, "bar")
    assert [tooltip(g) for g in found] == [
        "Finance: 75% (45 of 60 staff compliant)",
        "Legal: 50% (5 of 10 staff compliant)",
        "Estates: 12%",
    ]
    assert [texts(g) for g in found] == [
        ["Finance", "75%"],
        ["Legal", "50%"],
        ["Estates", "12%"],
    ]
    for group in found:
        rect = group.find(f"{NS}rect")
        assert rect is not None and rect.get("fill") == "#1d70b8"


def test_bar_widths_are_proportional_with_0_and_100_at_the_ends():
    svg = bars_svg(
        Bar("None", 0, ""), Bar("Half", 50, ""), Bar("Quarter", 25, ""), Bar("All", 100, "")
    )
    rects = [g.find(f"{NS}rect") for g in groups(svg, "bar")]
    widths = [float(r.get("width")) for r in rects]
    starts = {float(r.get("x")) for r in rects}
    assert widths[0] == 0
    assert widths[1] == pytest.approx(widths[3] / 2)
    assert widths[2] == pytest.approx(widths[3] / 4)
    # Every bar starts at the 0% gridline and a full bar ends at the 100% one.
    grid_xs = sorted({float(line.get("x1")) for line in svg.iter(f"{NS}line")})
    assert len(grid_xs) == 5
    assert starts == {grid_xs[0]}
    assert grid_xs[0] + widths[3] == pytest.approx(grid_xs[-1])
    assert texts(groups(svg, "bar")[0])[-1] == "0%"


def test_gridlines_are_labelled_0_to_100():
    svg = bars_svg(Bar("Finance", 75, ""))
    grid = groups(svg, "grid")[0]
    assert texts(grid) == ["0%", "25%", "50%", "75%", "100%"]
    assert {line.get("stroke") for line in grid.iter(f"{NS}line")} == {"#b1b4b6"}


def test_out_of_range_percentages_are_clamped_and_nan_is_refused():
    svg = bars_svg(Bar("Over", 100.0000001, ""), Bar("Under", -3, ""), Bar("All", 100, ""))
    over, under, full = groups(svg, "bar")
    assert over.find(f"{NS}rect").get("width") == full.find(f"{NS}rect").get("width")
    assert under.find(f"{NS}rect").get("width") == "0"
    assert tooltip(under) == "Under: 0%"
    with pytest.raises(ValueError, match="finite"):
        bars_svg(Bar("Broken", math.nan, ""))


def test_numbers_are_whole_percent_rounding_half_up():
    assert [whole_percent(p) for p in (0, 1.5, 82.5, 99.4, 100)] == [0, 2, 83, 99, 100]
    svg = bars_svg(Bar("Finance", 82.5, ""))
    assert texts(groups(svg, "bar")[0])[-1] == "83%"


def test_only_everything_is_100_percent_and_only_nothing_is_0_percent():
    # 199 of 200 would round to 100%, and 1 of 250 to 0%: neither is true.
    nearly_all = [100 * 199 / 200, 99.6, 99.99999]
    nearly_none = [100 * 1 / 250, 0.4, 0.00001]
    assert [whole_percent(p) for p in nearly_all] == [99, 99, 99]
    assert [whole_percent(p) for p in nearly_none] == [1, 1, 1]
    assert [whole_percent(p) for p in (100 * 200 / 200, 100.0, 0.0, 0)] == [100, 100, 0, 0]
    # Float noise past either end is still everything or nothing.
    assert [whole_percent(p) for p in (100.0000001, -0.0000001, -3)] == [100, 0, 0]
    bars = groups(bars_svg(Bar("Nearly", 99.5, ""), Bar("Barely", 0.4, "")), "bar")
    assert [texts(bar)[-1] for bar in bars] == ["99%", "1%"]
    assert [tooltip(bar) for bar in bars] == ["Nearly: 99%", "Barely: 1%"]
    points = groups(line_svg(Point("Jan 2025", 0.4), Point("Feb 2025", 99.5)), "point")
    assert [tooltip(point) for point in points] == ["Jan 2025: 1%", "Feb 2025: 99%"]
    with pytest.raises(ValueError, match="finite"):
        whole_percent(math.inf)


def test_height_grows_with_the_number_of_bars():
    one = bars_svg(Bar("A", 10, ""))
    five = bars_svg(*(Bar(name, 10, "") for name in "ABCDE"))
    assert view_box_height(five) > view_box_height(one)


def test_labels_and_text_are_escaped():
    markup = bar_chart(
        chart_id="nasty",
        title=f"Title {NASTY}",
        description=f"Description {NASTY}",
        bars=[Bar(NASTY, 40, f"detail {NASTY}"), Bar("Short <b>", 60, "")],
    )
    assert "<script" not in markup and "<b>" not in markup
    svg = parse(markup)
    assert_no_inline_styles(svg)
    assert svg[0].text == f"Title {NASTY}"
    assert svg[1].text == f"Description {NASTY}"
    nasty, short = groups(svg, "bar")
    assert tooltip(nasty) == f"{NASTY}: 40% (detail {NASTY})"
    assert texts(short)[0] == "Short <b>"


def test_long_labels_are_shortened_in_the_drawing_but_not_the_tooltip():
    label = "Department for Extremely Long Names and Other Matters"
    group = groups(bars_svg(Bar(label, 40, "4 of 10")), "bar")[0]
    drawn = texts(group)[0]
    assert drawn.endswith("…") and len(drawn) < len(label)
    assert label.startswith(drawn[:-1])
    assert tooltip(group) == f"{label}: 40% (4 of 10)"


def test_characters_xml_forbids_are_dropped():
    svg = bars_svg(Bar("Fin\x00ance\x0b\r\n  team\ufffe", 10, "a\x1fb"))
    group = groups(svg, "bar")[0]
    assert tooltip(group) == "Finance team: 10% (ab)"


def test_empty_bar_chart_says_there_is_nothing_to_show():
    svg = bars_svg()
    assert_accessible(svg, "by-dept")
    assert "no data to show" in svg[1].text
    assert groups(svg, "bar") == []
    assert list(svg.iter(f"{NS}rect")) == []
    assert texts(svg) == ["There is no data to show."]
    assert view_box_height(svg) < 100


# Ids and arguments


def test_two_charts_on_one_page_have_unique_ids():
    charts = [
        bars_svg(Bar("Finance", 75, ""), chart_id="by-dept"),
        line_svg(Point("Jan 2025", 50), Point("Feb 2025", 60), chart_id="by-month"),
        bars_svg(chart_id="empty-dept"),
    ]
    ids = [el.get("id") for svg in charts for el in svg.iter() if el.get("id")]
    assert len(ids) == len(set(ids)) == 6
    for svg in charts:
        for ref in svg.get("aria-labelledby").split():
            assert any(el.get("id") == ref for el in svg.iter())


@pytest.mark.parametrize("bad", ["", "1chart", "two words", 'x"y', "a<b", "dept:1"])
def test_chart_id_must_be_a_safe_id(bad):
    with pytest.raises(ValueError, match="chart_id"):
        bar_chart(chart_id=bad, title="T", description="D", bars=[])
    with pytest.raises(ValueError, match="chart_id"):
        line_chart(chart_id=bad, title="T", description="D", points=[])


def test_a_title_is_required():
    with pytest.raises(ValueError, match="title"):
        bar_chart(chart_id="c", title="  ", description="D", bars=[Bar("A", 1, "")])


# Line chart

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def test_line_chart_with_12_points():
    values = [40, 45, 52.5, 60, 58, 61, 70, 72, 75, 80, 81, 82.4]
    points = [Point(f"{m} 2025", v) for m, v in zip(MONTHS, values, strict=True)]
    svg = line_svg(*points)
    assert_accessible(svg, "by-month")
    assert_no_inline_styles(svg)

    found = groups(svg, "point")
    assert [tooltip(g) for g in found] == [
        f"{p.label}: {whole_percent(p.percent)}%" for p in points
    ]
    assert tooltip(found[-1]) == "Dec 2025: 82%"
    assert tooltip(found[2]) == "Mar 2025: 53%"

    circles = [g.find(f"{NS}circle") for g in found]
    xs = [float(c.get("cx")) for c in circles]
    ys = [float(c.get("cy")) for c in circles]
    assert xs == sorted(xs) and len(set(xs)) == 12
    # Higher compliance is drawn higher up (smaller y).
    assert ys[0] > ys[-1]

    polylines = list(svg.iter(f"{NS}polyline"))
    assert len(polylines) == 1
    assert polylines[0].get("fill") == "none"
    pairs = [tuple(map(float, pair.split(","))) for pair in polylines[0].get("points").split()]
    assert pairs == list(zip(xs, ys, strict=True))

    # Every month is labelled on the x axis, turned so that 12 fit.
    axis = [t for t in svg.iter(f"{NS}text") if t.get("transform", "").startswith("rotate(")]
    assert [t.text for t in axis] == [p.label for p in points]


def test_line_chart_y_axis_has_gridlines_from_0_to_100():
    svg = line_svg(Point("Jan 2025", 0), Point("Feb 2025", 100))
    grid = groups(svg, "grid")[0]
    assert texts(grid) == ["0%", "25%", "50%", "75%", "100%"]
    ys = [float(line.get("y1")) for line in grid.iter(f"{NS}line")]
    low, high = (float(g.find(f"{NS}circle").get("cy")) for g in groups(svg, "point"))
    assert low == pytest.approx(ys[0]) and high == pytest.approx(ys[-1])


def test_line_chart_with_one_point_has_no_line():
    svg = line_svg(Point("Dec 2025", 82))
    assert_accessible(svg, "by-month")
    assert list(svg.iter(f"{NS}polyline")) == []
    (group,) = groups(svg, "point")
    assert tooltip(group) == "Dec 2025: 82%"
    assert len(list(svg.iter(f"{NS}circle"))) == 1
    assert "Dec 2025" in texts(svg)


def test_line_chart_labels_are_escaped_and_shortened():
    svg = line_svg(Point(NASTY, 10), Point("Feb", 20))
    assert_no_inline_styles(svg)
    first = groups(svg, "point")[0]
    assert tooltip(first) == f"{NASTY}: 10%"
    assert any(t.startswith("<script>") and t.endswith("…") for t in texts(svg))


def test_empty_line_chart_says_there_is_nothing_to_show():
    svg = line_svg()
    assert_accessible(svg, "by-month")
    assert svg[1].text.endswith("There is no data to show.")
    assert list(svg.iter(f"{NS}circle")) == []
    assert list(svg.iter(f"{NS}polyline")) == []
