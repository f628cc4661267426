"""Who is asking, and what a refusal gives away (issue 25, low items):

- an unknown scope and a forbidden one read the same to a user with limited rights, on the page
  and in the CLI, so they cannot probe which regions and locations exist;
- "José" composed (NFC) and with a combining accent (NFD) is one user;
- an empty first value of the identity header (a client's blank copy before the proxy's) does
  not lock the real user out.

Pages on the fixture warehouse (tests/fixture_warehouse.py) on DuckDB and PostgreSQL.
"""

from __future__ import annotations

import unicodedata
from types import SimpleNamespace

import pytest
from streamlit.runtime import context as st_context
from streamlit.testing.v1 import AppTest

from cli import main as cli
from queries import access
from tests.page import run_as, tiles

NFC = unicodedata.normalize("NFC", "josé@example.com")
NFD = unicodedata.normalize("NFD", "josé@example.com")
POLICY = f"""
[users."north@example.com"]
regions = ["N"]
[users."{NFC}"]
locations = ["L1"]
"""
HEADER = "X-Forwarded-Email"


@pytest.fixture
def site(make_warehouse, page_env, write_toml):
    eng = make_warehouse()
    url = eng.url.render_as_string(hide_password=False)
    policy = write_toml(POLICY)
    page_env.setenv("CX_WAREHOUSE_URL", url)
    page_env.setenv("CX_ACCESS_POLICY", str(policy))
    return url, policy


def _said(at: AppTest) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return tuple(e.value for e in at.error), tuple(w.value for w in at.warning)


def test_unknown_and_forbidden_scopes_read_the_same(site, capsys):
    url, policy = site
    forbidden = ({"region": "S"}, {"location": "L3"}, {"region": "S", "location": "L3"})
    unknown = ({"region": "ZZ"}, {"location": "L404"}, {"region": "N", "location": "L404"},
               {"region": "Z!Z"})
    answers = set()
    for params in forbidden + unknown:
        at = run_as("north@example.com", **params)
        assert not tiles(at), params
        answers.add(_said(at))
    assert len(answers) == 1, answers  # one error, no notice naming what exists
    errors, warnings = answers.pop()
    assert warnings == () and len(errors) == 1 and errors[0].startswith("Not permitted")
    # A month notice is still given (it says nothing about the network).
    at = run_as("north@example.com", region="ZZ", month="1999-01")
    assert any("1999" in w for w in _said(at)[1])
    # The CLI: one refusal for both, naming only what was asked.
    lines = set()
    for args in (["--region", "S"], ["--region", "ZZ"], ["--location", "L3"],
                 ["--location", "L404"]):
        code = cli.main(["metrics", "--url", url, "--month", "2026-10", "--policy", str(policy),
                         "--as-user", "north@example.com", *args])
        last = capsys.readouterr().err.strip().splitlines()[-1]  # after Streamlit's log lines
        assert code == 2
        lines.add(last.replace(repr(args[1]), "X"))
    assert lines == {"error: User 'north@example.com' is not permitted to see X"}


def test_nfc_and_nfd_spellings_are_one_user(site, write_toml):
    assert NFC != NFD
    at = run_as(NFD)  # a login that sends the decomposed form
    assert tiles(at) and not at.error
    assert {k: v[0] if isinstance(v, list) else v for k, v in at.query_params.items()} == {
        "region": "N", "location": "L1", "month": "2026-10"}
    # Two entries that differ only in Unicode form are refused, as two differing in case are.
    with pytest.raises(access.PolicyError, match="differ only in case, spaces or Unicode form"):
        access.load(write_toml(f'[users."{NFC}"]\ncompany = true\n[users."{NFD}"]\n'
                               'regions = ["N"]\n', name="two.toml"))


@pytest.fixture
def sent(site, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """The policy trusts a proxy header; the handshake's headers come from this list."""
    _, policy = site
    policy.write_text(f'[settings]\nheader = "{HEADER}"\n' + POLICY)
    headers: list[tuple[str, str]] = []
    monkeypatch.setattr(st_context, "_get_client_context",
                        lambda: SimpleNamespace(headers=list(headers), cookies={},
                                                remote_ip=None))
    return headers


def test_an_empty_first_identity_header_does_not_lock_the_user_out(sent):
    sent[:] = [(HEADER, ""), (HEADER, "North@Example.com")]
    at = run_as(None)
    assert tiles(at) and not at.error  # before: "not on this scorecard's access list"
    sent[:] = [(HEADER, "  "), (HEADER, "")]  # nobody named: nothing shown
    assert any("access list" in e.value for e in run_as(None).error)
    sent[:] = [(HEADER, ""), (HEADER, "evil@example.com"), (HEADER, "north@example.com")]
    assert any("more than once" in e.value for e in run_as(None).error)  # still refused
    assert access.user_from_header(["", " a@x "]) == "a@x"
    assert access.user_from_header([NFC, NFD]) == NFC  # one user, two spellings
