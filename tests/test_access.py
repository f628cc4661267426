"""Access control: each user sees only allowed scopes; the CLI's --as-user filters the same way."""

from __future__ import annotations

import pytest

from dashboard import cli
from queries import access
from queries import scope as sc

POLICY = """
[settings]
header = "X-Forwarded-Email"

[users."ceo@example.com"]
company = true

[users."north@example.com"]
regions = ["N"]

[users."Lakeside@Example.com"]
locations = ["L1"]
"""


@pytest.fixture
def policy_file(tmp_path):
    p = tmp_path / "policy.toml"
    p.write_text(POLICY)
    return p


@pytest.fixture
def policy(policy_file):
    return access.load(policy_file)


def test_policy_off_by_default(monkeypatch):
    monkeypatch.delenv(access.ENV_POLICY, raising=False)
    assert access.load() is None


def test_company_user_sees_everything(policy):
    a = policy.allowed_for("CEO@example.com ")
    assert a.can_see(sc.Scope()) and a.can_see(sc.Scope(region="S"))
    assert a.can_see(sc.Scope(region="S", location="L3"))


def test_region_user_sees_region_and_its_locations_only(policy, warehouse):
    dims = sc.load_dims(warehouse)
    a = policy.allowed_for("north@example.com")
    assert not a.can_see(sc.Scope())  # never company totals
    assert a.can_see(sc.Scope(region="N"))
    assert a.can_see(sc.Scope(region="N", location="L2"))
    assert not a.can_see(sc.Scope(region="S"))
    assert not a.can_see(sc.Scope(region="S", location="L3"))
    assert a.visible_regions(dims) == ["N"]
    assert a.visible_locations(dims) == ["L1", "L2"]
    assert a.home(dims) == sc.Scope(region="N")
    with pytest.raises(access.AccessDenied):
        a.check(sc.Scope(region="S"))


def test_location_user_sees_only_the_location(policy, warehouse):
    dims = sc.load_dims(warehouse)
    a = policy.allowed_for("lakeside@example.com")
    assert a.can_see(sc.Scope(region="N", location="L1"))
    assert not a.can_see(sc.Scope(region="N"))  # no region totals
    assert not a.can_see(sc.Scope(region="N", location="L2"))
    assert a.home(dims) == sc.Scope(region="N", location="L1")
    assert a.visible_regions(dims) == []


def test_unknown_user_sees_nothing(policy, warehouse):
    dims = sc.load_dims(warehouse)
    for user in ("stranger@example.com", None, ""):
        a = policy.allowed_for(user)
        assert a.nothing and not a.can_see(sc.Scope(region="N"))
        with pytest.raises(access.AccessDenied):
            a.home(dims)


def test_cache_key_depends_on_rights_not_identity(policy):
    a, b = policy.allowed_for("north@example.com"), policy.allowed_for("ceo@example.com")
    assert a.key != b.key
    assert hash(a.key) is not None


def test_bad_policy_is_a_clear_error(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text('[users."x@y"]\nregion = ["N"]\n')
    with pytest.raises(ValueError, match="unknown key 'region'"):
        access.load(p)
    p.write_text("not toml [")
    with pytest.raises(ValueError, match="Cannot read access policy"):
        access.load(p)


def _metrics(capsys, warehouse, *args):
    url = warehouse.url.render_as_string(hide_password=False)
    code = cli.main(["metrics", "--url", url, "--month", "2026-10", "--format", "json", *args])
    return code, *capsys.readouterr()


def test_cli_as_user_filters(capsys, warehouse, policy_file):
    code, out, err = _metrics(capsys, warehouse, "--policy", str(policy_file),
                              "--as-user", "north@example.com")
    assert code == 2 and "not permitted" in err and out == ""  # company totals refused
    code, out, _ = _metrics(capsys, warehouse, "--policy", str(policy_file),
                            "--as-user", "north@example.com", "--region", "N")
    assert code == 0 and '"region": "N"' in out
    code, out, err = _metrics(capsys, warehouse, "--policy", str(policy_file),
                              "--as-user", "north@example.com", "--region", "S")
    assert code == 2 and "not permitted" in err and out == ""
    code, out, err = _metrics(capsys, warehouse, "--policy", str(policy_file),
                              "--as-user", "nobody@example.com", "--region", "N")
    assert code == 2 and "not in the access policy" in err and out == ""


def test_cli_pack_as_user_refuses_other_scopes(capsys, warehouse, policy_file, tmp_path):
    url = warehouse.url.render_as_string(hide_password=False)
    out = tmp_path / "pack.pdf"
    for args in ([], ["--region", "S"]):
        code = cli.main(["pack", "--url", url, "--month", "2026-10", "--out", str(out),
                         "--policy", str(policy_file), "--as-user", "north@example.com", *args])
        _, err = capsys.readouterr()
        assert code == 2 and "not permitted" in err
        assert not out.exists()  # nothing written
