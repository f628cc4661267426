"""The one error the board pack raises, and the warehouse's errors turned into it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from queries.sql.engine import explain
from queries.sql.errors import WarehouseError


class PackError(RuntimeError):
    """The pack cannot be built (no Chromium, warehouse down, unwritable folder): one clear
    line."""


@contextmanager
def warehouse_errors(engine: Engine) -> Iterator[None]:
    """A warehouse that is down, slow or not the contract while the pack reads it: one clear
    line (queries.sql.engine.explain, password hidden), never a driver's traceback."""
    try:
        yield
    except (sa.exc.SQLAlchemyError, WarehouseError) as exc:
        url = engine.url.render_as_string(hide_password=False)
        raise PackError(f"the warehouse could not be read. {explain(exc, url)}") from exc
