"""Names and typed text an attacker would choose (Markdown, HTML, links, spreadsheet formulas,
bare URLs), and the fixture warehouse with its regions and locations named so: the page, the
pack and the browser tests all inject the same strings."""

from __future__ import annotations

from tests import fixture_warehouse as fw

IMAGE = "![x](http://127.0.0.2/x.png)"
BOLD = "<b>x</b>"
LINK = "[click](http://evil.example)"
FORMULA = "=cmd|' /C calc'!A0"
BARE = "www.evil.example http://127.0.0.2/z"
STYLE = '<span style="color:red">red</span>'
HOSTILE_REGIONS = [("N", IMAGE), ("S", BOLD)]
HOSTILE_LOCATIONS = [
    ("L1", LINK, "N", 45.0, -93.0),
    ("L2", FORMULA, "N", 44.0, -92.0),
    ("L3", BARE, "S", 30.0, -90.0),
]


def hostile_loader(regions=HOSTILE_REGIONS, locations=HOSTILE_LOCATIONS):
    """A `make_warehouse` loader: the fixture warehouse under these region and location names."""
    def load(eng, rows=None):
        fw.load(eng, dict(fw.ROWS, regions=regions, locations=locations))
    return load
