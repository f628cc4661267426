"""PDF primitives of the pack: the A4 landscape page, its fonts, colours and text boxes.

Text uses DejaVu Sans so "±", "≥" and "–" print; characters it lacks come from Noto CJK or are
drawn as REPLACEMENT and named on the cover, never dropped silently. Every text box fits its text
(squeezed a little, else shortened with an ellipsis), so nothing spills into its neighbour.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from fpdf import FPDF

from pack.errors import PackError
from presentation import fmt
from queries import settings
from queries.scope import without_bidi

FONT_DIR = Path(settings.PACK_FONT_DIR.value() or "")
FONTS = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
# Characters DejaVu lacks (Chinese, Japanese, Korean) come from Debian's fonts-noto-cjk, loaded
# only when a name needs it (parsing it costs ~1.5 s); anything neither font has (most emoji)
# is drawn as REPLACEMENT and named on the cover, never dropped silently.
CJK_FONT = Path(settings.PACK_CJK_FONT.value() or "")
REPLACEMENT = "□"

PAGE_W, PAGE_H, MARGIN = 297.0, 210.0, 10.0
BODY_W = PAGE_W - 2 * MARGIN
INK, MUTED, RULE, NAVY, PAPER = "#1f2937", "#6b7280", "#d6dae1", "#1f2a44", "#f4f6f9"


def tint(hex_colour: str, alpha: float) -> str:
    """A solid colour `alpha` of the way from white to `hex_colour` (print has no alpha)."""
    h = hex_colour.lstrip("#")
    rgb = [int(h[i:i + 2], 16) for i in (0, 2, 4)]
    mix = [round(255 + (c - 255) * alpha) for c in rgb]
    return "#" + "".join(f"{c:02x}" for c in mix)


def status_colour(status: str) -> str:
    return fmt.STATUS_COLOURS.get(status, MUTED)


class Pdf(FPDF):
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
        # every string the pack prints passes here: no bidirectional control reaches the page
        text = super().normalize_text(text if text.isascii() else without_bidi(text))
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


def page_title(pdf: Pdf, title: str, subtitle: str) -> None:
    pdf.font(15, bold=True, colour=NAVY)
    pdf.text_at(MARGIN, MARGIN, BODY_W * 0.62, 8, title)
    pdf.font(7.5, colour=MUTED)
    pdf.text_at(MARGIN + BODY_W * 0.62, MARGIN + 1.5, BODY_W * 0.38, 6, subtitle, align="R")
    pdf.set_draw_color(fmt.LINE_COLOUR)
    pdf.set_line_width(0.6)
    pdf.line(MARGIN, MARGIN + 9.5, PAGE_W - MARGIN, MARGIN + 9.5)
    pdf.set_line_width(0.2)


def cell(pdf: Pdf, x: float, y: float, w: float, h: float, text: str, *, fill: str | None,
         colour: str = INK, bold: bool = False, size: float = 7.0, align: str = "C") -> None:
    """One table cell: an optional fill and its text, fitted (the league table's unit)."""
    if fill:
        pdf.set_fill_color(fill)
        pdf.rect(x, y, w, h, style="F")
    pdf.font(size, bold=bold, colour=colour)
    pdf.text_at(x + 0.6, y, w - 1.2, h, text, align=align)


def room(pdf: Pdf, y: float, need: float, title: str, month: date) -> float:
    """Start a new page (with a title) when `need` mm do not fit below `y`."""
    if y + need <= PAGE_H - 14:
        return y
    pdf.add_page()
    page_title(pdf, title, f"{month:%B %Y}")
    return MARGIN + 13


def missing_glyphs_note(chars: set[str]) -> str:
    shown = " ".join(f"U+{ord(c):04X}" for c in sorted(chars)[:4])
    more = f" and {len(chars) - 4} more" if len(chars) > 4 else ""
    return (f"Note: {len(chars)} character(s) the pack's fonts cannot draw are shown as "
            f"{REPLACEMENT} ({shown}{more}).")
