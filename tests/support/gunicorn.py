"""Runs the app under gunicorn on 127.0.0.1 for tests that need several worker processes."""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    def __init__(self, database_url: str, workers: int, folder: Path, **settings: str) -> None:
        self.port = free_port()
        self.pid_file = folder / "gunicorn.pid"
        self.access_log = folder / "access.log"
        env = dict(os.environ)
        env.update(
            {
                "APP_ENV": "development",
                "SECRET_KEY": "gunicorn-test-secret-key-long-enough-000",
                "DATABASE_URL": database_url,
                "TRUSTED_HOSTS": "127.0.0.1",
                **settings,
            }
        )
        self._process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--pid",
                str(self.pid_file),
                "--access-logfile",
                str(self.access_log),
                "--access-logformat",
                "%(p)s %(m)s %(U)s %(s)s",
                "app:create_app()",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._wait_until_up()
        self._wait_for_every_worker(workers)

    def _wait_for_every_worker(self, workers: int) -> None:
        """Until each worker has answered: a worker still loading the app takes no
        requests, and a quick test could be over before it starts (so that one worker
        served everything, and a test of several workers proved nothing)."""

        def ping() -> None:
            with contextlib.suppress(OSError):  # counted by the access log if answered
                self.request("GET", "/healthz")

        deadline = time.monotonic() + 30
        while len(self.worker_pids_for("GET", "/healthz")) < workers:
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"not all {workers} gunicorn workers started")
            # Requests at once: a busy worker leaves the next to another.
            burst = [threading.Thread(target=ping) for _ in range(2 * workers)]
            for thread in burst:
                thread.start()
            for thread in burst:
                thread.join(timeout=20)
            time.sleep(0.05)

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if self.request("GET", "/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("gunicorn did not start")

    def request(self, method: str, path: str, body: str | None = None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        conn.request(method, path, body=body, headers={"Connection": "close", **(headers or {})})
        response = conn.getresponse()
        result = (response.status, response.getheaders(), response.read().decode("utf-8"))
        conn.close()
        return result

    def worker_pids_for(self, method: str, path: str) -> set[str]:
        pids = set()
        for line in self.access_log.read_text().splitlines():
            parts = line.split()
            if len(parts) >= 3 and parts[1] == method and parts[2] == path:
                pids.add(parts[0].strip("<>"))
        return pids

    def stop(self) -> None:
        if self.pid_file.exists():
            os.kill(int(self.pid_file.read_text().strip()), signal.SIGTERM)
        self._process.wait(timeout=30)


def session_cookie(headers) -> str | None:
    for name, value in headers:
        if name.lower() == "set-cookie" and value.startswith("session="):
            return value.split(";", 1)[0]
    return None


CSRF_RE = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')
