"""Real Chromium (Debian's package) driven by Playwright against a live server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app.extensions import db
from tests.conftest import make_app, migrate_database, skip_or_fail
from tests.support import error_routes
from tests.support.gunicorn import free_port
from tests.support.smtp import SmtpServer

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
DEMO_PASSWORD = "browser-test demo password"


class LiveServer:
    def __init__(self, app, port: int) -> None:
        self.app = app
        self._server = make_server("127.0.0.1", port, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)


@pytest.fixture(scope="session")
def live_smtp() -> Iterator[SmtpServer]:
    """The live server's e-mail arrives here, on a real SMTP server on loopback."""
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, live_smtp: SmtpServer
) -> Iterator[LiveServer]:
    path = tmp_path_factory.mktemp("live") / "live.sqlite"
    url = f"sqlite:///{path}"
    migrate_database(url)
    server_port = free_port()
    app = error_routes.register(
        make_app(
            url,
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=live_smtp.port,
            BASE_URL=f"http://127.0.0.1:{server_port}",
            TRUSTED_HOSTS=["127.0.0.1"],
            CONTENT_DIR=str(ROOT / "content"),  # the real lessons, as learners see them
        )
    )
    os.environ["DEMO_PASSWORD"] = DEMO_PASSWORD
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    server = LiveServer(app, server_port)
    server.start()
    yield server
    server.stop()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        skip_or_fail(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    if not AXE_JS.exists():
        skip_or_fail("axe-core is not installed (npm ci)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        opened = browser.new_context

        def new_context(**options):
            context = opened(**options)
            context.on("response", _remember_document)
            return context

        browser.new_context = new_context
        yield browser
        browser.close()


# The document each page last received, so that the HTML checker reads what the browser
# was served (an error state after a POST), not a fresh GET of the same address.
_documents: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _remember_document(response) -> None:
    frame = response.frame
    if response.request.is_navigation_request() and frame.parent_frame is None:
        _documents[frame.page] = response


def served_html(page) -> str:
    """The HTML of the page as the server sent it, including a form re-shown with errors."""
    from playwright.sync_api import Error as PlaywrightError

    response = _documents.get(page)
    if response is not None and response.url == page.url:
        try:
            return response.text()
        except PlaywrightError:
            pass  # the body is gone (Chromium keeps it only for a while): fetch it again
    return page.request.get(page.url).text()


@pytest.fixture
def page(browser):
    # bypass_csp lets axe-core be injected; the app's own CSP is tested separately.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    yield page
    context.close()


def run_axe(page) -> list[dict]:
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    return result["violations"]


def describe_violations(violations: list[dict]) -> str:
    return json.dumps(
        [
            {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"][:3]]}
            for v in violations
        ],
        indent=2,
    )


class HtmlChecker:
    """Collects pages, then validates them all with the Nu HTML checker in one Java start."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.pages: dict[str, str] = {}

    def add(self, name: str, html: str) -> None:
        filename = name.strip("/").replace("/", "_") or "start"
        self.pages[filename] = html
        (self.folder / f"{filename}.html").write_text(html, encoding="utf-8")

    def errors(self) -> list[dict]:
        java = shutil.which("java")
        if java is None:
            skip_or_fail("Java is not installed: the Nu HTML checker needs it")
        if not VNU_JAR.exists():
            skip_or_fail("vnu-jar is not installed (npm ci)")
        files = sorted(str(p) for p in self.folder.glob("*.html"))
        result = subprocess.run(
            [java, "-jar", str(VNU_JAR), "--format", "json", "--stdout", *files],
            capture_output=True,
            text=True,
            timeout=300,
        )
        messages = json.loads(result.stdout or "{}").get("messages", [])
        return [m for m in messages if m.get("type") == "error"]


@pytest.fixture(scope="module")
def html_checker(tmp_path_factory: pytest.TempPathFactory) -> HtmlChecker:
    return HtmlChecker(tmp_path_factory.mktemp("html"))
