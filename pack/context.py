"""What every page of the pack is drawn from: the scorecards, actions, findings and charts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from presentation import verdict as verdict_mod
from queries.access import EVERYTHING, Allowed
from queries.scope import Dims
from queries.scorecard import Scorecard
from queries.targets import Targets
from store.actions import Action


@dataclass
class Context:
    card: Scorecard
    dims: Dims
    targets: Targets
    latest: date | None
    generated: datetime
    actions: list[Action]
    actions_note: str | None
    region_cards: list[Scorecard]
    charts: list[bytes | None]
    findings: list[str] = field(default_factory=list)
    parent: Scorecard | None = None  # a location's region, when the viewer may see it
    allowed: Allowed = EVERYTHING  # the viewer's rights: the pack shows what the page shows them

    @property
    def verdict(self) -> verdict_mod.Verdict:
        return verdict_mod.build(self.card, self.parent, self.actions, self.findings)
