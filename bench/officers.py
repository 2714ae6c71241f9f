"""Officers' pages at two council sizes, for `make bench` (issue 6).

For each size a database is generated as `make bench-scale` does (every module assigned,
quiz attempts with answers, certificates for most people), gunicorn serves it, and wrk
measures each page against /healthz in the same round. SQL statements are counted on a
cold first view (nothing cached). The targets: the same statement counts at both sizes,
the dashboard at most three times slower at the larger size, and its throughput at least
0.03 times /healthz.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from flask_migrate import upgrade

from app import create_app
from app.extensions import db
from bench import scale
from bench.assessment import CHEAP_ARGON2
from bench.pages import BASELINE, Page

OFFICER = "staff.0@example.org"  # the training officer in the generated council
PAGES = (
    Page("dashboard", "/reports", as_user=OFFICER),
    Page("people list", "/reports/people", as_user=OFFICER),
    Page(
        "people list, overdue, by due date, page 3",
        "/reports/people?status=Overdue&sort=due&page=3",
        as_user=OFFICER,
    ),
    Page("a learner's record", "/reports/people/5", as_user=OFFICER),
    Page("compliance CSV export", "/reports/export/compliance.csv", as_user=OFFICER),
)
DASHBOARD_SLOWDOWN_LIMIT = 3.0
DASHBOARD_MIN_RATIO = 0.03


def generate(url: str, staff: int, attempts_per_person: int) -> float:
    app = create_app(
        "development", {"SQLALCHEMY_DATABASE_URI": url, "LOG_LEVEL": "WARNING", **CHEAP_ARGON2}
    )
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        scale.generate(staff, staff * attempts_per_person)
        db.engine.dispose()
    return time.perf_counter() - started


def measure(run, args, workdir: Path, staff: int) -> dict:
    """One size: generate, count, serve, measure. `run` is bench.run (its helpers)."""
    url = f"sqlite:///{workdir / f'officers-{staff}.sqlite'}"
    print(f"Generating a council of {staff} staff for the officers' pages …", flush=True)
    took = generate(url, staff, args.officer_attempts)
    secret_key = "officers-bench-" + str(staff) * 8
    env = run.production_env(url, secret_key)
    settings = {
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": secret_key,
        "LOG_LEVEL": "WARNING",
        **run.LIMITS_LIFTED,
    }
    app = create_app("production", {**settings, **CHEAP_ARGON2})
    cookie = run.signed_in_cookie_with(app, OFFICER, scale.PASSWORD)
    counts = {}
    for page in PAGES:
        fresh = create_app("production", {**settings, **CHEAP_ARGON2})
        counts[page.path] = run.view_cost(fresh, page.path, cookie)  # cold: nothing cached
    port = run.free_port()
    pid_file = workdir / f"gunicorn-officers-{staff}.pid"
    run.start_gunicorn(env, args.workers, port, pid_file)
    rps: dict[str, list[float]] = {p.path: [] for p in (BASELINE, *PAGES)}
    ratios: dict[str, list[float]] = {p.path: [] for p in PAGES}
    try:
        for page in PAGES:
            run.check_page_answers(port, page, run.browser_cookie(app, cookie, page.path))
        for _ in range(args.rounds):
            for page in PAGES:
                base = run.wrk(
                    f"http://127.0.0.1:{port}{BASELINE.path}", args.seconds, args.connections, None
                )
                value = run.wrk(
                    f"http://127.0.0.1:{port}{page.path}",
                    args.seconds,
                    args.connections,
                    run.browser_cookie(app, cookie, page.path),
                )
                rps[BASELINE.path].append(base)
                rps[page.path].append(value)
                ratios[page.path].append(value / base)
    finally:
        run.stop_gunicorn(pid_file)
    return {
        "staff": staff,
        "generated_seconds": round(took, 1),
        "pages": [
            {
                "name": page.name,
                "path": page.path,
                "requests_per_second": round(statistics.median(rps[page.path]), 1),
                "ratio_to_healthz": round(statistics.median(ratios[page.path]), 3),
                "sql_statements": counts[page.path][0],
                "cold_seconds": round(counts[page.path][1], 3),
            }
            for page in PAGES
        ],
    }


def verdict(sizes: list[dict]) -> list[str]:
    """The issue's three targets, checked on the measured figures."""
    small, large = sizes[0], sizes[-1]
    lines = []
    counts_small = [p["sql_statements"] for p in small["pages"]]
    counts_large = [p["sql_statements"] for p in large["pages"]]
    same = counts_small == counts_large
    lines.append(
        f"{'MET' if same else 'NOT MET'}: SQL statements per page are the same at "
        f"{small['staff']} and {large['staff']} staff ({counts_small} and {counts_large})"
    )
    dash_small = small["pages"][0]["requests_per_second"]
    dash_large = large["pages"][0]["requests_per_second"]
    slowdown = dash_small / dash_large if dash_large else float("inf")
    lines.append(
        f"{'MET' if slowdown <= DASHBOARD_SLOWDOWN_LIMIT else 'NOT MET'}: the dashboard takes "
        f"{slowdown:.2f} times as long at {large['staff']} staff as at {small['staff']} "
        f"(limit {DASHBOARD_SLOWDOWN_LIMIT:g})"
    )
    ratio = large["pages"][0]["ratio_to_healthz"]
    lines.append(
        f"{'MET' if ratio >= DASHBOARD_MIN_RATIO else 'NOT MET'}: the dashboard's throughput at "
        f"{large['staff']} staff is {ratio:.3f} times /healthz (at least {DASHBOARD_MIN_RATIO})"
    )
    return lines


def table(sizes: list[dict]) -> str:
    lines = [
        "Officers' pages (SQLite, wrk against /healthz in the same round; SQL and cold "
        "seconds from a first view with nothing cached)",
        "",
        "| staff | page | req/s | ratio to /healthz | SQL statements | cold view, s |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for size in sizes:
        for page in size["pages"]:
            lines.append(
                f"| {size['staff']} | {page['name']} | {page['requests_per_second']} | "
                f"{page['ratio_to_healthz']:.3f} | {page['sql_statements']} | "
                f"{page['cold_seconds']:.3f} |"
            )
    lines += ["", *verdict(sizes), ""]
    return "\n".join(lines)
