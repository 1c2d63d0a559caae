"""gunicorn serving the API with the production settings (DEBUG off, Redis cache, the
environment's checks; tests.support.production_settings), as the Procfile starts it, for
tests that need real processes and sockets. It binds 127.0.0.1 on a free port and is
stopped by the test that started it."""

import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.support.outages import closed_port

ROOT = Path(__file__).resolve().parents[2]
BACKEND = ROOT / "backend"
# Production's key rules: random-looking, 50 characters or more.
SECRET_KEY = "resilience-test-" + "k7Qz" * 15


class Gunicorn:
    def __init__(self, *, database_url: str, redis_url: str, workers: int = 1, **variables: str):
        self.port = closed_port()
        handle, name = tempfile.mkstemp(prefix="stockscan-gunicorn-", suffix=".log")
        os.close(handle)
        self.log = Path(name)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.support.production_settings",
            "PYTHONPATH": str(ROOT),
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": SECRET_KEY,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "FRONTEND_URL": "http://127.0.0.1:5173",
            "SECURE_SSL_REDIRECT": "false",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "LOG_LEVEL": "WARNING",
            **variables,
        }
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "config.wsgi:application",
                    "--workers",
                    str(workers),
                    "--bind",
                    f"127.0.0.1:{self.port}",
                ],
                cwd=BACKEND,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_ready(self, timeout: float = 30) -> "Gunicorn":
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if self.request("GET", "/health")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn did not start:\n{self.log.read_text()[-3000:]}")

    def request(self, method: str, path: str, body=None, token: str | None = None, timeout: float = 20):
        """(status, JSON body or None, seconds the answer took)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        started = time.monotonic()
        try:
            connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
            response = connection.getresponse()
            content = response.read()
        finally:
            connection.close()
        seconds = time.monotonic() - started
        is_json = response.getheader("Content-Type", "").startswith("application/json")
        return response.status, json.loads(content) if is_json else None, seconds

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.unlink(missing_ok=True)
