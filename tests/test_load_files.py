"""Hostile files for `cx-scorecard load` (issue 25): a stale Excel dimension record, formulas
never calculated, a measure left entirely empty, oversized workbooks, a wrong-format file read to
the end, sources outside the mapping's folder, and a killed load's leftovers. Data tests run on
DuckDB and PostgreSQL (the `new_url` fixture)."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from queries.loading import loader, readers, xlsx
from queries.loading.mapping import load_mapping
from queries.loading.readers import SourceError
from tests.load_fixtures import MAPPING, write_pilot
from tests.test_load import fingerprint, leftovers, tables_of

CULTURE_HEAD = ["Store", "Month", "Pulse", "Promoters", "Detractors", "Recognitions", "Employees"]
# Three October rows; the pilot's stores are L1 and L2 (L3 is an unknown location, kept).
CULTURE_ROWS = [["L1", "2026-10", 20, 10, 4, 12, 25], ["L2", "2026-10", 10, 3, 5, 4, 12],
                ["L3", "2026-10", 8, 2, 2, 1, 9]]
XLSX_MAPPING = MAPPING.replace('source = "culture.csv"', 'source = "culture.xlsx"')


def write_workbook(path: Path, rows: list[list], head: list[str] = CULTURE_HEAD) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Pulse"
    ws.append(head)
    for r in rows:
        ws.append(r)
    wb.save(path)


def patch_sheet(path: Path, edit) -> None:
    """Rewrite the first sheet's XML inside the zip (as a writer other than Excel would)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = edit(data.decode("utf-8")).encode("utf-8")
            out.writestr(info, data)
    path.write_bytes(buf.getvalue())


def stale(path: Path, ref: str) -> None:
    patch_sheet(path, lambda xml: re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="{ref}"',
                                         xml))


def pilot_with_workbook(folder: Path, rows: list[list] = CULTURE_ROWS) -> Path:
    path = write_pilot(folder, mapping=XLSX_MAPPING)
    write_workbook(folder / "culture.xlsx", rows)
    return path


# --- item 1: a stale <dimension ref> ------------------------------------------------------------


def test_a_stale_dimension_record_loses_no_rows(new_url, tmp_path):
    folder = tmp_path / "p"
    path = pilot_with_workbook(folder)
    stale(folder / "culture.xlsx", "A1:C2")  # says: header and one row, three columns
    with zipfile.ZipFile(folder / "culture.xlsx") as z:
        assert b'<dimension ref="A1:C2"' in z.read("xl/worksheets/sheet1.xml")
    ws = openpyxl.load_workbook(folder / "culture.xlsx", read_only=True).active
    assert len(list(ws.iter_rows(values_only=True))) == 2  # what openpyxl alone would give
    url = new_url()
    rep = loader.load(path, url, progress=False, max_rejected=1.0)
    assert rep.tables["culture_monthly"].read == 3 and rep.tables["culture_monthly"].loaded == 3
    got = tables_of(url)["culture_monthly"]
    assert got["location_id"].tolist() == ["L1", "L2", "L3"]
    assert got["employees"].tolist() == [25, 12, 9]  # column G, beyond the record's C


def test_rows_read_are_cross_checked_against_the_sheet(tmp_path, monkeypatch):
    """Should openpyxl ever stop short again, the scan of the sheet's XML catches it."""
    folder = tmp_path / "p"
    path = pilot_with_workbook(folder)
    stale(folder / "culture.xlsx", "A1:G2")
    monkeypatch.setattr(openpyxl.worksheet._read_only.ReadOnlyWorksheet, "reset_dimensions",
                        lambda self: None)  # the old behaviour: trust the record
    url = f"duckdb:///{tmp_path / 'x.duckdb'}"
    with pytest.raises(SourceError, match=r"culture\.xlsx: sheet 'Pulse': read 2 rows up to row "
                       r"2, but the sheet holds 4 up to row 4; refusing a partial read"):
        loader.load(path, url, progress=False, max_rejected=1.0)
    assert leftovers(url, tmp_path) == []


# --- item 6: formulas without a saved value; a measure left empty -------------------------------


def test_formula_cells_without_a_saved_value_are_refused_by_cell(tmp_path):
    folder = tmp_path / "p"
    rows = [r[:] for r in CULTURE_ROWS]
    rows[0][3] = "=C2/2"  # Promoters of L1: openpyxl writes the formula, no value
    rows[2][3] = "=C4/4"
    path = pilot_with_workbook(folder, rows)
    with pytest.raises(SourceError, match=r"culture\.xlsx: sheet 'Pulse': 2 formula cells "
                       r"without a saved value \(D2, D4\)"):
        loader.open_sources(load_mapping(path))


def test_a_formula_in_a_column_not_loaded_is_harmless(tmp_path):
    folder = tmp_path / "p"
    head = [*CULTURE_HEAD, "Check"]
    path = write_pilot(folder, mapping=XLSX_MAPPING)
    write_workbook(folder / "culture.xlsx", [[*r, "=C2*2"] for r in CULTURE_ROWS], head)
    rep = loader.load(path, f"duckdb:///{tmp_path / 'x.duckdb'}", progress=False, max_rejected=1)
    assert rep.committed and rep.tables["culture_monthly"].loaded == 3


def test_a_measure_left_entirely_empty_is_refused(new_url, tmp_path):
    url = new_url()
    good = write_pilot(tmp_path / "good")
    loader.load(good, url, progress=False, max_rejected=1.0)
    before = fingerprint(url)
    blank = write_pilot(tmp_path / "blank", files={
        "culture.csv": "Store,Month,Pulse,Promoters,Detractors,Recognitions,Employees\n"
                       "L1,2026-10,20,,4,12,25\nL2,2026-10,10,,5,4,12\n"})
    with pytest.raises(loader.LoadRefused, match=r"empty in every loaded row: "
                       r"culture_monthly\.enps_promoters \(source column 'Promoters' of "
                       r"culture\.csv\)"):
        loader.load(blank, url, progress=False, max_rejected=1.0)
    assert fingerprint(url) == before
    assert leftovers(url, tmp_path) == []


# --- item 8: caps, streaming and the early stop -------------------------------------------------


def test_workbooks_beyond_the_row_or_size_cap_are_refused_before_reading(tmp_path, monkeypatch):
    folder = tmp_path / "p"
    path = pilot_with_workbook(folder)
    monkeypatch.setattr(xlsx, "MAX_ROWS", 3)
    with pytest.raises(SourceError, match=r"sheet 'Pulse': more than 3 rows"):
        loader.open_sources(load_mapping(path))
    monkeypatch.setattr(xlsx, "MAX_ROWS", 1_048_576)
    monkeypatch.setattr(xlsx, "MAX_UNCOMPRESSED", 1000)
    with pytest.raises(SourceError, match=r"culture\.xlsx: unpacks to 0 MB, more than the loader "
                       r"reads \(0 MB\)"):
        loader.open_sources(load_mapping(path))


def test_a_wrong_format_stops_the_load_early_and_streams_rejects(tmp_path, monkeypatch):
    """2,000 responses in a date format the mapping does not expect, read 100 rows at a time:
    the load stops after the first chunk (100 of 2,000 rejected is already more than 10% of
    the file's 2,000), with those 100 rows written out, not all 2,000."""
    monkeypatch.setattr(readers, "CHUNK_ROWS", 100)
    lines = ["ResponseId,RecordedDate,StoreCode,Q_LTR,Q_SAT,Q_EXPECT,Q_IDEAL"]
    lines += [f"{i},2026-10-{1 + i % 28:02d},L1,9,9,9,9" for i in range(1, 2001)]
    folder = tmp_path / "p"
    path = write_pilot(folder, files={"responses.csv": "\n".join(lines) + "\n",
                                      "stores.csv": "Store,Name,Region\nL1,Lakeside,N\n"
                                                    "L2,Southgate,S\n"})
    with pytest.raises(loader.LoadRefused, match=r"survey_responses 100 of 100 rows .*stopped "
                       r"reading responses\.csv after row 101") as refused:
        loader.load(path, f"duckdb:///{tmp_path / 'x.duckdb'}", progress=False)
    rep = refused.value.report
    assert rep.tables["survey_responses"].read == 100
    assert "loyalty_monthly" not in rep.tables  # tables after it are not read
    written = (folder / "mapping.rejected.survey_responses.csv").read_text().splitlines()
    assert len(written) == 101 and written[0].startswith("source_row,reject_reason,")
    assert rep.rejected_files == [folder / "mapping.rejected.survey_responses.csv"]


def test_rejects_of_many_chunks_are_appended_to_one_file(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "CHUNK_ROWS", 2)  # the pilot's 7 responses in four chunks
    path = write_pilot(tmp_path / "p")
    rep = loader.load(path, f"duckdb:///{tmp_path / 'x.duckdb'}", progress=False, max_rejected=1)
    text = (tmp_path / "p" / "mapping.rejected.survey_responses.csv").read_text()
    assert text.count("source_row") == 1  # one header
    assert [line.split(",")[0] for line in text.splitlines()[1:]] == ["3", "6"]
    assert rep.tables["survey_responses"].rejected == 2


# --- item 7: sources stay inside the mapping's folder -------------------------------------------


@pytest.mark.parametrize(("source", "reason"), [
    ("../outside/regions.csv", r"must stay inside the mapping's folder \(no '\.\.'\)"),
    ("{abs}", r"must be a path relative to the mapping's folder"),
    ("~/regions.csv", r"must be a path relative to the mapping's folder"),
    ("linked.csv", r"linked\.csv is a symbolic link"),
    ("shared/regions.csv", r"shared is a symbolic link"),
])
def test_sources_outside_the_folder_or_through_links_are_refused(tmp_path, source, reason):
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "regions.csv"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/bin/false\n")
    folder = tmp_path / "p"
    write_pilot(folder)
    (folder / "linked.csv").symlink_to(secret)
    (folder / "shared").symlink_to(outside, target_is_directory=True)
    text = MAPPING.replace('source = "regions.csv"',
                           f'source = "{source.replace("{abs}", str(secret))}"')
    path = folder / "hostile.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SourceError, match=reason) as err:
        loader.open_sources(load_mapping(path))
    assert "root:" not in str(err.value) and "daemon" not in str(err.value)


def test_a_column_mismatch_shows_only_a_bounded_header(tmp_path):
    """The header is named in the error, cut: never a whole line of a file that is not a
    table."""
    long = "x" * 500
    head = ",".join([long, *(f"c{i}" for i in range(20))])
    path = write_pilot(tmp_path / "p", files={"regions.csv": head + "\nN,North\n"})
    with pytest.raises(Exception, match=r"column 'Code' is not in regions\.csv") as err:
        loader.open_sources(load_mapping(path))
    msg = str(err.value)
    assert "x" * 39 + "…" in msg and "x" * 41 not in msg
    assert "c10 and 9 more)" in msg  # 21 names: 12 shown


# --- item 8: a killed load's leftovers ----------------------------------------------------------

HANG = """
import pathlib, sys, time
from queries.loading import loader
staged = loader._stage_table
def hang(*args, **kwargs):
    staged(*args, **kwargs)
    pathlib.Path(sys.argv[3]).write_text("staging")
    time.sleep(600)
loader._stage_table = hang
loader.load(sys.argv[1], sys.argv[2], progress=False, max_rejected=1.0)
"""


def _wait_for(cond, what: str, limit_s: float = 60.0) -> None:
    """Poll a condition (not a timing assertion: the limit only stops a hung test)."""
    import time

    deadline = time.monotonic() + limit_s
    while not cond():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.1)


def _stage_locks(url: str) -> int:
    import sqlalchemy as sa

    from queries.loading.write import LOCK_CLASS

    eng = sa.create_engine(url)
    with eng.connect() as c:
        n = c.execute(sa.text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                              "AND classid = :k"), {"k": LOCK_CLASS}).scalar_one()
    eng.dispose()
    return int(n)


def test_a_killed_load_is_cleaned_up_by_the_next(new_url, tmp_path):
    import os
    import subprocess
    import sys

    from queries.loading.write import open_stage

    url = new_url()
    path = write_pilot(tmp_path / "p")
    flag = tmp_path / "staging.flag"
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.Popen([sys.executable, "-c", HANG, str(path), url, str(flag)],
                            env={**os.environ, "PYTHONPATH": str(root)})
    try:
        _wait_for(flag.exists, "the load to stage a table")
    finally:
        proc.kill()  # SIGKILL: no finally, no atexit, no clean-up of its own
        proc.wait()
    left = leftovers(url, tmp_path)
    assert left, "the killed load left nothing behind to clean"
    if not url.startswith("duckdb"):
        _wait_for(lambda: _stage_locks(url) == 0, "the server to end the killed session")
    live = open_stage(url)  # the next load: it removes what the killed one left
    assert sorted(live.cleaned) == sorted(left)
    try:
        # ... and a load beside it keeps the stage of the one still running
        rep = loader.load(path, url, progress=False, max_rejected=1.0)
        assert rep.committed and rep.cleaned == []
        kept = {n.removesuffix(".wal") for n in leftovers(url, tmp_path)}
        assert kept == {live.tmp.name if url.startswith("duckdb") else live.schema}
    finally:
        live.abort()
    assert leftovers(url, tmp_path) == []
