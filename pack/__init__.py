"""The monthly board pack (landscape A4 PDF) and the CSV downloads of the page's tables.

`tables` builds the frames behind every CSV, `charts` draws the page's figures with Chromium,
`layout` holds the PDF primitives, `tiles`, `league`, `lists` and `pages` draw the pages, and
`build` assembles and writes the pack. The names below are what the page and the CLI call.
"""

from pack.build import build_pack, pack_bytes
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
    "PackError", "actions_frame", "build_pack", "csv_name", "league_frame", "metrics_frame",
    "movers_frame", "pack_bytes", "pack_name", "to_csv_bytes", "trend_frame",
]
