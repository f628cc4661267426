"""A deterministic demo warehouse: a national dealer network with planted CX cause and effect.

`generate()` makes the data in memory (survey responses lazily, one month at a time) and
`build_demo()` writes it to a DuckDB file or a PostgreSQL database that follows the contract in
`queries.sql.schema`. The planted facts are returned as `Demo.truth` so tests can check that the
scorecard's analyses recover them.
"""

from sample_data.generate import MONTHS, Demo, generate
from sample_data.load import build_demo

__all__ = ["MONTHS", "Demo", "build_demo", "generate"]
