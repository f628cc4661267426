"""A tiny hand-built warehouse whose every number is worked out by hand in test_metrics.py."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import sqlalchemy as sa

from queries.sql.schema import CONTRACT, META, metadata

D = date
REGIONS = [("N", "North"), ("S", "South")]
LOCATIONS = [
    ("L1", "Lakeside", "N", 45.0, -93.0),
    ("L2", "Ridge", "N", 44.0, -92.0),
    ("L3", "Bayou", "S", None, None),
]
# response_id, location_id, responded_on, nps_score, sat_overall, sat_expectations, sat_ideal
SURVEY = [
    (1, "L1", D(2026, 10, 3), 10, 9, 8, 10),
    (2, "L1", D(2026, 10, 5), 9, 8, 8, 7),
    (3, "L1", D(2026, 10, 9), 7, 7, 6, 6),
    (4, "L1", D(2026, 10, 12), 3, 2, 3, 1),
    (5, "L1", D(2026, 10, 15), None, 10, 9, None),  # NPS question skipped
    (6, "L1", D(2026, 10, 20), 11, 5, 5, 5),  # NPS out of range
    (6, "L1", D(2026, 10, 20), 11, 5, 5, 5),  # the same response loaded twice
    (7, "L2", D(2026, 10, 2), 10, 10, 10, 10),
    (8, "L2", D(2026, 10, 31), 6, 6, 0, 6),  # sat_expectations out of range
    (9, "L3", D(2026, 10, 10), 8, 8, 8, 8),
    (10, "L1", D(2026, 9, 10), 10, 9, 9, 9),
    (11, "L1", D(2026, 9, 30), 5, 4, 4, 4),
    (12, "L2", D(2026, 9, 15), 9, 9, 9, 9),
    (13, "L1", D(2025, 10, 5), 6, 6, 6, 6),
]
OCT, SEP = D(2026, 10, 1), D(2026, 9, 1)
# location_id, month, exec_owner_assigned, leader_listening_hours, leaders, cx_agenda_minutes,
# meeting_minutes, detractors_flagged, detractors_closed_48h
LEADERSHIP = [
    ("L1", OCT, True, 6.0, 3, 30.0, 120.0, 4, 3),
    ("L2", OCT, False, 1.0, 2, 10.0, 100.0, 2, 2),
    ("L3", OCT, None, 2.0, None, 20.0, 80.0, 0, 0),
    ("L1", SEP, True, 3.0, 3, 20.0, 100.0, 2, 1),
]
# location_id, month, variable_pay, cx_linked_pay, cx_target_met
INCENTIVES = [
    ("L1", OCT, 1000.0, 400.0, True),
    ("L2", OCT, 2000.0, 200.0, False),
    ("L3", OCT, 1000.0, 100.0, None),
]
# location_id, month, pulse_responses, enps_promoters, enps_detractors, recognitions, employees
CULTURE = [
    ("L1", OCT, 20, 10, 4, 30, 25),
    ("L2", OCT, 10, 3, 5, 5, 15),
    ("L3", OCT, 5, 6, 1, -1, 10),  # promoters + detractors > responses; negative recognitions
]
# location_id, month, customers_start, customers_retained, new_customers, referred_new_customers
LOYALTY = [
    ("L1", OCT, 200, 180, 20, 5),
    ("L2", OCT, 100, 95, 10, 4),
    ("L3", OCT, 50, 40, 0, 0),
    ("L1", SEP, 200, 170, 20, 2),
]

ROWS = {
    "regions": REGIONS,
    "locations": LOCATIONS,
    "survey_responses": SURVEY,
    "leadership_monthly": LEADERSHIP,
    "incentives_monthly": INCENTIVES,
    "culture_monthly": CULTURE,
    "loyalty_monthly": LOYALTY,
}


def tables(rows: dict[str, list[tuple]]) -> sa.MetaData:
    """The contract's tables as `rows` need them: survey_items only when rows name it, and an
    optional trailing column (survey_responses.journey) only when the rows carry it, so the
    fixture is a warehouse without journeys unless a test gives it some (issue 28)."""
    specs = []
    for spec in CONTRACT:
        if spec.name == "survey_items" and spec.name not in rows:
            continue
        width = max((len(r) for r in rows.get(spec.name) or []), default=len(spec.columns))
        specs.append(replace(spec, columns=tuple(
            c for i, c in enumerate(spec.columns) if c.required or i < width)))
    return metadata(tuple(specs))


def load(engine: sa.Engine, rows: dict[str, list[tuple]] | None = None) -> None:
    """Create the contract tables and insert the rows (through SQLAlchemy: any backend)."""
    rows = ROWS if rows is None else rows
    md = tables(rows)
    with engine.begin() as conn:
        META.drop_all(conn)
        md.create_all(conn)
        for name, data in rows.items():
            t = md.tables[name]
            if data:
                conn.execute(t.insert(), [dict(zip(t.c.keys(), r, strict=True)) for r in data])


def load_with_rollup(engine: sa.Engine, rows: dict[str, list[tuple]] | None = None) -> None:
    """`load`, then the monthly rollup built from those rows (a `make_warehouse` loader)."""
    from queries.sql import rollup

    load(engine, rows)
    rollup.build(engine)
