"""`cx-scorecard load`: the sample exports give the demo's warehouse; bad rows are rejected,
reported and written out; a failed load leaves the previous warehouse as it was (both engines)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from cli import main as cli
from queries.loading import loader
from queries.loading.mapping import MappingError, load_mapping
from queries.loading.readers import SourceError
from queries.sql.check import check
from queries.sql.engine import make_engine
from queries.sql.schema import CONTRACT
from sample_data import write_exports
from sample_data.generate import DEFAULT_SEED
from sample_data.load import build_demo_with_rollup
from tests.load_fixtures import MAPPING, REJECTED, write_pilot

ROOT = Path(__file__).resolve().parents[1]
EXPORTS = ROOT / "sample_data" / "exports"


def tables_of(url: str) -> dict[str, pd.DataFrame]:
    """Every contract table, sorted, so two warehouses can be compared cell by cell."""
    eng = make_engine(url)
    try:
        with eng.connect() as c:
            out = {}
            for t in CONTRACT:
                cols = [x.name for x in t.columns]
                frame = pd.read_sql(sa.text(f"SELECT * FROM {t.name}"), c)[cols]
                out[t.name] = frame.sort_values(cols).reset_index(drop=True)
            return out
    finally:
        eng.dispose()


def metrics(capsys, url: str, *extra: str) -> dict:
    capsys.readouterr()
    code = cli.main(["metrics", "--url", url, "--month", "2026-10", "--format", "json",
                     "--no-insights", *extra])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


# --- the sample exports --------------------------------------------------------------------------


@pytest.mark.slow
def test_sample_exports_load_to_exactly_the_demo(new_url, capsys):
    """The exports are the demo at EXPORT_SCALE written in a platform's shape: loading them must
    give the same tables and the same scorecard as building the demo directly."""
    loaded, direct = new_url("loaded"), new_url("direct")
    rep = loader.load(EXPORTS / "mapping.toml", loaded, progress=False)
    assert rep.committed and not rep.rejected_files
    assert all(t.rejected == 0 for t in rep.tables.values())
    build_demo_with_rollup(direct, scale=write_exports.EXPORT_SCALE, seed=DEFAULT_SEED,
                           progress=False)
    a, b = tables_of(loaded), tables_of(direct)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], check_dtype=False, obj=name)
    # The demo's planted dirt is kept, not rejected: check reports it the same on both.
    assert {(q.table, q.column, q.issue) for q in rep.quality} >= {
        ("survey_responses", "response_id", "duplicate id (counted once)"),
        ("survey_responses", "nps_score", "NULL (skipped or missing)")}
    for scope in ((), ("--region", "NE")):
        assert metrics(capsys, loaded, *scope) == metrics(capsys, direct, *scope)


def test_committed_exports_are_what_the_generator_writes(tmp_path):
    """The committed files are reproducible: the generator rewrites them byte for byte (CSV)
    and cell for cell (the workbook)."""
    written = write_exports.write_exports(tmp_path)
    for path in written:
        committed = EXPORTS / path.name
        if path.suffix == ".csv":
            # a bare bool: pytest's diff of two large byte strings takes many minutes
            same = path.read_bytes() == committed.read_bytes()
            assert same, f"{path.name} differs: run python -m sample_data.write_exports"
        else:
            pd.testing.assert_frame_equal(pd.read_excel(path), pd.read_excel(committed))
    total = sum((EXPORTS / p.name).stat().st_size for p in written)
    assert total < 5_000_000  # small enough to commit


def test_readme_command_loads_the_page_warehouse(tmp_path, monkeypatch, capsys):
    """`cx-scorecard load --mapping sample_data/exports/mapping.toml && cx-scorecard demo`: the
    load writes the embedded warehouse the page opens, so `demo` does not rebuild it."""
    demo = tmp_path / "demo.duckdb"
    monkeypatch.setenv("CX_DEMO_PATH", str(demo))
    monkeypatch.delenv("CX_WAREHOUSE_URL", raising=False)
    monkeypatch.chdir(ROOT)
    assert "cx-scorecard load --mapping sample_data/exports/mapping.toml && cx-scorecard demo" \
        in (ROOT / "README.md").read_text(encoding="utf-8")
    assert cli.main(["load", "--mapping", "sample_data/exports/mapping.toml", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "survey_responses" in out and "22,556" in out
    stamp = demo.stat().st_mtime_ns
    assert cli.main(["metrics", "--month", "2026-10", "--no-insights"]) == 0  # the demo source
    assert demo.stat().st_mtime_ns == stamp  # used as loaded, not rebuilt


# --- the hostile pilot ---------------------------------------------------------------------------


def test_every_rejected_row_is_reported_and_written_out(new_url, tmp_path, capsys):
    url = new_url()
    path = write_pilot(tmp_path / "pilot")
    rep = loader.load(path, url, progress=False, max_rejected=1.0)
    assert rep.committed
    counts = {n: (t.read, t.loaded, t.rejected) for n, t in rep.tables.items()}
    assert counts["survey_responses"] == (7, 5, 2)
    assert counts["locations"] == (3, 2, 1)
    assert counts["leadership_monthly"] == (2, 1, 1)
    assert counts["regions"] == (2, 2, 0)
    assert rep.tables["survey_responses"].reasons == {
        "RecordedDate: does not match %d/%m/%Y": 1, "Q_LTR: not a number": 1}
    assert rep.tables["leadership_monthly"].reasons == {
        "Exec owner: not in the map ('Yes', 'No')": 1}
    # Written beside the mapping: one CSV per table, the source row, the reason, the row itself.
    assert sorted(p.name for p in rep.rejected_files) == sorted(
        f"mapping.rejected.{t}.csv" for t in REJECTED)
    for table, rows in REJECTED.items():
        with (tmp_path / "pilot" / f"mapping.rejected.{table}.csv").open(newline="") as fh:
            got = {int(r["source_row"]): r for r in csv.DictReader(fh)}
        assert {n: r["reject_reason"] for n, r in got.items()} == rows
    written = pd.read_csv(tmp_path / "pilot" / "mapping.rejected.leadership_monthly.csv")
    assert written.loc[0, "Exec owner"] == "Maybe" and written.loc[0, "Store"] == "L2"
    # The duplicate response id is kept (the contract counts it once) and reported by check.
    assert any(q.issue == "duplicate id (counted once)" and q.rows == 1 for q in rep.quality)
    doc = metrics(capsys, url)
    by = {m["metric"]: m for m in doc["metrics"]}
    assert by["nps"]["value"] == 25.0 and by["nps"]["n"] == 4  # 100 * (2 - 1) / 4, see fixture
    assert by["exec_owner_share"]["value"] == 100.0  # L1 "Yes" of 1 loaded location-month


def fingerprint(url: str) -> dict[str, list]:
    """Row counts and content of the small tables, to show a warehouse did not change."""
    return {n: f.astype(str).values.tolist() for n, f in tables_of(url).items()}


def leftovers(url: str, folder: Path) -> list[str]:
    """Temporary files (DuckDB) or staging schemas (PostgreSQL) a load left behind."""
    if url.startswith("duckdb"):
        return [p.name for p in folder.iterdir() if ".tmp" in p.name]
    eng = sa.create_engine(url)
    with eng.connect() as c:
        names = c.execute(sa.text("SELECT schema_name FROM information_schema.schemata "
                                  "WHERE schema_name LIKE 'cx_load_%'")).scalars().all()
    eng.dispose()
    return list(names)


def test_a_failed_load_leaves_the_previous_warehouse_untouched(new_url, tmp_path):
    url = new_url()
    good = write_pilot(tmp_path / "good")
    loader.load(good, url, progress=False, max_rejected=1.0)
    before = fingerprint(url)

    # Too many rejected rows (the default limit is 10% of a table): refused, nothing written.
    with pytest.raises(loader.LoadRefused, match="too many rejected rows") as refused:
        loader.load(good, url, progress=False)
    assert not refused.value.report.committed
    assert refused.value.report.rejected_files  # still written out, so the user can fix them

    # A wrong date format for the whole column: every survey row rejected.
    wrong = write_pilot(tmp_path / "wrong", mapping=MAPPING.replace("%d/%m/%Y", "%m-%d-%Y"))
    with pytest.raises(loader.LoadRefused, match="survey_responses 7 of 7 rows"):
        loader.load(wrong, url, progress=False, max_rejected=0.5)

    # An unreadable file: names the file and the reason.
    broken = write_pilot(tmp_path / "broken", files={"culture.xlsx": b"not a workbook"},
                         mapping=MAPPING.replace('"culture.csv"', '"culture.xlsx"'))
    with pytest.raises(SourceError, match=r"culture\.xlsx: not an Excel \.xlsx workbook"):
        loader.load(broken, url, progress=False, max_rejected=1.0)

    # A source column that is not in the file: refused before any row is read, with its line.
    missing = write_pilot(tmp_path / "missing", files={
        "loyalty.csv": "Store,Month,Start,Retained,New\nL1,2026-10,100,90,10\n"})
    with pytest.raises(MappingError, match=r"line \d+: \[loyalty_monthly.columns\] "
                       r"referred_new_customers: column 'Referred' is not in loyalty.csv"):
        loader.load(missing, url, progress=False, max_rejected=1.0)

    assert fingerprint(url) == before
    assert leftovers(url, tmp_path) == []
    eng = make_engine(url)
    assert check(eng).ok
    eng.dispose()


def test_failure_during_the_swap_keeps_the_old_warehouse(new_url, tmp_path, monkeypatch):
    """Even a failure at the very end (after staging and checking) changes nothing."""
    url = new_url()
    path = write_pilot(tmp_path / "pilot")
    loader.load(path, url, progress=False, max_rejected=1.0)
    before = fingerprint(url)

    def boom(*_a, **_k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(loader.rollup, "build", boom)
    changed = write_pilot(tmp_path / "changed", files={
        "regions.csv": "Code,Region\nN,North renamed\nS,South\n"})
    with pytest.raises(RuntimeError, match="disk full"):
        loader.load(changed, url, progress=False, max_rejected=1.0)
    assert fingerprint(url) == before
    assert leftovers(url, tmp_path) == []


# --- the mapping's own errors --------------------------------------------------------------------


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_mapping_errors_name_the_table_the_key_and_the_line(tmp_path):
    text = (MAPPING
            .replace('source = "stores.csv"', 'source = "stores.csv"\nsheeet = "x"')
            .replace('nps_score = "Q_LTR"', 'nps_scor = "Q_LTR"')
            .replace('format = "%Y-%m" }\ncustomers_start',
                     'format = "%Y-%m", fromat = "x" }\ncustomers_start')
            .replace('"No" = false }', '"No" = "nope" }')
            + '\n[surveys]\nsource = "x.csv"\n')
    path = tmp_path / "mapping.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MappingError) as err:
        load_mapping(path)
    msg = str(err.value)
    assert msg.startswith(f"Mapping {path}: 6 problems\n")  # every problem, in line order
    assert f"line {line_of(text, 'sheeet')}: [locations] sheeet: unknown key (allowed: " \
           "columns, delimiter, encoding, sheet, source)" in msg
    assert (f"line {line_of(text, 'nps_scor =')}: [survey_responses.columns] nps_scor: "
            "not a column of survey_responses (allowed: journey, location_id, nps_score, ") in msg
    assert (f"line {line_of(text, '[survey_responses.columns]')}: [survey_responses.columns] "
            "nps_score: missing; the source column name, or { column = ") in msg
    assert f"line {line_of(text, 'fromat')}: [loyalty_monthly.columns.month] fromat: " \
           "unknown key (allowed: column, format, map)" in msg
    assert f"line {line_of(text, 'nope')}: [leadership_monthly.columns.exec_owner_assigned." \
           "map] No: must be true or false without quotes, not 'nope'" in msg
    assert f"line {line_of(text, '[surveys]')}: [surveys]: not a contract table" in msg


@pytest.mark.parametrize(("change", "problem"), [
    # A key's own checks: each names its line (counted in the MAPPING text of load_fixtures).
    (('source = "stores.csv"', 'source = "stores.csv"\nsheet = "x"'),
     "line 9: [locations] sheet: `sheet` applies to .xlsx sources only"),
    (('source = "stores.csv"', 'source = "stores.csv"\ndelimiter = ";;"'),
     "line 9: [locations] delimiter: must be one character in quotes, not ';;'"),
    (('source = "stores.csv"', 'source = "stores.sql"'),
     "line 8: [locations] source: 'stores.sql' is not a .csv, .parquet or .xlsx file"),
    (('response_id = "ResponseId"', 'response_id = 5'),
     "line 17: [survey_responses.columns] response_id: must be the source column name, or"),
    (('nps_score = "Q_LTR"', 'nps_score = { column = "Q_LTR", format = "%d" }'),
     "line 20: [survey_responses.columns.nps_score] format: `format` applies to date and month "
     "columns only"),
    (('format = "%d/%m/%Y"', 'format = "dd/mm/yyyy"'),
     '[survey_responses.columns.responded_on] format: a strftime format such as "%d/%m/%Y"'),
    (('"Y" = true, "N" = false', '"Y" = 1'),
     "[incentives_monthly.columns.cx_target_met.map] Y: must be true or false without quotes"),
])
def test_mapping_key_errors(tmp_path, change, problem):
    path = tmp_path / "mapping.toml"
    path.write_text(MAPPING.replace(*change), encoding="utf-8")
    with pytest.raises(MappingError) as err:
        load_mapping(path)
    assert problem in str(err.value) and str(path) in str(err.value)


def test_mapping_with_a_byte_order_mark_loads(tmp_path):
    # Excel and Notepad save "UTF-8 with BOM"; tomllib alone would refuse the file with
    # "Invalid statement (at line 1, column 1)" (issue 25). Lines are still counted from 1.
    path = tmp_path / "mapping.toml"
    path.write_bytes(("\ufeff" + MAPPING).encode())
    assert load_mapping(path).tables["regions"].line == 1
    path.write_bytes(("\ufeff" + MAPPING.replace('region_id = "Code"', "region_id = 1")).encode())
    with pytest.raises(MappingError, match=r"line 4: \[regions.columns\] region_id: must be"):
        load_mapping(path)


def test_mapping_that_is_not_toml_or_misses_a_table(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[regions\nsource = 1", encoding="utf-8")
    with pytest.raises(MappingError, match="not valid TOML"):
        load_mapping(bad)
    short = tmp_path / "short.toml"
    short.write_text(MAPPING.split("[locations]")[0], encoding="utf-8")
    with pytest.raises(MappingError, match=r"\[culture_monthly\]: missing"):
        load_mapping(short)
    with pytest.raises(MappingError, match="nowhere.toml, cannot read the file: No such file"):
        load_mapping(tmp_path / "nowhere.toml")


@pytest.mark.parametrize(("name", "body", "reason"), [
    ("responses.csv", None, r"responses\.csv: no such file"),
    ("responses.csv", b"\xff\xfeR\x00e\x00s\x00", r"responses\.csv: not utf-8 text"),
    ("responses.csv", b"", r"responses\.csv: No columns to parse"),
    ("responses.parquet", b"PAR1 nonsense", r"responses\.parquet: not a readable Parquet"),
])
def test_unreadable_sources_name_the_file_and_the_reason(tmp_path, name, body, reason):
    folder = tmp_path / "p"
    path = write_pilot(folder, mapping=MAPPING.replace('"responses.csv"', f'"{name}"'))
    (folder / "responses.csv").unlink()
    if body is not None:
        (folder / name).write_bytes(body)
    with pytest.raises(SourceError, match=reason):
        loader.open_sources(load_mapping(path))


def test_parquet_and_excel_sources_load_like_csv(tmp_path, capsys):
    """The same rows from Parquet (typed columns) and Excel (typed cells) give the same result."""
    folder = tmp_path / "p"
    write_pilot(folder)
    stores = pd.read_csv(folder / "stores.csv")
    stores.to_parquet(folder / "stores.parquet")
    culture = pd.read_csv(folder / "culture.csv")
    culture["Month"] = pd.to_datetime(culture["Month"] + "-15")  # a mid-month date: month 1st
    write_exports.write_xlsx(culture, folder / "culture.xlsx", "HR")
    text = (MAPPING.replace('"stores.csv"', '"stores.parquet"')
            .replace('source = "culture.csv"', 'source = "culture.xlsx"\nsheet = "HR"')
            .replace('month = { column = "Month", format = "%Y-%m" }\npulse',
                     'month = "Month"\npulse'))
    path = folder / "typed.toml"
    path.write_text(text, encoding="utf-8")
    url = f"duckdb:///{tmp_path / 'typed.duckdb'}"
    rep = loader.load(path, url, progress=False, max_rejected=1.0)
    assert rep.tables["locations"].rejected == 1  # the duplicate L1, as from CSV
    assert rep.tables["culture_monthly"].loaded == 2
    got = tables_of(url)["culture_monthly"]
    assert got["month"].astype(str).tolist() == ["2026-10-01", "2026-10-01"]
    assert got["pulse_responses"].tolist() == [20, 10]


# --- the command ---------------------------------------------------------------------------------


def test_load_command_exit_codes_and_summary(tmp_path, capsys):
    url = f"duckdb:///{tmp_path / 'cli.duckdb'}"
    path = write_pilot(tmp_path / "pilot")
    code = cli.main(["load", "--mapping", str(path), "--url", url, "--quiet"])
    out, err = capsys.readouterr()
    assert code == 1  # refused: more than 10% of a table rejected
    assert "error: too many rejected rows" in err and "Traceback" not in err
    assert "Nothing was written" in out
    # The load stops at the first table past the limit (locations: 1 of 3, the duplicate L1):
    # the tables after it are not read.
    assert "REJECTED locations: 1 rows (duplicate key (first kept))" in out
    assert "stopped reading stores.csv after row 4" in err
    assert "survey_responses" not in out
    code = cli.main(["load", "--mapping", str(path), "--url", url, "--quiet",
                     "--max-rejected", "1", "--format", "json"])
    out, _ = capsys.readouterr()
    assert code == 0
    doc = json.loads(out)
    assert doc["committed"] and doc["tables"]["survey_responses"]["rejected"] == 2
    (tmp_path / "pilot" / "responses.csv").unlink()
    code = cli.main(["load", "--mapping", str(path), "--url", url, "--quiet"])
    _, err = capsys.readouterr()
    assert code == 2 and "responses.csv: no such file" in err and "Traceback" not in err
    code = cli.main(["load", "--mapping", str(tmp_path / "none.toml"), "--url", url])
    _, err = capsys.readouterr()
    assert code == 2 and f"\nerror: Mapping {tmp_path / 'none.toml'}, cannot read the file" in err


def test_rejected_rows_file_is_safe_to_open_in_a_spreadsheet(tmp_path):
    folder = tmp_path / "p"
    path = write_pilot(folder, files={
        "regions.csv": "Code,Region\nN,North\nS,South\n,=HYPERLINK(1)\n"})
    rep = loader.load(path, f"duckdb:///{tmp_path / 'x.duckdb'}", progress=False, max_rejected=1)
    assert rep.tables["regions"].reasons == {"Code: empty (region_id is required)": 1}
    text = (folder / "mapping.rejected.regions.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK(1)" in text


def test_conversions_keep_what_the_contract_tolerates():
    from queries.loading.convert import BadValue, blank, to_bool, to_date, to_float, to_int, to_text

    assert blank("  ") is None and blank(float("nan")) is None and blank(" 7 ") == "7"
    assert to_int("7", 2**31) == 7 and to_int(7.0, 2**31) == 7 and to_int("11", 2**31) == 11
    for bad in ("7.5", "seven", "1_000", True, "inf"):
        with pytest.raises(BadValue):
            to_int(bad, 2**31)
    with pytest.raises(BadValue, match="too large"):
        to_int(str(2**31), 2**31)
    assert to_int("3000000001", 2**63) == 3000000001
    assert to_float("1.5") == 1.5 and to_text(12.0) == "12" and to_text(7) == "7"
    with pytest.raises(BadValue):
        to_float("nan")
    assert to_bool("TRUE") is True and to_bool(0) is False
    with pytest.raises(BadValue):
        to_bool("Yes")  # only through a map
    assert str(to_date("2026-10-17", None, month=True)) == "2026-10-01"
    assert str(to_date("17/10/2026", "%d/%m/%Y", month=False)) == "2026-10-17"


def test_a_workbook_with_several_sheets_needs_sheet(tmp_path):
    import openpyxl

    folder = tmp_path / "p"
    folder.mkdir()
    wb = openpyxl.Workbook()
    wb.active.title = "2025"
    wb.create_sheet("2026").append(["Store"])
    wb.save(folder / "culture.xlsx")
    path = write_pilot(folder, mapping=MAPPING.replace('"culture.csv"', '"culture.xlsx"'))
    with pytest.raises(SourceError, match=r"culture\.xlsx: 2 sheets \(2025, 2026\): name one"):
        loader.open_sources(load_mapping(path))
    named = write_pilot(folder, mapping=MAPPING.replace(
        'source = "culture.csv"', 'source = "culture.xlsx"\nsheet = "2027"'))
    with pytest.raises(SourceError, match=r"no sheet '2027' \(sheets: 2025, 2026\)"):
        loader.open_sources(load_mapping(named))


def test_large_files_show_a_progress_bar(tmp_path, monkeypatch, capsys):
    from queries.loading import readers

    monkeypatch.setattr(readers, "BAR_DELAY_S", 0)  # "large": here, any file
    monkeypatch.setattr(readers, "CHUNK_ROWS", 2)
    path = write_pilot(tmp_path / "p")
    loader.load(path, f"duckdb:///{tmp_path / 'bar.duckdb'}", progress=True, max_rejected=1)
    err = capsys.readouterr().err
    assert "survey_responses" in err and "B/s" in err  # CSV progress counts bytes read
