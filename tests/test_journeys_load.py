"""Journeys and touchpoint answers through `cx-scorecard load` and `views` (issue 28): both are
optional in a mapping, and a mapping that names them loads them."""

from __future__ import annotations

import pytest

from queries import journeys
from queries import scope as sc
from queries.loading import loader
from queries.loading.mapping import load_mapping
from queries.loading.views import view_statements
from queries.sql.engine import make_engine
from tests import load_fixtures as lf
from tests.test_journeys import build, nps

RESPONSES = (
    "ResponseId,RecordedDate,StoreCode,Q_LTR,Q_SAT,Q_EXPECT,Q_IDEAL,Journey\n"
    "1,05/10/2026,L1,10,9,9,9,Sales\n"
    "3,07/10/2026,L2,3,4,4,4,Service\n"
    "3,07/10/2026,L2,3,4,4,4,Service\n"
    "5,09/10/2026,L1,9,9,9,9,Service\n"
    "6,10/10/2026,L2,8,7,7,7,Sales\n"
)
ITEMS = "ResponseId,Question,Answer\n1,salesperson,9\n3,advisor,2\n5,advisor,9\n6,salesperson,7\n"
MAPPING = lf.MAPPING.replace('sat_ideal = "Q_IDEAL"\n', '''sat_ideal = "Q_IDEAL"
journey = { column = "Journey", map = { "Sales" = "sales", "Service" = "service" } }
''') + '''
[survey_items]
source = "items.csv"
[survey_items.columns]
response_id = "ResponseId"
item = "Question"
score = "Answer"
'''


def test_a_mapping_with_journeys_and_items_loads_them(tmp_path):
    path = lf.write_pilot(tmp_path / "pilot", {"responses.csv": RESPONSES, "items.csv": ITEMS},
                          MAPPING)
    url = f"duckdb:///{tmp_path / 'loaded.duckdb'}"
    rep = loader.load(path, url, progress=False, max_rejected=0.5)
    assert rep.tables["survey_items"].loaded == 4
    eng = make_engine(url)
    try:
        assert journeys.recorded(eng) == journeys.Recorded(("sales", "service"), True)
        # Sales: ids 1 (10, promoter) and 6 (8) -> NPS 50 of 2; service: 3 (3, detractor, the
        # duplicate once) and 5 (9, promoter) -> 0 of 2.
        assert nps(build(eng, sc.Scope(journey="sales"))) == (pytest.approx(50.0), 2)
        assert nps(build(eng, sc.Scope(journey="service"))) == (pytest.approx(0.0), 2)
    finally:
        eng.dispose()


def test_a_mapping_without_them_is_as_before(tmp_path):
    """The pilot's own mapping (no journey, no [survey_items]) still reads and loads."""
    path = lf.write_pilot(tmp_path / "pilot")
    mapping = load_mapping(path)
    assert "survey_items" not in mapping.tables
    url = f"duckdb:///{tmp_path / 'loaded.duckdb'}"
    loader.load(path, url, progress=False, max_rejected=0.5)
    eng = make_engine(url)
    try:
        assert journeys.recorded(eng) == journeys.Recorded((), False)
    finally:
        eng.dispose()


def test_views_take_the_optional_table_and_column(tmp_path):
    text = MAPPING.replace('"items.csv"', '"raw.items"')
    for name in ("regions", "stores", "responses", "loyalty", "leadership", "incentives",
                 "culture"):
        text = text.replace(f'"{name}.csv"', f'"raw.{name}"')
    (tmp_path / "m.toml").write_text(text, encoding="utf-8")
    with_items = view_statements(load_mapping(tmp_path / "m.toml", mode="tables"), "duckdb")
    assert any("VIEW survey_items" in s for s in with_items)
    assert any("journey" in s and "'Service'" in s for s in with_items)
    plain = text.split("\n[survey_items]")[0]
    (tmp_path / "p.toml").write_text(plain, encoding="utf-8")
    without = view_statements(load_mapping(tmp_path / "p.toml", mode="tables"), "duckdb")
    assert len(without) == len(with_items) - 1
