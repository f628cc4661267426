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
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import plotly.graph_objects as go

READY = "['ready', 'failed'].includes(document.body.dataset.charts)"  # standalone


BASIC = Path(__file__).with_name("static") / "plotly-basic.min.js"
BASIC_TRACES = frozenset({"scatter", "bar", "pie"})  # what the basic bundle draws


@lru_cache(maxsize=2)
def plotly_js(full: bool = False) -> str:
    """plotly.js: the basic bundle shipped beside this module (pack/static/README.md: parsed in
    a seventh of the time) when it is the version the installed plotly package carries, else
    that package's full bundle (about 4.8 MB)."""
    from plotly.offline import get_plotlyjs, get_plotlyjs_version

    if not full and BASIC.is_file():
        text = BASIC.read_text(encoding="utf-8")
        if f"v{get_plotlyjs_version()}\n" in text[:200]:
            return text
    return get_plotlyjs()


def _json(fig: go.Figure, height: int) -> str:
    """The page's figure on white paper, its height fixed (its width is its box's), as JSON that
    cannot end the script it sits in: every <, > and & escaped (inside JSON strings these are the
    same characters; outside them they never occur). The layout is changed in the figure's dict,
    not through plotly's validators (a template set on the figure is deep-copied, about 50 ms a
    figure)."""
    from plotly.io.json import to_json_plotly

    spec = fig.to_plotly_json()
    layout = dict(spec.get("layout", {}))
    layout.pop("width", None)
    layout.update(height=height, autosize=True, template=_paper(), paper_bgcolor="white",
                  plot_bgcolor="white")
    text = to_json_plotly({"data": spec["data"], "layout": layout})
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@lru_cache(maxsize=1)
def _paper() -> dict:
    """plotly's white template as plain data, made once: white paper, light grid, and the
    axes' room for their labels (automargin) that the page's figures count on."""
    import plotly.io as pio

    return pio.templates["plotly_white"].to_plotly_json()


@dataclass
class Charts:
    """The figures of one document, in order."""

    figures: list[tuple[str, str]] = field(default_factory=list)
    made: dict[str, str] = field(default_factory=dict)  # figures' JSON made beforehand, by key
    full: bool = False  # a figure the basic bundle cannot draw: print with the full one

    def div(self, fig: go.Figure | Callable[[], go.Figure], height: int, label: str = "",
            key: str | None = None) -> str:
        """A placeholder for `fig` (drawn by `draw_js`); `label`: its accessible name. `fig` may
        be a function making it, skipped when `made` already holds `key`'s JSON."""
        ident = f"px-fig-{len(self.figures) + 1}"
        data = self.made.get(key) if key is not None else None
        if data is None:
            data = _json(fig() if callable(fig) else fig, height)
        self.figures.append((ident, data))
        self.full = self.full or not basic(data)
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
        return (f"<script>{plotly_js(self.full)}</script><script>({self.draw_js()})()"
                ".then(r => { document.body.dataset.charts = r; });</script>")


def shell() -> str:
    """An empty page with plotly.js loaded: Chromium parses it while the warehouse works, and
    the pack's document is put into it when it is ready (pack/printed.py)."""
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"></head><body>'
            f"<script>{plotly_js()}</script></body></html>")


def make(figures: dict[str, tuple[Callable[[], go.Figure], int]]) -> dict[str, str]:
    """Figures' JSON by key, made ahead (the pack makes the trends while the analyses run)."""
    return {key: _json(fn(), height) for key, (fn, height) in figures.items()}


def basic(data: str) -> bool:
    """Whether the basic bundle draws this figure (every trace a scatter, bar or pie)."""
    import json

    return all(t.get("type", "scatter") in BASIC_TRACES for t in json.loads(data)["data"])
