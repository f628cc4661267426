"""A wrong access policy is refused with a message a policy owner can act on: the file, and for
every problem its line, the table and key, what was expected and what was found. Each expected
message below is written out by hand from the TOML text above it (the line is counted in that
text). The checks are a pydantic model (queries/access.py); the wording is queries/tomlfile.py's."""

from __future__ import annotations

import pytest

from queries import access


def _error(write_toml, text: str) -> str:
    """The message without the file's path (what the page shows); the full one names the file."""
    path = write_toml(text)
    with pytest.raises(access.PolicyError) as info:
        access.load(path)
    assert str(info.value) == info.value.without_path().replace(
        "Access policy", f"Access policy {path}", 1)
    return info.value.without_path()


ALLOWED_USER = "unknown key (allowed: company, locations, regions)"
HEADER = 'must be an HTTP header name in quotes, like "X-Forwarded-Email", not '
REGIONS = 'must be a list of ids in quotes, like regions = ["NE"], not '


@pytest.mark.parametrize("text, message", [
    # Top level: every unknown key, each with its line (a table header names its first part).
    ('# the title of this policy\ntitle = "CX"\n',
     "Access policy, line 2: [title]: unknown key (allowed: settings, users)"),
    ('zeta = 1\nalpha = 2\n',
     "Access policy: 2 problems\n  line 1: [zeta]: unknown key (allowed: settings, users)\n"
     "  line 2: [alpha]: unknown key (allowed: settings, users)"),
    ('[user."a@b"]\ncompany = true\n',
     "Access policy, line 1: [user]: unknown key (allowed: settings, users)"),
    ('[settings]\nheader = "X-User"\n\n[user."a@b"]\ncompany = true\n',
     "Access policy, line 4: [user]: unknown key (allowed: settings, users)"),
    ('# settings follow\nsettings = 1\n',
     "Access policy, line 2: [settings]: must be a table, not 1"),
    # [settings]: the key is looked for below the table header, not above it.
    ('[users."a@b"]\ncompany = true\n[settings]\ncompany = true\nzone = 1\n',
     "Access policy: 2 problems\n  line 4: [settings] company: unknown key (allowed: header)\n"
     "  line 5: [settings] zone: unknown key (allowed: header)"),
    # Problems in the order of the lines, whatever the order of the tables.
    ('[users."a@b"]\ncompany = true\nheader = "X-User"\n\n[settings]\nheader = "X User"\n',
     f'Access policy: 2 problems\n  line 3: [users."a@b"] header: {ALLOWED_USER}\n'
     f"  line 6: [settings] header: {HEADER}'X User'"),
    ('[settings]\n# header is the proxy\'s\nheader = 5\n',
     f"Access policy, line 3: [settings] header: {HEADER}5"),
    ('[settings]\nheader = "' + "A" * 65 + '"\n',  # 64 characters at most; shown cut at 60
     f"Access policy, line 2: [settings] header: {HEADER}'" + "A" * 59),
    ('# users below\nusers = "everyone"\n',
     "Access policy, line 2: [users]: must be a table, not 'everyone'"),
    # [users]
    ('[settings]\nheader = "X-User"\n[users."  "]\ncompany = true\n',
     'Access policy, line 3: [users] "  ": a user name is empty'),
    ('[users."Ann@X.com"]\ncompany = true\n\n[users." ann@x.COM"]\nregions = ["N"]\n',
     'Access policy, line 4: [users] " ann@x.COM": users \'Ann@X.com\' and \' ann@x.COM\' '
     "differ only in case, spaces or Unicode form (user names are matched case-insensitively, "
     "composed as NFC): keep one"),
    ('[users]\n# a@b is the CEO\n"a@b" = "company"\n',
     'Access policy, line 3: [users] "a@b": must be a table, not \'company\''),
    ('[settings]\nheader = "X-User"\n[users."c@d"]\nheader = "X-User"\nwhere = 1\n',
     f'Access policy: 2 problems\n  line 4: [users."c@d"] header: {ALLOWED_USER}\n'
     f'  line 5: [users."c@d"] where: {ALLOWED_USER}'),
    ('[users."a@b"]\ncompany = true\n[users."c@d"]\ncompany = "yes"\n',
     'Access policy, line 4: [users."c@d"] company: must be true or false without quotes, '
     "not 'yes'"),
    ('[users."c@d"]\ncompany = 1\n',
     'Access policy, line 2: [users."c@d"] company: must be true or false without quotes, not 1'),
    ('[users."c@d"]\ncompany = "' + "y" * 70 + '"\n',
     'Access policy, line 2: [users."c@d"] company: must be true or false without quotes, not \''
     + "y" * 59),
    # The id lists: a list of non-empty strings, nothing else.
    ('[users."a@b"]\nregions = ["N"]\n[users."c@d"]\nregions = "SE"\n',
     f'Access policy, line 4: [users."c@d"] regions: {REGIONS}\'SE\''),
    ('[users."c@d"]\nlocations = ["L1", " "]\n',
     'Access policy, line 2: [users."c@d"] locations: must be a list of ids in quotes, like '
     "locations = [\"L1\"], not ['L1', ' ']"),
    # Inline tables: the key is on the user's line, not an earlier user's.
    ('[users]\n"a@b" = { regions = ["N"] }\n"c@d" = { regions = "SE" }\n',
     f'Access policy, line 3: [users."c@d"] regions: {REGIONS}\'SE\''),
    ('[users."c@d"]\nregions = ["N", 2]\n',
     f"Access policy, line 2: [users.\"c@d\"] regions: {REGIONS}['N', 2]"),
    ('[users."c@d"]\nregions = "' + "N" * 70 + '"\n',
     f'Access policy, line 2: [users."c@d"] regions: {REGIONS}\'' + "N" * 59),
])
def test_policy_error_names_the_line(write_toml, text, message):
    assert _error(write_toml, text) == message


def test_policy_error_without_a_line_to_name(write_toml):
    # The user name is written with an escape, so the name never appears in the text: the
    # message names the nearest line that is written, the [users] header.
    assert _error(write_toml, '[users]\n"a\\u0040b" = 1\n') == (
        'Access policy, line 1: [users] "a@b": must be a table, not 1')
    # Parsed from a dict (no text, no file), the message is the same without a line.
    with pytest.raises(access.PolicyError) as info:
        access.parse({"settings": {"header": "X-User", "zone": 1}})
    assert str(info.value) == "Access policy, [settings] zone: unknown key (allowed: header)"
    with pytest.raises(access.PolicyError) as info:
        access.parse({"users": {"X": "company"}})
    assert str(info.value) == "Access policy, [users] X: must be a table, not 'company'"


def test_policy_file_that_cannot_be_read(tmp_path):
    missing = tmp_path / "missing.toml"
    with pytest.raises(access.PolicyError) as info:
        access.load(missing)
    assert str(info.value) == (f"Access policy {missing}, cannot read the file: "
                               "No such file or directory")
    latin1 = tmp_path / "latin1.toml"
    latin1.write_bytes(b'[users."jos\xe9@example.com"]\ncompany = true\n')
    with pytest.raises(access.PolicyError) as info:
        access.load(latin1)
    assert str(info.value) == f"Access policy {latin1}, not UTF-8 text (byte 11)"


def test_policy_that_is_not_toml(write_toml):
    assert _error(write_toml, '[users."a@b"]\ncompany true\n') == (
        "Access policy, not valid TOML (Expected '=' after a key in a key/value "
        "pair (at line 2, column 9))")


def test_policy_file_is_read_as_utf8(write_toml):
    p = write_toml("")
    p.write_bytes('[users."José@example.com"]\nregions = [" N ", "S"]\n'.encode())
    a = access.load(p).allowed_for("josé@EXAMPLE.com")
    assert a.user == "José@example.com" and a.regions == frozenset({"N", "S"})


def test_policy_file_with_a_byte_order_mark(write_toml):
    # Windows editors (Notepad's "UTF-8 with BOM") start the file with U+FEFF; tomllib alone
    # says "Invalid statement (at line 1, column 1)" (issue 25). Read as utf-8-sig it loads.
    p = write_toml("")
    p.write_bytes('\ufeff[users."a@b"]\nregions = ["N"]\n'.encode())
    assert access.load(p).allowed_for("a@b").regions == frozenset({"N"})
    # ... and a problem after the mark still names its line (the mark is no line of its own)
    p.write_bytes('\ufeff[users."a@b"]\nregions = "N"\n'.encode())
    with pytest.raises(access.PolicyError, match=r'line 2: \[users\."a@b"\] regions'):
        access.load(p)


def test_policy_from_the_environment(write_toml, monkeypatch):
    p = write_toml('[users."a@b"]\nlocations = ["L1"]\n')
    monkeypatch.setenv(access.ENV_POLICY, str(p))
    assert access.load().allowed_for("a@b").key == (False, (), ("L1",))
    monkeypatch.setenv(access.ENV_POLICY, "")
    assert access.load() is None
