"""The signals table of docs/metrics.md: each signal, its rule, false-alarm rate and power,
measured on the seeded simulations of `benchmarks.signals.sim` by the page's own rules.

    python -m benchmarks.signals.table            # full run, rewrites the docs section
    python -m benchmarks.signals.table --small    # the tests' size, prints only

The section sits between generated-section markers (benchmarks/doc_section.py); the rest of
docs/metrics.md is kept by hand. tests/test_signals.py checks the section names every signal.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks import doc_section
from benchmarks.common import ROOT, git_commit, log
from benchmarks.signals import measure as me
from benchmarks.signals import sim
from queries import stats, targets
from queries.evaluate import evaluate
from queries.registry import BY_NAME

SECTION = "signals"
DOC = ROOT / "docs" / "metrics.md"
SAMPLED = tuple(n for n in me.ARROWED if not BY_NAME[n].history_noise)


@dataclass(frozen=True)
class Row:
    signal: str
    rule: str
    false_alarm: me.Count
    null: str  # what "nothing changes" was
    power: me.Count | None
    change: str  # the real change the power is for


SIGNALS = ("Arrow, non-sample metric", "Arrow, survey metric", "Arrow, any tile",
           "Year-on-year call", "Usual for December", "Status colour (location)",
           "Furthest behind", "Movers", "ACSI-style change test")


def _pct(c: me.Count | None) -> str:
    if c is None:
        return "-"
    return f"{100 * c.rate:.1f}% ({c.hits}/{c.of})" if c.of else "-"


def acsi_tail(seed: int, pairs: int) -> tuple[me.Count, me.Count]:
    """Null ACSI-style changes between two independent samples of 40-120 answers: how often
    p < 0.05 and p < 0.001 (the eager tail of issue 32 item 11)."""
    rng = np.random.default_rng(seed)
    w = targets.load().weights
    sides = []
    for _ in range(2):
        rows = []
        for i in range(pairs):
            n = int(rng.integers(40, 121))
            rows.append({"key": str(i), **sim._survey(rng, n, sim.NPS_P)})
        frame = pd.DataFrame(rows)
        for c in ("acsi__incomplete", "nps__bad", "nps__null"):
            frame[c] = 0.0
        sides.append(evaluate(frame, w, keys=["key"], metrics=(BY_NAME["acsi"],)))
    a, b = sides
    z = (a.value.to_numpy() - b.value.to_numpy()) / np.sqrt(a.se.to_numpy() ** 2
                                                           + b.se.to_numpy() ** 2)
    p = np.array([stats.normal_two_sided_p(float(x)) for x in z])
    return me.Count(int((p < 0.05).sum()), pairs), me.Count(int((p < 0.001).sum()), pairs)


def movers_null(seeds: range) -> tuple[me.Count, me.Count]:
    """Views (55 children, nothing changes) with any mover; views whose planted +20-point
    NPS change at 300 answers is a mover (tests/stats_sim.py)."""
    from queries.scope import Scope
    from queries.scorecard import movers
    from tests.stats_sim import MONTH, MONTHS, child_components, children_long

    def run(planted: str | None, seed: int) -> list[dict]:
        long = children_long(child_components(seed, planted=planted))
        return movers(Scope(), long[long.month == MONTH], long[long.month == MONTHS[-2]],
                      limit=99)

    false = sum(bool(run(None, s)) for s in seeds)
    found = sum(any(m["key"] == "C07" and m["metric"] == "nps" for m in run("C07", s))
                for s in seeds)
    return me.Count(false, len(seeds)), me.Count(found, len(seeds))


def measure(small: bool = False) -> list[Row]:
    """Every row of the table; `small` is the per-commit tests' size."""
    units = ("company", "R5") if small else sim.UNITS
    seeds = range(3) if small else range(10)
    decembers = [m for m in me.JUDGED_MONTHS if m.month == 12]
    rows: list[Row] = []
    log("null warehouse")
    null = sim.scope_components(1, units=units)
    hist = me.scope_arrows(null, metrics=me.HISTORY)
    hist = me.Count(hist.hits, hist.of)
    planted = sum((me.calls(sim.scope_components(100 + s, units=("R3",), plant="R3"),
                            "listening_hours_per_leader", sim.LAST, "rise") for s in seeds),
                  me.Count(0, 0))
    rows.append(Row(SIGNALS[0], "own history: t test of the change against the RMS of the "
                    "unit's last 12 month-to-month changes (>= 6), and material",
                    hist, "4% month-to-month wobble, flat truth", planted,
                    "a region's listening hours doubled"))
    survey = me.scope_arrows(null, metrics=SAMPLED)
    shifted = sum((me.calls(sim.scope_components(200 + s, units=("R3",), nps_shift=0.03),
                            "nps", sim.LAST, "rise") for s in seeds), me.Count(0, 0))
    rows.append(Row(SIGNALS[1], "two-sample test at 5% (pooled variance for NPS/eNPS), and "
                    "material; 'usual for <month>' when last year's same move explains it",
                    survey, "independent samples, flat truth", shifted,
                    "region NPS +6 points at ~600 answers"))
    rows.append(Row(SIGNALS[2], "as above, every tile of the company and regions",
                    me.scope_arrows(null), "the same null, all 12 judged metrics", None, ""))
    log("AR(0.6) warehouse")
    ar = me.scope_arrows(sim.scope_components(2, units=units, ar=0.6), metrics=me.HISTORY,
                         yoy=True)
    yoy_power = sum((me.Count(int(me.unit_results(
        sim.scope_components(100 + s, units=("R3",), plant="R3"), "R3", [sim.LAST])[
        sim.LAST]["listening_hours_per_leader"].change_yoy == "rise"), 1) for s in seeds),
        me.Count(0, 0))
    rows.append(Row(SIGNALS[3], "history metrics: t test against the spread (SD) of the 12 "
                    "monthly levels before, x sqrt(2); survey metrics: two-sample test",
                    ar, "AR(1) rho 0.6 wobble, flat truth", yoy_power,
                    "a region's listening hours doubled"))
    log("seasonal warehouse")
    dec = me.scope_arrows(sim.scope_components(3, units=units, season=0.05), months=decembers)
    deeper = sum((me.calls(sim.scope_components(300 + s, units=units, season=0.05,
                                                extra_dip=0.06),
                           "nps", sim.LAST_DECEMBER, "fall") for s in seeds[:3]),
                 me.Count(0, 0))
    rows.append(Row(SIGNALS[4], "a month-on-month arrow stays only if this year's move differs "
                    "from last year's same move (4-month noise), else 'usual for December'",
                    dec, "NPS -10 and non-sample metrics -10% every December", deeper,
                    "a December NPS dip 22 points deep instead of 10"))
    log("locations")
    truth = sim.location_truth(7, regions=2 if small else 5, per_region=50)
    comps = sim.location_components(truth, 8, months=18 if small else 24)
    first = 12 if small else 13
    flips3 = me.colour_flips(comps, 3, first=first)
    rows.append(Row(SIGNALS[5], "rolling 3 months; 'too close to call' when the 95% "
                    "interval spans the amber band; colour otherwise",
                    flips3, "flips month to month, fixed truth (~50 answers a month)", None,
                    ""))
    for w in (3, 12):
        rule = ("the verdict's rule: rolling 12 months pooled" if w == 12 else
                "the view's default window for locations (not used to name)")
        rows.append(Row(f"{SIGNALS[6]}, location ({w} months)",
                        f"{rule}; worst first on status counts, then empirical-Bayes shrunken NPS",
                        me.Count(*_miss(me.worst_named(truth, comps, w, first=first))),
                        "named location NOT truly in its region's worst 10%", None, ""))
    log("regions")
    companies = range(10) if small else range(50)
    for w in (1, 12):
        rule = ("the verdict's rule: rolling 12 months pooled" if w == 12 else
                "the company view's default window for regions (not used to name)")
        rows.append(Row(f"{SIGNALS[6]}, region ({w} month{'s' if w > 1 else ''})",
                        f"{rule}; as above, 7 regions of 50 locations",
                        me.Count(*_miss(me.regions_named(companies, w))),
                        "named region NOT the truly worst of 7 (2 months each of "
                        f"{len(companies)} companies)", None, ""))
    log("movers")
    false, found = movers_null(seeds)
    rows.append(Row(SIGNALS[7], "Benjamini-Hochberg q = 0.05 over every child x headline "
                    "metric, and material", false, "views (55 children) with any mover",
                    found, "+20 NPS points at 300 answers"))
    log("ACSI tail")
    five, tail = acsi_tail(11, 2000 if small else 20000)
    rows.append(Row(SIGNALS[8], "delta-method SE, normal z (documented, not changed): p < 0.05 "
                    "row; the p < 0.001 tail in the note", five,
                    "two independent samples of 40-120 answers", None,
                    f"p < 0.001: {_pct(tail)} against 0.1% nominal"))
    return rows


def _miss(c: me.Count) -> tuple[int, int]:
    return c.of - c.hits, c.of


def render(rows: list[Row], small: bool = False) -> str:
    lines = ["| Signal | Rule | False alarms (null) | Null | Power | Real change |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r.signal} | {r.rule} | {_pct(r.false_alarm)} | {r.null} | "
                     f"{_pct(r.power)} | {r.change or '-'} |")
    size = "small (tests' size)" if small else "full"
    return ("Measured by `python -m benchmarks.signals.table` on seeded simulations with known "
            f"truth ({size} run, {git_commit('queries', 'benchmarks')}). Rates are of "
            "metric-months (arrows), location-months (colours), region-months or "
            "company-months (furthest behind).\n\n" + "\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", action="store_true", help="the tests' size; print only")
    args = ap.parse_args(argv)
    text = render(measure(args.small), args.small)
    print(text)
    if not args.small:
        doc = Path(DOC)
        doc.write_text(doc_section.replace(doc.read_text(encoding="utf-8"), SECTION, text),
                       encoding="utf-8")
        log(f"wrote {doc}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


