"""`cx-scorecard`: build the demo, check a warehouse, print a scorecard, start the page.

Every command takes --url; without it the warehouse comes from $CX_WAREHOUSE_URL, then
.streamlit/secrets.toml, then the embedded demo DuckDB file. Errors are one line on stderr and a
non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from cli import arguments, send
from queries import config
from queries.sql.engine import WarehouseError, explain, make_engine

if TYPE_CHECKING:
    from queries.access import Allowed

JSON_SCHEMA_VERSION = 1
DEMO_SCALE = 1.0


class CliError(Exception):
    """A user-facing failure: printed as one line, exit code 2."""


def parse_month(text: str) -> date:
    """--month by the page's rule (`queries.months.parse_month`); anything else is a clear
    error."""
    from queries import months

    month = months.parse_month(text)
    if month is None:
        raise CliError(f"--month must look like YYYY-MM (e.g. 2026-10, year {months.FIRST_YEAR} "
                       f"or later), got {text!r}")
    return month


def _target(args) -> config.WarehouseTarget:
    try:
        return config.resolve(getattr(args, "url", None))
    except ValueError as exc:
        raise CliError(str(exc)) from exc


def _ensure_demo(target: config.WarehouseTarget, scale: float) -> None:
    """Build the embedded demo file on first use; other warehouses are never written to."""
    if target.is_demo and not config.demo_path().exists():
        print(f"Building the demo warehouse at {config.demo_path()} (first run) ...",
              file=sys.stderr)
        _build(target.url, scale)


def _build(url: str, scale: float, seed: int = 2026, rollup: bool = True) -> dict[str, int]:
    from sample_data.load import build_demo, build_demo_with_rollup

    build = build_demo_with_rollup if rollup else build_demo
    return build(url, scale=scale, seed=seed, progress=True)


def cmd_build_demo(args) -> int:
    url = args.url or config.demo_url()
    counts = _build(url, args.scale, args.seed, rollup=not args.no_rollup)
    print(f"Demo warehouse written to {config.redact(url)}")
    for name, n in counts.items():
        print(f"  {name:<24} {n:>12,}")
    return 0


def cmd_rollup(args) -> int:
    from queries.sql import rollup as ru

    target = _target(args)
    eng = make_engine(target.url, read_only=False, timeout_s=ru.BUILD_TIMEOUT_S)
    try:
        counts = ru.build(eng)
    finally:
        eng.dispose()
    print(f"Rollup {ru.ROLLUP} rebuilt: {counts['rollup_rows']:,} location-months "
          f"from {counts['source_rows']:,} responses")
    from cli import themes  # the comments' tags are batch work too (a no-op without comments)

    return themes.build(args, sys.modules[__name__])


def cmd_check(args) -> int:
    from queries.sql.check import check

    target = _target(args)
    eng = make_engine(target.url)
    try:
        rep = check(eng)
    finally:
        eng.dispose()
    if args.format == "json":
        print(json.dumps(rep.as_dict(), indent=2))
    else:
        print(f"Warehouse: {config.redact(target.url)} ({target.source})")
        for name, n in rep.row_counts.items():
            print(f"  {name:<22} {n:>12,} rows")
        for p in rep.problems:
            print(f"PROBLEM  {p}")
        for q in rep.quality:
            print(f"EXCLUDED {q.table}.{q.column}: {q.rows:,} rows ({q.issue})")
        for w in rep.warnings:
            print(f"WARNING  {w}")
        for n in rep.notes:
            print(f"note     {n}")
        print(verdict(rep))
    if not rep.ok:
        return 1
    return 1 if args.strict and rep.quality else 0


def verdict(rep) -> str:
    """The last line of `check`: never a bare "passes" while rows are excluded or read with a
    correction."""
    if not rep.ok:
        return (f"Contract check FAILS ({len(rep.problems)} problems); "
                f"{rep.excluded_rows:,} values excluded from metrics.")
    if rep.quality or rep.warnings:
        return (f"Contract check passes WITH DATA PROBLEMS: {rep.excluded_rows:,} values "
                f"excluded from metrics, {len(rep.warnings)} warnings (listed above).")
    return "Contract check passes; 0 values excluded from metrics."


@contextmanager
def _open_scope(args) -> Iterator[tuple]:
    """The warehouse (demo built if needed), its dimensions, the checked and permitted scope,
    the (first, latest) response dates and the viewer's rights; the engine is disposed
    afterwards."""
    from queries import scope as sc
    from queries.sql.aggregate import freshness

    target = _target(args)
    _ensure_demo(target, DEMO_SCALE)
    eng = make_engine(target.url)
    try:
        dims = sc.load_dims(eng)
        allowed = _rights(args)
        try:
            scope = sc.resolve(dims, args.region, args.location)
        except sc.ScopeError as exc:
            if not allowed.company:  # unknown reads as forbidden: no probing what exists
                raise _not_permitted(args) from None
            raise CliError(str(exc)) from exc
        if not allowed.can_see(scope):
            raise _not_permitted(args)
        if getattr(args, "journey", None):  # issue 28: --journey sales|service
            scope = scope.with_journey(_journey(args, eng))
        yield eng, dims, scope, freshness(eng), allowed
    finally:
        eng.dispose()


def _journey(args, eng) -> str | None:
    """--journey checked against what the warehouse records (one statement, only when asked)."""
    from cli.drivers import NOT_RECORDED
    from queries import journeys

    try:
        chosen = journeys.parse(args.journey)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    if chosen is not None and chosen not in journeys.recorded(eng).journeys:
        raise CliError(NOT_RECORDED.format(j=chosen))
    return chosen


def cmd_drivers(args) -> int:
    """Key drivers of NPS for one view and journey (cli/drivers.py, docs/journeys.md)."""
    from cli import drivers
    from queries import scorecard

    with _open_scope(args) as (eng, dims, scope, (first, latest), _allowed):
        month = parse_month(args.month) if args.month else (
            None if latest is None else scorecard.default_month(first, latest, date.today()))
        if month is None:
            raise CliError("The warehouse has no survey responses, so there is no month to show")
        rep = {"schema_version": JSON_SCHEMA_VERSION} | drivers.report(eng, dims, scope, month,
                                                                       _window(args))
    print(json.dumps(rep, indent=2) if args.format == "json" else drivers.table(rep))
    return 0


def _scorecard(args):
    from queries import scorecard, targets

    with _open_scope(args) as (eng, dims, scope, (first, latest), _allowed):
        month = parse_month(args.month) if args.month else (
            None if latest is None else scorecard.default_month(first, latest, date.today()))
        if month is None:
            raise CliError("The warehouse has no survey responses, so there is no month to show")
        card = scorecard.build(eng, dims, scope, month, targets.load(), latest, with_map=False,
                               window=_window(args))
        found = None
        if getattr(args, "format", "") == "json" and not getattr(args, "no_insights", False):
            from queries import insights

            found = insights.analyses(eng, dims, scope, month, targets.load())
            card.insights = insights.as_json(found)  # type: ignore[attr-defined]
        if getattr(args, "format", "") == "json":  # what it is worth (docs/value.md)
            from queries import value

            card.worth = value.report(  # type: ignore[attr-defined]
                eng, dims, card, targets.load(),
                loyalty=found.get("satisfaction_loyalty") if found else value.NOT_RUN).as_dict()
        return card


def _window(args):
    """--window as a queries.windows.Window (None: each level's default); a clear error else."""
    from queries import windows

    try:
        return windows.parse(getattr(args, "window", None))
    except ValueError as exc:
        raise CliError(str(exc)) from exc


def _rights(args) -> Allowed:
    """With an access policy, --as-user sees only that user's scopes (no totals above them):
    the user's rights, which the pack honours too; everything without a policy."""
    from queries import access

    policy = access.load(getattr(args, "policy", None))
    if policy is None:
        if getattr(args, "as_user", None):
            raise CliError("--as-user needs an access policy (--policy or $CX_ACCESS_POLICY)")
        return access.EVERYTHING
    allowed = policy.allowed_for(getattr(args, "as_user", None))
    if allowed.nothing:
        raise CliError(f"User {args.as_user!r} is not in the access policy: nothing to show")
    return allowed


def _not_permitted(args) -> CliError:
    """One refusal for a scope the user may not see and for one that does not exist."""
    asked = getattr(args, "location", None) or getattr(args, "region", None)
    what = f"{asked!r}" if asked else "the company"
    return CliError(f"User {args.as_user!r} is not permitted to see {what}")


def scorecard_json(card) -> dict:
    """The stable, documented JSON form of one scorecard (docs/cli.md)."""
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "scope": {"level": card.scope.level, "region": card.scope.region,
                  "location": card.scope.location, "name": card.scope_name,
                  "journey": card.scope.journey},
        "month": card.month.strftime("%Y-%m"),
        "window": {"code": card.window.code, "label": card.window.label,
                   "children": card.children_window.code if card.children_window else None},
        "latest_response": card.latest_response.isoformat() if card.latest_response else None,
        "targets_version": card.targets_version,
        "has_data": card.has_data,
        "metrics": [r.as_dict() for r in card.metrics.values()],
        "movers": [{k: v for k, v in m.items() if k != "good"} | {"favourable": m["good"]}
                   for m in card.movers],
        "movers_rule": card.movers_rule, "mover_tests": card.mover_tests,
        "insights": getattr(card, "insights", None),
        "value": getattr(card, "worth", None),
    }


def _fmt(v: float | None, decimals: int) -> str:
    return "no data" if v is None else f"{v:,.{decimals}f}"


def cmd_metrics(args) -> int:
    from queries.registry import BY_NAME

    card = _scorecard(args)
    if args.format == "json":
        print(json.dumps(scorecard_json(card), indent=2))
        return 0
    print(f"{card.scope_name} - {card.month:%B %Y}, {card.window.label}   (latest response "
          f"{card.latest_response}, targets {card.targets_version})")
    head = f"{'metric':<34}{'value':>10}{'95% interval':>16}{'n':>10}{'target':>8}  status"
    print(head)
    print("-" * len(head))
    for r in card.metrics.values():
        m = BY_NAME[r.name]
        moe = r.margin_text
        n = "" if r.n is None else f"{r.n:,.0f}"
        tgt = "" if r.target is None else f"{r.target:g}"
        unit = "" if m.unit in ("count",) or r.value is None else (
            " " + m.unit if m.unit != "%" else "%")
        print(f"{m.label:<34}{_fmt(r.value, m.decimals) + unit:>10}{moe:>16}{n:>10}{tgt:>8}"
              f"  {r.status.replace('_', ' ')}")
    if not card.has_data:
        print(f"No data for {card.month:%Y-%m} in this scope.")
    return 0


def cmd_demo(args) -> int:
    target = _target(args)
    _ensure_demo(target, args.scale)
    app = Path(importlib.util.find_spec("dashboard").origin).with_name("app.py")  # the page
    env = dict(os.environ)
    env[config.ENV_URL] = target.url  # resolved here, so the page uses the same warehouse
    # The server settings are the page's own (dashboard/.streamlit/config.toml): Streamlit reads
    # a script's folder's config from wherever it is started.
    cmd = [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(args.port),
           "--server.showEmailPrompt", "false"]
    if args.headless:
        cmd += ["--server.headless", "true"]
    print(f"Starting the scorecard on http://localhost:{args.port} ({target.source} warehouse)",
          file=sys.stderr)
    return subprocess.call(cmd, env=env)


def _month_has_data(month: date, first: date | None, latest: date | None) -> None:
    """A board pack of a month outside the warehouse's dates would print twelve grey tiles:
    say which months it holds instead."""
    if latest is None:
        raise CliError("The warehouse holds no survey responses yet: nothing to print")
    if month > latest.replace(day=1) or (first is not None and month < first.replace(day=1)):
        held = f"{first:%Y-%m} to {latest:%Y-%m}" if first is not None else f"up to {latest:%Y-%m}"
        raise CliError(f"No survey responses in {month:%B %Y}: the warehouse holds {held} "
                       f"(latest response {latest:%Y-%m-%d}); choose --month within it")


def cmd_pack(args) -> int:
    """Print the board pack (the page, printed by headless Chromium: pack/printed.py); nothing
    is written unless the whole pack is built."""
    import time

    import pack as pk
    from pack import printed
    from queries import targets
    from store import actions as ac

    month = parse_month(args.month)
    out = Path(args.out).expanduser()
    if out.suffix.lower() != ".pdf":
        raise CliError(f"--out must name a .pdf file, got {args.out!r}")
    if not out.parent.is_dir():
        raise CliError(f"Folder {out.parent} does not exist")
    started = time.perf_counter()
    with _open_scope(args) as (eng, dims, scope, (first, latest), allowed):
        _month_has_data(month, first, latest)
        listed, note = printed.actions_for(ac.store_for_reading(args.actions_url), scope, month)
        timing = printed.Timing()
        print(f"Printing the board pack for {month:%B %Y} ...", file=sys.stderr)
        try:
            pdf = printed.build(eng, dims, scope, month, targets.load(), listed, note, latest,
                                timing=timing, allowed=allowed, window=_window(args))
            printed.write(out, pdf)
        except pk.PackError as exc:
            raise CliError(str(exc)) from exc
    steps = ", ".join(f"{k} {v:.1f} s" for k, v in timing.steps.items())
    print(f"[100%] Board pack ready in {time.perf_counter() - started:.1f} s ({steps})",
          file=sys.stderr)
    print(f"Board pack written to {out}")
    return 0


def cmd_load(args) -> int:
    """Load the warehouse from files; 1 when refused for its rows, 2 for a bad mapping or file."""
    from queries.loading import loader

    target = _target(args)
    max_rejected = 0.0 if args.strict else args.max_rejected
    if not 0.0 <= max_rejected <= 1.0:
        raise CliError(f"--max-rejected must be a share between 0 and 1, got {max_rejected:g}")
    print(f"Loading {args.mapping} into {config.redact(target.url)} ({target.source}) ...",
          file=sys.stderr)
    try:
        rep = loader.load(args.mapping, target.url, progress=not args.quiet,
                          max_rejected=max_rejected)
    except loader.LoadRefused as exc:
        _print_load(exc.report, args.format)
        print(f"error: {exc}", file=sys.stderr)
        return 1
    _print_load(rep, args.format)
    return 0


def _print_load(rep, fmt: str) -> None:
    if fmt == "json":
        print(json.dumps(rep.as_dict(), indent=2))
        return
    for name in rep.cleaned:
        print(f"Removed {name}, left by an interrupted load")
    print(f"{'table':<20} {'source':<24} {'read':>9} {'loaded':>9} {'rejected':>9}")
    for t in rep.tables.values():
        print(f"{t.name:<20} {t.source.name[:24]:<24} {t.read:>9,} {t.loaded:>9,} "
              f"{t.rejected:>9,}")
    for t in rep.tables.values():
        for reason, n in t.reasons.most_common():
            print(f"REJECTED {t.name}: {n:,} rows ({reason})")
    for path in rep.rejected_files:
        print(f"Rejected rows, with the reason for each, written to {path}")
    for q in rep.quality:
        print(f"EXCLUDED {q.table}.{q.column}: {q.rows:,} rows kept but left out of the metrics "
              f"({q.issue})")
    if rep.committed:
        print(f"Warehouse replaced; rollup of {rep.rollup.get('rollup_rows', 0):,} "
              "location-months built.")
    else:
        print("Nothing was written: the previous warehouse is unchanged.")


def cmd_views(args) -> int:
    from queries.loading.mapping import load_mapping
    from queries.loading.views import view_statements

    mapping = load_mapping(args.mapping, mode="tables")
    print("\n\n".join(view_statements(mapping, args.dialect, args.schema)))
    return 0


def cmd_themes(args) -> int:
    from cli import themes

    return themes.cmd_themes(args, sys.modules[__name__])


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="cx-scorecard", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)

    def add(name: str, fn: Callable[..., int], help_: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help_, description=help_)
        sp.add_argument("--url", help="SQLAlchemy URL of the warehouse")
        sp.set_defaults(fn=fn)
        return sp

    b = add("build-demo", cmd_build_demo, "Write the deterministic demo warehouse.")
    b.add_argument("--scale", type=float, default=DEMO_SCALE,
                   help=f"response volume multiplier (default {DEMO_SCALE}; 10 = 10M+ responses)")
    b.add_argument("--seed", type=int, default=2026)
    b.add_argument("--no-rollup", action="store_true", help="skip the monthly survey rollup")
    add("rollup", cmd_rollup, "Rebuild the monthly survey rollup inside the warehouse.")
    c = add("check", cmd_check, "Validate a warehouse against the contract.")
    c.add_argument("--format", choices=["table", "json"], default="table")
    c.add_argument("--strict", action="store_true", help="also fail on excluded values")
    m = add("metrics", cmd_metrics, "Print the scorecard for one scope and month.")
    arguments.view(m, journey_help=arguments.JOURNEY_HELP)
    m.add_argument("--no-insights", action="store_true",
                   help="leave out the iron-triangle analyses (faster JSON)")
    k = add("pack", cmd_pack, "Write the monthly board pack: the page, printed to a "
             "landscape A4 PDF by headless Chromium.")
    k.add_argument("--month", required=True, help="YYYY-MM, the month under review")
    k.add_argument("--region", help="a region's pack (default: the company)")
    k.add_argument("--location")
    k.add_argument("--out", required=True, help="the PDF to write (replaced only on success)")
    k.add_argument("--window", help=arguments.WINDOW_HELP)
    k.add_argument("--journey", help=arguments.JOURNEY_HELP)
    k.add_argument("--actions-url",
                   help="SQLAlchemy URL of the actions database (default: $CX_ACTIONS_URL, "
                        "else ~/.cache/cx-scorecard/actions.sqlite)")
    k.add_argument("--as-user", help="write only what this user may see (needs a policy)")
    k.add_argument("--policy", help="access policy TOML (default $CX_ACCESS_POLICY)")
    k.add_argument("--printed", action="store_true", help=argparse.SUPPRESS)  # was the opt-in
    ld = add("load", cmd_load, "Load the warehouse from CSV, Parquet or Excel files with a "
             "column mapping (docs/load.md).")
    ld.add_argument("--mapping", required=True, help="the mapping TOML file")
    ld.add_argument("--max-rejected", type=float, default=0.10,
                    help="refuse the load when more than this share of a table's rows is "
                         "rejected, stopping at the first such table (default 0.10)")
    ld.add_argument("--strict", action="store_true", help="refuse the load if any row is rejected")
    ld.add_argument("--format", choices=["table", "json"], default="table")
    ld.add_argument("--quiet", action="store_true", help="no progress bar")
    v = sub.add_parser("views", help="Print CREATE VIEW statements presenting existing tables "
                       "under the contract's names.",
                       description="Print CREATE VIEW statements presenting existing tables "
                       "under the contract's names (never connects to a warehouse).")
    v.set_defaults(fn=cmd_views)
    v.add_argument("--mapping", required=True, help="the mapping TOML file (source = schema.table)")
    v.add_argument("--dialect", required=True, choices=["postgresql", "duckdb", "snowflake",
                                                        "bigquery"])
    v.add_argument("--schema", help="create the views in this schema (default: the current one)")
    send.register(add)  # cx-scorecard send (cli/send.py)
    from cli.themes import add_parser as themes_parser

    themes_parser(add, cmd_themes)  # cx-scorecard themes (cli/themes.py)
    dr = add("drivers", cmd_drivers, "Key drivers of NPS: each touchpoint's share of R^2 "
             "(Shapley/LMG), for a view and a journey.")
    arguments.view(dr, journey_help="sales or service (default: each recorded one, apart)")
    d = add("demo", cmd_demo, "Build the demo warehouse if absent and start the page.")
    d.add_argument("--port", type=int, default=8501)
    d.add_argument("--scale", type=float, default=DEMO_SCALE)
    d.add_argument("--headless", action="store_true", help="don't open a browser")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.fn(args))
    except (CliError, WarehouseError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - database errors become one clear line
        try:
            url = config.resolve(getattr(args, "url", None)).url
        except ValueError:
            url = getattr(args, "url", None) or ""
        print(f"error: {explain(exc, url)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
