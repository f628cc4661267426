"""What an .xlsx sheet really holds, read from its XML before openpyxl reads the values.

openpyxl's read-only mode trusts the sheet's `<dimension ref>`, which many writers other than
Excel leave stale (a sheet saying A1:G1000 gave 999 of 17,760 rows, silently), and in
`data_only` mode it gives None for a formula whose value was never saved. So the loader scans the
sheet's XML once, streaming: it counts the rows holding a value (to cross-check the rows openpyxl
then reads), finds formula cells without a saved value, and stops a sheet that is larger than
Excel itself allows before any row is converted.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

MAX_ROWS = 1_048_576  # Excel's own limit per sheet: more is not a workbook a person saved
MAX_UNCOMPRESSED = 1 << 30  # 1 GiB of XML inside the zip (a 2.8 MB file can unpack to GBs)
SHOWN = 5  # cells named in a message


class SheetTooLarge(ValueError):
    """The workbook is larger than the loader reads (rows or uncompressed size)."""


@dataclass
class SheetScan:
    """Facts about one sheet: rows with a value (header included), the last such row, and
    formula cells in the given columns whose value was never saved."""

    value_rows: int = 0
    last_row: int = 0
    dimension: str | None = None
    unsaved: list[str] = field(default_factory=list)  # first SHOWN cell references
    unsaved_count: int = 0


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


_REF = re.compile(r"^([A-Z]+)(\d+)$")


def column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def column_letters(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def check_size(path: Path) -> None:
    """Refuse a workbook whose parts unpack to more than MAX_UNCOMPRESSED bytes (declared sizes:
    zipfile stops at the declared size and fails the CRC, so a lying header cannot pass)."""
    with zipfile.ZipFile(path) as zf:
        total = sum(i.file_size for i in zf.infolist())
    if total > MAX_UNCOMPRESSED:
        raise SheetTooLarge(f"unpacks to {total / 2**20:,.0f} MB, more than the loader reads "
                            f"({MAX_UNCOMPRESSED / 2**20:,.0f} MB); save the sheet as CSV")


def scan(path: Path, part: str, columns: set[int]) -> SheetScan:
    """Stream the sheet's XML; `columns` are the 1-based column numbers the mapping reads."""
    out = SheetScan()
    with zipfile.ZipFile(path) as zf, zf.open(part) as fh:
        parent = None
        row_no = 0
        for event, el in ElementTree.iterparse(fh, events=("start", "end")):
            name = _local(el.tag)
            if event == "start":
                if name == "sheetData":
                    parent = el
                continue
            if name == "dimension":
                out.dimension = el.get("ref")
            if name != "row":
                continue
            row_no = int(el.get("r") or row_no + 1)
            if row_no > MAX_ROWS:
                raise SheetTooLarge(f"more than {MAX_ROWS:,} rows (Excel's own limit); split "
                                    "the data or save it as CSV")
            _row(el, row_no, columns, out)
            if parent is not None:
                parent.remove(el)  # keep memory flat: the row is done
            else:
                el.clear()
    return out


def _row(el: ElementTree.Element, row_no: int, columns: set[int], out: SheetScan) -> None:
    has_value = False
    col = 0
    for c in el:
        if _local(c.tag) != "c":
            continue
        m = _REF.match(c.get("r") or "")
        col = column_number(m.group(1)) if m else col + 1
        kids = {_local(k.tag): k for k in c}
        v = kids.get("v")
        value = "is" in kids or (v is not None and bool(v.text))  # what openpyxl gives non-None
        has_value = has_value or value
        saved = value or (v is not None and c.get("t") == "str")  # a formula's saved ""
        if "f" in kids and not saved and col in columns:
            out.unsaved_count += 1
            if len(out.unsaved) < SHOWN:
                out.unsaved.append(f"{column_letters(col)}{row_no}")
    if has_value:
        out.value_rows += 1
        out.last_row = row_no
