"""What every benchmark report says about its run: a timestamped progress line and the code's
commit, written the same way by each script."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def log(msg: str) -> None:
    """A progress line on stderr (stdout may carry a report or a worker's result)."""
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def git_commit(*paths: str) -> str:
    """"commit <short hash>", with a warning when tracked files (under `paths`, if given) have
    uncommitted changes: the figures would then not belong to that commit."""

    def run(*cmd: str) -> str:
        try:
            return subprocess.run(["git", *cmd], cwd=ROOT, capture_output=True, text=True,
                                  timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    head = run("rev-parse", "--short", "HEAD") or "unknown"
    # Under named folders a new untracked module counts too; over the whole tree only tracked
    # files do (build output and artifacts lie about).
    untracked = [] if paths else ["--untracked-files=no"]
    dirty = run("status", "--porcelain", *untracked, "--", *paths)
    where = f" in {' or '.join(f'{p}/' for p in paths)}" if paths else ""
    return f"commit {head}" + (f" with uncommitted changes{where}" if dirty else "")
