"""The app under `streamlit run` for the browser tests, started the way the browser benchmarks
start it (benchmarks/servers.py), on a free port, with its own actions database."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from benchmarks.servers import start_streamlit

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "dashboard" / "app.py"


@contextmanager
def app_server(warehouse_url: str, actions_url: str, **env_extra: str) -> Iterator[str]:
    """The page on `warehouse_url` until the block ends; yields its base URL (no trailing /).

    No access policy unless `env_extra` names one (CX_ACCESS_POLICY), whatever the caller's
    environment holds."""
    env = dict(os.environ, CX_WAREHOUSE_URL=warehouse_url, CX_ACTIONS_URL=actions_url)
    env.pop("CX_ACCESS_POLICY", None)
    env.update(env_extra)
    try:
        server = start_streamlit(APP, ROOT, env, timeout_s=60)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    try:
        yield server.base.rstrip("/")
    finally:
        server.stop()
