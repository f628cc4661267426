"""The arguments that name one view of the scorecard, declared once for every command that
takes a view (metrics, drivers, themes): the same names, defaults and help everywhere."""

from __future__ import annotations

import argparse

WINDOW_HELP = ("months pooled: 1m (the month), 3m, 12m (rolling) or ytd (year to date); "
               "default: rolling 3 months for a location's numbers, else the month")
JOURNEY_HELP = "sales or service: survey figures of that journey only"  # metrics and pack


def view(parser: argparse.ArgumentParser, journey_help: str | None = None) -> None:
    """--month, --region, --location, --window, --journey (when `journey_help` says what it
    does for the command), --format, --as-user and --policy."""
    parser.add_argument("--month", help="YYYY-MM (default: latest complete month)")
    parser.add_argument("--region")
    parser.add_argument("--location")
    parser.add_argument("--window", help=WINDOW_HELP)
    if journey_help:
        parser.add_argument("--journey", help=journey_help)
    parser.add_argument("--format", choices=["table", "json"], default="table")
    parser.add_argument("--as-user", help="show only what this user may see (needs a policy)")
    parser.add_argument("--policy", help="access policy TOML (default $CX_ACCESS_POLICY)")
