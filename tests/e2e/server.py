"""A real `streamlit run` of the app, its output kept in a log file under artifacts/logs/."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOGS = ROOT / "artifacts" / "logs"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class StreamlitServer:
    """One `streamlit run streamlit_app.py` process; `url` once healthy, `log` its stdout+stderr."""

    name: str
    env: dict[str, str] = field(default_factory=dict)  # added to this process's environment
    url: str = ""
    log: Path | None = None
    process: subprocess.Popen | None = None

    def start(self, timeout: float = 120) -> StreamlitServer:
        port = _free_port()
        LOGS.mkdir(parents=True, exist_ok=True)
        self.log = LOGS / f"streamlit-{self.name}.log"
        self.url = f"http://localhost:{port}"
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.port", str(port)],
                cwd=ROOT, env={**os.environ, **self.env}, stdout=log, stderr=subprocess.STDOUT,
            )
        self._wait_until_healthy(timeout)
        return self

    def _wait_until_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited with code {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as response:
                    if response.read() == b"ok":
                        return
            except OSError:
                time.sleep(0.5)  # polling a process that is starting: there is no event to wait on
        raise TimeoutError(f"streamlit did not become healthy at {self.url}:\n{self.log_tail()}")

    def log_tail(self, max_chars: int = 20_000) -> str:
        if self.log is None or not self.log.exists():
            return ""
        return self.log.read_text(errors="replace")[-max_chars:]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
