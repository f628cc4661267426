"""The page's Plotly figures inside the printed pack: each figure's JSON in the document, drawn by
plotly.js from the installed plotly package, inline (the pack asks nothing of the network), as
vector SVG that Chromium prints.

`Charts` collects the figures while the document is written (a placeholder `<div>` each); its
`draw_js` draws them all in a page where plotly.js is loaded (`shell`, loaded while the warehouse
works) and says "ready", or "failed": the pack is then printed without them rather than not at
all.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from functools import lru_cache

import plotly.graph_objects as go

READY = "['ready', 'failed'].includes(document.body.dataset.charts)"  # standalone


@lru_cache(maxsize=1)
def plotly_js() -> str:
    """plotly.min.js as the installed plotly package ships it (about 4.8 MB, read once)."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def _json(fig: go.Figure) -> str:
    """The figure as JSON that cannot end the script it sits in: every <, > and & escaped
    (inside JSON strings these are the same characters; outside them they never occur)."""
    from plotly.io.json import to_json_plotly

    spec = fig.to_plotly_json()
    text = to_json_plotly({"data": spec["data"], "layout": spec["layout"]})
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def for_print(fig: go.Figure, height: int) -> go.Figure:
    """The page's figure on white paper, its height fixed (its width is its box's)."""
    fig.update_layout(height=height, width=None, autosize=True, template={},  # plotly.js's
                      paper_bgcolor="white", plot_bgcolor="white")  # plain look; a named
    return fig  # template is deep-copied per figure (about 50 ms each)


@dataclass
class Charts:
    """The figures of one document, in order."""

    figures: list[tuple[str, str]] = field(default_factory=list)

    def div(self, fig: go.Figure, height: int, label: str = "") -> str:
        """A placeholder for `fig` (drawn by `script`); `label`: its accessible name."""
        ident = f"px-fig-{len(self.figures) + 1}"
        self.figures.append((ident, _json(for_print(fig, height))))
        return (f'<div class="px-fig" id="{ident}" role="img" aria-label="{html.escape(label)}"'
                f' style="height:{int(height)}px"></div>')

    def draw_js(self) -> str:
        """A JavaScript function that draws every figure with the page's plotly.js and returns
        a promise of 'ready' (or 'failed': the pack is then printed without them)."""
        calls = ",".join(f'["{ident}",{data}]' for ident, data in self.figures)
        return ("async () => { try { await Promise.all(["
                f"{calls}].map(f => Plotly.newPlot(f[0], f[1].data, f[1].layout,"
                " {staticPlot: true, displayModeBar: false, responsive: false})));"
                " return 'ready'; } catch (e) { return 'failed'; } }")

    def script(self) -> str:
        """plotly.js and the drawing, for a standalone document (body.dataset.charts says when
        the figures are drawn)."""
        return (f"<script>{plotly_js()}</script><script>({self.draw_js()})()"
                ".then(r => { document.body.dataset.charts = r; });</script>")


def shell() -> str:
    """An empty page with plotly.js loaded: Chromium parses it while the warehouse works, and
    the pack's document is put into it when it is ready (pack/printed.py)."""
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"></head><body>'
            f"<script>{plotly_js()}</script></body></html>")
