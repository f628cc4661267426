"""The monthly board pack (landscape A4 PDF) and the CSV downloads of the page's tables.

Every number comes from `queries.scorecard.build` and every chart from `dashboard.figures`, so the
pack shows exactly what the page shows. Charts are rendered by kaleido with Debian's Chromium
(never a downloaded browser); text uses DejaVu Sans so "±", "≥" and "–" print. No Streamlit here.
"""

from __future__ import annotations

import asyncio
import io
import math
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from fpdf import FPDF
from fpdf.fonts import FontFace
from sqlalchemy.engine import Engine

from dashboard import figures, fmt, tiles
from dashboard import verdict as verdict_mod
from dashboard.actions import Action, ActionStore, ActionsUnavailable
from dashboard.bands import trend_bands
from dashboard.text import csv_cell
from queries import scorecard, settings, stats
from queries.material import shown_change
from queries.months import add_months
from queries.ranking import worst_first
from queries.registry import BY_NAME, METRICS, PANELS, Metric
from queries.scope import Dims, Scope
from queries.scorecard import MetricResult, Scorecard
from queries.sql import aggregate
from queries.targets import Targets

Progress = Callable[[float, str], None]
ActionsArg = ActionStore | Sequence[Action] | None

FONT_DIR = Path(settings.PACK_FONT_DIR.value() or "")
FONTS = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
# Characters DejaVu lacks (Chinese, Japanese, Korean) come from Debian's fonts-noto-cjk, loaded
# only when a name needs it (parsing it costs ~1.5 s); anything neither font has (most emoji)
# is drawn as REPLACEMENT and named on the cover, never dropped silently.
CJK_FONT = Path(settings.PACK_CJK_FONT.value() or "")
REPLACEMENT = "□"
CHART_PX = (260, 215)  # CSS pixels per trend chart; scale 2 gives ~250 dpi at 52 mm wide
CHART_SCALE = 2
CHART_TIMEOUT_S = 90

PAGE_W, PAGE_H, MARGIN = 297.0, 210.0, 10.0
BODY_W = PAGE_W - 2 * MARGIN
INK, MUTED, RULE, NAVY, PAPER = "#1f2937", "#6b7280", "#d6dae1", "#1f2a44", "#f4f6f9"
HEADLINE: tuple[Metric, ...] = tuple(m for m in METRICS if m.headline)
COMPACT_HEADS = {"exec_owner_share": "Exec %", "cx_linked_pay_share": "CX pay",
                 "retention_rate": "Retain", "referral_rate": "Referral"}


class PackError(RuntimeError):
    """The pack cannot be built (no Chromium, no fonts, unwritable folder): one clear line."""


# --- tables shared by the page's CSV downloads and the pack ---------------------------------

COUNT_COLUMNS = ("n", "responses", "excluded_rows", "min_n", "id")


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """UTF-8 with a byte-order mark, so Excel shows "±" and accents correctly.

    Text cells that a spreadsheet would run as a formula (= + - @ tab CR first) get a leading
    single quote (OWASP); counts are written as integers ("3232", not "3232.0")."""
    out = df.copy()
    for col in out.columns:
        if col in COUNT_COLUMNS and pd.api.types.is_numeric_dtype(out[col]):
            out[col] = out[col].round().astype("Int64")
        elif not pd.api.types.is_numeric_dtype(out[col]):
            out[col] = out[col].map(csv_cell).astype(object)
    return out.to_csv(index=False).encode("utf-8-sig")


def metrics_frame(card: Scorecard) -> pd.DataFrame:
    """The tiles as a table: the same fields as `cx-scorecard metrics --format json`."""
    rows = []
    for r in card.metrics.values():
        d = r.as_dict()
        lo_hi = d.pop("interval_95") or [None, None]
        rows.append({"scope": card.scope_name, "month": card.month.strftime("%Y-%m"),
                     **d, "interval_95_low": lo_hi[0], "interval_95_high": lo_hi[1]})
    return pd.DataFrame(rows)


def league_frame(card: Scorecard, metrics: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per child (region or location), furthest behind first (`ranking.worst_first`,
    the page's order too): value, 95% margin (its interval's half-width), the interval's low
    and high ends and status of each metric, and how many are off and near target."""
    names = tuple(metrics or [m.name for m in HEADLINE])
    return worst_first(card.children, names)


def movers_frame(card: Scorecard) -> pd.DataFrame:
    cols = ["key", "name", "metric", "label", "value", "previous", "delta", "n", "z", "p_value",
            "q_value", "tests", "direction", "favourable", "small_sample", "sentence"]
    rows = [{k: v for k, v in m.items() if k != "good"} | {"favourable": m["good"]}
            for m in card.movers]
    return pd.DataFrame(rows, columns=cols)


def trend_frame(card: Scorecard) -> pd.DataFrame:
    """The 13 months behind the sparklines and trend charts, one row per month and metric."""
    rows = [{"month": mo.strftime("%Y-%m"), "metric": r.name, "label": BY_NAME[r.name].label,
             "value": None if v is None else round(v, 4)}
            for r in card.metrics.values() for mo, v in r.trend]
    return pd.DataFrame(rows, columns=["month", "metric", "label", "value"])


def actions_frame(actions: Sequence[Action], names: dict[str, str] | None = None) -> pd.DataFrame:
    names = names or {}
    rows = [{
        "id": a.id, "status": a.status, "scope_level": a.scope_level,
        "scope": names.get(a.location_id or a.region_id or "", a.location_id or a.region_id
                           or "Company"),
        "region_id": a.region_id, "location_id": a.location_id, "metric": a.metric,
        "metric_label": BY_NAME[a.metric].label if a.metric in BY_NAME else a.metric,
        "owner": a.owner, "due_month": a.due_month.strftime("%Y-%m"), "text": a.text,
        "created_at": a.created_at.isoformat(timespec="seconds"), "created_by": a.created_by,
        "done_at": a.done_at.isoformat(timespec="seconds") if a.done_at else None,
    } for a in actions]
    return pd.DataFrame(rows, columns=["id", "status", "scope_level", "scope", "region_id",
                                       "location_id", "metric", "metric_label", "owner",
                                       "due_month", "text", "created_at", "created_by",
                                       "done_at"])


def csv_name(kind: str, scope: Scope, month: date) -> str:
    """e.g. cx-scorecard_NE_2026-10_league.csv: says what and when, safe on every OS."""
    where = scope.location or scope.region or "company"
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in str(where))
    return f"cx-scorecard_{safe}_{month:%Y-%m}_{kind}.csv"


def pack_name(scope: Scope, month: date) -> str:
    return csv_name("board-pack", scope, month).removesuffix(".csv") + ".pdf"


# --- chart images ---------------------------------------------------------------------------

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


def ordered(panel: str) -> list[Metric]:
    """Headline metrics first, exactly as the page's areas order them."""
    return tiles.ordered(panel)


def panel_figures(card: Scorecard, band: pd.DataFrame | None) -> list[go.Figure]:
    """The five panels' trend charts, in story order, exactly as the page builds them."""
    out = []
    for panel in PANELS:
        m = ordered(panel)[0]
        fig = figures.trend(card.metrics[m.name], band if m.sampled else None)
        out.append(for_print(fig, *CHART_PX))
    return out


# --- the PDF --------------------------------------------------------------------------------

def _tint(hex_colour: str, alpha: float) -> str:
    """A solid colour `alpha` of the way from white to `hex_colour` (print has no alpha)."""
    h = hex_colour.lstrip("#")
    rgb = [int(h[i:i + 2], 16) for i in (0, 2, 4)]
    mix = [round(255 + (c - 255) * alpha) for c in rgb]
    return "#" + "".join(f"{c:02x}" for c in mix)


def _status_colour(status: str) -> str:
    return fmt.STATUS_COLOURS.get(status, MUTED)


def _missing(v: float | None) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


@dataclass
class _Context:
    card: Scorecard
    dims: Dims
    targets: Targets
    latest: date | None
    generated: datetime
    actions: list[Action]
    actions_note: str | None
    region_cards: list[Scorecard]
    charts: list[bytes | None]
    findings: list[str] = field(default_factory=list)
    parent: Scorecard | None = None  # a location's region: where it stands in it

    @property
    def verdict(self) -> verdict_mod.Verdict:
        return verdict_mod.build(self.card, self.parent, self.actions, self.findings)


class _Pdf(FPDF):
    """A4 landscape with DejaVu fonts and a footer naming scope, month and page."""

    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self.footer_text = footer_text
        for style, name in FONTS.items():
            path = FONT_DIR / name
            if not path.is_file():
                raise PackError(f"Font {path} is missing: apt-get install -y fonts-dejavu-core "
                                "(or set CX_PACK_FONT_DIR)")
            self.add_font("dv", style, str(path))
        self._cmap = set(self.fonts["dv"].cmap) & set(self.fonts["dvB"].cmap)
        self._cjk: set[int] | None = None
        self.replaced: set[str] = set()
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(False)  # fixed layouts; flowing tables turn it on
        self.set_text_color(INK)

    def footer(self) -> None:
        if self.page_no() == 1:
            return
        self.set_y(-10)
        self.set_draw_color(RULE)
        self.line(MARGIN, self.get_y() - 1.5, PAGE_W - MARGIN, self.get_y() - 1.5)
        self.font(6.5, colour=MUTED)
        self.cell(BODY_W / 2, 4, self.footer_text, align="L")
        self.cell(BODY_W / 2, 4, f"Page {self.page_no()} of {{nb}}", align="R")

    def font(self, size: float, bold: bool = False, colour: str = INK) -> None:
        self.set_font("dv", "B" if bold else "", size)
        self.set_text_color(colour)

    def normalize_text(self, text: str) -> str:
        text = super().normalize_text(text)
        return text if text.isascii() else self._drawable(text)

    def _drawable(self, text: str) -> str:
        """Every character either drawn (DejaVu, else Noto CJK) or shown as REPLACEMENT."""
        out = []
        for ch in text:
            cp = ord(ch)
            if cp in self._cmap or ch in "\n\r\t":
                out.append(ch)
                continue
            if self._cjk is None:
                self._cjk = self._load_cjk()
            if cp in self._cjk:
                out.append(ch)
            else:
                self.replaced.add(ch)
                out.append(REPLACEMENT)
        return "".join(out)

    def _load_cjk(self) -> set[int]:
        if not CJK_FONT.is_file():
            return set()  # without fonts-noto-cjk: replaced and named, never dropped
        self.add_font("cjk", "", str(CJK_FONT))
        self.add_font("cjk", "B", str(CJK_FONT))
        self.set_fallback_fonts(["cjk"], exact_match=False)
        return set(self.fonts["cjk"].cmap)

    def fit(self, text: str, width: float) -> str:
        """Shorten with an ellipsis so a cell never spills into its neighbour (binary search on
        the length: a long name costs a few width measurements, not one per character)."""
        if self.get_string_width(text) <= width:
            return text
        lo, hi = 0, min(len(text), int(width / max(self.get_string_width("i"), 0.1)) + 1)
        while lo < hi:  # longest prefix whose text + "…" fits
            mid = (lo + hi + 1) // 2
            if self.get_string_width(text[:mid] + "…") <= width:
                lo = mid
            else:
                hi = mid - 1
        return text[:lo].rstrip() + "…"

    def text_at(self, x: float, y: float, w: float, h: float, text: str, align: str = "L"
                ) -> None:
        """Text in a box: squeezed up to 20% if that makes it fit, else shortened."""
        self.set_xy(x, y)
        room = w - 2 * self.c_margin - 0.2  # cell() indents text by c_margin on each side
        width = self.get_string_width(text)
        if room < width <= room / 0.8:
            self.set_stretching(100 * room / width)
            self.cell(w, h, text, align=align)
            self.set_stretching(100)
            return
        self.cell(w, h, self.fit(text, room), align=align)


def _page_title(pdf: _Pdf, title: str, subtitle: str) -> None:
    pdf.font(15, bold=True, colour=NAVY)
    pdf.text_at(MARGIN, MARGIN, BODY_W * 0.62, 8, title)
    pdf.font(7.5, colour=MUTED)
    pdf.text_at(MARGIN + BODY_W * 0.62, MARGIN + 1.5, BODY_W * 0.38, 6, subtitle, align="R")
    pdf.set_draw_color(fmt.LINE_COLOUR)
    pdf.set_line_width(0.6)
    pdf.line(MARGIN, MARGIN + 9.5, PAGE_W - MARGIN, MARGIN + 9.5)
    pdf.set_line_width(0.2)


def _change(m: Metric, r: MetricResult, delta: float | None, change: str, than: str
            ) -> tuple[str, str]:
    """A change as the tile says it: an arrow when significant, "≈" when within the noise."""
    if delta is None or change == "n/a":
        return "", MUTED
    d = fmt.diff_text(m, delta)
    change = shown_change(r.name, change, delta)
    if change == "small":  # immaterial by the one rule, or survey volume: no arrow, no colour
        if not stats.material(delta, m.decimals, m.min_change):
            return f"no change vs {than}", MUTED
        return f"{d} vs {than}", MUTED
    if change == "steady":
        moved = stats.material(delta, m.decimals, m.min_change)
        return (f"≈ {d} vs {than}" if moved else f"no change vs {than}"), MUTED
    arrow = "▲" if delta > 0 else "▼"
    if r.target is None:
        return f"{arrow} {d} vs {than}", MUTED
    good = delta * m.direction > 0
    return f"{arrow} {d} vs {than}", fmt.STATUS_COLOURS["green" if good else "red"]


def _sample_line(m: Metric, r: MetricResult) -> str:
    if r.status == "low_confidence":
        return f"Low confidence: n = {r.n:,.0f} (needs {m.min_n})"
    if r.value is None:
        return "No data this month"
    if m.sampled and r.interval is not None:
        lo, hi = r.interval
        line = f"95% interval {fmt.number(m, lo)}–{fmt.number(m, hi)}"
        return (f"{r.margin_text} · " + line) if r.margin_text.startswith("±") else line
    return "census: no sampling error"


def _tile(pdf: _Pdf, x: float, y: float, w: float, h: float, r: MetricResult,
          card: Scorecard) -> None:
    """One KPI tile: label, status in words, value, changes, margin/interval, n and target."""
    m = BY_NAME[r.name]
    colour = MUTED if r.name == "responses" else _status_colour(r.status)
    pdf.set_draw_color(RULE)
    pdf.set_fill_color("#ffffff")
    pdf.rect(x, y, w, h, style="DF")
    pdf.set_fill_color(colour)
    pdf.rect(x, y, 1.5, h, style="F")
    ix, iw = x + 3, w - 4.5
    status = tiles.status_words(r)
    pdf.font(6.3, bold=True, colour=colour)
    sw = pdf.get_string_width(status) + 1
    pdf.text_at(ix + iw - sw, y + 1.2, sw, 4, status, align="R")
    pdf.font(7, bold=True, colour=INK)
    pdf.text_at(ix, y + 1.2, iw - sw - 1, 4, fmt.short_label(m.name))
    faint = r.status in ("low_confidence", "no_data")
    yes_no = fmt.is_yes_no(m, card.scope.level)  # "yes since Mar 2026" at one location
    value = fmt.yes_no_text(r.trend) if yes_no else fmt.value_text(m, r.value)
    pdf.font(11 if yes_no else 15, bold=True, colour=MUTED if faint else INK)
    pdf.text_at(ix, y + 6.2, iw, 7.5, value)
    vw = pdf.get_string_width(value) + 2.5
    prev = add_months(card.month, -1).strftime("%b")
    yoy = add_months(card.month, -12).strftime("%b %y")
    for k, (delta, change, than) in enumerate(((r.delta_prev, r.change_prev, prev),
                                               (r.delta_yoy, r.change_yoy, yoy))):
        text, colour = ("", MUTED) if yes_no else _change(m, r, delta, change, than)
        if faint and delta is not None and text:  # a thin sample claims no move at all
            text = f"{fmt.diff_text(m, delta)} vs {than} (small sample)"
        pdf.font(6.2, colour=MUTED if faint else colour)  # no verdict on a thin sample
        pdf.text_at(ix + vw, y + 6.0 + 3.3 * k, iw - vw, 3.4, text, align="R")
    pdf.font(6.3, colour=MUTED if faint or not m.sampled else INK)
    pdf.text_at(ix, y + 14.4, iw, 3.6, _sample_line(m, r))
    bits = [fmt.n_text(m, r.n)] if not _missing(r.n) else []
    if r.name != "responses":
        bits.append(fmt.target_text(m, r.target))
    pdf.font(6.3, colour=MUTED)
    pdf.text_at(ix, y + 18.3, iw, 3.6, " · ".join(b for b in bits if b))


def _mini_tile(pdf: _Pdf, x: float, y: float, w: float, h: float, r: MetricResult) -> None:
    """A two-line tile for the region pages: label and status; value, margin, n, target."""
    m = BY_NAME[r.name]
    colour = _status_colour(r.status)
    pdf.set_fill_color(PAPER)
    pdf.rect(x, y, w, h, style="F")
    pdf.set_fill_color(colour)
    pdf.rect(x, y, 1.2, h, style="F")
    ix, iw = x + 2.5, w - 3.5
    status = tiles.status_words(r)
    pdf.font(5.8, bold=True, colour=colour)
    sw = pdf.get_string_width(status) + 1
    pdf.text_at(ix + iw - sw, y + 0.6, sw, 3.4, status, align="R")
    pdf.font(6.3, colour=INK)
    pdf.text_at(ix, y + 0.6, iw - sw - 1, 3.4, fmt.short_label(m.name))
    faint = r.status in ("low_confidence", "no_data")
    value = fmt.value_text(m, r.value)
    pdf.font(9, bold=True, colour=MUTED if faint else INK)
    pdf.text_at(ix, y + 4.0, iw * 0.45, 4.2, value)
    vw = pdf.get_string_width(value) + 1.5
    bits = []
    if m.sampled and r.margin_text and not faint:
        bits.append(r.margin_text)
    if not _missing(r.n):
        bits.append(f"n = {r.n / 1000:.0f}k" if r.n >= 10_000 else f"n = {r.n:,.0f}")
    if r.name != "responses":
        bits.append(fmt.target_text(m, r.target))
    pdf.font(5.8, colour=MUTED)
    pdf.text_at(ix + vw, y + 4.6, iw - vw, 3.4, " · ".join(bits), align="R")


def _cell(pdf: _Pdf, x: float, y: float, w: float, h: float, text: str, *, fill: str | None,
          colour: str = INK, bold: bool = False, size: float = 7.0, align: str = "C") -> None:
    if fill:
        pdf.set_fill_color(fill)
        pdf.rect(x, y, w, h, style="F")
    pdf.font(size, bold=bold, colour=colour)
    pdf.text_at(x + 0.6, y, w - 1.2, h, text, align=align)


def _league(pdf: _Pdf, card: Scorecard, x: float, y: float, w: float, h_avail: float,
            detail: bool, continued: str = "") -> float:
    """The children's headline metrics, cells tinted by status; two halves when it is long.

    Rows shrink to fit the space down to a readable minimum; beyond that the table continues
    on a new page titled `continued`. Returns the y below the table and its note.
    """
    df = league_frame(card)
    child = {"region": "Region", "location": "Location"}.get(card.scope.child_level or "", "")
    if df.empty:
        pdf.font(8, colour=MUTED)
        pdf.text_at(x, y, w, 6, f"No {child.lower()} data for {fmt.month_label(card.month)}.")
        return y + 7
    head_h, note_h, min_row = 6.0, 5.0, 3.3
    n = len(df)
    halves = 1 if (detail and n <= 20) or n <= 14 else 2
    room = h_avail - head_h - note_h
    per = min(math.ceil(n / halves), max(1, int(room / min_row)))
    row_h = max(min_row, min(6.8 if detail else 5.0, room / per))
    size = 7.0 if row_h >= 5 else 6.2 if row_h >= 4 else 5.6
    gap = 5.0
    tw = (w - gap * (halves - 1)) / halves
    rank_w, resp_w = 6.0, (18.0 if halves == 1 else 10.0)
    name_w = max(30.0, tw * (0.22 if halves == 1 else 0.25))
    mw = (tw - rank_w - name_w - resp_w) / len(HEADLINE)
    short = halves == 2
    heads = ["#", child, "Resp." if short else "Responses"] + [
        (COMPACT_HEADS.get(m.name) if short else None) or fmt.column_label(m.name)
        for m in HEADLINE]
    widths = [rank_w, name_w, resp_w] + [mw] * len(HEADLINE)
    bottom, start = y, 0
    while start < n:
        for half in range(halves):
            rows = df.iloc[start + half * per:start + (half + 1) * per]
            if rows.empty:
                continue
            hx = x + half * (tw + gap)
            cx = hx
            for text, cw in zip(heads, widths, strict=True):
                _cell(pdf, cx, y, cw, head_h, text, fill=NAVY, colour="#ffffff", bold=True,
                      size=6.3 if short else 6.8, align="L" if text == child else "C")
                cx += cw
            ry = y + head_h
            for rank, (_, row) in enumerate(rows.iterrows(), start=start + half * per + 1):
                _league_row(pdf, row, rank, hx, ry, widths, row_h, size, detail and not short)
                ry += row_h
            pdf.set_draw_color(RULE)
            pdf.line(hx, ry, hx + tw, ry)
            bottom = max(bottom, ry)
        start += per * halves
        if start < n:  # more rows than one page holds even at the smallest rows
            pdf.add_page()
            _page_title(pdf, continued or f"{card.scope_name} (continued)",
                        f"{card.month:%B %Y}")
            y = bottom = MARGIN + 13
            per = max(1, int((PAGE_H - 14 - y - head_h - note_h) / min_row))
            row_h = min_row
    pdf.font(5.8, colour=MUTED)
    pdf.text_at(x, bottom + 0.8, w, 3.5,
                "Furthest behind first: most headline metrics off target, then near, then lowest "
                "NPS (too few answers last). Cells coloured by status against each "
                "one's own target (green on, amber near, red off target); grey text: low "
                "confidence (n below the metric's threshold) or no data."
                + (" ± is the 95% interval's half-width (its ends where lopsided)."
                   if detail and not short else ""))
    return bottom + note_h


def _league_row(pdf: _Pdf, row: pd.Series, rank: int, x: float, y: float,
                widths: list[float], h: float, size: float, detail: bool) -> None:
    zebra = PAPER if rank % 2 == 0 else None
    rank_w, name_w, resp_w, mw = widths[:4]
    _cell(pdf, x, y, rank_w, h, str(rank), fill=zebra, colour=MUTED, size=size)
    x += rank_w
    _cell(pdf, x, y, name_w, h, str(row["name"]), fill=zebra, size=size, align="L", bold=detail)
    x += name_w
    _cell(pdf, x, y, resp_w, h, fmt.compact(row["responses"]), fill=zebra, colour=MUTED,
          size=size, align="R")
    x += resp_w
    for m in HEADLINE:
        st = row[f"{m.name}_status"]
        v = row[m.name]
        text = fmt.value_text(m, None if pd.isna(v) else float(v))
        margin = stats.margin_text(v, row[f"{m.name}_low"], row[f"{m.name}_high"], m.decimals)
        if detail and m.sampled and margin and st != "low_confidence":
            text += f" {margin}"
        coloured = st in ("green", "amber", "red")
        fill = _tint(_status_colour(st), 0.30) if coloured else zebra
        _cell(pdf, x, y, mw, h, text, fill=fill, size=size,
              colour=INK if coloured or st == "no_target" else MUTED)
        x += mw


def _legend(pdf: _Pdf, x: float, y: float) -> None:
    pdf.font(6.3, colour=MUTED)
    cx = x
    for st in ("green", "amber", "red", "low_confidence", "no_target"):
        pdf.set_fill_color(_status_colour(st))
        pdf.rect(cx, y + 1.1, 2.2, 2.2, style="F")
        label = fmt.STATUS_TEXT[st]
        pdf.text_at(cx + 3, y, pdf.get_string_width(label) + 2, 4.4, label)
        cx += pdf.get_string_width(label) + 8
    pdf.text_at(cx + 2, y, PAGE_W - MARGIN - cx - 2, 4.4,
                "± half-width of the 95% interval · ▲▼ a real and material change · ≈ change "
                "within the sampling noise · near target: within 5% of the target")


def _verdict_block(pdf: _Pdf, ctx: _Context, x: float, y: float, w: float,
                   size: float = 8.0) -> float:
    """The page's verdict strip in print: counts, off-target metrics, furthest behind, the
    findings that hold and the actions. Wrapped lines, never cut; returns the y below it."""
    v = ctx.verdict
    c = v.counts
    cx = x
    chips = [("green", f"{c['green']} of {v.with_target} on target"),
             ("amber", f"{c['amber']} near"), ("red", f"{c['red']} off")]
    if c["unjudged"]:
        chips.append(("low_confidence", f"{c['unjudged']} too few answers to judge"))
    pdf.font(size + 1.5, bold=True, colour="#ffffff")
    for status, text in chips:
        tw = pdf.get_string_width(text) + 2 * pdf.c_margin + 3
        pdf.set_fill_color(_status_colour(status))
        pdf.rect(cx, y, tw, size * 0.62, style="F")
        pdf.set_text_color("#1f1f1f" if status == "amber" else "#ffffff")
        pdf.text_at(cx, y, tw, size * 0.62, text, align="C")
        cx += tw + 2
    y += size * 0.62 + 1.8
    names = _names(ctx.dims)
    rows: list[tuple[str, str]] = [
        ("Off target", " · ".join(verdict_mod.metric_words(r) for r in v.off) or "none")]
    if v.behind:
        rows.append((f"Furthest behind ({v.children_word})",
                     " · ".join(verdict_mod.behind_words(b) for b in v.behind)))
    elif v.standing:
        rows.append(("In its region", v.standing))
    for text in v.findings:
        rows.append(("Led from the top?" if "executive owner" in text
                     else "Do happier customers stay?", text))
    if v.actions:
        shown = v.overdue[:3] or v.actions[:3]
        rows.append(("Actions", f"{verdict_mod.actions_headline(v)}: " + " · ".join(
            verdict_mod.action_words(a, names) for a in shown)))
    else:
        rows.append(("Actions", "no open actions"))
    key_w = 44.0
    line_h = size * 0.48
    for key, text in rows:
        pdf.font(size, bold=True, colour=MUTED)
        pdf.text_at(x, y, key_w, line_h, key)
        pdf.font(size, colour=INK)
        pdf.set_xy(x + key_w, y)
        pdf.multi_cell(w - key_w, line_h, text, align="L")
        y = pdf.get_y() + 0.6
    return y


def _scorecard_page(pdf: _Pdf, ctx: _Context, new_page: bool = True) -> None:
    """The verdict, then the five areas with all of each area's tiles together (as on the
    page); the 13-month charts follow on their own page."""
    card = ctx.card
    if new_page:
        pdf.add_page()
    pdf.start_section(f"Scorecard: {card.scope_name}")
    _page_title(pdf, f"{card.scope_name} · {card.month:%B %Y}", _facts_line(ctx))
    y = _verdict_block(pdf, ctx, MARGIN, MARGIN + 12.5, BODY_W) + 2.5
    gap = 4.0
    cw = (BODY_W - 4 * gap) / 5
    tallest = max(len(ordered(p)) for p in PANELS)
    tile_gap = 2.2
    tile_h = min(23.0, (PAGE_H - 22 - y - 6 - tile_gap * tallest) / tallest)
    for i, (panel, title) in enumerate(PANELS.items()):
        x = MARGIN + i * (cw + gap)
        pdf.font(8.5, bold=True, colour=NAVY)
        pdf.text_at(x, y, cw, 5, title)
        ty = y + 6
        for m in ordered(panel):
            _tile(pdf, x, ty, cw, tile_h, card.metrics[m.name], card)
            ty += tile_h + tile_gap
    _legend(pdf, MARGIN, PAGE_H - 19)


def _trends_page(pdf: _Pdf, ctx: _Context) -> None:
    """The five areas' headline metrics over 13 months, with target and 95% band."""
    card = ctx.card
    pdf.add_page()
    pdf.start_section("13-month trends")
    _page_title(pdf, f"13-month trends · {card.scope_name}", f"{card.month:%B %Y}")
    gap = 4.0
    cw = (BODY_W - 4 * gap) / 5
    chart_h = cw * CHART_PX[1] / CHART_PX[0]
    y = MARGIN + 14
    for i, panel in enumerate(PANELS):
        x = MARGIN + i * (cw + gap)
        chart = ordered(panel)[0]
        pdf.font(8.5, bold=True, colour=NAVY)
        pdf.text_at(x, y, cw, 5, PANELS[panel])
        pdf.font(6.5, colour=MUTED)
        note = " · band: 95% interval" if chart.sampled else ""
        pdf.text_at(x, y + 5, cw, 3.6, f"{fmt.short_label(chart.name)}{note}")
        png = ctx.charts[i] if i < len(ctx.charts) else None
        if png is not None:
            pdf.image(io.BytesIO(png), x=x, y=y + 9.5, w=cw, h=chart_h)
        else:
            pdf.set_draw_color(RULE)
            pdf.rect(x, y + 9.5, cw, chart_h, style="D")
            pdf.font(6.2, colour=MUTED)
            pdf.text_at(x, y + 9.5 + chart_h / 2 - 2, cw, 4, "chart not rendered", align="C")
    pdf.font(7, colour=MUTED)
    pdf.text_at(MARGIN, y + 12 + chart_h, BODY_W, 4,
                "Dashed line: this year's target. Shaded band: each month's 95% interval.")


def _facts_line(ctx: _Context) -> str:
    fresh = f"data to {ctx.latest:%d %b %Y}" if ctx.latest else "no survey data"
    return (f"{fmt.compact(ctx.card.responses)} responses · {fresh} · "
            f"targets {ctx.targets.version}")


def _room(pdf: _Pdf, y: float, need: float, title: str, month: date) -> float:
    """Start a new page (with a title) when `need` mm do not fit below `y`."""
    if y + need <= PAGE_H - 14:
        return y
    pdf.add_page()
    _page_title(pdf, title, f"{month:%B %Y}")
    return MARGIN + 13


def _movers(pdf: _Pdf, card: Scorecard, y: float) -> float:
    goods = sum(bool(mv["good"]) for mv in card.movers)
    lines = max(goods, len(card.movers) - goods, 1)
    y = _room(pdf, y, 15 + 4.8 * lines, f"What moved · {card.scope_name}", card.month)
    pdf.font(10, bold=True, colour=NAVY)
    pdf.text_at(MARGIN, y, BODY_W, 6, "What moved this month")
    y += 6.5
    if not card.movers:
        pdf.font(7.5, colour=MUTED)
        pdf.text_at(MARGIN, y, BODY_W, 4.5, "No move beyond the noise since last month. "
                    + card.movers_rule)
        return y + 7
    half = (BODY_W - 6) / 2
    cols = {True: (MARGIN, "Better", "▲"), False: (MARGIN + half + 6, "Worse", "▼")}
    ys = {True: y, False: y}
    for good, (x, label, _) in cols.items():
        pdf.font(7, bold=True, colour=fmt.STATUS_COLOURS["green" if good else "red"])
        pdf.text_at(x, y, half, 4.5, label)
        ys[good] = y + 5
    for mv in card.movers:
        good = bool(mv["good"])
        x, _, arrow = cols[good]
        pdf.font(7.5, bold=True, colour=fmt.STATUS_COLOURS["green" if good else "red"])
        pdf.text_at(x, ys[good], 4, 4.5, arrow)
        pdf.font(7.5, colour=INK)
        small = " (small sample)" if mv.get("small_sample") else ""
        pdf.text_at(x + 4, ys[good], half - 4, 4.5, mv["sentence"] + small)
        ys[good] += 4.8
    for good in (True, False):
        if ys[good] == y + 5:
            pdf.font(7, colour=MUTED)
            pdf.text_at(cols[good][0], ys[good], half, 4.5, "none beyond the noise")
            ys[good] += 4.8
    return max(ys.values()) + 3


def _actions_table(pdf: _Pdf, ctx: _Context, y: float) -> None:
    if not ctx.actions:  # one line where there is room; never a page that says only that
        if y + 12 <= PAGE_H - 14:
            pdf.font(10, bold=True, colour=NAVY)
            pdf.text_at(MARGIN, y, BODY_W, 6, "Open actions")
            pdf.font(7.5, colour=MUTED)
            pdf.text_at(MARGIN, y + 6.5, BODY_W, 4.5, f"Actions: {ctx.actions_note}."
                        if ctx.actions_note else "No open actions.")
        return
    pdf.set_y(_room(pdf, y, 26, f"Open actions · {ctx.card.scope_name}", ctx.card.month))
    pdf.font(10, bold=True, colour=NAVY)
    n_over = sum(a.status == "overdue" for a in ctx.actions)
    pdf.text_at(MARGIN, pdf.get_y(), BODY_W, 6, "Open actions" + (
        f"  ({n_over} overdue, {len(ctx.actions) - n_over} open)" if ctx.actions else ""))
    pdf.set_y(pdf.get_y() + 6.5)
    if ctx.actions_note or not ctx.actions:
        pdf.font(7.5, colour=MUTED)
        pdf.text_at(MARGIN, pdf.get_y(), BODY_W, 4.5,
                    f"Actions: {ctx.actions_note}." if ctx.actions_note
                    else "No open actions.")
        return
    names = _names(ctx.dims)
    pdf.font(7, colour=INK)
    heading = FontFace(family="dv", emphasis="B", size_pt=6.8, color="#ffffff", fill_color=NAVY)
    widths = (17, 40, 40, 34, 18, BODY_W - 149)
    pdf.set_auto_page_break(True, margin=14)
    pdf.set_draw_color(RULE)
    pdf.set_fill_color("#ffffff")  # rows left unfilled by the zebra would take the last colour
    with pdf.table(col_widths=widths, width=BODY_W, text_align="LEFT", line_height=3.6,
                   headings_style=heading, borders_layout="HORIZONTAL_LINES", padding=1.0,
                   v_align="TOP", repeat_headings=1, cell_fill_color=PAPER,
                   cell_fill_mode="ROWS") as table:
        table.row(["Status", "Scope", "Metric", "Owner", "Due", "Action"])
        for a in ctx.actions:
            row = table.row()
            colour = fmt.STATUS_COLOURS["red"] if a.status == "overdue" else fmt.LINE_COLOUR
            row.cell(a.status.capitalize(), style=FontFace(emphasis="B", color=colour))
            row.cell(names.get(a.location_id or a.region_id or "", a.location_id or a.region_id
                               or "Company"))
            row.cell(fmt.short_label(a.metric) if a.metric in BY_NAME else a.metric)
            row.cell(a.owner)
            row.cell(fmt.month_label(a.due_month),
                     style=FontFace(color=colour if a.status == "overdue" else INK))
            row.cell(a.text)
    pdf.set_auto_page_break(False)


def _names(dims: Dims) -> dict[str, str]:
    out = dict(zip(dims.regions.region_id, dims.regions.region_name, strict=True))
    out |= dict(zip(dims.locations.location_id, dims.locations.location_name, strict=True))
    return {str(k): str(v) for k, v in out.items()}


def _league_page(pdf: _Pdf, ctx: _Context) -> None:
    card = ctx.card
    child = {"region": "regions", "location": "locations"}.get(card.scope.child_level or "")
    if not child and not ctx.actions:
        return  # a location with no open actions: no page at all
    pdf.add_page()
    title = f"League table of {child}, furthest behind first" if child else "Actions"
    pdf.start_section(f"League table of {child}, movers, actions" if child else title)
    _page_title(pdf, f"{title} · {card.scope_name}", f"{card.month:%B %Y}")
    y = MARGIN + 13
    if child:  # a location has no children: nothing to rank, nothing that moved under it
        y = _league(pdf, card, MARGIN, y, BODY_W, PAGE_H - 14 - y - 50, detail=True) + 3
        y = _movers(pdf, card, y) + 2
    _actions_table(pdf, ctx, y)


def _region_page(pdf: _Pdf, ctx: _Context, card: Scorecard) -> None:
    pdf.add_page()
    pdf.start_section(f"Region: {card.scope_name}", level=1)
    _page_title(pdf, f"{card.scope_name} region · {card.month:%B %Y}",
                f"{fmt.compact(card.responses)} responses · targets {ctx.targets.version}")
    gap = 4.0
    cw = (BODY_W - 4 * gap) / 5
    top = MARGIN + 12.5
    h, g = 8.4, 1.2
    bottom = top
    for i, (panel, title) in enumerate(PANELS.items()):
        x = MARGIN + i * (cw + gap)
        pdf.font(7.5, bold=True, colour=NAVY)
        pdf.text_at(x, top, cw, 4.5, title)
        y = top + 5
        for m in ordered(panel):
            _mini_tile(pdf, x, y, cw, h, card.metrics[m.name])
            y += h + g
        bottom = max(bottom, y)
    mine = [a for a in ctx.actions if a.region_id == card.scope.region]
    y = bottom + 2
    avail = PAGE_H - 14 - y - (9 if mine else 4)
    y = _league(pdf, card, MARGIN, y, BODY_W, avail, detail=False,
                continued=f"{card.scope_name} region (continued)")
    if mine:
        over = sum(a.status == "overdue" for a in mine)
        pdf.font(7, bold=True, colour=fmt.STATUS_COLOURS["red"] if over else NAVY)
        pdf.text_at(MARGIN, y, BODY_W, 4.5,
                    f"Open actions in {card.scope_name}: {over} overdue, {len(mine) - over} "
                    "open (listed on the actions page).")


def _cover(pdf: _Pdf, ctx: _Context, outline: list) -> None:
    """Banner, then the verdict (the answers first) on the left, the pack's facts and contents
    on the right."""
    card = ctx.card
    pdf.set_fill_color(NAVY)
    pdf.rect(0, 0, PAGE_W, 78, style="F")
    pdf.font(9, bold=True, colour="#a9bde6")
    pdf.text_at(20, 18, 200, 6, "CX SCORECARD  ·  MONTHLY REVIEW  ·  BOARD PACK")
    pdf.font(32, bold=True, colour="#ffffff")
    pdf.text_at(20, 28, 250, 16, card.month.strftime("%B %Y"))
    level = {"company": "the whole network", "region": "region",
             "location": "location"}[card.scope.level]
    pdf.font(15, colour="#ffffff")
    pdf.text_at(20, 48, 250, 9, f"{card.scope_name} — {level}")
    pdf.font(8.5, colour="#c9d4ea")
    pdf.text_at(20, 60, 250, 5, "Leadership ownership → Incentive alignment → Culture → "
                                "Satisfaction → Loyalty & referral")

    x, y, w = 20.0, 88.0, 165.0
    pdf.font(11, bold=True, colour=NAVY)
    pdf.text_at(x, y, w, 7, "The verdict")
    _verdict_block(pdf, ctx, x, y + 9, w, size=8.5)

    x2, y2, w2 = 197.0, 88.0, 80.0
    pdf.font(11, bold=True, colour=NAVY)
    pdf.text_at(x2, y2, w2, 7, "This pack")
    y2 += 9
    fresh = f"{ctx.latest:%d %B %Y}" if ctx.latest else "no survey responses"
    facts = [
        ("Scope", _scope_words(ctx)),
        ("Data to", fresh),
        ("Responses", f"{card.responses:,} in {card.month:%B}"),
        ("Targets", f"version {ctx.targets.version}"),
        ("Generated", ctx.generated.strftime("%d %b %Y, %H:%M UTC")),
    ]
    lw = 22.0
    for label, value in facts:
        pdf.font(7.5, colour=MUTED)
        pdf.text_at(x2, y2, lw, 4.5, label)
        pdf.font(7.5, colour=INK)
        pdf.set_xy(x2 + lw, y2)
        pdf.multi_cell(w2 - lw, 4.5, value, align="L")
        y2 = max(pdf.get_y(), y2 + 4.5) + 0.8
    y2 += 4
    if pdf.replaced:
        pdf.font(7, bold=True, colour=fmt.STATUS_COLOURS["red"])
        pdf.set_xy(x2, y2)
        pdf.multi_cell(w2, 4, missing_glyphs_note(pdf.replaced), align="L")
        y2 = pdf.get_y() + 3
    pdf.font(11, bold=True, colour=NAVY)
    pdf.text_at(x2, y2, w2, 7, "Contents")
    y2 += 8
    regions = [s for s in outline if s.level == 1]
    for sec in outline:
        if sec.level != 0:
            continue
        pdf.font(8, colour=INK)
        pdf.text_at(x2, y2, w2 - 12, 4.8, sec.name)
        pdf.text_at(x2 + w2 - 12, y2, 12, 4.8, str(sec.page_number), align="R")
        y2 += 5.3
    if regions:
        first, last = regions[0].page_number, regions[-1].page_number
        pdf.font(8, colour=INK)
        pdf.text_at(x2, y2, w2 - 14, 4.8, f"Regions, worst first ({len(regions)})")
        pdf.text_at(x2 + w2 - 14, y2, 14, 4.8, f"{first}–{last}", align="R")
    pdf.font(6.8, colour=MUTED)
    pdf.set_xy(20, PAGE_H - 18)
    pdf.multi_cell(
        PAGE_W - 40, 3.6,
        "Every value is a ratio of sums over the scope's locations, with its sample size and "
        "95% margin. A change gets an arrow only when it is outside the sampling noise and "
        "large enough to matter. Status in words as well as colours: on target, near target "
        "(within 5% of the target), off target; too few answers to judge is never coloured.",
    )


def _scope_words(ctx: _Context) -> str:
    card, dims = ctx.card, ctx.dims
    if card.scope.level == "company":
        return (f"Company: {len(dims.regions)} regions, {len(dims.locations)} locations")
    if card.scope.level == "region":
        n = int((dims.locations.region_id == card.scope.region).sum())
        return f"Region {card.scope_name} ({card.scope.region}): {n} locations"
    return f"Location {card.scope_name} ({card.scope.location}), region " \
           f"{dims.region_name(card.scope.region)}"


def _actions_for(actions: ActionsArg, scope: Scope, month: date) -> tuple[list[Action],
                                                                          str | None]:
    """Open and overdue actions of the scope (and below); a store that is down is a note."""
    if actions is None:
        return [], "not part of this pack"
    if isinstance(actions, ActionStore):
        try:
            listed = actions.list(scope, include_children=True, month=month,
                                  statuses=("overdue", "open"))
        except ActionsUnavailable as exc:
            return [], f"Actions could not be read: {exc}"
        return listed, None
    return [a for a in actions if a.status_in(month) != "done"], None


def build_pack(engine: Engine, dims: Dims, scope: Scope, month: date, targets: Targets,
               actions: ActionsArg = None, *, out_path: str | Path,
               progress: Progress | None = None, latest_response: date | None = None,
               charts: bool = True, findings: bool = True) -> Path:
    """Write the board pack for one scope and month to `out_path` (atomically) and return it.

    Cover, the scope's scorecard page (tiles and the five panels' charts), its league table,
    movers and open actions; at company scope one page per region follows. `progress(fraction,
    text)` is called from this thread only. `charts=False` skips Chromium (placeholders).
    """
    report = progress or (lambda _f, _t: None)
    out = Path(out_path)
    if not out.parent.is_dir():
        raise PackError(f"Folder {out.parent} does not exist")
    started = time.perf_counter()
    report(0.0, "Reading the warehouse")
    latest = latest_response or aggregate.freshness(engine)[1]
    card = scorecard.build(engine, dims, scope, month, targets, latest, with_map=False)
    parent = (scorecard.build(engine, dims, Scope(region=scope.region), month, targets, latest,
                              with_map=False) if scope.level == "location" else None)
    report(0.1, f"Scorecard for {card.scope_name} computed")
    figs = panel_figures(card, trend_bands(card)) if charts else []
    region_cards: list[Scorecard] = []
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pack-charts") as pool:
        job: Future | None = pool.submit(render_pngs, figs) if figs else None
        if scope.level == "company":
            order = [str(k) for k in worst_first(card.children)["key"]]
            rest = sorted((str(r) for r in dims.regions.region_id if str(r) not in order),
                          key=dims.region_name)
            regions = order + rest  # region pages worst first, like the league table
            total = max(len(regions), 1)
            for i, rid in enumerate(regions):
                report(0.15 + 0.6 * i / total,
                       f"Region {dims.region_name(rid)} ({i + 1} of {total})")
                region_cards.append(scorecard.build(engine, dims, Scope(region=str(rid)), month,
                                                    targets, latest, with_map=False))
        report(0.78, "Drawing the charts")
        pngs: list[bytes | None] = job.result() if job else [None] * len(PANELS)
    listed, note = _actions_for(actions, scope, month)
    report(0.85, "Testing the leadership findings")
    found = _findings(engine, dims, scope, month, targets) if findings else []
    report(0.9, "Writing the PDF")
    ctx = _Context(card, dims, targets, latest, datetime.now(UTC), listed, note, region_cards,
                   pngs, found, parent)
    pdf = _render(ctx)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    os.close(fd)
    try:
        pdf.output(tmp)
        os.chmod(tmp, out.stat().st_mode & 0o777 if out.exists() else 0o644)  # not mkstemp's 600
        os.replace(tmp, out)  # a reader never sees half a file; a failure leaves none
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    warn = f"; warning: {missing_glyphs_note(pdf.replaced)}" if pdf.replaced else ""
    report(1.0, f"Board pack ready ({pdf.pages_count} pages, "
                f"{time.perf_counter() - started:.1f} s){warn}")
    return out


def missing_glyphs_note(chars: set[str]) -> str:
    shown = " ".join(f"U+{ord(c):04X}" for c in sorted(chars)[:4])
    more = f" and {len(chars) - 4} more" if len(chars) > 4 else ""
    return (f"Note: {len(chars)} character(s) the pack's fonts cannot draw are shown as "
            f"{REPLACEMENT} ({shown}{more}).")


def _findings(engine: Engine, dims: Dims, scope: Scope, month: date,
              targets: Targets) -> list[str]:
    """The verdict's iron-triangle findings for the scope (a location: its region's)."""
    from queries import insights

    where = Scope(region=scope.region) if scope.level == "location" else scope
    try:
        found = verdict_mod.findings(insights.analyses(engine, dims, where, month, targets))
    except Exception:  # noqa: BLE001 - the pack goes without its findings, never fails on them
        return []
    if scope.level == "location":
        name = dims.region_name(scope.region)
        found = [f"In {name}: {f[0].lower()}{f[1:]}" for f in found]
    return found


def _render(ctx: _Context) -> _Pdf:
    card = ctx.card
    pdf = _Pdf(f"CX Scorecard · {card.scope_name} · {fmt.month_label(card.month)} · "
               f"targets {ctx.targets.version}")
    pdf.set_title(f"CX Scorecard board pack: {card.scope_name}, {card.month:%B %Y}")
    pdf.set_author("CX Scorecard")
    pdf.set_subject("Monthly customer-experience review")
    pdf.set_creation_date(ctx.generated)
    pdf.add_page()
    pdf.insert_toc_placeholder(lambda p, outline: _cover(p, ctx, outline), pages=1,
                               reset_page_indices=False)
    _scorecard_page(pdf, ctx, new_page=False)  # the placeholder already opened page 2
    _trends_page(pdf, ctx)
    _league_page(pdf, ctx)
    for rc in ctx.region_cards:
        _region_page(pdf, ctx, rc)
    return pdf


def pack_bytes(engine: Engine, dims: Dims, scope: Scope, month: date, targets: Targets,
               actions: ActionsArg = None, *, progress: Progress | None = None,
               latest_response: date | None = None, charts: bool = True) -> bytes:
    """The pack as bytes, for the page's download button (built in a temporary folder)."""
    with tempfile.TemporaryDirectory(prefix="cx-pack-") as tmp:
        path = build_pack(engine, dims, scope, month, targets, actions,
                          out_path=Path(tmp) / pack_name(scope, month), progress=progress,
                          latest_response=latest_response, charts=charts)
        return path.read_bytes()
