"""Load a warehouse from files (`cx-scorecard load`) or present one as views (`views`).

One mapping file (docs/load.md) names, per contract table, where its rows are and which source
column feeds each contract column. `mapping` reads and checks it, `readers` opens CSV, Parquet and
Excel sources, `convert` turns source values into contract types (or a reason for rejecting the
row), `write` stages a warehouse and swaps it in only when everything passed, `loader` runs the
whole load, and `views` writes the same mapping as CREATE VIEW statements.
"""
