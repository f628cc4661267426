"""Generated sections inside a hand-kept Markdown file, between HTML comment markers.

Several benchmarks write into docs/performance.md; each owns one delimited section and leaves the
rest of the file alone, so re-running one never erases another's figures.
"""

from __future__ import annotations

import re


def markers(name: str) -> tuple[str, str]:
    return (f"<!-- generated section {name}: begin (re-run its benchmark, do not edit) -->",
            f"<!-- generated section {name}: end -->")


def extract(text: str, name: str) -> str | None:
    """The section `name` with its markers, or None when the text has none."""
    begin, end = markers(name)
    m = re.search(re.escape(begin) + r".*?" + re.escape(end), text, flags=re.S)
    return m.group(0) if m else None


def replace(text: str, name: str, body: str) -> str:
    """`text` with section `name` set to `body` (appended at the end when absent)."""
    begin, end = markers(name)
    block = f"{begin}\n{body.strip()}\n{end}"
    if extract(text, name) is not None:
        pattern = re.escape(begin) + r".*?" + re.escape(end)
        return re.sub(pattern, lambda _: block, text, count=1, flags=re.S)
    return text.rstrip() + "\n\n" + block + "\n"


SECTION_RE = re.compile(
    r"<!-- generated section (\w+): begin .*?<!-- generated section \1: end -->", re.S)


def extract_all(text: str) -> list[str]:
    """Every generated section of `text`, markers included, in order."""
    return [m.group(0) for m in SECTION_RE.finditer(text)]
