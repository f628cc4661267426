"""Query layer: what the page, the CLI and the board pack compute, and never how they show it.

The top level holds the domain (metric registry, scope, access, months, statistics, targets, the
scorecard); `sql/` is everything that talks to the warehouse (contract, engine, dialects, the
grouped queries); `insights/` holds one module per analysis; `loading/` turns files into a
warehouse. Settings: `settings.py`. This package never imports Streamlit.
"""
