"""The server settings the page's speed depends on hold wherever the page is started from."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from cli import main as cli

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = [ROOT / ".streamlit" / "config.toml", ROOT / "dashboard" / ".streamlit" / "config.toml"]


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_full_garbage_collection_after_each_run(path: Path) -> None:
    """A full gc.collect(2) after every run was ~85% of a cached rerun's server CPU (issue 13)."""
    settings = tomllib.loads(path.read_text(encoding="utf-8"))
    assert settings["runner"]["postScriptGC"] is False
    assert settings["server"]["enableStaticServing"] is True
    assert settings["server"]["fileWatcherType"] == "none"  # 28% of CPU under load (issue 13)


def test_both_config_files_agree() -> None:
    first, second = (tomllib.loads(p.read_text(encoding="utf-8")) for p in CONFIGS)
    assert first == second


def test_demo_command_passes_the_settings(monkeypatch: pytest.MonkeyPatch,
                                          tmp_path: Path) -> None:
    """`cx-scorecard demo` may run from any folder, so it passes them on the command line."""
    seen: list[list[str]] = []
    monkeypatch.setattr(cli, "_ensure_demo", lambda target, scale: None)
    monkeypatch.setattr(subprocess, "call", lambda cmd, **kw: seen.append(cmd) or 0)
    monkeypatch.setenv("CX_WAREHOUSE_URL", f"duckdb:///{tmp_path / 'w.duckdb'}")
    cli.main(["demo", "--headless", "--port", "8599"])
    cmd = seen[0]
    assert cmd[:4] == [sys.executable, "-m", "streamlit", "run"]
    assert cmd[cmd.index("--runner.postScriptGC") + 1] == "false"
    assert cmd[cmd.index("--server.enableStaticServing") + 1] == "true"
    assert cmd[cmd.index("--server.fileWatcherType") + 1] == "none"
