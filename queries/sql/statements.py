"""Every statement the app sends to a warehouse, by name, built by the code that sends it.

Used to compile-check the SQL for warehouses the tests cannot run (Snowflake, BigQuery,
Databricks, Trino: tests/test_cloud_sql.py) and, on DuckDB, to prove the list is complete: a test
records what a page, a check and a rollup build really send and finds each one here.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.schema import CreateTable, DropTable
from sqlalchemy.sql.expression import Executable

from queries import windows
from queries.scope import Scope, dims_select
from queries.sql import aggregate, check, rollup
from queries.sql.schema import CONTRACT, TABLES, table

SCOPES = {"company": Scope(), "region": Scope(region="N"),
          "location": Scope(region="N", location="L1")}
GROUPINGS = ("child", "location", "none")
START, STOP = date(2025, 10, 1), date(2026, 11, 1)
# A pooled fetch's periods: rolling 3 months ending October, the 3 before, a year earlier
PERIODS = windows.LOCATION_DEFAULT.periods(date(2026, 10, 1))
TWELVE = windows.WINDOWS["12m"].periods(date(2026, 10, 1))  # now and a year earlier
TODAY = date(2026, 11, 28)  # "responses dated after today" is bound to a fixed day here


def _dims() -> dict[str, Executable]:
    # Regions and locations in one statement (queries.scope.load_dims), and again without the
    # optional coordinates when a warehouse refuses them.
    return {"dims": dims_select(), "dims.without_coordinates": dims_select(coordinates=False)}


def _page() -> dict[str, Executable]:
    out: dict[str, Executable] = {}
    s = table("survey_responses")
    out["freshness"] = sa.select(sa.func.min(s.c.responded_on), sa.func.max(s.c.responded_on))
    for level, scope in SCOPES.items():
        for by in GROUPINGS:
            pools = {"": None, ".pooled": PERIODS}
            if by == "child":
                pools[".12m"] = TWELVE  # a chosen rolling 12 months (the window picker)
            if by == "location" and level == "company":
                # one pooled window: the map's locations on a chosen window and the network
                # percentiles (queries/percentiles.py)
                pools[".window"] = PERIODS[:1]
            for suffix, pooled in pools.items():
                tag = f"{level}.by_{by}{suffix}"
                for path, use in (("raw", False), ("rollup", True)):
                    # A view's figures: every table's part in one statement (aggregate.fetch);
                    # the survey's part alone for the company map (NPS per location).
                    parts = aggregate.parts(scope, START, STOP, by, use, periods=pooled)
                    out[f"view.{path}.{tag}"] = aggregate.view_select(parts)
                    if level == "company" and by == "location":
                        out[f"survey.{path}.{tag}"] = parts[0]
    return out


def _journeys() -> dict[str, Executable]:
    """Issue 28: a journey's view (raw rows only: the rollup holds no journey), what the
    warehouse records, the touchpoint scores and the drivers' sums."""
    from queries import journeys
    from queries.sql import items

    out: dict[str, Executable] = {"journeys.recorded": journeys.recorded_select(),
                                  "journeys.items_probe": journeys.items_probe_select()}
    for level, plain in SCOPES.items():
        scope = plain.with_journey("service")
        for by in GROUPINGS:
            pools = {"": None, ".pooled": PERIODS}
            if by == "child":
                pools[".12m"] = TWELVE
            for suffix, pooled in pools.items():
                tag = f"{level}.by_{by}{suffix}"
                parts = aggregate.parts(scope, START, STOP, by, False, periods=pooled)
                out[f"view.journey.{tag}"] = aggregate.view_select(parts)
                if level == "company" and by == "location":
                    out[f"survey.journey.{tag}"] = parts[0]
        now = PERIODS[:2]
        for name, sc, by_journey in (("all", plain, True), ("journey", scope, True),
                                     ("unrecorded", plain, False)):
            out[f"items.scores.{level}.{name}"] = items.scores_select(sc, now, by_journey)
            out[f"items.cross.{level}.{name}"] = items.cross_select(sc, now[0][1], now[0][2],
                                                                    by_journey)
    return out


def _rollup() -> dict[str, Executable]:
    md = sa.MetaData()
    rt, mt = rollup.rollup_table(md), rollup.meta_table(md)
    ft = rollup.fingerprint_table(md)
    return {
        "rollup.fingerprint": sa.select(*rollup.fingerprint_text(TODAY).c),
        "rollup.stored": rollup.stored_select(TODAY),
        "rollup.fingerprint_insert": sa.insert(rollup.FT).values(
            month=date(2026, 10, 1), **{n: "1" for n in rollup.FP_COLUMNS}),
        "rollup.meta": sa.select(rollup.MT.c.source_rows, rollup.MT.c.source_max_date),
        "rollup.build": rollup.build_insert(TODAY),
        "rollup.build_meta": sa.insert(rollup.MT).values(
            built_at="2026-11-28T00:00:00+00:00", source_rows=1,
            source_max_date=date(2026, 10, 31), components=rollup.layout()),
        "rollup.count": sa.select(sa.func.count()).select_from(rollup.RT),
        "rollup.create": CreateTable(rt),
        "rollup.create_meta": CreateTable(mt),
        "rollup.create_fingerprint": CreateTable(ft),
        "rollup.drop": DropTable(rt),
        "rollup.drop_meta": DropTable(mt),
        "rollup.drop_fingerprint": DropTable(ft),
    }


def _check() -> dict[str, Executable]:
    out: dict[str, Executable] = {}
    for spec in CONTRACT:
        stmt, _ = check.quality_select(spec, {c.name for c in spec.columns}, TODAY)
        out[f"check.{spec.name}"] = stmt
        if "month" in {c.name for c in spec.columns}:
            out[f"check.{spec.name}.month_off"] = check.month_off_select(spec.name)
            for kind, stmt in check.duplicate_month_selects(spec.name).items():
                out[f"check.{spec.name}.duplicate_months_{kind}"] = stmt
            out[f"check.{spec.name}.future_months"] = check.future_months_select(spec.name,
                                                                                TODAY)
        if spec.name != "locations" and "location_id" in {c.name for c in spec.columns}:
            out[f"check.{spec.name}.unknown_locations"] = check.unknown_locations_select(
                spec.name)
    for kind, stmt in check.location_warning_selects().items():
        out[f"check.locations.{kind}"] = stmt
    for kind, stmt in check.region_warning_selects().items():
        out[f"check.regions.{kind}"] = stmt
    out["check.survey_comments.orphans"] = check.orphan_comments_select()
    for kind, stmt in check.journey_selects().items():
        out[f"check.survey_responses.journey_{kind}"] = stmt
    for kind, stmt in check.item_selects().items():
        out[f"check.survey_items.{kind}"] = stmt
    assert set(TABLES) == {s.name for s in CONTRACT}
    return out


def _comments() -> dict[str, Executable]:
    """What customers say (queries/text): a view's figures per level, per child, its examples,
    and the batch step's read of untagged comments and its DDL."""
    from queries.text import figures, store
    from queries.text.codeframe import load as load_codeframe

    cf = load_codeframe()
    month, window = date(2026, 10, 1), windows.LOCATION_DEFAULT
    out: dict[str, Executable] = {}
    for level, scope in SCOPES.items():
        out[f"comments.figures.{level}"] = figures.figures_select(cf, scope, month, window)
        out[f"comments.examples.{level}"] = figures.examples_select(
            cf, scope, month, window, cf.ids[:3])
    out["comments.figures.children"] = figures.figures_select(cf, SCOPES["region"], month,
                                                              window, by="child")
    md = sa.MetaData()
    tags = store.tags_table(cf, md)
    out["comments.untagged"] = store.untagged_select(TODAY, tags)
    out["comments.create_tags"] = CreateTable(tags)
    out["comments.create_meta"] = CreateTable(store.meta_table(md))
    return out


def catalog() -> dict[str, Executable]:
    """Name -> statement, for every statement shape the app sends (parameters bound)."""
    out = {**_dims(), **_page(), **_journeys(), **_rollup(), **_check(), **_comments()}
    # Every "not dated after today" condition reads one fixed day, so compiled text is stable
    # (the rollup's INSERT is built with it).
    return {k: v.params(today=TODAY) if isinstance(v, sa.Select) else v for k, v in out.items()}
