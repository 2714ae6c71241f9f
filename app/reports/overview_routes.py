"""The compliance dashboard and the analytics page."""

from __future__ import annotations

import dataclasses

from flask import current_app, render_template

from app import cached_figures, catalogue
from app.auth.permissions import training_officer
from app.compliance import summary
from app.compliance.queries import Filters
from app.models.base import today
from app.reports import analytics, charts
from app.reports.blueprint import (
    bp,
    filter_choices,
    filter_errors,
    query_string,
    read_filters,
)

# --- Dashboard ---------------------------------------------------------------------------


@bp.get("/reports")
@training_officer
def dashboard() -> str:
    choices = filter_choices()
    filters, problems = read_filters(departments=choices["departments"])
    # The dashboard has no name search: a ?q= carried over from the people list must not
    # quietly narrow some of its figures.
    filters = dataclasses.replace(filters, search="")
    on = today()
    window = current_app.config["RENEWAL_WINDOW_DAYS"]
    # Counting 50,000 assignments takes a while; the figures are kept until the data moves.
    figures, trend = cached_figures.cached(
        "compliance",
        ("dashboard", filters, on, window),
        lambda: (summary.summarise(filters, on=on), summary.monthly_trend(filters, on=on)),
    )
    chart = charts.bar_chart(
        chart_id="by-department",
        title="Compliance by department",
        description=(
            "The share of assigned modules held with a valid certificate or a completion "
            "recorded from elsewhere, by department."
        ),
        bars=[
            charts.Bar(t.label, t.percent, f"{t.compliant} of {t.assigned} compliant")
            for t in figures.by_department
        ],
    )
    trend_chart = charts.line_chart(
        chart_id="over-time",
        title="Compliance over the last 12 months",
        description="The share of the modules assigned now that were held on the last day of "
        "each month.",
        points=[charts.Point(label, percent) for label, percent in trend],
    )
    return render_template(
        "reports/dashboard.html",
        summary=figures,
        trend=trend,
        trend_chart=trend_chart,
        filters=filters,
        query=query_string(filters),
        # The people with one status, within the other filters (replacing any status).
        status_query=lambda status: query_string(filters, status=status),
        # Any filter chosen: an empty table says that nothing matches, not that nothing
        # is assigned.
        filtered=filters != Filters(),
        window=window,
        chart=chart,
        whole=charts.whole_percent,
        **filter_errors(problems),
        **choices,
    )


# --- Analytics ---------------------------------------------------------------------------


@bp.get("/reports/analytics")
@training_officer
def analytics_page() -> str:
    return render_template(
        "reports/analytics.html",
        questions=cached_figures.cached("analytics", "questions", analytics.question_stats),
        decisions=cached_figures.cached("analytics", "decisions", analytics.decision_stats),
        modules={m.id: m for m in catalogue.get().in_order()},
        minimum=analytics.MIN_LEARNERS,
    )
