"""`cx-scorecard drivers`: which touchpoint moves NPS, for a view and a journey (issue 28).

The report and its table in their own module (the command grows: a priority table, a CSV);
cli/main.py opens the view (warehouse, rights, scope, month) and registers the command. The
figures come from queries/insights/drivers.py: a Shapley (LMG) decomposition of R^2 computed
from sums the warehouse aggregates, never from raw answers.
"""

from __future__ import annotations

from datetime import date

NOT_RECORDED = ("This warehouse records no {j} journey (survey_responses.journey is absent or "
                "never names it): see docs/journeys.md")


def report(eng, dims, scope, month: date, window) -> dict:
    """The drivers of the view, as the stable JSON form (docs/cli.md), without the
    schema_version (the caller adds it)."""
    from queries import journeys, windows
    from queries.insights import drivers

    rec = journeys.recorded(eng)
    if scope.journey is not None and scope.journey not in rec.journeys:
        raise ValueError(NOT_RECORDED.format(j=scope.journey))
    w = windows.for_level(window, scope.level)
    _, start, stop = w.periods(month)[0]
    out = {"scope": {"level": scope.level, "region": scope.region,
                     "location": scope.location, "name": dims.name(scope)},
           "month": month.strftime("%Y-%m"), "journey": scope.journey,
           "window": {"code": w.code, "label": w.label, "start": start.isoformat(),
                      "stop": stop.isoformat()},
           "method": "Shapley (LMG) decomposition of R^2, NPS answer (0-10) on the "
                     "touchpoint answers", "min_answers": drivers.MIN_ANSWERS}
    if not rec.items:
        return out | {"r2": None, "n": 0, "reason": "This warehouse has no touchpoint answers "
                      "(survey_items): see docs/journeys.md", "items": [], "journeys": []}
    found = drivers.fetch(eng, scope, start, stop, rec.journeys)
    if len(found) == 1:
        one = found[0].as_dict()
        return out | {k: v for k, v in one.items() if k != "journey"} | {"journeys": [one]}
    return out | {"r2": None, "n": 0, "reason": (
        "Drivers are per journey (sales and service ask different questions): pass --journey "
        "sales or --journey service; both are listed under `journeys`."),
        "items": [], "journeys": [d.as_dict() for d in found]}


def table(rep: dict) -> str:
    """The report as text: per journey, R^2, n, the reason if any, and the items."""
    lines = [f"{rep['scope']['name']} - {rep['month']}, {rep['window']['label']}, "
             f"journey: {rep['journey'] or 'all'}"]
    for d in rep["journeys"] or [rep]:
        r2 = "-" if d["r2"] is None else format(d["r2"], ".3f")
        lines.append(f"\n{(d.get('journey') or 'all').capitalize()}: R^2 {r2}, n {d['n']:,}")
        if d.get("reason"):
            lines.append(f"  {d['reason']}")
        if d["items"]:
            lines.append(f"  {'item':<24}{'importance':>10}{'mean':>8}{'n':>9}")
        for it in d["items"]:
            lines.append(f"  {it['item'][:24]:<24}{it['importance']:>10.3f}"
                         f"{it['mean_score']:>8.2f}{it['n']:>9,}")
    return "\n".join(lines)
