"""The server settings the page's speed depends on hold wherever the page is started from."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from cli import main as cli

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "dashboard" / "app.py"
CONFIG = APP.parent / ".streamlit" / "config.toml"  # the one config file (script-level)

# What Streamlit itself makes of the config when `streamlit run dashboard/app.py` starts from
# another folder: the same loading steps as its `run` command (web/cli.py `_main_run`).
READ_AS_STREAMLIT_DOES = """
import json, sys
from streamlit import config
from streamlit.web import bootstrap
config._main_script_path = sys.argv[1]
bootstrap.load_config_options(flag_options={})
print(json.dumps({k: config.get_option(k) for k in sys.argv[2:]}))
"""
OPTIONS = {"runner.postScriptGC": False, "server.enableStaticServing": True,
           "server.fileWatcherType": "none", "browser.gatherUsageStats": False,
           "client.toolbarMode": "viewer", "client.showErrorDetails": "none"}


def test_no_full_garbage_collection_after_each_run() -> None:
    """A full gc.collect(2) after every run was ~85% of a cached rerun's server CPU (issue 13)."""
    settings = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    assert settings["runner"]["postScriptGC"] is False
    assert settings["server"]["enableStaticServing"] is True
    assert settings["server"]["fileWatcherType"] == "none"  # 28% of CPU under load (issue 13)


def test_users_see_no_error_details() -> None:
    """An uncaught error shows no traceback, exception text or server path (issue 25, item 10):
    "none", not false, which Streamlit reads as "stacktrace"."""
    settings = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    assert settings["client"]["showErrorDetails"] == "none"


def test_one_config_file() -> None:
    """The settings are written once: no project-level copy to drift from the page's own."""
    assert not (ROOT / ".streamlit" / "config.toml").exists()


def test_streamlit_reads_the_page_config_from_any_folder(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-c", READ_AS_STREAMLIT_DOES, str(APP), *OPTIONS],
                         cwd=tmp_path, capture_output=True, text=True, check=True, timeout=120)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == OPTIONS


def test_demo_command_runs_the_page_with_its_config(monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path) -> None:
    """`cx-scorecard demo` starts dashboard/app.py itself, whose folder holds the config."""
    seen: list[list[str]] = []
    monkeypatch.setattr(cli, "_ensure_demo", lambda target, scale: None)
    monkeypatch.setattr(subprocess, "call", lambda cmd, **kw: seen.append(cmd) or 0)
    monkeypatch.setenv("CX_WAREHOUSE_URL", f"duckdb:///{tmp_path / 'w.duckdb'}")
    cli.main(["demo", "--headless", "--port", "8599"])
    cmd = seen[0]
    assert cmd[:4] == [sys.executable, "-m", "streamlit", "run"]
    assert Path(cmd[4]).resolve() == APP
