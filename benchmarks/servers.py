"""`streamlit run` on a free localhost port, for the browser benchmarks and the browser tests.

One way to start a server and to know it is up (its health endpoint answers), so a benchmark
and a test never disagree about when the page can be opened.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    proc: subprocess.Popen
    base: str  # "http://127.0.0.1:<port>/"

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


def start_streamlit(script: Path, cwd: Path, env: dict[str, str],
                    timeout_s: float = 90) -> Server:
    """Start `streamlit run script` and return once its health endpoint answers; RuntimeError
    (with the end of the server's stderr) when it exits or does not answer in time."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false"],
        cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    server = Server(proc, f"http://127.0.0.1:{port}/")
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(server.base + "_stcore/health", timeout=2):
                return server
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.3)  # polling the health endpoint until the server answers
    server.stop()
    err = proc.stderr.read()[-3000:] if proc.stderr else ""
    raise RuntimeError(f"streamlit did not start for {script}:\n{err}")


@contextmanager
def streamlit_server(script: Path, cwd: Path, env: dict[str, str],
                     timeout_s: float = 90) -> Iterator[Server]:
    """`start_streamlit` for the length of a `with` block."""
    server = start_streamlit(script, cwd, env, timeout_s)
    try:
        yield server
    finally:
        server.stop()
