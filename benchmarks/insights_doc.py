"""Write docs/insights.md's measured figures: each analysis's false alarms, power and coverage in
simulations with known truth (benchmarks/insight_sims.py), so no figure in the doc is typed by
hand. Each analysis owns one generated section; `tests/test_insights_doc.py` checks that the
sections equal what this script computes.

    python -m benchmarks.insights_doc                  # every section
    python -m benchmarks.insights_doc --only owner     # one section
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from benchmarks import doc_section
from benchmarks import insight_sims as sims

DOC = Path(__file__).resolve().parents[1] / "docs" / "insights.md"
OWNER_REPS = 200
OWNER_DRAWS = 200  # bootstrap draws per replication (the page uses 1,000)
CULTURE_REPS = 200
RANK_REPS = 200
DEMO_SCALE, DEMO_SEED = 0.2, 2026  # the demo tests/test_insights.py builds


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def owner_section(reps: int = OWNER_REPS, draws: int = OWNER_DRAWS) -> str:
    """Executive-owner DiD: coverage of the true six-month effect and calls with no effect."""
    rows = ["| roll-out | true effect | mean estimate | 95% interval covers | estimated in | "
            "called a rise |", "|---|---|---|---|---|---|"]
    for rollout, shock in (("location", 0.0), ("region", sims.REGION_SHOCK_SD)):
        for effect in (sims.OWNER_EFFECT, 0.0):
            truth = sims.owner_truth(effect)
            sc = sims.replicate(lambda s, e=effect, r=rollout, k=shock: sims.owner_run(
                s, e, r, k, draws), range(reps), truth)
            rows.append(f"| {rollout} | {truth:+.2f} | {sc.mean:+.2f} | "
                        f"{sc.covered} of {sc.estimated} ({_pct(sc.coverage)}) | "
                        f"{sc.estimated} of {sc.runs} | {sc.positive} ({_pct(sc.called_rise)}) |")
    return (f"Measured by `python -m benchmarks.insights_doc --only owner` ({reps} simulated "
            f"companies per row, seeds 0-{reps - 1}, {draws} bootstrap draws each):\n\n"
            + "\n".join(rows))


def culture_section(reps: int = CULTURE_REPS) -> str:
    """Culture link: false alarms with no link, power at the planted link."""
    null = [sims.culture_run(s, 0.0) for s in range(reps)]
    planted = [sims.culture_run(s, sims.CULTURE_EFFECT) for s in range(reps)]
    rows = ["| world | coefficient | mean estimate | interval excludes 0 |", "|---|---|---|---|"]
    for label, runs in (("no link", null), (f"+{sims.CULTURE_EFFECT:g} NPS per 10 eNPS", planted)):
        for name in ("enps", "recognitions"):
            sc = sims.score([r[name] for r in runs], 0.0)
            calls = sc.positive + sc.negative
            rows.append(f"| {label} | {name} | {sc.mean:+.3f} | {calls} of {sc.runs} "
                        f"({_pct(calls / sc.runs)}; {sc.positive} positive) |")
        held = sum(r["holds"] for r in runs)
        rows.append(f"| {label} | **finding (joint test p < 0.05)** | | **{held} of {len(runs)} "
                    f"({_pct(held / len(runs))})** |")
    return (f"Measured by `python -m benchmarks.insights_doc --only culture` ({reps} simulated "
            f"companies of 370 locations per world, seeds 0-{reps - 1}):\n\n" + "\n".join(rows))


def rank_section(reps: int = RANK_REPS) -> str:
    """Fair-rank intervals where tau^2 is estimated 0: coverage of the true ranks."""
    out = []
    for old in (True, False):
        runs = [sims.rank_coverage(s, ties_broken=old) for s in range(reps)]
        zero = [r for r in runs if r[2]]
        cov0 = sum(r[0] for r in zero) / max(1, sum(r[1] for r in zero))
        cov = sum(r[0] for r in runs) / sum(r[1] for r in runs)
        out.append((cov0, cov, len(zero)))
    (o0, o, z), (n0, n, _) = out
    return (f"Measured by `python -m benchmarks.insights_doc --only rank` ({reps} simulated "
            f"regions of 20 locations, true spread 1 NPS point, 50 answers each; tau^2 estimated "
            f"0 in {z}): true ranks inside the 95% rank interval where tau^2 = 0: "
            f"**{_pct(n0)}** with ties as ranges (before, ties broken by input order: "
            f"{_pct(o0)}); over all regions {_pct(n)} (before {_pct(o)}).")


def gaming_scores(flags: tuple, gamed: dict) -> dict[str, float | int]:
    """Flags against the planted gaming: precision and recall by location-month and location."""
    got = {(f.key, f.month) for f in flags}
    planted = {(k, m) for k, months in gamed.items() for m in months}
    hit = got & planted
    locs, planted_locs = {k for k, _ in got}, set(gamed)
    return {"flags": len(got), "planted": len(planted), "hit": len(hit),
            "precision": len(hit) / len(got) if got else float("nan"),
            "recall": len(hit) / len(planted) if planted else float("nan"),
            "locations": len(locs), "planted_locations": len(planted_locs),
            "hit_locations": len(locs & planted_locs)}


def _ci(lo: float | None, hi: float | None, digits: int = 1) -> str:
    return "no interval" if lo is None or hi is None else f"{lo:+.{digits}f} to {hi:+.{digits}f}"


def demo_section(demo: dict, truth: dict, null: dict, locations: int) -> str:
    """The figures docs/insights.md quotes from the demo (and its NULL twin) at DEMO_SCALE."""
    own, pre = demo["leadership_owner"].horizon(6), demo["leadership_owner"].pre_trend
    three = demo["leadership_owner"].horizon(3)
    lis = demo["leadership_listening"].horizon(6)
    pay = demo["pay_vs_improvement"]
    pr, pc = pay.paid_regardless, pay.paid_for_cx
    ret = demo["satisfaction_loyalty"].link("retention_rate").within
    ref = demo["satisfaction_loyalty"].link("referral_rate").within
    cul = demo["culture_link"]
    e, r = cul.coefficient("enps"), cul.coefficient("recognitions")
    g = gaming_scores(demo["gaming"].flags, truth["gamed"])
    ng = null["gaming"]
    n_own, n_cul = null["leadership_owner"].horizon(6), null["culture_link"].coefficient("enps")
    null_locs = len({f.key for f in ng.flags})
    lines = [
        f"- **Executive owner** (staggered DiD, {own.controls} comparisons, clustered by "
        f"{own.cluster_level}): {own.effect:+.2f} NPS points over months +1..+6 (95% "
        f"{_ci(own.low, own.high, 2)}; {own.n_treated} adopters vs {own.n_control}, "
        f"{own.n_clusters} clusters), {three.effect:+.2f} over +1..+3 "
        f"({_ci(three.low, three.high, 2)}); planted +5.83 and +3.33. Pre-trend "
        f"{pre.effect:+.2f} ({_ci(pre.low, pre.high, 2)}).",
        f"- **Listening, net of the owner event**: {lis.n_treated} locations raised it without "
        f"a new owner: " + ("too few for an estimate (at least 10 needed)." if lis.low is None
                            else f"{lis.effect:+.2f} ({_ci(lis.low, lis.high, 2)})."),
        f"- **Paid regardless** vs the {pr.others} other locations without a new executive "
        f"owner ({pr.left_out} with one left out): {pr.not_improved} of {pr.size} not improved "
        f"({100 * pr.rate:.0f}% vs {100 * pr.rate_others:.0f}%), z = {pr.z:.2f}. **Paid most for "
        f"CX** (same comparison): {pc.not_improved} of {pc.size} ({100 * pc.rate:.0f}% vs "
        f"{100 * pc.rate_others:.0f}%), z = {pc.z:.2f}.",
        f"- **Satisfaction -> loyalty, within a location**: +10 NPS -> {ret.slope_per_10:+.2f} "
        f"retention points ({_ci(*ret.slope_ci, 2)}) and {ref.slope_per_10:+.2f} referral "
        f"points ({_ci(*ref.slope_ci, 2)}); {ret.n_locations} locations, {ret.n_points:,} "
        "location-months.",
        f"- **Employees -> customers, within a location**: +10 eNPS -> {e.effect:+.2f} NPS "
        f"points over the next three months ({_ci(e.low, e.high, 2)}); +0.1 recognitions per "
        f"employee -> {r.effect:+.2f} ({_ci(r.low, r.high, 2)}); joint test p = "
        f"{cul.p_joint:.3f}: " + ("a finding (in the verdict)" if cul.holds else "no finding")
        + f"; {cul.n_locations} locations.",
        f"- **Gaming**: {g['flags']} location-months flagged, {g['hit']} of them planted: "
        f"precision {_pct(g['precision'])}, recall {_pct(g['recall'])} of {g['planted']} "
        f"planted location-months; by location {g['hit_locations']} of "
        f"{g['planted_locations']} gamed locations found, {g['locations'] - g['hit_locations']} "
        "other locations flagged.",
        f"- **NULL twin**: owner {n_own.effect:+.2f} ({_ci(n_own.low, n_own.high, 2)}); "
        f"eNPS -> NPS {n_cul.effect:+.2f} ({_ci(n_cul.low, n_cul.high, 2)}), culture joint "
        f"test p = {null['culture_link'].p_joint:.3f}; gaming flags at {null_locs} of "
        f"{locations} locations ({_pct(null_locs / locations)}).",
    ]
    return (f"Measured on the demo at scale {DEMO_SCALE} (seed {DEMO_SEED}, October 2026, "
            "company; the fixture of tests/test_insights.py, which checks this section) by "
            "`python -m benchmarks.insights_doc --only demo`:\n\n" + "\n".join(lines))


def demo_from_warehouses() -> str:
    """Build the demo and its NULL twin at DEMO_SCALE in a temporary folder, then the section."""
    import tempfile
    from datetime import date

    from queries import insights, targets
    from queries import scope as sc
    from queries.sql.engine import make_engine
    from sample_data.generate import generate
    from tests.insights_fixtures import demo_warehouse, null_warehouse

    month, out = date(2026, 10, 1), {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, build in (("demo", demo_warehouse), ("null", null_warehouse)):
            eng = make_engine(build(Path(tmp) / f"{name}.duckdb", DEMO_SCALE, DEMO_SEED))
            dims = sc.load_dims(eng)
            out[name] = insights.analyses(eng, dims, sc.Scope(), month, targets.load())
            locations = len(dims.locations)
            eng.dispose()
    return demo_section(out["demo"], generate(DEMO_SCALE, DEMO_SEED).truth, out["null"],
                        locations)


def gaming_section() -> str:
    """Planted gaming found (precision, recall) and locations flagged where nothing is gamed."""
    rows = ["| demo scale | answers a location-month | flagged | precision | recall "
            "(location-months) | gamed locations found | NULL: locations flagged |",
            "|---|---|---|---|---|---|---|"]
    for scale in (0.2, 1.0):
        flags, gamed, n = sims.gaming_run(scale)
        g = gaming_scores(flags, gamed)
        null_flags, _, _ = sims.gaming_run(scale, null=True)
        k = len({f.key for f in null_flags})
        rows.append(f"| {scale:g} | ~{round(60 * scale)} | {g['flags']} | {g['hit']} of "
                    f"{g['flags']} ({_pct(g['precision'])}) | {g['hit']} of {g['planted']} "
                    f"({_pct(g['recall'])}) | {g['hit_locations']} of "
                    f"{g['planted_locations']} | {k} of {n} ({_pct(k / n)}) |")
    return ("Measured by `python -m benchmarks.insights_doc --only gaming` on the demo "
            "generator's own counts (no warehouse; seed 2026, October 2026, the last 12 months), "
            "the NULL column with every answer redrawn at one constant true NPS:\n\n"
            + "\n".join(rows))


SECTIONS: dict[str, Callable[[], str]] = {
    "demo": demo_from_warehouses, "owner": owner_section, "culture": culture_section,
    "rank": rank_section, "gaming": gaming_section,
}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", help="comma-separated section names: " + ", ".join(SECTIONS))
    args = p.parse_args(argv)
    names = args.only.split(",") if args.only else list(SECTIONS)
    text = DOC.read_text()
    for name in names:
        body = SECTIONS[name]()
        print(body)
        text = doc_section.replace(text, f"insights_{name}", body)
    DOC.write_text(text)


if __name__ == "__main__":
    main()
