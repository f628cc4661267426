"""The monthly board pack (the page, printed to a landscape A4 PDF) and the CSV downloads of the
page's tables.

`printed` builds and prints the pack (`build` returns the bytes, `write` puts them at a path
atomically), `document` writes its HTML from the page's own markup (presentation/), `charts`
puts the page's Plotly figures in it, `optional` lists the sections added only when they have
something to say, and `tables` builds the frames behind every CSV. The names below are what the
page and the CLI call.
"""

from pack.errors import PackError
from pack.tables import (
    actions_frame,
    csv_name,
    league_frame,
    metrics_frame,
    movers_frame,
    pack_name,
    to_csv_bytes,
    trend_frame,
)

__all__ = [
    "PackError", "actions_frame", "csv_name", "league_frame", "metrics_frame", "movers_frame",
    "pack_name", "to_csv_bytes", "trend_frame",
]
