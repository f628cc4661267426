"""No traceback, exception text or server path reaches a user (issue 25, item 10): the board pack
built while the warehouse is down, and a policy user none of whose regions or locations is in the
warehouse (`AccessDenied` was uncaught), each get one clear message. Uncaught errors are hidden
by `client.showErrorDetails = "none"` too (tests/test_server_config.py).

On DuckDB (the file moved away under the running page) and PostgreSQL (the database renamed).
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

import pack as pk
from cli import main as cli
from dashboard.panels import review
from pack import printed
from queries import scope as sc
from queries import targets
from tests.conftest import PG_ADMIN_URL
from tests.page import APP, open_section, tiles

OCT = date(2026, 10, 1)
TRACE_WORDS = ("Traceback", 'File "', ".py", "site-packages")


class Outage:
    """Take a test warehouse away and bring it back, as its engine sees it."""

    def __init__(self, engine: sa.Engine) -> None:
        self.url = engine.url.render_as_string(hide_password=False)
        self.duckdb = self.url.startswith("duckdb")

    def down(self) -> None:
        if self.duckdb:
            path = self.url.split(":///", 1)[1]
            os.rename(path, path + ".away")
            return
        name = self.url.rsplit("/", 1)[1]
        admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.exec_driver_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              f"WHERE datname = '{name}'")  # a test database's own name
            c.exec_driver_sql(f'ALTER DATABASE "{name}" RENAME TO "{name}_gone"')
        admin.dispose()

    def up(self) -> None:
        if self.duckdb:
            path = self.url.split(":///", 1)[1]
            os.rename(path + ".away", path)
            return
        name = self.url.rsplit("/", 1)[1]
        admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.exec_driver_sql(f'ALTER DATABASE "{name}_gone" RENAME TO "{name}"')
        admin.dispose()


def _clean(text: str) -> None:
    assert not [w for w in TRACE_WORDS if w in text], text
    assert len(text.strip().splitlines()) == 1, text


@pytest.mark.browser  # the pack starts Chromium while it reads the warehouse
def test_pack_with_the_warehouse_down_is_one_clear_line(make_warehouse, tmp_path, capsys):
    eng = make_warehouse()
    dims = sc.load_dims(eng)
    outage = Outage(eng)
    folder = tmp_path / "packs"
    folder.mkdir()
    outage.down()
    try:
        with pytest.raises(pk.PackError) as err:  # was an OperationalError's traceback
            printed.build(eng, dims, sc.Scope(region="N"), OCT, targets.load(), analyses=False)
        text = str(err.value)
        assert text.startswith("the warehouse could not be read.")
        assert "unreachable" in text or "is gone" in text, text
        _clean(text)
        out = folder / "cli.pdf"
        code = cli.main(["pack", "--url", outage.url, "--month", "2026-10", "--region", "N",
                         "--out", str(out)])
        err_text = capsys.readouterr().err
        assert code == 2 and err_text.startswith("error: ")
        _clean(err_text)
        assert list(folder.iterdir()) == []  # nothing written
    finally:
        outage.up()


@pytest.mark.browser
def test_page_pack_button_with_the_warehouse_down_says_so(make_warehouse, page_env,
                                                          monkeypatch):
    eng = make_warehouse()
    outage = Outage(eng)
    page_env.setenv("CX_WAREHOUSE_URL", outage.url)
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["region"], at.query_params["month"] = "N", "2026-10"
    at.run()
    assert tiles(at) and not at.exception
    open_section(at, review.SECTION_KEY)
    real = printed._content  # the page's button prints the page (pack/printed.py)

    def read_while_down(*args, **kwargs):
        """The page is drawn; the warehouse goes while the pack reads it, and comes back."""
        outage.down()
        try:
            return real(*args, **kwargs)
        finally:
            outage.up()

    monkeypatch.setattr(printed, "_content", read_while_down)
    at.button(key="b-pack-N-None-2026-10-01-").click().run()
    assert not at.exception, [e.value for e in at.exception]  # no traceback on the page
    said = [e.value for e in at.error if "board pack could not be built" in e.value]
    assert len(said) == 1 and "could not be read" in said[0], [e.value for e in at.error]
    _clean(said[0])


def test_policy_user_with_nothing_in_the_warehouse_gets_a_message(make_warehouse, page_env,
                                                                  write_toml):
    eng = make_warehouse()
    policy = write_toml('[users."gone@example.com"]\nregions = ["ZZ"]\nlocations = ["L9"]\n')
    page_env.setenv("CX_WAREHOUSE_URL", eng.url.render_as_string(hide_password=False))
    page_env.setenv("CX_ACCESS_POLICY", str(policy))
    for params in ({}, {"region": "N"}):
        at = AppTest.from_file(APP, default_timeout=60)
        at.user = {"is_logged_in": True, "email": "gone@example.com"}
        for k, v in params.items():
            at.query_params[k] = v
        at.run()
        assert not at.exception, [e.value for e in at.exception]  # was AccessDenied, uncaught
        errors = [e.value for e in at.error]
        assert any("none of the regions or locations you may see is in the warehouse" in e
                   for e in errors), errors
        assert not tiles(at)
        for e in errors:
            assert str(Path(policy)) not in e and "ZZ" not in e
