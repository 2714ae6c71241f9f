"""Training officers' pages (dashboard, people, records, corrections, exports, HR import,
analytics) and line managers' "Your team": one blueprint, its routes in a module per area."""

from app.reports import (  # noqa: F401 - importing them registers their routes
    correction_routes,
    export_routes,
    hr_routes,
    overview_routes,
    people_routes,
)
from app.reports.blueprint import bp

__all__ = ["bp"]
