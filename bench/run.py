"""`make bench`: throughput of each page as a ratio of /healthz, and SQL statements per page.

Client (wrk) and server (gunicorn) share this machine's cores, so absolute numbers
mean little: every page is reported as a ratio to /healthz measured in the same round,
and the median of several interleaved rounds is kept.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from app.auth.passwords import hash_password, verify_password  # noqa: E402
from app.database import recorded_statements  # noqa: E402
from bench import assessment, officers, server  # noqa: E402
from bench import seed as bench_seed  # noqa: E402
from bench.pages import BASELINE, LEARNER, PAGES, STAFF, Page  # noqa: E402

SUBMISSION = "POST /modules/…/quiz/attempts/…/check"
FLOOR = f"POST {server.FLOOR_PATH}"
SUBMISSION_NAME = "quiz submission (POST, a new attempt each time)"
FLOOR_NAME = "signed-in form POST that changes nothing (floor)"
PASSWORD = "benchmark password 2026"  # noqa: S105 - only for the throwaway bench database


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--users", type=int, default=10000, help="staff in the database for the measurements"
    )
    parser.add_argument(
        "--few-users",
        type=int,
        default=100,
        help="staff in the database when SQL statements are first counted",
    )
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (median kept)")
    parser.add_argument("--seconds", type=int, default=3, help="length of one wrk run")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--connections", type=int, default=16, help="wrk open connections")
    parser.add_argument("--database-url", help="benchmark this database instead of SQLite")
    parser.add_argument(
        "--submissions", type=int, default=2500, help="answered attempts prepared per round"
    )
    parser.add_argument(
        "--officer-sizes",
        default="1000,10000",
        help="staff counts for the officers' pages (comma-separated; empty to skip)",
    )
    parser.add_argument(
        "--officer-attempts", type=int, default=20, help="quiz attempts per person there"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    return parser.parse_args()


# wrk checks one certificate over and over from one address, and one officer downloads the
# compliance export thousands of times: the limits that stop a runaway script would answer
# 429 and measure nothing. Lifted for the server and for the in-process app alike (hits are
# counted in the shared database).
LIMITS_LIFTED = {
    "VERIFY_REQUESTS_PER_ADDRESS": 1_000_000_000,
    "EXPORTS_PER_USER_PER_HOUR": 1_000_000_000,
}


def production_env(database_url: str, secret_key: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "APP_ENV": "production",
            "SECRET_KEY": secret_key,
            "DATABASE_URL": database_url,
            "TRUSTED_HOSTS": "127.0.0.1",
            "LOG_LEVEL": "WARNING",
            **{name: str(value) for name, value in LIMITS_LIFTED.items()},
        }
    )
    env.pop("FLASK_DEBUG", None)
    return env


def prepare_database(database_url: str, users: int) -> int:
    from flask_migrate import upgrade

    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        upgrade()
        return bench_seed.seed(users, PASSWORD)


def grow_database(database_url: str, users: int, submitters: int) -> tuple[int, list[str]]:
    """Tops the staff up to `users`, then adds people with answered quizzes to submit."""
    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        total = bench_seed.top_up(users)
        return total, assessment.seed_submitters(submitters, PASSWORD)


def signed_in_cookie(app, email: str) -> str:
    return signed_in_cookie_with(app, email, PASSWORD)


def signed_in_cookie_with(app, email: str, password: str) -> str:
    """Signs in through the real form and returns the Cookie header the browser would send."""
    client = app.test_client()
    form = client.get("/sign-in", base_url="https://127.0.0.1").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)
    response = client.post(
        "/sign-in",
        data={"email": email, "password": password, "csrf_token": token.group(1) if token else ""},
        base_url="https://127.0.0.1",
        headers={"Referer": "https://127.0.0.1/sign-in"},
    )
    if response.status_code != 302:
        raise SystemExit(f"Could not sign in as {email} for the benchmark ({response.status_code})")
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = client.get_cookie(name, domain="127.0.0.1")
    return f"{name}={cookie.value}"


def browser_cookie(app, cookie: str | None, path: str) -> str | None:
    """The cookie as a browser holds it after viewing `path` just now.

    The server rewrites the session cookie when it first gives the session a form token
    and once a minute to note the last activity; a browser keeps what it is sent, but wrk
    sends one fixed header, so a cookie left to age would make every request rewrite it.
    """
    if cookie is None:
        return None
    client = app.test_client()
    name, value = cookie.split("=", 1)
    client.set_cookie(name, value, domain="127.0.0.1", secure=True)
    if client.get(path, base_url="https://127.0.0.1").status_code != 200:
        raise SystemExit(f"{path} did not answer 200 while refreshing the cookie")
    return f"{name}={client.get_cookie(name, domain='127.0.0.1').value}"


def count_sql(app, page: Page, cookie: str | None) -> int:
    return view_cost(app, page.path, cookie)[0]


def view_cost(app, path: str, cookie: str | None) -> tuple[int, float]:
    """SQL statements (not counting BEGIN/COMMIT) and seconds for one view of `path`."""
    client = app.test_client()
    if cookie:
        name, value = cookie.split("=", 1)
        client.set_cookie(name, value, domain="127.0.0.1", secure=True)
    with recorded_statements(app) as statements:
        started = time.perf_counter()
        response = client.get(path, base_url="https://127.0.0.1")
        response.get_data()
        seconds = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"{path} answered {response.status_code} while counting SQL")
    return len(statements), seconds


def submission_statements(app, line: str) -> int:
    """SQL statements (not counting BEGIN/COMMIT) of one quiz submission, through the form."""
    return post_statements(app, line, "/result")


def floor_statements(app, line: str) -> int:
    """SQL statements of the signed-in POST that changes nothing (bench/server.py)."""
    _, cookie, token = line.split("\t")
    return post_statements(app, f"{server.FLOOR_PATH}\t{cookie}\t{token}", "/healthz")


def post_statements(app, line: str, redirected_to: str) -> int:
    path, cookie, token = line.split("\t")
    client = app.test_client()
    name, value = cookie.split("=", 1)
    client.set_cookie(name, value, domain="127.0.0.1", secure=True)
    with recorded_statements(app) as statements:
        response = client.post(
            path,
            data={"csrf_token": token},
            base_url="https://127.0.0.1",
            headers={"Referer": f"https://127.0.0.1{path}"},
        )
    if response.status_code != 302 or not response.headers["Location"].endswith(redirected_to):
        raise SystemExit(f"POST {path} answered {response.status_code} while counting SQL")
    return len(statements)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(env: dict[str, str], workers: int, port: int, pid_file: Path) -> None:
    gunicorn = Path(sys.executable).parent / "gunicorn"
    subprocess.Popen(
        [
            str(gunicorn),
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--pid",
            str(pid_file),
            "--log-level",
            "warning",
            "bench.server:create_app()",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start within 30 seconds")


def floor_cookie(app, line: str) -> tuple[str, str]:
    """The floor's poster (a submitter whose attempt is never submitted): their cookie as a
    browser holds it now (from viewing their check page), and their form token."""
    path, cookie, token = line.split("\t")
    return browser_cookie(app, cookie, path), token


def wrk_floor(port: int, cookie: str, token: str, seconds: int, connections: int) -> float:
    """Requests per second of the signed-in POST that changes nothing."""
    import http.client

    origin = f"https://127.0.0.1:{port}"
    headers = {
        "Cookie": cookie,
        "Content-Type": "application/x-www-form-urlencoded",
        "Referer": origin + server.FLOOR_PATH,
        "X-Forwarded-Proto": "https",
    }
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("POST", server.FLOOR_PATH, body=f"csrf_token={token}", headers=headers)
    response = conn.getresponse()
    conn.close()
    if response.status != 302 or not response.getheader("Location", "").endswith("/healthz"):
        raise SystemExit(f"The floor POST answered {response.status} before the benchmark")
    if response.getheader("Set-Cookie"):
        raise SystemExit("The floor POST rewrites the session cookie on every request")
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s"]
    command += [str(ROOT / "bench" / "post.lua"), f"http://127.0.0.1:{port}{server.FLOOR_PATH}"]
    result = subprocess.run(
        [*command, "--", cookie, token, origin], capture_output=True, text=True, check=True
    )
    if "Non-2xx or 3xx responses" in result.stdout:
        raise SystemExit(f"The floor POST gave error responses under load:\n{result.stdout}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", result.stdout).group(1))


def stop_gunicorn(pid_file: Path) -> None:
    if pid_file.exists():
        os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)


def worker_cpu_seconds(pid_file: Path) -> float:
    """CPU time (user and system) that gunicorn's workers have used so far, from /proc.

    Divided by the requests served, it gives each page's cost in CPU milliseconds: steadier
    from run to run than requests per second, and free of wrk's share of the cores.
    """
    master = pid_file.read_text().strip()
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # a process that ended meanwhile
        if fields[1] == master:  # the parent's pid
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def learning_pages(app) -> tuple[Page, ...]:
    """The first module's first lesson, and its first scenario's first decision."""
    from app import catalogue

    with app.app_context():
        module = catalogue.get().in_order()[0]
    lesson = next(r for r in module.spec.induction_path if r.startswith("lesson:"))
    scenario = next(r for r in module.spec.induction_path if r.startswith("scenario:"))
    base = f"/modules/{module.id}"
    return (
        Page("module task list", base, as_user=LEARNER),
        Page("lesson page", f"{base}/lessons/{lesson.split(':')[1]}", as_user=LEARNER),
        Page(
            "scenario decision page",
            f"{base}/scenarios/{scenario.split(':')[1]}/play",
            as_user=LEARNER,
        ),
    )


def prepare_decision_page(app, cookie: str) -> None:
    """Start the learner's scenario and step through content until its first decision,
    through the same forms a learner uses."""
    decision = learning_pages(app)[-1].path
    client = app.test_client()
    name, value = cookie.split("=", 1)
    client.set_cookie(name, value, domain="127.0.0.1", secure=True)
    base = "https://127.0.0.1"

    def post(path: str, data: dict[str, str]) -> None:
        page = client.get(path, base_url=base).text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        client.post(
            path,
            data={**data, "csrf_token": token.group(1) if token else ""},
            base_url=base,
            headers={"Referer": f"{base}{path}"},
        )

    post(decision.removesuffix("/play"), {})
    for _ in range(10):
        page = client.get(decision, base_url=base).text
        if 'type="radio"' in page:
            return
        node = re.search(r'<input[^>]*name="node"[^>]*value="([^"]+)"', page)
        post(decision, {"node": node.group(1) if node else ""})
    raise SystemExit("Could not reach a decision in the first scenario")


def assessment_pages(app, cookies: dict[str, str]) -> tuple[Page, ...]:
    """A quiz question in progress, a certificate PDF and the public verify page."""
    client = app.test_client()
    name, value = cookies[LEARNER].split("=", 1)
    client.set_cookie(name, value, domain="127.0.0.1", secure=True)
    question = assessment.prepare_quiz_page(app, client, LEARNER)
    download, verify = assessment.certificate_paths(app)
    return (
        Page("quiz question page", question, as_user=LEARNER),
        Page("certificate PDF", download, as_user=STAFF),
        Page("verify page (public)", verify),
    )


def wrk_submissions(port: int, lines_file: Path, seconds: int, connections: int) -> float:
    # CSRF protection compares the Referer with the host the server sees (with its port).
    """Requests per second of quiz submissions, each to a different answered attempt."""
    threads = 2
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "-s",
        str(ROOT / "bench" / "submit.lua"),
        f"http://127.0.0.1:{port}/",
        "--",
        str(lines_file),
        str(threads),
        f"https://127.0.0.1:{port}",
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    if "REUSED" in result.stdout:
        raise SystemExit(
            "Quiz submissions ran out of prepared attempts, so some requests were replays; "
            f"raise --submissions.\n{result.stdout}"
        )
    if "Non-2xx or 3xx responses" in result.stdout:
        raise SystemExit(f"Quiz submissions gave error responses:\n{result.stdout}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", result.stdout)
    return float(match.group(1))


def check_page_answers(port: int, page: Page, cookie: str | None) -> None:
    """wrk counts a redirect as success, so first make sure the page itself answers 200,
    and that viewing it again with a current session cookie does not rewrite it."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", page.path, headers={"Cookie": cookie} if cookie else {})
    response = conn.getresponse()
    conn.close()
    if response.status != 200:
        raise SystemExit(f"{page.path} answered {response.status} before the benchmark")
    if cookie and response.getheader("Set-Cookie"):
        raise SystemExit(f"{page.path} rewrites the session cookie on every view")


def wrk(url: str, seconds: int, connections: int, cookie: str | None) -> float:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}", "-H", "X-Forwarded-Proto: https"]
    result = subprocess.run([*command, url], capture_output=True, text=True, check=True)
    if "Non-2xx or 3xx responses" in result.stdout:
        raise SystemExit(f"{url} gave error responses under load:\n{result.stdout}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", result.stdout)
    if not match:
        raise SystemExit(f"Could not read wrk's output for {url}:\n{result.stdout}")
    return float(match.group(1))


def password_check_seconds(app) -> float:
    """One argon2id check with the production settings."""
    with app.app_context():
        stored = hash_password(PASSWORD)
        times = []
        for _ in range(7):
            started = time.perf_counter()
            verify_password(stored, PASSWORD)
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    args = parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit(
            "wrk is not installed: apt-get install -y wrk (make bench does this as root)"
        )
    workdir = Path(tempfile.mkdtemp(prefix="oct-bench-"))
    database_url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite'}"
    print(f"Seeding {args.few_users} staff into {database_url.split('@')[-1]} …", flush=True)
    few = prepare_database(database_url, args.few_users)

    secret_key = secrets.token_urlsafe(48)
    env = production_env(database_url, secret_key)
    os.environ.update({k: env[k] for k in ("APP_ENV", "SECRET_KEY", "DATABASE_URL")})
    app = server.with_floor(
        create_app(
            "production",
            {
                "SQLALCHEMY_DATABASE_URI": database_url,
                "SECRET_KEY": secret_key,
                "LOG_LEVEL": "WARNING",
                **LIMITS_LIFTED,
            },
        )
    )
    # Same secret (so the cookies work on the server), cheap hashing (so signing in
    # thousands of people takes seconds, and their stored hashes are not upgraded).
    cheap = create_app(
        "production",
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": secret_key,
            "LOG_LEVEL": "WARNING",
            **assessment.CHEAP_ARGON2,
        },
    )
    pages = (*PAGES, *learning_pages(app))
    cookies = {p.as_user: signed_in_cookie(app, p.as_user) for p in pages if p.as_user}
    cookies[STAFF] = signed_in_cookie(app, STAFF)
    prepare_decision_page(app, cookies[LEARNER])
    pages = (*pages, *assessment_pages(app, cookies))

    def statements() -> dict[str, int]:
        counts = {p.path: count_sql(app, p, cookies.get(p.as_user)) for p in (BASELINE, *pages)}
        _, submitters = grow_database(database_url, 0, 2)
        warm_up, counted = assessment.submission_lines(cheap, submitters, PASSWORD)
        counts[FLOOR] = floor_statements(app, counted)
        # A process's first submission of a quiz wording also checks that the wording is
        # kept (app/quizzes/archive.py); count the steady state that every later one pays.
        submission_statements(app, warm_up)
        counts[SUBMISSION] = submission_statements(app, counted)
        return counts

    sql_few = statements()
    print(f"Adding staff up to {args.users} …", flush=True)
    # One more submitter than the rounds use: the floor's poster, who never submits.
    users, submitters = grow_database(database_url, args.users, args.submissions * args.rounds + 1)
    sql_counts = statements()
    print(f"Signing in {len(submitters)} people with answered quizzes …", flush=True)
    lines = assessment.submission_lines(cheap, submitters, PASSWORD)
    floor_line = lines.pop()
    per_round = [
        assessment.write_lines(lines[i :: args.rounds], workdir, i) for i in range(args.rounds)
    ]

    port = free_port()
    pid_file = workdir / "gunicorn.pid"
    start_gunicorn(env, args.workers, port, pid_file)
    ratios: dict[str, list[float]] = {p.path: [] for p in pages}
    rps: dict[str, list[float]] = {p.path: [] for p in (BASELINE, *pages)}
    cpu: dict[str, list[float]] = {p.path: [] for p in (BASELINE, *pages)}
    cpu[SUBMISSION], rps[SUBMISSION], submission_ratios = [], [], []
    cpu[FLOOR], rps[FLOOR], floor_ratios = [], [], []

    def measured(path: str, load) -> float:
        before = worker_cpu_seconds(pid_file)
        value = load()
        used = worker_cpu_seconds(pid_file) - before
        rps[path].append(value)
        cpu[path].append(used / (value * args.seconds) * 1000)
        return value

    def healthz() -> float:
        return measured(
            BASELINE.path,
            lambda: wrk(
                f"http://127.0.0.1:{port}{BASELINE.path}", args.seconds, args.connections, None
            ),
        )

    try:
        for page in (BASELINE, *pages):
            check_page_answers(
                port, page, browser_cookie(app, cookies.get(page.as_user), page.path)
            )
        for round_number in range(1, args.rounds + 1):
            print(f"Round {round_number} of {args.rounds} …", flush=True)
            for page in pages:
                base = healthz()
                cookie = browser_cookie(app, cookies.get(page.as_user), page.path)
                value = measured(
                    page.path,
                    lambda page=page, cookie=cookie: wrk(
                        f"http://127.0.0.1:{port}{page.path}",
                        args.seconds,
                        args.connections,
                        cookie,
                    ),
                )
                ratios[page.path].append(value / base)
            base = healthz()
            lines_file = per_round[round_number - 1]
            value = measured(
                SUBMISSION,
                lambda lines_file=lines_file: wrk_submissions(
                    port, lines_file, args.seconds, args.connections
                ),
            )
            submission_ratios.append(value / base)
            base = healthz()
            cookie, token = floor_cookie(app, floor_line)
            value = measured(
                FLOOR,
                lambda cookie=cookie, token=token: wrk_floor(
                    port, cookie, token, args.seconds, args.connections
                ),
            )
            floor_ratios.append(value / base)
    finally:
        stop_gunicorn(pid_file)

    ratios[BASELINE.path] = [1.0]
    ratios[SUBMISSION], ratios[FLOOR] = submission_ratios, floor_ratios
    measured_items = [(p.name, p.path) for p in (BASELINE, *pages)] + [
        (SUBMISSION_NAME, SUBMISSION),
        (FLOOR_NAME, FLOOR),
    ]
    results = {
        "users": users,
        "few_users": few,
        "workers": args.workers,
        "rounds": args.rounds,
        "seconds_per_run": args.seconds,
        "database": "postgresql" if database_url.startswith("postgresql") else "sqlite",
        "password_check_seconds": round(password_check_seconds(app), 4),
        "pages": [
            {
                "name": name,
                "path": path,
                "requests_per_second": round(statistics.median(rps[path]), 1),
                "cpu_ms_per_request": round(statistics.median(cpu[path]), 2),
                "ratio_to_healthz": round(statistics.median(ratios[path]), 3),
                "sql_statements": sql_counts[path],
                "sql_statements_few_users": sql_few[path],
            }
            for name, path in measured_items
        ],
    }
    by_name = {p["name"]: p for p in results["pages"]}
    lesson = by_name["lesson page"]["requests_per_second"]
    certificate = by_name["certificate PDF"]["requests_per_second"]
    results["certificate_cost_in_lesson_pages"] = round(lesson / certificate, 2)
    results["by_worker_cpu_in_lesson_pages"] = {
        name: round(
            by_name[name]["cpu_ms_per_request"] / by_name["lesson page"]["cpu_ms_per_request"], 2
        )
        for name in ("certificate PDF", SUBMISSION_NAME)
    }
    # What a submission costs beyond any signed-in form POST, by the workers' CPU time.
    results["submission_cpu_in_floors"] = round(
        by_name[SUBMISSION_NAME]["cpu_ms_per_request"] / by_name[FLOOR_NAME]["cpu_ms_per_request"],
        2,
    )
    sizes = [int(n) for n in args.officer_sizes.split(",") if n.strip()]
    results["officer_pages"] = [
        officers.measure(sys.modules[__name__], args, workdir, n) for n in sizes
    ]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=2))
    table = markdown_table(results)
    if results["officer_pages"]:
        table += "\n" + officers.table(results["officer_pages"])
    (args.out / "results.md").write_text(table)
    print(table)
    print(f"Written to {args.out / 'results.json'} and {args.out / 'results.md'}")
    shutil.rmtree(workdir, ignore_errors=True)


def markdown_table(results: dict) -> str:
    few, many = results["few_users"], results["users"]
    lines = [
        f"Benchmark: {many} staff, {results['database']}, gunicorn "
        f"{results['workers']} workers, median of {results['rounds']} rounds",
        "",
        f"| page | path | req/s | ratio to /healthz | worker CPU per request, ms | "
        f"SQL statements ({few:,} staff) | SQL statements ({many:,} staff) |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for page in results["pages"]:
        lines.append(
            f"| {page['name']} | `{page['path']}` | {page['requests_per_second']} | "
            f"{page['ratio_to_healthz']:.3f} | {page['cpu_ms_per_request']:.2f} | "
            f"{page['sql_statements_few_users']} | "
            f"{page['sql_statements']} |"
        )
    grew = [
        p["name"] for p in results["pages"] if p["sql_statements"] != p["sql_statements_few_users"]
    ]
    lines += [
        "",
        f"SQL statements the same at {few:,} and {many:,} staff: "
        + (f"NO, they differ on: {', '.join(grew)}" if grew else "yes, on every page"),
        f"One certificate PDF costs {results['certificate_cost_in_lesson_pages']} lesson pages "
        "(by requests per second).",
        "By the workers' CPU time, in lesson pages: "
        + ", ".join(f"{n} {v}" for n, v in results["by_worker_cpu_in_lesson_pages"].items())
        + ".",
        f"A quiz submission costs {results['submission_cpu_in_floors']} floors (signed-in "
        "form POSTs that change nothing), by the workers' CPU time.",
        f"One password check (argon2id): {results['password_check_seconds']:.3f} s",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
