"""Open a CSV, Parquet or Excel (.xlsx, one sheet) source and hand it over in chunks.

Values arrive as the file holds them (CSV: text; Excel and Parquet: numbers, dates, text) so that
`convert` alone decides what is valid. A file that cannot be read at all is a `SourceError` naming
the file and the reason; it never becomes a half-read table.
"""

from __future__ import annotations

import os
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from xml.etree import ElementTree

import pandas as pd
from tqdm import tqdm

from queries.loading import xlsx
from queries.loading.mapping import TableMap, UnsafeSource

CHUNK_ROWS = 50_000
BAR_DELAY_S = 1.0  # a bar only for files that take a while to read


class SourceError(ValueError):
    """A source file that cannot be read: names the file and the reason."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path, self.reason = path, reason
        super().__init__(f"cannot read {path}: {reason}")


@dataclass(frozen=True)
class Chunk:
    """Rows of a source: `frame` has the source's own columns; row numbers as a user sees them."""

    frame: pd.DataFrame
    rows: list[int]  # CSV/Excel: each row's number in a spreadsheet program (header = row 1)
    read_share: float | None = None  # share of the source read so far (CSV: bytes), if known


class Source:
    """A readable source: its header is known before any row is read."""

    def __init__(self, tm: TableMap) -> None:
        self.table = tm
        try:
            self.path = tm.path
        except UnsafeSource as exc:
            raise SourceError(Path(tm.source), str(exc)) from exc
        if not self.path.is_file():
            raise SourceError(self.path, "no such file" if not self.path.exists()
                              else "not a regular file")
        self.columns: list[str] = self._header()

    def _header(self) -> list[str]:
        raise NotImplementedError

    def chunks(self, progress: bool = True) -> Iterator[Chunk]:
        raise NotImplementedError

    def _bar(self, total: int, unit: str, progress: bool) -> tqdm:
        return tqdm(total=total, unit=unit, unit_scale=True, desc=self.table.name,
                    file=sys.stderr, disable=not progress, delay=BAR_DELAY_S, leave=False)


class CsvSource(Source):
    def _read(self, handle, **kw) -> pd.DataFrame | Iterator[pd.DataFrame]:
        return pd.read_csv(handle, dtype=str, keep_default_na=False, na_filter=False,
                           sep=self.table.delimiter, encoding=self.table.encoding, **kw)

    def _header(self) -> list[str]:
        try:
            with _open(self.path) as fh:
                return [str(c) for c in self._read(fh, nrows=0).columns]
        except (OSError, ValueError, LookupError, pd.errors.ParserError) as exc:
            raise SourceError(self.path, _why(exc)) from exc

    def chunks(self, progress: bool = True) -> Iterator[Chunk]:
        size = self.path.stat().st_size
        first = 2
        try:
            with _open(self.path) as fh, self._bar(size, "B", progress) as bar:
                for frame in self._read(fh, chunksize=CHUNK_ROWS):
                    yield Chunk(frame, list(range(first, first + len(frame))),
                                min(fh.tell() / size, 1.0) if size else 1.0)
                    first += len(frame)
                    bar.update(fh.tell() - bar.n)
        except (OSError, ValueError, LookupError, pd.errors.ParserError) as exc:
            raise SourceError(self.path, _why(exc)) from exc


class ParquetSource(Source):
    def _file(self):
        import pyarrow.parquet as pq

        return pq.ParquetFile(self.path)

    def _header(self) -> list[str]:
        try:
            return [str(n) for n in self._file().schema_arrow.names]
        except Exception as exc:  # noqa: BLE001 - pyarrow raises several kinds for a bad file
            raise SourceError(self.path, f"not a readable Parquet file ({_why(exc)})") from exc

    def chunks(self, progress: bool = True) -> Iterator[Chunk]:
        try:
            pf = self._file()
            first = 1
            with self._bar(pf.metadata.num_rows, "rows", progress) as bar:
                total = pf.metadata.num_rows
                for batch in pf.iter_batches(batch_size=CHUNK_ROWS):
                    frame = batch.to_pandas().astype(object)
                    yield Chunk(frame, list(range(first, first + len(frame))),
                                (first - 1 + len(frame)) / total if total else 1.0)
                    first += len(frame)
                    bar.update(len(frame))
        except Exception as exc:  # noqa: BLE001
            raise SourceError(self.path, f"not a readable Parquet file ({_why(exc)})") from exc


class ExcelSource(Source):
    """One sheet of an .xlsx workbook, read streaming (openpyxl read-only mode, its stale-prone
    dimension record ignored), cross-checked against a scan of the sheet's XML (xlsx.py)."""

    def __init__(self, tm: TableMap) -> None:
        super().__init__(tm)
        wanted = {cm.column for cm in tm.columns}
        columns = {i for i, name in enumerate(self.columns, start=1) if name in wanted}
        try:
            self.scan = xlsx.scan(self.path, self._part, columns)
        except xlsx.SheetTooLarge as exc:
            raise SourceError(self.path, f"sheet {self.sheet_name!r}: {exc}") from exc
        except (zipfile.BadZipFile, KeyError, OSError, ElementTree.ParseError) as exc:
            raise SourceError(self.path, f"not an Excel .xlsx workbook ({_why(exc)})") from exc
        if self.scan.unsaved_count:
            s = self.scan
            cells = ", ".join(s.unsaved) + (" ..." if s.unsaved_count > len(s.unsaved) else "")
            raise SourceError(self.path, (
                f"sheet {self.sheet_name!r}: {s.unsaved_count:,} formula cells without a saved "
                f"value ({cells}); they would load as empty. Open the workbook in Excel or "
                "LibreOffice, let it calculate, and save it (or paste the values)"))

    def _sheet(self):
        import openpyxl

        try:
            xlsx.check_size(self.path)
            wb = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        except xlsx.SheetTooLarge as exc:
            raise SourceError(self.path, str(exc)) from exc
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise SourceError(self.path, f"not an Excel .xlsx workbook ({_why(exc)})") from exc
        names = wb.sheetnames
        if self.table.sheet is not None:
            if self.table.sheet not in names:
                wb.close()
                raise SourceError(self.path, f"no sheet {self.table.sheet!r} "
                                  f"(sheets: {', '.join(names)})")
            ws = wb[self.table.sheet]
        elif len(names) != 1:
            wb.close()
            raise SourceError(self.path, f"{len(names)} sheets ({', '.join(names)}): name one "
                              "with sheet = \"...\" in the mapping")
        else:
            ws = wb[names[0]]
        ws.reset_dimensions()  # read every row, whatever <dimension ref> claims
        return wb, ws

    def _header(self) -> list[str]:
        wb, ws = self._sheet()
        self._part, self.sheet_name = ws._worksheet_path, ws.title  # noqa: SLF001 - its XML
        try:
            row = next(ws.iter_rows(max_row=1, values_only=True), None)
        finally:
            wb.close()
        if row is None:
            raise SourceError(self.path, "the sheet is empty (no header row)")
        return _names(row)

    def chunks(self, progress: bool = True) -> Iterator[Chunk]:
        wb, ws = self._sheet()
        try:
            rows = ws.iter_rows(values_only=True)
            first = next(rows)
            header = _names(first)
            width = len(header)
            seen = int(any(v is not None for v in first))  # rows with a value, as the scan counts
            last = 1 if seen else 0
            buf: list[tuple] = []
            numbers: list[int] = []
            with self._bar(max(self.scan.value_rows - 1, 0), "rows", progress) as bar:
                for at, row in enumerate(rows, start=2):
                    if row and any(v is not None for v in row):
                        seen, last = seen + 1, at
                    if row is None or all(v is None or v == "" for v in row):
                        continue  # blank rows between or after the data
                    buf.append(tuple(row[:width]) + (None,) * (width - len(row)))
                    numbers.append(at)
                    if len(buf) == CHUNK_ROWS:
                        yield Chunk(pd.DataFrame(buf, columns=header, dtype=object), numbers,
                                    seen / max(self.scan.value_rows, 1))
                        bar.update(len(buf))
                        buf, numbers = [], []
                if buf:
                    yield Chunk(pd.DataFrame(buf, columns=header, dtype=object), numbers, 1.0)
                    bar.update(len(buf))
        finally:
            wb.close()
        if (seen, last) != (self.scan.value_rows, self.scan.last_row):
            raise SourceError(self.path, (
                f"sheet {self.sheet_name!r}: read {seen:,} rows up to row {last:,}, but the sheet "
                f"holds {self.scan.value_rows:,} up to row {self.scan.last_row:,}; refusing "
                "a partial read (save the workbook again, or as CSV)"))


def _open(path: Path) -> BinaryIO:
    """Open for reading without following a link put in place after the mapping's check."""
    return os.fdopen(os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)), "rb")


def _names(row: tuple) -> list[str]:
    return ["" if v is None else str(v).strip() for v in row]


def _why(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or (str(exc).strip().splitlines() or [""])[0]
    if isinstance(exc, LookupError) and not isinstance(exc, UnicodeError):
        return f"unknown encoding in the mapping ({text})"
    if isinstance(exc, UnicodeDecodeError):
        return f"not {exc.encoding} text ({exc.reason} at byte {exc.start}); set encoding = " \
               "\"...\" in the mapping"
    return text or type(exc).__name__


def open_source(tm: TableMap) -> Source:
    """The reader for the file's suffix; the header is read (and so checked) right away."""
    suffix = Path(tm.source).suffix.lower()
    cls = {".csv": CsvSource, ".parquet": ParquetSource, ".xlsx": ExcelSource}[suffix]
    return cls(tm)
