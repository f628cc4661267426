"""The warehouse contract: the tables and columns customers' warehouses are built to.

One declaration serves four readers: the demo loader creates these tables, `cx-scorecard check`
validates a warehouse against them, the query layer selects from them, and docs/warehouse.md is
tested to document every column listed here.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa


@dataclass(frozen=True)
class ColumnSpec:
    """One contract column: its type, whether it may be absent, and its allowed range."""

    name: str
    type: sa.types.TypeEngine
    meaning: str
    low: float | None = None
    high: float | None = None
    required: bool = True
    nullable: bool = True
    # The largest value a location-month can plausibly hold: above it is a data error (1e308
    # pay made sums overflow), excluded from the metrics and counted by `check`.
    plausible: float | None = None


@dataclass(frozen=True)
class TableSpec:
    name: str
    grain: str
    columns: tuple[ColumnSpec, ...]
    # An optional table may be absent: `check` notes it, the loader and `views` skip it, and
    # everything that does not read it works exactly as before.
    optional: bool = False

    def column(self, name: str) -> ColumnSpec:
        return next(c for c in self.columns if c.name == name)


PLAUSIBLE_COUNT = 1e8  # people, answers, hours, minutes per location and month
PLAUSIBLE_MONEY = 1e15  # currency per location and month (any currency)


def _month_cols() -> tuple[ColumnSpec, ColumnSpec]:
    return (
        ColumnSpec("location_id", sa.String(), "The location the row describes.", nullable=False),
        ColumnSpec("month", sa.Date(), "First day of the calendar month.", nullable=False),
    )


CONTRACT: tuple[TableSpec, ...] = (
    TableSpec(
        "regions",
        "one row per region",
        (
            ColumnSpec("region_id", sa.String(), "Stable region key (text).", nullable=False),
            ColumnSpec("region_name", sa.String(), "Name shown on the page."),
        ),
    ),
    TableSpec(
        "locations",
        "one row per location (dealership)",
        (
            ColumnSpec("location_id", sa.String(), "Stable location key (text).", nullable=False),
            ColumnSpec("location_name", sa.String(), "Name shown on the page."),
            ColumnSpec("region_id", sa.String(), "The region the location belongs to."),
            ColumnSpec("latitude", sa.Float(), "WGS84 latitude, for the map.", -90, 90, False),
            ColumnSpec("longitude", sa.Float(), "WGS84 longitude, for the map.", -180, 180, False),
        ),
    ),
    TableSpec(
        "survey_responses",
        "one row per customer survey response",
        (
            ColumnSpec(
                "response_id",
                sa.BigInteger(),
                "Unique response key; duplicates count once.",
                nullable=False,
            ),
            ColumnSpec("location_id", sa.String(), "The location the customer dealt with."),
            ColumnSpec("responded_on", sa.Date(), "Date the customer answered."),
            ColumnSpec(
                "nps_score", sa.Integer(), "Likelihood to recommend, 0-10; NULL = skipped.", 0, 10
            ),
            ColumnSpec(
                "sat_overall", sa.Integer(), "Overall satisfaction, 1-10; NULL = skipped.", 1, 10
            ),
            ColumnSpec(
                "sat_expectations", sa.Integer(), "Met expectations, 1-10; NULL = skipped.", 1, 10
            ),
            ColumnSpec(
                "sat_ideal",
                sa.Integer(),
                "Close to an ideal experience, 1-10; NULL = skipped.",
                1,
                10,
            ),
            ColumnSpec(
                "journey",
                sa.String(),
                "Which journey the survey was about: 'sales' or 'service'; NULL = not recorded "
                "(optional; see docs/journeys.md).",
                required=False,
            ),
        ),
    ),
    TableSpec(
        "loyalty_monthly",
        "one row per location and month",
        (
            *_month_cols(),
            ColumnSpec(
                "customers_start",
                sa.Integer(),
                "Active customers at month start.",
                0,
                plausible=PLAUSIBLE_COUNT,
            ),
            ColumnSpec(
                "customers_retained",
                sa.Integer(),
                "Of those, still active at month end.",
                0,
                plausible=PLAUSIBLE_COUNT,
            ),
            ColumnSpec(
                "new_customers",
                sa.Integer(),
                "Customers won during the month.",
                0,
                plausible=PLAUSIBLE_COUNT,
            ),
            ColumnSpec(
                "referred_new_customers",
                sa.Integer(),
                "Of the new customers, those referred by an existing one.",
                0,
                plausible=PLAUSIBLE_COUNT,
            ),
        ),
    ),
    TableSpec(
        "leadership_monthly",
        "one row per location and month",
        (
            *_month_cols(),
            ColumnSpec(
                "exec_owner_assigned",
                sa.Boolean(),
                "A named senior executive owns this location's CX this month.",
            ),
            ColumnSpec(
                "leader_listening_hours",
                sa.Float(),
                "Hours leaders spent listening to customers directly.",
                0,
                plausible=PLAUSIBLE_COUNT,
            ),
            ColumnSpec(
                "leaders",
                sa.Integer(),
                "Number of leaders at the location.",
                0,
                plausible=PLAUSIBLE_COUNT,
            ),
            ColumnSpec(
                "cx_agenda_minutes",
                sa.Float(),
                "Leadership meeting minutes spent on customer experience.",
                0,
                plausible=PLAUSIBLE_COUNT,
            ),
            ColumnSpec(
                "meeting_minutes",
                sa.Float(),
                "All leadership meeting minutes.",
                0,
                plausible=PLAUSIBLE_COUNT,
            ),
            ColumnSpec(
                "detractors_flagged",
                sa.Integer(),
                "Detractor surveys flagged for follow-up.",
                0,
                plausible=PLAUSIBLE_COUNT,
            ),
            ColumnSpec(
                "detractors_closed_48h",
                sa.Integer(),
                "Of those, closed with the customer within 48 hours.",
                0,
                plausible=PLAUSIBLE_COUNT,
            ),
        ),
    ),
    TableSpec(
        "incentives_monthly",
        "one row per location and month",
        (
            *_month_cols(),
            ColumnSpec(
                "variable_pay",
                sa.Float(),
                "Variable pay (bonus) paid out, currency.",
                0,
                plausible=PLAUSIBLE_MONEY,
            ),
            ColumnSpec(
                "cx_linked_pay",
                sa.Float(),
                "Part of the variable pay tied to CX outcomes, currency.",
                0,
                plausible=PLAUSIBLE_MONEY,
            ),
            ColumnSpec("cx_target_met", sa.Boolean(), "The location met its CX target this month."),
        ),
    ),
    TableSpec(
        "culture_monthly",
        "one row per location and month",
        (
            *_month_cols(),
            ColumnSpec(
                "pulse_responses",
                sa.Integer(),
                "Employee pulse-survey responses.",
                0,
                plausible=PLAUSIBLE_COUNT,
            ),
            ColumnSpec(
                "enps_promoters",
                sa.Integer(),
                "Employees answering 9-10.",
                0,
                plausible=PLAUSIBLE_COUNT,
            ),
            ColumnSpec(
                "enps_detractors",
                sa.Integer(),
                "Employees answering 0-6.",
                0,
                plausible=PLAUSIBLE_COUNT,
            ),
            ColumnSpec(
                "recognitions",
                sa.Integer(),
                "Peer or manager recognitions given.",
                0,
                plausible=PLAUSIBLE_COUNT,
            ),
            ColumnSpec("employees", sa.Integer(), "Headcount.", 0, plausible=PLAUSIBLE_COUNT),
        ),
    ),
)

# Optional tables, after the required ones (issue 27: what customers say).
CONTRACT += (
    TableSpec(
        "survey_comments",
        "one row per survey response with a free-text answer (optional table)",
        (
            ColumnSpec("response_id", sa.BigInteger(),
                       "The response the comment belongs to (survey_responses.response_id).",
                       nullable=False),
            ColumnSpec("comment", sa.String(),
                       "The customer's own words: the answer to \"why did you give that score?\"."),
        ),
        optional=True,
    ),
    TableSpec(
        "survey_items",
        "one row per response and touchpoint question (optional; see docs/journeys.md)",
        (
            ColumnSpec("response_id", sa.BigInteger(), "The survey_responses row answered.",
                       nullable=False),
            ColumnSpec("item", sa.String(), "The touchpoint question's name (data, e.g. "
                       "'advisor'); its journey is its response's.", nullable=False),
            ColumnSpec("score", sa.Integer(), "The answer, 0-10; NULL = skipped.", 0, 10),
        ),
        optional=True,
    ),
)

TABLES: dict[str, TableSpec] = {t.name: t for t in CONTRACT}
REQUIRED_TABLES = tuple(t.name for t in CONTRACT if not t.optional)
# The journeys `survey_responses.journey` may name; any other value is counted by `check` and
# belongs to no journey (it still counts under "All").
JOURNEYS = ("sales", "service")
# Survey columns every warehouse has: what the deduplicated survey subqueries select, so a
# warehouse without the optional journey column runs the same statements as before.
SURVEY_CORE = ("response_id", "location_id", "responded_on", "nps_score", "sat_overall",
               "sat_expectations", "sat_ideal")
MONTHLY_TABLES = ("loyalty_monthly", "leadership_monthly", "incentives_monthly", "culture_monthly")


def metadata(tables: tuple[TableSpec, ...] = CONTRACT) -> sa.MetaData:
    """SQLAlchemy tables for the contract, used to create (demo) and to query (everything)."""
    md = sa.MetaData()
    for spec in tables:
        sa.Table(
            spec.name,
            md,
            *(sa.Column(c.name, c.type, nullable=c.nullable) for c in spec.columns),
        )
    return md


META = metadata()


def table(name: str) -> sa.Table:
    return META.tables[name]
