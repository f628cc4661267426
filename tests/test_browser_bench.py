"""The speed benchmarks run and report well-formed figures; their arithmetic is checked by hand.

No timing is asserted here (speed is read from the benchmarks' reports, never from a test): the
smoke test only checks that every action was measured, times are positive and ratios computed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import skip_or_fail

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
sys.path.insert(0, str(BENCH))

import browser_clicks  # noqa: E402
import browser_report  # noqa: E402
import doc_section  # noqa: E402
import load_test  # noqa: E402

CHROMIUM = os.environ.get("CX_CHROMIUM", "/usr/bin/chromium")


def _res(floor_select: list[float], app_month: list[float]) -> dict:
    """A results dict with every action at 1.0 s except the floor's select and the app's month."""
    app = {a: [1.0] * len(app_month) for a in browser_report.APP_ACTIONS} | {"month": app_month}
    floor = {a: [1.0] * len(floor_select) for a in browser_report.FLOOR_ACTIONS}
    floor["select"] = floor_select
    paired = [{"app": {a: v[i] for a, v in app.items()},
               "floor": {a: v[i] for a, v in floor.items()}} for i in range(len(app_month))]
    first = {a: 2.0 for a in browser_report.APP_ACTIONS}
    return {"app": {"first": first, "reps": app}, "floor": {"first": {}, "reps": floor},
            "paired": paired}


def test_ratios_are_medians_of_the_same_run_by_hand() -> None:
    res = _res(floor_select=[0.5, 1.0, 0.8], app_month=[1.0, 1.2, 2.0])
    rows = {(r["app_action"], r["phase"]): r for r in browser_report.evaluate(res)}
    month = rows[("month", "cached")]
    # medians: app 1.2 s, floor 0.8 s -> 1.2 / 0.8 = 1.5x, goal <= 1.5x: met (boundary)
    assert month["app"]["median"] == pytest.approx(1.2)
    assert month["floor"]["median"] == pytest.approx(0.8)
    assert month["ratio"] == pytest.approx(1.5)
    assert month["met"] is True
    # per repetition: 1.0/0.5 = 2.0, 1.2/1.0 = 1.2, 2.0/0.8 = 2.5 -> range 1.2-2.5
    assert month["per_rep_ratio"] == pytest.approx([1.2, 2.5])
    # region (cached) 1.0 s vs the floor's select 0.8 s = 1.25x <= 1.5x: met
    assert rows[("region", "cached")]["ratio"] == pytest.approx(1.25)
    # first visit 2.0 s / 0.8 s = 2.5x, goal under 2x: not met
    first = rows[("region", "first")]
    assert first["ratio"] == pytest.approx(2.5) and first["met"] is False
    # fresh 1.0 / floor fresh 1.0 = 1x <= 2x
    assert rows[("fresh", "cached")]["ratio"] == pytest.approx(1.0)


def test_first_visits_are_the_median_of_the_first_passes_by_hand() -> None:
    res = _res(floor_select=[0.5, 1.0, 0.8], app_month=[1.0, 1.2, 2.0])
    # first passes on three servers: region 2.0 s, then 0.4 s and 1.0 s (the third has no
    # location figure: that pass failed there, and it is left out, not invented)
    res["app"]["first_more"] = [{"region": 0.4, "location": 0.6}, {"region": 1.0}]
    rows = {(r["app_action"], r["phase"]): r for r in browser_report.evaluate(res)}
    region = rows[("region", "first")]
    # median(2.0, 0.4, 1.0) = 1.0 s / floor select median 0.8 s = 1.25x < 2x: met
    assert region["app"]["n"] == 3 and region["app"]["median"] == pytest.approx(1.0)
    assert region["ratio"] == pytest.approx(1.25) and region["met"] is True
    assert region["per_rep_ratio"] == pytest.approx([0.5, 2.5])  # 0.4/0.8 .. 2.0/0.8
    location = rows[("location", "first")]  # median(2.0, 0.6) = 1.3 s / 0.8 s = 1.625x
    assert location["app"]["n"] == 2 and location["ratio"] == pytest.approx(1.625)


def test_summary_spread_by_hand() -> None:
    s = browser_report.summary([4.0, 1.0, 3.0, 2.0])
    # sorted 1, 2, 3, 4: median (2 + 3) / 2 = 2.5; quartiles (exclusive method) 1.25 and 3.75
    assert (s["n"], s["median"], s["min"], s["max"]) == (4, 2.5, 1.0, 4.0)
    assert (s["q1"], s["q3"]) == pytest.approx((1.25, 3.75))
    assert browser_report.summary([]) == {"n": 0}


def test_a_missing_action_is_reported_not_invented() -> None:
    res = _res(floor_select=[0.5], app_month=[1.0])
    res["floor"]["reps"]["select"], res["paired"] = [], []  # the floor's select never measured
    rows = browser_report.evaluate(res)
    selects = [r for r in rows if r["floor_action"] == "select"]
    assert all(r["ratio"] is None and r["met"] is None for r in selects)


def test_doc_section_replaces_only_its_own_block() -> None:
    begin, end = doc_section.markers("browser_bench")
    text = f"# Perf\n\nkept above\n\n{begin}\nold figures\n{end}\n\nkept below\n"
    new = doc_section.replace(text, "browser_bench", "new figures")
    assert "old figures" not in new and "new figures" in new
    assert new.startswith("# Perf\n\nkept above") and new.endswith("kept below\n")
    added = doc_section.replace("# Perf\n", "browser_bench", "figures")
    assert added == f"# Perf\n\n{begin}\nfigures\n{end}\n"
    assert doc_section.extract_all(new) == [f"{begin}\nnew figures\n{end}"]


def test_load_test_goals_by_hand() -> None:
    # RSS samples: thirds of 6 samples are [100, 300], [310, 320], [330, 325]:
    # middle peak 320, last peak 330 -> growth (330 - 320) / 320 = +3.125%
    mem = [(0, 100), (5, 300), (10, 310), (15, 320), (20, 330), (25, 325)]
    mid, last, growth = load_test.memory_growth(mem)
    assert (mid, last) == (320, 330) and growth == pytest.approx(3.125)
    # p50 9.0 s under load vs 3.0 s alone = 3.0x: at the goal (<= 3x)
    assert "= 3.00x | met |" in load_test.ratio_row("browser", 9.0, 3.0)
    assert "**NOT met**" in load_test.ratio_row("browser", 9.3, 3.0)
    assert "not measured" in load_test.ratio_row("browser", 9.0, float("nan"))
    assert load_test.pct([5.0, 1.0, 3.0]) == (3.0, 3.0)  # median 3; 95th: index int(0.95*2)=1


@pytest.mark.browser
@pytest.mark.slow
def test_browser_bench_runs_and_reports_every_action(tmp_path: Path) -> None:
    """One repetition on a tiny demo: every action measured, positive, with its ratio."""
    if not Path(CHROMIUM).exists():
        skip_or_fail(f"{CHROMIUM} not found (apt-get install -y chromium)")
    out, raw = tmp_path / "performance.md", tmp_path / "results.json"
    out.write_text("# Performance\n\nkept\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, str(BENCH / "browser_bench.py"), "--scale", "0.05", "--reps", "1",
         "--workdir", str(tmp_path), "--out", str(out), "--json", str(raw), "--timeout", "90",
         "--first-passes", "2"],
        cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    res = json.loads(raw.read_text(encoding="utf-8"))
    assert not res["errors"], res["errors"]
    for who, actions in (("app", browser_report.APP_ACTIONS),
                         ("floor", browser_report.FLOOR_ACTIONS)):
        for a in actions:
            assert res[who]["first"][a] > 0, (who, a)
            assert len(res[who]["reps"][a]) == 1 and res[who]["reps"][a][0] > 0, (who, a)
    (second,) = res["app"]["first_more"]  # the first pass on a restarted server
    assert all(second[a] > 0 for a in browser_report.APP_ACTIONS), second
    assert set(res["methods"]) == {"region", "location", "back"}
    assert len(res["goals"]) == len(browser_report.GOALS)
    for g in res["goals"]:
        assert g["ratio"] is not None and g["ratio"] > 0 and g["met"] in (True, False), g
    for view in ("floor", "company", "region", "location"):
        assert all(ms > 0 for ms in res["server"][view]["rerun_ms"]), view
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Performance\n\nkept\n")
    (section,) = doc_section.extract_all(text)
    for what, *_ in browser_report.GOALS:
        assert f"| {what} |" in section
    assert "load average" in section and "Server-side Python of a cached rerun" in section


def test_a_covered_control_is_named_from_playwrights_message() -> None:
    # the message Playwright gave on a page whose header lay over the month selectbox
    msg = ('- <div data-testid="stToolbar" class="stAppToolbar">…</div> from <header '
           'data-testid="stHeader" class="stAppHeader">…</header> subtree intercepts pointer '
           'events')
    assert browser_clicks.covered_by(Exception(msg)) == "`stToolbar`"  # the innermost one
    assert browser_clicks.covered_by(Exception("Timeout 5000ms exceeded")) == "another element"
