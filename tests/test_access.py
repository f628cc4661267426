"""Access control: each user sees only allowed scopes; the CLI's --as-user filters the same way."""

from __future__ import annotations

import pytest

from cli import main as cli
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
def policy_file(write_toml):
    return write_toml(POLICY)


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
    north = policy.allowed_for("north@example.com")
    twin = access.Allowed(regions=frozenset({"N"}), user="someone-else@example.com")
    assert north.user != twin.user and north.key == twin.key == (False, ("N",), ())
    assert policy.allowed_for("ceo@example.com").key == (True, (), ()) != north.key
    assert policy.allowed_for("lakeside@example.com").key == (False, (), ("L1",))
    assert access.Allowed(regions=frozenset({"S", "N"}), locations=frozenset({"L3", "L1"}),
                          ).key == (False, ("N", "S"), ("L1", "L3"))


def test_bad_policy_is_a_clear_error(write_toml):
    p = write_toml('[users."x@y"]\nregion = ["N"]\n', "bad.toml")
    with pytest.raises(ValueError, match=r'\[users."x@y"\] region: unknown key') as err:
        access.load(p)
    assert "line 2" in str(err.value) and str(p) in str(err.value)  # the line and the file
    assert str(p) not in err.value.without_path()  # what the page shows
    p.write_text("not toml [")
    with pytest.raises(ValueError, match="Access policy .*, not valid TOML"):
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


def test_refusals_say_why(policy, warehouse):
    with pytest.raises(access.AccessDenied, match="^You are not permitted to see this part"):
        policy.allowed_for("north@example.com").check(sc.Scope(region="S"))
    with pytest.raises(access.AccessDenied, match="^You have no access to any part"):
        policy.allowed_for("stranger@example.com").home(sc.load_dims(warehouse))


def test_visible_regions_and_locations_by_rights(policy, warehouse):
    dims = sc.load_dims(warehouse)  # N: L1, L2; S: L3
    ceo, north = policy.allowed_for("ceo@example.com"), policy.allowed_for("north@example.com")
    assert ceo.visible_regions(dims) == ["N", "S"]
    assert ceo.visible_locations(dims) == ["L1", "L2", "L3"]
    assert ceo.visible_locations(dims, region="S") == ["L3"]
    assert ceo.visible_locations(dims, region="N") == ["L1", "L2"]
    assert north.visible_locations(dims, region="N") == ["L1", "L2"]
    assert north.visible_locations(dims, region="S") == []


def test_location_user_lands_in_their_locations_region(write_toml, warehouse):
    p = write_toml('[users."bayou@example.com"]\nlocations = ["L3"]\n', "south.toml")
    a = access.load(p).allowed_for("bayou@example.com")
    dims = sc.load_dims(warehouse)
    assert a.home(dims) == sc.Scope(region="S", location="L3")  # L3 is in S, not the first region
    assert a.visible_locations(dims) == ["L3"] and a.visible_regions(dims) == []


def test_policy_file_is_read_as_written(policy):
    assert policy.header == "X-Forwarded-Email"
    lake = policy.allowed_for("lakeside@example.com")
    assert lake.user == "Lakeside@Example.com"  # the name as written in the policy
    assert policy.allowed_for("stranger@example.com").user == "stranger@example.com"
    assert policy.allowed_for("north@example.com").company is False


def test_policy_without_users_or_settings(write_toml):
    p = write_toml('[settings]\nheader = "X-User"\n', "p.toml")
    pol = access.load(p)
    assert pol.users == {} and pol.header == "X-User"
    assert pol.allowed_for("anyone@example.com").nothing
    p.write_text('[users."a@b"]\ncompany = true\n')
    pol = access.load(p)
    assert pol.header is None and pol.allowed_for("A@B").company


def test_policy_user_entry_must_be_a_table(write_toml):
    p = write_toml('[users]\n"a@b" = "company"\n', "p.toml")
    with pytest.raises(ValueError, match=r'line 2: \[users\] "a@b": must be a table'):
        access.load(p)


def test_check_scope_by_the_rights_in_a_cache_key():
    north = (False, ("N",), ())  # Allowed.key of a region leader for N
    lake = (False, (), ("L1",))  # of a location manager for L1 (in region N)
    access.check_scope(sc.Scope("N"), north)
    access.check_scope(sc.Scope("N", "L2"), north)
    access.check_scope(sc.Scope("N", "L1"), lake)
    access.check_scope(sc.Scope(), (True, (), ()))
    access.check_scope(sc.Scope("S", "L3"), (True, (), ()))
    refused = [(None, None, north), ("S", None, north), ("S", "L3", north),
               ("N", None, lake), ("N", "L2", lake), (None, None, (False, (), ()))]
    for region, location, key in refused:
        with pytest.raises(access.AccessDenied,
                           match="^You are not permitted to see this part of the network.$"):
            access.check_scope(sc.Scope(region, location), key)


def test_check_scope_refuses_anything_but_a_key():
    # "all" would unpack into three truthy letters; 1 is not a bool; a pair lacks the locations.
    for bad, kind in (("all", "str"), ((1, (), ()), "tuple"), ((True, ()), "tuple"),
                      ([True, (), ()], "list")):
        with pytest.raises(TypeError) as info:
            access.check_scope(sc.Scope(), bad)
        assert str(info.value) == f"allowed must be access.Allowed.key, not {kind}"
    assert access.Allowed.from_key((False, ["S", "N"], ["L3"])) == access.Allowed(
        regions=frozenset({"N", "S"}), locations=frozenset({"L3"}))


def test_identity_is_matched_without_case_or_spaces(write_toml):
    pol = access.load(write_toml('[users." North@Example.com "]\nregions = ["N"]\n'))
    for who in ("north@example.com", "NORTH@example.com", "  north@example.com\t"):
        a = pol.allowed_for(who)
        assert a.regions == frozenset({"N"}) and a.user == " North@Example.com "
    stranger = pol.allowed_for(" Stranger@example.com")
    assert stranger.nothing and stranger.user == " Stranger@example.com"
    assert pol.allowed_for("").user is None and pol.allowed_for(None).user is None


def test_identity_from_the_proxy_header():
    assert access.user_from_header([" CEO@example.com "]) == "CEO@example.com"
    assert access.user_from_header(["a@x", " A@X "]) == "a@x"  # the same user twice
    assert access.user_from_header([]) is None and access.user_from_header(["", "  "]) is None
    with pytest.raises(access.AccessDenied):  # two users once lower-cased, as the policy matches
        access.user_from_header(["strasse@example.com", "straße@example.com"])
    with pytest.raises(access.AccessDenied) as info:
        access.user_from_header(["north@example.com", "ceo@example.com"])
    assert str(info.value) == ("The identity header was sent more than once with different "
                               "values; refused.")
