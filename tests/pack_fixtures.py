"""The warehouse the board-pack tests draw: a small demo with every region and location."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine

from queries import scope as sc
from queries import scorecard
from queries.sql import aggregate
from queries.sql.engine import make_engine


def small_demo(folder: Path) -> Iterator[tuple[Engine, sc.Dims, date | None, date | None]]:
    """5% of the full demo (every region and location with real-length names, fewer answers):
    engine, dimensions, latest complete month and latest response; disposed afterwards."""
    from sample_data.load import build_demo

    path = folder / "demo.duckdb"
    build_demo(f"duckdb:///{path}", scale=0.05, progress=False)
    eng = make_engine(f"duckdb:///{path}")
    dims = sc.load_dims(eng)
    latest = aggregate.freshness(eng)[1]
    yield eng, dims, scorecard.latest_complete_month(latest), latest
    eng.dispose()
