"""The page benchmark's own arithmetic (benchmarks/page/), by hand: medians per cell, the "same
numbers" check between paths, the scale list, and the doc section it rewrites. No timing."""

from __future__ import annotations

from pathlib import Path

from benchmarks import doc_section
from benchmarks.page.__main__ import scales
from benchmarks.page.measure import medians
from benchmarks.page.report import SPARK_SECTION, write_spark_report
from benchmarks.page.workers import same_numbers


def test_medians_per_key_with_the_cold_spread() -> None:
    rows = [{"cold_ms": 3.0, "calls": 2, "month": "2026-10", "used": True},
            {"cold_ms": 1.0, "calls": 4, "month": "2026-09", "used": False},
            {"cold_ms": 2.0, "calls": 3}]
    got = medians(rows)
    assert got["repeats"] == 3
    assert got["cold_ms"] == 2.0 and got["cold_ms_min"] == 1.0 and got["cold_ms_max"] == 3.0
    assert got["calls"] == 3 and "calls_min" not in got  # spread only for the cold time
    assert got["month"] == "2026-10" and got["used"] is True  # not numbers: the first value


def test_same_numbers_within_a_millionth_and_missing_alike() -> None:
    a = {"m:nps": 40.0, "c:N:nps": None, "p:L1": 0.0}
    assert same_numbers(a, {"m:nps": 40.00003, "c:N:nps": None, "p:L1": 0.0})  # 3e-5 < 1e-6*40
    assert not same_numbers(a, {"m:nps": 40.0001, "c:N:nps": None, "p:L1": 0.0})  # 1e-4 > 4e-5
    assert not same_numbers(a, {"m:nps": 40.0, "c:N:nps": 1.0, "p:L1": 0.0})  # None vs a value
    assert not same_numbers(a, {"m:nps": 40.0, "c:N:nps": None})  # a map point missing
    assert same_numbers({"p:L1": 0.0}, {"p:L1": 5e-7})  # near zero: absolute 1e-6


def test_scales_drop_blanks_and_zeros() -> None:
    assert scales("1,10") == [1.0, 10.0]
    assert scales("0.05, ,0") == [0.05]
    assert scales("") == []


def test_spark_report_rewrites_only_its_section(tmp_path: Path) -> None:
    results = {"date": "2026-11-28 09:20 UTC", "command": "python -m benchmarks.page --spark 1",
               "machine_text": "2 cores", "repeats": 3,
               "spark": [{"rows": 1_048_735, "build_s": 28.4, "loadavg_start": [11.4],
                          "loadavg_end": [13.6], "floor": {"cold_ms": 500.0, "warm_ms": 450.0},
                          "pages": {"rollup/company": {"cold_ms": 5200.0, "warm_ms": 5300.0,
                                                       "same_numbers": True}}}]}
    out = tmp_path / "scale-out.md"
    out.write_text("# Scale out\n\nkept\n", encoding="utf-8")
    write_spark_report(results, out)
    write_spark_report(results, out)  # again: replaced, not appended twice
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Scale out\n\nkept\n")
    (section,) = doc_section.extract_all(text)
    assert section == doc_section.extract(text, SPARK_SECTION)
    # 5200 / 500 = 10.4x; 28.4 s build rounds to 28 s
    assert ("| 1,048,735 | company | rollup | 5.2 s | 5.3 s | 0.5 / 0.5 s | 10.4x | yes | "
            "11.4-13.6 |") in section
    assert "28 s at 1,048,735 responses" in section
