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
from queries.scope import Scope
from queries.sql import aggregate, check, rollup
from queries.sql.schema import CONTRACT, MONTHLY_TABLES, TABLES, table

SCOPES = {"company": Scope(), "region": Scope(region="N"),
          "location": Scope(region="N", location="L1")}
GROUPINGS = ("child", "location", "none")
START, STOP = date(2025, 10, 1), date(2026, 11, 1)
TODAY = date(2026, 11, 28)  # "responses dated after today" is bound to a fixed day here


def _dims() -> dict[str, Executable]:
    loc, reg = table("locations"), table("regions")
    return {
        "dims.regions": sa.select(reg.c.region_id, reg.c.region_name),
        "dims.locations": sa.select(loc.c.location_id, loc.c.location_name, loc.c.region_id,
                                    loc.c.latitude, loc.c.longitude),
        "dims.locations_without_coordinates": sa.select(loc.c.location_id,
                                                        loc.c.location_name, loc.c.region_id),
    }


def _page() -> dict[str, Executable]:
    out: dict[str, Executable] = {}
    s = table("survey_responses")
    out["freshness"] = sa.select(sa.func.min(s.c.responded_on), sa.func.max(s.c.responded_on))
    for level, scope in SCOPES.items():
        for by in GROUPINGS:
            tag = f"{level}.by_{by}"
            out[f"survey.raw.{tag}"] = aggregate.survey_select(scope, START, STOP, by)
            out[f"survey.rollup.{tag}"] = rollup.rollup_select(scope, START, STOP, by)
            for name in MONTHLY_TABLES:
                out[f"{name}.{tag}"] = aggregate.monthly_select(name, scope, START, STOP, by)
    out.update(_pooled())
    return out


def _pooled() -> dict[str, Executable]:
    """The pooled windows' statements (scorecard.build): each level's children by window, where
    rolling 3 months pools three periods (now, before, a year earlier) and 12 months or the year
    to date two (a year back is also 'before'); the company map pools the locations' window."""
    out: dict[str, Executable] = {}
    for code in ("3m", "12m"):
        periods = windows.WINDOWS[code].periods(date(2026, 10, 1))
        start, stop = min(p[1] for p in periods), max(p[2] for p in periods)
        for level, scope in SCOPES.items():
            tag = f"{code}.{level}.by_child"
            out[f"survey.raw.{tag}"] = aggregate.survey_select(scope, start, stop, "child",
                                                               periods)
            out[f"survey.rollup.{tag}"] = rollup.rollup_select(scope, start, stop, "child",
                                                               periods)
            for name in MONTHLY_TABLES:
                out[f"{name}.{tag}"] = aggregate.monthly_select(name, scope, start, stop,
                                                                "child", periods)
        now = periods[:1]
        if code == windows.BEHIND.code:  # the furthest behind: children over the window alone
            for level in ("company", "region"):
                tag = f"behind.{level}.by_child"
                a, b = now[0][1], now[0][2]
                out[f"survey.raw.{tag}"] = aggregate.survey_select(SCOPES[level], a, b,
                                                                   "child", now)
                out[f"survey.rollup.{tag}"] = rollup.rollup_select(SCOPES[level], a, b,
                                                                   "child", now)
                for name in MONTHLY_TABLES:
                    out[f"{name}.{tag}"] = aggregate.monthly_select(name, SCOPES[level], a,
                                                                    b, "child", now)
        out[f"survey.raw.{code}.company.map"] = aggregate.survey_select(
            Scope(), now[0][1], now[0][2], "location", now)
        out[f"survey.rollup.{code}.company.map"] = rollup.rollup_select(
            Scope(), now[0][1], now[0][2], "location", now)
    return out


def _rollup() -> dict[str, Executable]:
    md = sa.MetaData()
    rt, mt = rollup.rollup_table(md), rollup.meta_table(md)
    ft = rollup.fingerprint_table(md)
    return {
        "rollup.fingerprint": rollup.fingerprint_select(TODAY),
        "rollup.fingerprint_stored": sa.select(rollup.FT.c.month,
                                               *(rollup.FT.c[n] for n in rollup.FP_COLUMNS)),
        "rollup.fingerprint_insert": sa.insert(rollup.FT).values(
            month=date(2026, 10, 1), **{n: "1" for n in rollup.FP_COLUMNS}),
        "rollup.meta": sa.select(rollup.MT.c.source_rows, rollup.MT.c.source_max_date),
        "rollup.build": rollup.build_insert(TODAY),
        "rollup.build_meta": sa.insert(rollup.MT).values(
            built_at="2026-11-28T00:00:00+00:00", source_rows=1,
            source_max_date=date(2026, 10, 31)),
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
    assert set(TABLES) == {s.name for s in CONTRACT}
    return out


def catalog() -> dict[str, Executable]:
    """Name -> statement, for every statement shape the app sends (parameters bound)."""
    out = {**_dims(), **_page(), **_rollup(), **_check()}
    # Every "not dated after today" condition reads one fixed day, so compiled text is stable
    # (the rollup's INSERT is built with it).
    return {k: v.params(today=TODAY) if isinstance(v, sa.Select) else v for k, v in out.items()}
