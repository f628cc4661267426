"""A wrong access policy is refused with one message a policy owner can act on: which key, what
was expected, and the line of the file. Each expected message below is written out by hand from
the TOML text above it (the line is counted in that text)."""

from __future__ import annotations

import pytest

from queries import access


def _error(write_toml, text: str) -> str:
    with pytest.raises(access.PolicyError) as info:
        access.load(write_toml(text))
    return str(info.value)


@pytest.mark.parametrize("text, message", [
    # Top level: the first unknown key in sorted order, found as `key =` before a mere mention.
    ('# the title of this policy\ntitle = "CX"\n',
     "Access policy, line 2: unknown section or key 'title' (expected [settings] and [users])"),
    ('zeta = 1\nalpha = 2\n',
     "Access policy, line 2: unknown section or key 'alpha' (expected [settings] and [users])"),
    ('[user."a@b"]\ncompany = true\n',
     "Access policy, line 1: unknown section or key 'user' (expected [settings] and [users])"),
    ('[settings]\nheader = "X-User"\n\n[user."a@b"]\ncompany = true\n',
     "Access policy, line 4: unknown section or key 'user' (expected [settings] and [users])"),
    ('# settings follow\nsettings = 1\n',
     "Access policy, line 2: settings must be a table: [settings]"),
    # [settings]: the key is looked for below the table header, not above it.
    ('[users."a@b"]\ncompany = true\n[settings]\ncompany = true\nzone = 1\n',
     "Access policy, line 4: unknown setting 'company' (only header)"),
    ('[users."a@b"]\ncompany = true\nheader = "X-User"\n\n[settings]\nheader = "X User"\n',
     "Access policy, line 6: header must be an HTTP header name in quotes, not 'X User'"),
    ('[settings]\n# header is the proxy\'s\nheader = 5\n',
     "Access policy, line 3: header must be an HTTP header name in quotes, not 5"),
    ('[settings]\nheader = "' + "A" * 65 + '"\n',  # 64 characters at most; shown cut at 60
     "Access policy, line 2: header must be an HTTP header name in quotes, not '" + "A" * 59),
    ('# users below\nusers = "everyone"\n',
     'Access policy, line 2: users must be tables: [users."name@example.com"]'),
    # [users]
    ('[settings]\nheader = "X-User"\n[users."  "]\ncompany = true\n',
     "Access policy, line 3: a user name is empty"),
    ('[users."Ann@X.com"]\ncompany = true\n\n[users." ann@x.COM"]\nregions = ["N"]\n',
     "Access policy, line 4: users 'Ann@X.com' and ' ann@x.COM' differ only in case or spaces "
     "(user names are matched case-insensitively): keep one"),
    ('[users]\n# a@b is the CEO\n"a@b" = "company"\n',
     "Access policy, line 3: [users.'a@b'] must be a table"),
    ('[settings]\nheader = "X-User"\n[users."c@d"]\nheader = "X-User"\nwhere = 1\n',
     "Access policy, line 4: unknown key 'header' for user 'c@d' (allowed: company, regions, "
     "locations)"),
    ('[users."a@b"]\ncompany = true\n[users."c@d"]\ncompany = "yes"\n',
     "Access policy, line 4: user 'c@d': company must be true or false without quotes, not 'yes'"),
    ('[users."c@d"]\ncompany = 1\n',
     "Access policy, line 2: user 'c@d': company must be true or false without quotes, not 1"),
    ('[users."c@d"]\ncompany = "' + "y" * 70 + '"\n',
     "Access policy, line 2: user 'c@d': company must be true or false without quotes, not '"
     + "y" * 59),
    # The id lists: a list of non-empty strings, nothing else.
    ('[users."a@b"]\nregions = ["N"]\n[users."c@d"]\nregions = "SE"\n',
     "Access policy, line 4: user 'c@d': regions must be a list of ids in quotes, like "
     "regions = [\"NE\"], not 'SE'"),
    ('[users."c@d"]\nlocations = ["L1", " "]\n',
     "Access policy, line 2: user 'c@d': locations must be a list of ids in quotes, like "
     "locations = [\"NE\"], not ['L1', ' ']"),
    # Inline tables: the key is on the user's line, not an earlier user's.
    ('[users]\n"a@b" = { regions = ["N"] }\n"c@d" = { regions = "SE" }\n',
     "Access policy, line 3: user 'c@d': regions must be a list of ids in quotes, like "
     "regions = [\"NE\"], not 'SE'"),
    ('[users."c@d"]\nregions = ["N", 2]\n',
     "Access policy, line 2: user 'c@d': regions must be a list of ids in quotes, like "
     "regions = [\"NE\"], not ['N', 2]"),
    ('[users."c@d"]\nregions = "' + "N" * 70 + '"\n',
     "Access policy, line 2: user 'c@d': regions must be a list of ids in quotes, like "
     "regions = [\"NE\"], not '" + "N" * 59),
])
def test_policy_error_names_the_line(write_toml, text, message):
    assert _error(write_toml, text) == message


def test_policy_error_without_a_line_to_name(write_toml):
    # The user name is written with an escape, so the name never appears in the text: no line.
    assert _error(write_toml, '[users]\n"a\\u0040b" = 1\n') == (
        "Access policy, [users.'a@b'] must be a table")
    # Parsed from a dict (no text), the message is the same without a line.
    with pytest.raises(access.PolicyError) as info:
        access.parse({"settings": {"header": "X-User", "zone": 1}})
    assert str(info.value) == "Access policy, unknown setting 'zone' (only header)"
    with pytest.raises(access.PolicyError) as info:  # "X" would be found in any placeholder text
        access.parse({"users": {"X": "company"}})
    assert str(info.value) == "Access policy, [users.'X'] must be a table"


def test_policy_file_that_cannot_be_read(tmp_path):
    missing = tmp_path / "missing.toml"
    with pytest.raises(access.PolicyError) as info:
        access.load(missing)
    assert str(info.value) == f"Cannot read access policy {missing}: No such file or directory"
    latin1 = tmp_path / "latin1.toml"
    latin1.write_bytes(b'[users."jos\xe9@example.com"]\ncompany = true\n')
    with pytest.raises(access.PolicyError) as info:
        access.load(latin1)
    assert str(info.value) == "Cannot read access policy: not UTF-8 text (byte 11)"


def test_policy_that_is_not_toml(write_toml):
    assert _error(write_toml, '[users."a@b"]\ncompany true\n') == (
        "Cannot read access policy: not valid TOML (Expected '=' after a key in a key/value "
        "pair (at line 2, column 9))")


def test_policy_file_is_read_as_utf8(write_toml):
    p = write_toml("")
    p.write_bytes('[users."José@example.com"]\nregions = [" N ", "S"]\n'.encode())
    a = access.load(p).allowed_for("josé@EXAMPLE.com")
    assert a.user == "José@example.com" and a.regions == frozenset({"N", "S"})


def test_policy_from_the_environment(write_toml, monkeypatch):
    p = write_toml('[users."a@b"]\nlocations = ["L1"]\n')
    monkeypatch.setenv(access.ENV_POLICY, str(p))
    assert access.load().allowed_for("a@b").key == (False, (), ("L1",))
    monkeypatch.setenv(access.ENV_POLICY, "")
    assert access.load() is None
