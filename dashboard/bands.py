"""95% intervals for every month of a scope's 13-month trend, for the page and the pack.

The query layer computes them with the scorecard (`Scorecard.bands`: adjusted Wald for NPS and
eNPS, Wilson for proportions, +-1.96 SE for the ACSI-style index), from the same grouped query as
the tiles; this module only hands them over, so the page and the pack draw identical bands.
"""

from __future__ import annotations

import pandas as pd

from queries.scorecard import BAND_COLUMNS, Scorecard

COLUMNS = BAND_COLUMNS


def trend_bands(card: Scorecard) -> pd.DataFrame:
    """One row per (sampled metric, month): value, 95% margin, interval low and high."""
    return card.bands if card.bands is not None else pd.DataFrame(columns=COLUMNS)
