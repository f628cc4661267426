"""The board pack's files: the CSV helpers, the pack's name, writing it atomically, and the
`cx-scorecard pack` command end to end (the pack is the page printed by Chromium,
pack/printed.py; its content is tested in tests/test_pack_printed.py).

The one test that prints needs Debian's Chromium (marked `browser`); it skips without it, and
fails under CI=true.
"""

from __future__ import annotations

import io
import os
from datetime import date

import pytest
from pypdf import PdfReader

import pack as pk
from cli import main as cli
from pack import printed
from queries import scope as sc
from queries import scorecard, targets
from store.actions import ActionInput, ActionStore
from tests.conftest import skip_or_fail

OCT = date(2026, 10, 1)


def need_chromium() -> None:
    try:
        printed.browser_path()
    except pk.PackError as exc:
        skip_or_fail(str(exc))


def url_of(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def test_csv_helpers(warehouse):
    dims = sc.load_dims(warehouse)
    card = scorecard.build(warehouse, dims, sc.Scope(), OCT, targets.load(), with_map=False)
    data = pk.to_csv_bytes(pk.metrics_frame(card))
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 with a BOM
    lines = data.decode("utf-8-sig").splitlines()
    assert len(lines) == 1 + len(card.metrics)
    nps = next(x for x in lines if x.split(",")[2] == "nps")
    assert ",14.29," in nps and ",49.58," in nps  # value and margin as the CLI's JSON
    league = pk.league_frame(card)
    # worst first: S is off target on 2 headlines (CX pay share, retention), N on 1 (eNPS)
    assert list(league.key) == ["S", "N"]
    assert {"nps", "nps_moe", "nps_status", "responses"} <= set(league.columns)
    assert league.set_index("key").loc["N", "responses"] == 8  # L1: ids 1-6 (6 twice); L2: 7, 8
    assert list(pk.movers_frame(card).columns)[:3] == ["key", "name", "metric"]
    trend = pk.trend_frame(card)
    assert len(trend) == scorecard.TREND_MONTHS * len(card.metrics)
    assert pk.csv_name("league", sc.Scope(region="N"), OCT) == "cx-scorecard_N_2026-10_league.csv"
    assert pk.pack_name(sc.Scope(), OCT) == "cx-scorecard_company_2026-10_board-pack.pdf"


def test_actions_frame(tmp_path):
    store = ActionStore(f"sqlite:///{tmp_path / 'a.sqlite'}")
    store.add(ActionInput(sc.Scope(region="N"), "nps", "Ana", "Do it.", OCT), OCT)
    df = pk.actions_frame(store.list(month=OCT), {"N": "North"})
    assert df.loc[0, ["status", "scope", "metric_label", "due_month"]].tolist() == [
        "open", "North", "Net Promoter Score", "2026-10"]
    store.dispose()


def test_no_chromium_is_a_clear_error_and_writes_nothing(warehouse, tmp_path, capsys,
                                                        monkeypatch):
    monkeypatch.setenv("CX_CHROMIUM", str(tmp_path / "no-chromium"))
    with pytest.raises(pk.PackError, match="apt-get install -y chromium"):
        printed.build(warehouse, sc.load_dims(warehouse), sc.Scope(), OCT, targets.load())
    out = tmp_path / "out"
    out.mkdir()
    code = cli.main(["pack", "--url", url_of(warehouse), "--month", "2026-10",
                     "--out", str(out / "p.pdf")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and err[-1].startswith("error: ") and "chromium" in err[-1], err
    assert list(out.iterdir()) == []


def test_a_failure_while_writing_leaves_no_file(tmp_path, monkeypatch):
    target = tmp_path / "keep.pdf"
    target.write_bytes(b"last month's pack")

    def boom(*_a, **_k):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        printed.write(target, b"%PDF-1.7 this month")
    assert target.read_bytes() == b"last month's pack"  # the old file is untouched
    assert [p.name for p in tmp_path.iterdir()] == ["keep.pdf"]  # and no temp file is left
    monkeypatch.undo()
    printed.write(target, b"%PDF-1.7 this month")
    assert target.read_bytes() == b"%PDF-1.7 this month"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.pdf"]
    with pytest.raises(pk.PackError, match="does not exist"):
        printed.write(tmp_path / "no" / "x.pdf", b"%PDF")


@pytest.mark.browser
def test_cli_pack_end_to_end(tmp_path, capsys, monkeypatch):
    """`cx-scorecard pack` prints the page of region North with its open action, writes the
    file atomically (no temporary file left) and says where."""
    need_chromium()
    from tests.page import fixture_duckdb

    url = fixture_duckdb(tmp_path)
    actions = f"sqlite:///{tmp_path / 'a.sqlite'}"
    store = ActionStore(actions)
    store.add(ActionInput(sc.Scope(region="N", location="L1"), "nps", "Chris Lee",
                          "Call back every detractor ± 48 h.", scorecard.add_months(OCT, 1)),
              OCT)
    store.dispose()
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "pack.pdf"
    code = cli.main(["pack", "--url", url, "--month", "2026-10", "--region", "N",
                     "--actions-url", actions, "--out", str(out)])
    stdout, stderr = capsys.readouterr()
    assert code == 0, stderr
    assert f"Board pack written to {out}" in stdout and "Board pack ready" in stderr
    reader = PdfReader(io.BytesIO(out.read_bytes()))
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    assert len(reader.pages) >= 2 and f"page 1 of {len(reader.pages)}" in text
    assert "North · October 2026" in text and "Lakeside" in text
    assert "Call back every detractor ± 48 h." in text and "Chris Lee" in text
    assert [p.name for p in out.parent.iterdir()] == ["pack.pdf"]  # no temporary file left


@pytest.mark.parametrize("args, words", [
    (["--month", "2026-13"], "YYYY-MM"),
    (["--month", "Oct"], "YYYY-MM"),
    (["--month", "2026-10", "--region", "ZZ"], "Unknown region 'ZZ'"),
    (["--month", "2027-01"], "No survey responses in January 2027: the warehouse holds"),
    (["--month", "2019-01"], "No survey responses in January 2019"),
])
def test_cli_pack_bad_input_exits_2_and_writes_nothing(warehouse, tmp_path, capsys, args, words):
    out = tmp_path / "pack.pdf"
    code = cli.main(["pack", "--url", url_of(warehouse), "--out", str(out), *args])
    _, err = capsys.readouterr()
    assert code == 2
    assert err.startswith("error: ") and words in err and len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_cli_pack_refuses_a_missing_folder_or_not_a_pdf(tmp_path, capsys):
    for out, words in ((tmp_path / "nope" / "p.pdf", "does not exist"),
                       (tmp_path / "p.txt", ".pdf")):
        code = cli.main(["pack", "--month", "2026-10", "--out", str(out),
                         "--url", "duckdb:///" + os.devnull])
        assert code == 2 and words in capsys.readouterr().err
