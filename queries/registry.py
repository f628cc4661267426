"""The one declarative registry of scorecard metrics.

Every metric is data: which contract table it reads, how its numerator and denominator are formed
from contract columns, its unit, direction, small-sample threshold and the words the glossary shows.
The page, the CLI, the board pack and the docs all read this list; `compile.py` turns it into SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Panel = Literal["leadership", "incentives", "culture", "satisfaction", "loyalty"]
Kind = Literal["ratio", "net_scores", "net_counts", "acsi", "count"]

PANELS: dict[str, str] = {
    "leadership": "Leadership ownership",
    "incentives": "Incentive alignment",
    "culture": "Culture",
    "satisfaction": "Satisfaction",
    "loyalty": "Loyalty & referral",
}


@dataclass(frozen=True)
class Col:
    """A contract column summed as it is (rows where it is NULL or negative are left out)."""

    name: str


@dataclass(frozen=True)
class Flag:
    """1 where a boolean column is true, 0 where false (NULL rows are left out)."""

    name: str


@dataclass(frozen=True)
class When:
    """`value` where boolean column `flag` is true, else 0 (NULL flag rows are left out)."""

    flag: str
    value: str


@dataclass(frozen=True)
class Rows:
    """1 for every row whose `of` column is not NULL: a count of reporting rows."""

    of: str


Expr = Col | Flag | When | Rows


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    panel: Panel
    table: str
    kind: Kind
    unit: str
    direction: int  # +1: higher is better, -1: lower is better
    min_n: int
    description: str
    formula: str
    why: str
    numerator: Expr | None = None
    denominator: Expr | None = None
    scale: float = 1.0
    score_column: str | None = None  # net_scores: the 0-10 column
    item_columns: tuple[str, ...] = ()  # acsi: the 1-10 items (overall, expectations, ideal)
    counts: tuple[str, str, str] | None = None  # net_counts: (promoters, detractors, n)
    sampled: bool = False  # a sample of a population: has a standard error and a noise band
    decimals: int = 1
    headline: bool = False  # shown as a column of the league table
    n_unit: str = ""  # what n counts, when the table's default (below) is not it
    part_of_whole: bool = False  # ratio: the numerator counts part of the denominator (<= it)
    # Smallest change that matters: below it (or below one displayed unit) a change is "no
    # change", never an arrow or a colour.
    min_change: float = 0.0
    # A count of the whole customer base, not a sample: its month-to-month noise is estimated
    # from the unit's own history of changes (queries/census.py), not from a binomial model.
    census: bool = False
    # Shorter words where room is short; the full `label` stays in tooltips and the glossary.
    short_label: str = ""  # tiles, charts and the pack, sized for 1366-px screens
    column_label: str = ""  # a league-table column header (else short_label)
    narrow_column_label: str = ""  # the pack's league table in two halves (else column_label)
    yes_no_label: str = ""  # one location's yes/no fact: "Executive owner: yes since Mar 2026"

    @property
    def history_noise(self) -> bool:
        """Judged against its own history of changes (queries/census.py): the census metrics and
        every ratio that is not a survey sample (hours, shares of minutes or pay, counts per
        head), whose month-to-month wobble no binomial model describes."""
        return self.census or (self.kind == "ratio" and not self.sampled)

    @property
    def n_label(self) -> str:
        if self.n_unit:
            return self.n_unit
        return {
            "survey_responses": "responses",
            "loyalty_monthly": "customers",
            "culture_monthly": "employees",
        }.get(self.table, "locations")


METRICS: tuple[Metric, ...] = (
    # Leadership ownership
    Metric(
        "exec_owner_share", "Executive owner assigned", "leadership", "leadership_monthly",
        "ratio", "%", +1, 1,
        "Share of locations whose customer experience has a named senior executive owner.",
        "locations with exec_owner_assigned / locations reporting",
        "Great CX is owned at the top table, not sponsored from a distance.",
        numerator=Flag("exec_owner_assigned"), denominator=Rows("exec_owner_assigned"),
        scale=100, headline=True, decimals=0,
        min_change=1.0,
        short_label="Exec owner assigned", column_label="Exec owner %",
        narrow_column_label="Exec %", yes_no_label="Executive owner",
    ),
    Metric(
        "listening_hours_per_leader", "Listening hours per leader", "leadership",
        "leadership_monthly", "ratio", "h", +1, 1,
        "Hours leaders spent listening to customers themselves, per leader, in the month.",
        "sum(leader_listening_hours) / sum(leaders)",
        "Leaders who hear customers first-hand decide differently from those who read reports.",
        numerator=Col("leader_listening_hours"), denominator=Col("leaders"),
        min_change=0.1,
        short_label="Listening h / leader",
    ),
    Metric(
        "cx_agenda_share", "CX share of leadership agenda", "leadership", "leadership_monthly",
        "ratio", "%", +1, 1,
        "Share of leadership meeting time spent on customer experience.",
        "sum(cx_agenda_minutes) / sum(meeting_minutes)",
        "What the top table talks about first is what the organisation believes matters.",
        numerator=Col("cx_agenda_minutes"), denominator=Col("meeting_minutes"), scale=100,
        part_of_whole=True,
        min_change=0.5,
        short_label="CX share of agenda",
    ),
    Metric(
        "detractor_followup_48h", "Detractors closed within 48 h", "leadership",
        "leadership_monthly", "ratio", "%", +1, 10,
        "Share of flagged detractor surveys followed up with the customer within 48 hours.",
        "sum(detractors_closed_48h) / sum(detractors_flagged)",
        "Closing the loop fast shows an unhappy customer that leaders listen.",
        numerator=Col("detractors_closed_48h"), denominator=Col("detractors_flagged"), scale=100,
        part_of_whole=True,
        sampled=True, n_unit="detractors",
        min_change=1.0,
        short_label="Detractors closed 48 h",
    ),
    # Incentive alignment
    Metric(
        "cx_linked_pay_share", "CX-linked share of variable pay", "incentives",
        "incentives_monthly", "ratio", "%", +1, 1,
        "Share of variable pay (bonus) that depends on customer-experience outcomes.",
        "sum(cx_linked_pay) / sum(variable_pay)",
        "Behaviour follows pay: if bonuses ignore customers, so will people.",
        numerator=Col("cx_linked_pay"), denominator=Col("variable_pay"), scale=100,
        part_of_whole=True,
        headline=True,
        min_change=0.5,
        short_label="CX-linked variable pay", column_label="CX pay %",
        narrow_column_label="CX pay",
    ),
    Metric(
        "payout_alignment", "Payout alignment", "incentives", "incentives_monthly",
        "ratio", "%", +1, 1,
        "Share of CX-linked pay that was paid where the CX target was actually met.",
        "sum(cx_linked_pay where cx_target_met) / sum(cx_linked_pay)",
        "Pay tied to CX on paper but paid regardless teaches that CX is talk.",
        numerator=When("cx_target_met", "cx_linked_pay"), denominator=Col("cx_linked_pay"),
        scale=100, part_of_whole=True,
        min_change=1.0,
        short_label="Payout alignment",
    ),
    # Culture
    Metric(
        "enps", "Employee NPS (eNPS)", "culture", "culture_monthly", "net_counts", "pts", +1, 30,
        "Employee promoters minus detractors, as points of pulse-survey responses.",
        "100 * (sum(enps_promoters) - sum(enps_detractors)) / sum(pulse_responses)",
        "How leaders treat employees is how employees treat customers.",
        counts=("enps_promoters", "enps_detractors", "pulse_responses"), sampled=True,
        headline=True, decimals=0,
        min_change=1.0,
        short_label="Employee NPS", column_label="eNPS",
    ),
    Metric(
        "recognitions_per_employee", "Recognitions per employee", "culture", "culture_monthly",
        "ratio", "per employee", +1, 1,
        "Peer and manager recognitions given in the month, per employee.",
        "sum(recognitions) / sum(employees)",
        "Recognition every month, not a campaign that fades, is what sustains a culture.",
        numerator=Col("recognitions"), denominator=Col("employees"), decimals=2,
        n_unit="locations",
        min_change=0.01,
        short_label="Recognitions / emp.",
    ),
    # Satisfaction
    Metric(
        "nps", "Net Promoter Score", "satisfaction", "survey_responses", "net_scores", "pts",
        +1, 30,
        "Customers answering 9-10 minus those answering 0-6, as points of all valid answers.",
        "100 * (promoters - detractors) / valid nps_score answers; "
        "SE = 100 * sqrt((p + d - (p - d)^2) / n); 95% interval adjusted-Wald",
        "The customer's own verdict: would they put their name to us?",
        score_column="nps_score", sampled=True, headline=True, decimals=0,
        min_change=1.0,
        short_label="NPS", column_label="NPS",
    ),
    Metric(
        "acsi", "ACSI-style satisfaction index", "satisfaction", "survey_responses", "acsi",
        "index", +1, 30,
        "Weighted mean of overall satisfaction, met expectations and closeness to ideal, "
        "rescaled from 1-10 to 0-100.",
        "sum_i w_i * (mean_i - 1) / 9 * 100 (weights in targets.toml, default equal)",
        "A three-question index is steadier than any single question. ACSI-style only: the "
        "published ACSI is a latent-variable model with estimated weights, so this index is "
        "not comparable to published ACSI scores.",
        item_columns=("sat_overall", "sat_expectations", "sat_ideal"),
        sampled=True, headline=True,
        min_change=0.5,
        short_label="ACSI-style index", column_label="ACSI",
    ),
    Metric(
        "responses", "Survey responses", "satisfaction", "survey_responses", "count", "count",
        +1, 0,
        "Distinct survey responses received in the month (duplicates counted once).",
        "count(distinct response_id)",
        "Every number on this page is only as sure as the sample behind it.",
        decimals=0,
        min_change=1.0,
        short_label="Survey responses",
    ),
    # Loyalty & referral
    Metric(
        "retention_rate", "Customer retention", "loyalty", "loyalty_monthly", "ratio", "%", +1, 30,
        "Share of customers active at the start of the month still active at its end.",
        "sum(customers_retained) / sum(customers_start)",
        "Customers who stay show the experience is worth coming back for.",
        numerator=Col("customers_retained"), denominator=Col("customers_start"), scale=100,
        part_of_whole=True,
        sampled=True, headline=True,
        min_change=0.2, census=True,
        short_label="Retention", column_label="Retention %", narrow_column_label="Retain",
    ),
    Metric(
        "referral_rate", "Referral rate", "loyalty", "loyalty_monthly", "ratio", "%", +1, 30,
        "Share of new customers who were referred by an existing customer.",
        "sum(referred_new_customers) / sum(new_customers)",
        "Referrals are customers spending their own reputation on us.",
        numerator=Col("referred_new_customers"), denominator=Col("new_customers"), scale=100,
        part_of_whole=True,
        sampled=True, headline=True, n_unit="new customers",
        min_change=0.5, census=True,
        short_label="Referral rate", column_label="Referral %", narrow_column_label="Referral",
    ),
)

BY_NAME: dict[str, Metric] = {m.name: m for m in METRICS}


def by_panel(panel: str) -> list[Metric]:
    return [m for m in METRICS if m.panel == panel]


def panel_order(panel: str) -> list[Metric]:
    """A panel's metrics as the page and the board pack show them: headline metrics first,
    then the rest, each in registry order (the first is the panel's trend chart)."""
    ms = by_panel(panel)
    return [m for m in ms if m.headline] + [m for m in ms if not m.headline]


def validate(metrics: tuple[Metric, ...] = METRICS) -> None:
    """Fail loudly at import if a definition is inconsistent with itself or the contract."""
    from queries.sql.schema import TABLES

    names = [m.name for m in metrics]
    if len(set(names)) != len(names):
        raise ValueError("duplicate metric names in the registry")
    for m in metrics:
        if m.panel not in PANELS:
            raise ValueError(f"{m.name}: unknown panel {m.panel!r}")
        if m.direction not in (1, -1):
            raise ValueError(f"{m.name}: direction must be +1 or -1")
        cols = {c.name for c in TABLES[m.table].columns}
        used: list[str] = []
        if m.kind == "ratio":
            if m.numerator is None or m.denominator is None:
                raise ValueError(f"{m.name}: a ratio needs a numerator and a denominator")
            for e in (m.numerator, m.denominator):
                used += [v for v in vars(e).values()]
        elif m.kind == "net_scores":
            used.append(m.score_column or "")
        elif m.kind == "acsi":
            if len(m.item_columns) != 3:
                raise ValueError(f"{m.name}: the ACSI-style index needs its three item columns")
            used += list(m.item_columns)
        elif m.kind == "net_counts":
            used += list(m.counts or ("",))
        for c in used:
            if c not in cols:
                raise ValueError(f"{m.name}: column {c!r} is not in {m.table}")


validate()
