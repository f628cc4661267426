"""What it is worth, in words (no Streamlit): the verdict's CFO line, and the value section the
page and the printed pack both show (customers and money at stake, the NPS gain's worth worded as
an association, the year's pace, outside yardsticks, network percentiles). docs/value.md.
"""

from __future__ import annotations

import html
import math

from presentation import fmt
from queries.pace import Pace, YearPace
from queries.percentiles import Percentile
from queries.registry import BY_NAME, METRICS
from queries.value import AtStake, NpsGain, Worth

# Metrics whose year pace the section lists (the headline outcomes first, then the rest).
PACE_ORDER = ("nps", "acsi", "retention_rate", "referral_rate", "enps")


def money(v: float | None, currency: str = "") -> str:
    """'$2.5m', '$280k', '$7,500' (rounded as a board reads money)."""
    if v is None or not math.isfinite(v):
        return "—"
    a = abs(v)
    if a >= 1e6:
        text = f"{v / 1e6:,.1f}m"
    elif a >= 1e4:
        text = f"{v / 1e3:,.0f}k"
    else:
        text = f"{v:,.0f}"
    return f"{currency}{text}"


def customers(n: float | None) -> str:
    return "—" if n is None else fmt.plural(round(n), "customer")


def cfo_line(a: AtStake) -> str:
    """The verdict's line: '35 customers left this month (worth $70,000 a year); at 91%
    retention 4 more would have stayed ($7,000 a year).' Counts only without a value."""
    if a.customers_lost is None or not a.customers_start:
        return ""
    when = "this month" if a.window == "1m" else f"over {a.window_label}"
    head = f"{customers(a.customers_lost)} left {when}"
    if a.revenue_at_risk is not None:
        head += f" (worth {money(a.revenue_at_risk, a.currency)} a year)"
    if a.target is None or a.short_of_target is None:
        return head + "."
    t = fmt.value_text(BY_NAME["retention_rate"], a.target)
    if a.short_of_target < 0.5:
        return f"{head}; retention is at or above its {t} target."
    more = f"at {t} retention {round(a.short_of_target):,} more would have stayed"
    if a.gap_value is not None:
        more += f" ({money(a.gap_value, a.currency)} a year)"
    return f"{head}; {more}."


def gain_words(g: NpsGain) -> str:
    """The NPS gain's worth as an association with its interval, or why there is none."""
    if not g.holds:
        why = g.reason.strip().rstrip(".")
        why = why[:1].lower() + why[1:] if why[:1].isupper() and not why[:2].isupper() else why
        return f"No value is put on an NPS gain here: {why}."
    lo, hi = g.retention_ci or (math.nan, math.nan)
    c_lo, c_hi = g.customers_ci or (math.nan, math.nan)
    text = (f"Where NPS rose within a location, retention rose with it: {g.nps_points:g} more "
            f"NPS points went with {g.retention_points:.2f} pts more retention (95%: "
            f"{lo:.2f} to {hi:.2f}), about {round(g.customers or 0):,} customers a year kept "
            f"(95%: {round(c_lo):,} to {round(c_hi):,})")
    if g.value is not None and g.value_ci is not None:
        text += (f", worth {money(g.value, g.currency)} a year (95%: "
                 f"{money(g.value_ci[0], g.currency)} to {money(g.value_ci[1], g.currency)})")
    return (text + f"; {fmt.plural(g.n_locations, 'location')}. An association seen in the "
            "data, not a promise: other things may move with NPS.")


def _level(m, value: float | None, moe: float | None) -> str:
    if value is None:
        return "—"
    text = fmt.value_text(m, value)
    return text if moe is None else f"{text} (±{moe:.{m.decimals}f})"


def pace_words(p: Pace, year: YearPace) -> str:
    """'needs 49 (±3) from here in the 2 months left to reach 47 for the year; the last 3
    months averaged 46 (±2): behind pace'."""
    m = BY_NAME[p.metric]
    if p.call == "no target":
        return "no target"
    if p.call == "no data":
        return "no data to judge the year's pace"
    t = fmt.value_text(m, p.target)
    if p.months_left == 0:
        return (f"the year ended at {fmt.value_text(m, p.ytd.value)} against {t}: "
                f"{p.call}")
    left = fmt.plural(p.months_left, "month")
    need = _level(m, p.needed, p.needed_moe)
    recent = _level(m, p.recent.value, p.recent.moe)
    if p.call == "out of reach":
        return (f"{t} for the year is out of reach: it would need {need} in the {left} left "
                f"(the last 3 months: {recent})")
    return (f"needs {need} from here in the {left} left to reach {t} for the year; the last 3 "
            f"months averaged {recent}: {p.call}")


def pace_rows(year: YearPace, every: bool = True) -> list[tuple[str, str, str, str]]:
    """(metric, year to date, rolling 12 months, path to target) for the section's table: the
    headline outcomes first, then (`every`) the causes."""
    rows = []
    names = list(PACE_ORDER) + ([m.name for m in METRICS if m.name not in PACE_ORDER
                                 and m.name != "responses"] if every else [])
    for name in names:
        p = year.paces.get(name)
        if p is None:
            continue
        m = BY_NAME[name]
        rows.append((fmt.short_label(name), _level(m, p.ytd.value, p.ytd.moe),
                     _level(m, p.rolling_12.value, p.rolling_12.moe), pace_words(p, year)))
    return rows


def percentile_words(p: Percentile) -> str:
    """'Lakeside: 62nd percentile of 370 locations on NPS (95%: 31st to 88th)'."""
    return (f"{p.name}: {_ordinal(round(p.percentile))} percentile of {p.of:,} locations on "
            f"NPS {p.nps:.0f} (n {p.n:,.0f}; 95%: {_ordinal(round(p.low))} to "
            f"{_ordinal(round(p.high))})")


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def benchmark_lines(w: Worth, metrics: tuple[str, ...] = ("nps", "acsi")) -> list[str]:
    """'NPS 44.1 · auto dealers 2025: 44 (source: ...)' per published figure; a mismatched
    definition always carries its caveat (Benchmark.words)."""
    out = []
    for name in metrics:
        for b in w.benchmarks.for_metric(name):
            out.append(f"{fmt.short_label(name)} · {b.words()}")
    return out


def label(w: Worth | None, a: AtStake) -> str:
    """The section's one-line answer: 'What it is worth · 35 customers lost, $70,000 a year'."""
    head = "What it is worth, and the year's pace"
    if a.customers_lost is None:
        return head
    money_part = (f", {money(a.revenue_at_risk, a.currency)} a year"
                  if a.revenue_at_risk is not None else "")
    return f"{head} · {customers(a.customers_lost)} lost{money_part}"


SHOWN_IN_PRINT = 8  # locations' percentiles a printed section lists (lowest first)


def section_html(w: Worth) -> str:
    """The section as HTML for the printed pack (the page draws the same parts), kept whole on
    one page (`break-inside: avoid`: never a few stray lines on a page of their own). Every
    string escaped."""
    e = html.escape
    a = w.at_stake
    parts = [f'<p class="px-note"><b>At stake.</b> {e(cfo_line(a) or "No customer counts.")}'
             + ("" if a.has_value else " No value per customer is configured (targets file, "
                "[value]): counts only.") + "</p>",
             f'<p class="px-note"><b>An NPS gain.</b> {e(gain_words(w.gain))}</p>']
    rows = "".join(f"<tr><td>{e(r[0])}</td><td>{e(r[1])}</td><td>{e(r[2])}</td>"
                   f"<td>{e(r[3])}</td></tr>" for r in pace_rows(w.pace))
    fy = w.pace.fiscal_start
    parts.append(f'<p class="px-note"><b>The year.</b> Fiscal year from {fy:%B %Y}; year to '
                 "date and rolling 12 months pooled (answers added up, not months averaged).</p>"
                 '<table class="px-actions"><thead><tr><th>Metric</th><th>Year to date</th>'
                 "<th>Rolling 12 months</th><th>Path to the year's target</th></tr></thead>"
                 f"<tbody>{rows}</tbody></table>")
    bench = benchmark_lines(w)
    if bench:
        parts.append('<p class="px-note"><b>Outside yardsticks.</b> '
                     + e(" · ".join(bench)) + "</p>")
    if w.percentiles:
        low = sorted(w.percentiles, key=lambda p: (p.percentile, p.location))[:SHOWN_IN_PRINT]
        more = len(w.percentiles) - len(low)
        tail = f"; {more} more on the page" if more > 0 else ""
        parts.append(f'<p class="px-note"><b>In the network ({e(w.window_label)}, NPS, lowest '
                     f"first).</b> {e('; '.join(percentile_words(p) for p in low) + tail)}</p>")
    return f'<div class="px-keep" style="break-inside: avoid">{"".join(parts)}</div>'
