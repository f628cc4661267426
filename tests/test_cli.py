"""The command line on the fixture warehouse: metrics, check, and clear failures."""

from __future__ import annotations

import json

import pytest

from cli import main as cli


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def url_of(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def test_metrics_json_is_stable_and_matches_hand_arithmetic(warehouse, capsys):
    code, out, _ = run(capsys, "metrics", "--url", url_of(warehouse), "--month", "2026-10",
                       "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["schema_version"] == 1
    assert doc["scope"] == {"level": "company", "region": None, "location": None,
                            "name": "Company", "journey": None}
    assert doc["month"] == "2026-10"
    by = {m["metric"]: m for m in doc["metrics"]}
    assert set(by["nps"]) == {
        "metric", "label", "panel", "unit", "direction", "value", "numerator", "denominator",
        "n", "margin_of_error_95", "interval_95", "low_confidence", "min_n", "excluded_rows",
        "target", "status", "previous_month", "same_month_last_year", "change_vs_previous",
        "change_vs_last_year", "window",
    }
    assert by["nps"]["window"] == "1m"
    assert doc["window"] == {"code": "1m", "label": "month", "children": "1m"}
    # 100 * (3 - 2) / 7 = 14.29; the margin is the half-width of the one interval, the
    # adjusted-Wald [-39.58, 59.58] (see test_metrics): 49.58
    assert by["nps"]["value"] == 14.29 and by["nps"]["n"] == 7
    assert by["nps"]["margin_of_error_95"] == 49.58
    assert by["nps"]["interval_95"] == [-39.58, 59.58]
    assert by["nps"]["status"] == "low_confidence"
    assert by["retention_rate"]["value"] == 90.0
    assert by["nps"]["target"] == 47  # the 2026 override in targets.toml
    assert set(doc["insights"]) == {
        "fair_rank", "funnel", "most_improved", "leadership_owner", "leadership_listening",
        "payout_alignment", "pay_vs_improvement", "gaming", "satisfaction_loyalty",
        "culture_link",
    }
    code, out, _ = run(capsys, "metrics", "--url", url_of(warehouse), "--month", "2026-10",
                       "--format", "json", "--no-insights")
    assert code == 0 and json.loads(out)["insights"] is None


def test_metrics_table_for_a_location(warehouse, capsys):
    code, out, _ = run(capsys, "metrics", "--url", url_of(warehouse), "--month", "2026-10",
                       "--location", "L1")
    assert code == 0
    assert "Lakeside - October 2026" in out
    line = next(x for x in out.splitlines() if x.startswith("Net Promoter Score"))
    # a location defaults to rolling 3 months: Oct 10, 9, 7, 3 + Sep 10, 5 -> (3 - 2) / 6
    assert " 17 pts" in line and "rolling 3 months" in out
    code, out, _ = run(capsys, "metrics", "--url", url_of(warehouse), "--month", "2026-10",
                       "--location", "L1", "--window", "1m")
    line = next(x for x in out.splitlines() if x.startswith("Net Promoter Score"))
    assert code == 0 and " 25 pts" in line  # L1 October alone: (2 - 1) / 4 = 25


def test_metrics_window_pools_answers_and_a_bad_window_is_refused(warehouse, capsys):
    code, out, _ = run(capsys, "metrics", "--url", url_of(warehouse), "--month", "2026-10",
                       "--window", "3m", "--format", "json", "--no-insights")
    doc = json.loads(out)
    by = {m["metric"]: m for m in doc["metrics"]}
    # Aug-Oct 2026 pooled (tests/test_windows.py): 10 answers, promoters 5, detractors 3
    assert code == 0 and (by["nps"]["value"], by["nps"]["n"]) == (20.0, 10)
    assert {m["window"] for m in doc["metrics"]} == {"3m"}
    assert doc["window"] == {"code": "3m", "label": "rolling 3 months", "children": "3m"}
    assert by["nps"]["change_vs_previous"] == "n/a"  # May-Jul holds no answers
    code, _, err = run(capsys, "metrics", "--url", url_of(warehouse), "--window", "2w")
    assert code == 2 and "Unknown window '2w': choose one of 1m (month)" in err


@pytest.mark.parametrize("args, message", [
    (["--month", "2026-13"], "YYYY-MM"),
    (["--month", "Oct"], "YYYY-MM"),
    (["--region", "ZZ"], "Unknown region 'ZZ'"),
    (["--region", "S", "--location", "L1"], "not in region"),
])
def test_metrics_bad_input_is_one_clear_line(warehouse, capsys, args, message):
    code, out, err = run(capsys, "metrics", "--url", url_of(warehouse), *args)
    assert code == 2
    assert message in err and "Traceback" not in err
    assert out == ""


def test_metrics_empty_month_says_no_data(warehouse, capsys):
    code, out, _ = run(capsys, "metrics", "--url", url_of(warehouse), "--month", "2026-03")
    assert code == 0
    assert "No data for 2026-03" in out


def test_check_passes_and_counts_excluded_values(warehouse, capsys):
    code, out, _ = run(capsys, "check", "--url", url_of(warehouse), "--format", "json")
    assert code == 0
    rep = json.loads(out)
    assert rep["ok"] and rep["problems"] == []
    q = {(r["table"], r["column"], r["issue"]): r["rows"] for r in rep["quality"]}
    # The raw table holds id 6 twice, both with nps_score 11.
    assert q[("survey_responses", "nps_score", "outside 0-10")] == 2
    assert q[("survey_responses", "response_id", "duplicate id (counted once)")] == 1
    assert q[("survey_responses", "sat_expectations", "outside 1-10")] == 1
    assert q[("survey_responses", "nps_score", "NULL (skipped or missing)")] == 1
    assert q[("culture_monthly", "recognitions", "below 0")] == 1
    assert q[("culture_monthly", "enps_promoters", "promoters + detractors > responses")] == 1
    assert q[("leadership_monthly", "exec_owner_assigned", "NULL (skipped or missing)")] == 1
    assert rep["row_counts"]["survey_responses"] == 14
    code, _, _ = run(capsys, "check", "--url", url_of(warehouse), "--strict")
    assert code == 1


def _broken(engine, rows=None):
    from tests.fixture_warehouse import load

    load(engine, rows)
    with engine.begin() as c:
        c.exec_driver_sql("ALTER TABLE survey_responses DROP COLUMN sat_ideal")
        c.exec_driver_sql("DROP TABLE culture_monthly")


def test_check_names_missing_table_and_column(make_warehouse, capsys):
    eng = make_warehouse(loader=_broken, name="broken")
    code, out, _ = run(capsys, "check", "--url", url_of(eng))
    assert code == 1
    assert "PROBLEM  missing table culture_monthly" in out
    assert "PROBLEM  survey_responses: missing column sat_ideal" in out
    assert "FAILS (2 problems)" in out


def test_unreachable_warehouse_is_a_clear_error(capsys, tmp_path):
    code, _, err = run(capsys, "check", "--url", "postgresql+psycopg://nobody@127.0.0.1:1/x")
    assert code == 2 and "unreachable" in err and "Traceback" not in err
    code, _, err = run(capsys, "check", "--url", f"duckdb:///{tmp_path / 'nope.duckdb'}")
    assert code == 2 and "not found" in err


def test_bad_url_is_a_clear_error(capsys):
    code, _, err = run(capsys, "check", "--url", "not a url")
    assert code == 2 and "Not a valid SQLAlchemy URL" in err
