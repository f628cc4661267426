"""A DuckDB warehouse file replaced, deleted or written under a running page.

DuckDB only: a server database has no file to swap (PostgreSQL's own case, rows changed under a
running page, is tests/test_faults_data.py::test_changed_scores_make_the_rollup_stale).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from queries import scope as sc
from queries import scorecard, targets
from queries.sql.engine import WarehouseError, explain, make_engine
from tests import fixture_warehouse as fw
from tests.page import run_page, tiles

OCT = date(2026, 10, 1)
ROOT = Path(__file__).resolve().parents[1]


def _write(path: Path, nps_l2: int = 10) -> None:
    """The fixture, with response 7's NPS set to `nps_l2` (10 in the clean fixture)."""
    survey = [r if r[0] != 7 else (7, "L2", r[2], nps_l2, *r[4:]) for r in fw.SURVEY]
    eng = sa.create_engine(f"duckdb:///{path}")
    fw.load(eng, dict(fw.ROWS, survey_responses=survey))
    eng.dispose()


def _nps(eng) -> float:
    card = scorecard.build(eng, sc.load_dims(eng), sc.Scope(), OCT, targets.load(),
                           with_map=False)
    return card.metrics["nps"].value


def test_replaced_file_is_read_and_deleted_file_is_reported(tmp_path):
    path = tmp_path / "wh.duckdb"
    _write(path)
    eng = make_engine(f"duckdb:///{path}")
    # Clean: 7 valid answers, promoters 1, 2, 7, detractors 4, 8: 100 * (3 - 2) / 7
    assert _nps(eng) == pytest.approx(100 / 7)
    new = tmp_path / "wh.new.duckdb"
    _write(new, nps_l2=0)  # response 7 now a detractor: 100 * (2 - 3) / 7
    os.replace(new, path)  # the usual way to publish a rebuilt file
    assert _nps(eng) == pytest.approx(-100 / 7)
    path.unlink()
    with pytest.raises(WarehouseError) as info:
        _nps(eng)
    assert "is gone" in explain(info.value, str(eng.url)) and str(path) in str(info.value)
    _write(path)  # restored: read again, no restart
    assert _nps(eng) == pytest.approx(100 / 7)
    eng.dispose()


def test_a_running_reader_does_not_block_rollup_or_a_load(tmp_path):
    path = tmp_path / "wh.duckdb"
    _write(path)
    url = f"duckdb:///{path}"
    eng = make_engine(url)  # the page's engine, used and kept, as a running page does
    before = _nps(eng)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-m", "cli", "rollup", "--url", url],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Rollup cx_survey_monthly rebuilt" in done.stdout
    load = ("import sqlalchemy as sa; from tests import fixture_warehouse as fw; "
            f"e = sa.create_engine({url!r}); fw.load(e); e.dispose()")
    done = subprocess.run([sys.executable, "-c", load], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert _nps(eng) == pytest.approx(before)  # and the page still reads it
    eng.dispose()


def test_page_reads_a_replaced_file_at_once(tmp_path, page_env):
    path = tmp_path / "wh.duckdb"
    _write(path)
    page_env.setenv("CX_WAREHOUSE_URL", f"duckdb:///{path}")

    def nps_tile() -> str:
        at = run_page(month="2026-10")
        tile = next(t for t in tiles(at) if 'data-metric="nps"' in t)
        return re.search(r'<span class="cx-value[^"]*">([^<]*)</span>', tile).group(1)

    assert nps_tile() == "14"  # 100 / 7 = 14.3
    new = tmp_path / "wh.new.duckdb"
    _write(new, nps_l2=0)
    os.replace(new, path)  # within the caches' 5-minute TTL: the file identity changed
    assert nps_tile().replace("\u2212", "-") == "-14"
    path.unlink()
    at = run_page(month="2026-10")
    assert "is gone" in " ".join(str(e.value) for e in at.error)
