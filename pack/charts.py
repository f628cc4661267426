"""The pack's chart images: the page's Plotly figures on white paper, drawn by kaleido with
Debian's Chromium (never a downloaded browser), all in one Chromium session."""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from pack.errors import PackError
from presentation import figures
from queries import settings
from queries.registry import PANELS, panel_order
from queries.scorecard import Scorecard

CHART_PX = (260, 215)  # CSS pixels per trend chart; scale 2 gives ~250 dpi at 52 mm wide
CHART_SCALE = 2
CHART_TIMEOUT_S = 90


def browser_path() -> str | None:
    """Debian's Chromium ($CX_CHROMIUM first); kaleido is never allowed to download one."""
    for cand in (settings.CHROMIUM.value(), settings.CHROMIUM.default, shutil.which("chromium")):
        if cand and Path(cand).is_file() and os.access(cand, os.X_OK):
            return cand
    return None


def for_print(fig: go.Figure, width: int, height: int) -> go.Figure:
    """The page's figure on white paper at a fixed size (the page's theme is not in the PDF)."""
    fig.update_layout(width=width, height=height, template="plotly_white",
                      paper_bgcolor="white", plot_bgcolor="white",
                      margin={"l": 6, "r": 8, "t": 8, "b": 6})
    return fig


def render_pngs(figs: Sequence[go.Figure], scale: int = CHART_SCALE) -> list[bytes]:
    """PNG bytes of each figure, from one Chromium session (starting one costs ~3 s)."""
    if not figs:
        return []
    path = browser_path()
    if path is None:
        raise PackError("Chart images need Chromium: apt-get install -y chromium "
                        "(or set CX_CHROMIUM); kaleido never downloads a browser.")
    import kaleido

    async def run() -> list[bytes]:
        async with kaleido.Kaleido(n=min(2, len(figs)), timeout=CHART_TIMEOUT_S,
                                   mathjax=False, path=path) as k:
            jobs = [k.calc_fig(f, opts={"format": "png", "scale": scale,
                                        "width": f.layout.width, "height": f.layout.height})
                    for f in figs]
            return list(await asyncio.gather(*jobs))

    box: dict[str, object] = {}

    def target() -> None:  # its own thread: never clash with a caller's event loop
        try:
            box["out"] = asyncio.run(run())
        except BaseException as exc:  # noqa: BLE001 - re-raised below in the caller's thread
            box["err"] = exc

    t = threading.Thread(target=target, name="pack-kaleido", daemon=True)
    t.start()
    t.join()
    if "err" in box:
        exc = box["err"]
        raise PackError(f"Rendering the charts with Chromium failed: "
                        f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
                        ) from exc  # type: ignore[misc]
    return box["out"]  # type: ignore[return-value]


def panel_figures(card: Scorecard, band: pd.DataFrame | None) -> list[go.Figure]:
    """The five panels' trend charts, in story order, exactly as the page builds them."""
    out = []
    for panel in PANELS:
        m = panel_order(panel)[0]
        fig = figures.trend(card.metrics[m.name], band if m.sampled else None)
        out.append(for_print(fig, *CHART_PX))
    return out
