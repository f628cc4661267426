"""Open a CSV, Parquet or Excel (.xlsx, one sheet) source and hand it over in chunks.

Values arrive as the file holds them (CSV: text; Excel and Parquet: numbers, dates, text) so that
`convert` alone decides what is valid. A file that cannot be read at all is a `SourceError` naming
the file and the reason; it never becomes a half-read table.
"""

from __future__ import annotations

import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from queries.loading.mapping import TableMap

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


class Source:
    """A readable source: its header is known before any row is read."""

    def __init__(self, tm: TableMap) -> None:
        self.table = tm
        self.path = tm.path
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
            with self.path.open("rb") as fh:
                return [str(c) for c in self._read(fh, nrows=0).columns]
        except (OSError, ValueError, LookupError, pd.errors.ParserError) as exc:
            raise SourceError(self.path, _why(exc)) from exc

    def chunks(self, progress: bool = True) -> Iterator[Chunk]:
        size = self.path.stat().st_size
        first = 2
        try:
            with self.path.open("rb") as fh, self._bar(size, "B", progress) as bar:
                for frame in self._read(fh, chunksize=CHUNK_ROWS):
                    yield Chunk(frame, list(range(first, first + len(frame))))
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
                for batch in pf.iter_batches(batch_size=CHUNK_ROWS):
                    frame = batch.to_pandas().astype(object)
                    yield Chunk(frame, list(range(first, first + len(frame))))
                    first += len(frame)
                    bar.update(len(frame))
        except Exception as exc:  # noqa: BLE001
            raise SourceError(self.path, f"not a readable Parquet file ({_why(exc)})") from exc


class ExcelSource(Source):
    """One sheet of an .xlsx workbook, read streaming (openpyxl read-only mode)."""

    def _sheet(self):
        import openpyxl

        try:
            wb = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise SourceError(self.path, f"not an Excel .xlsx workbook ({_why(exc)})") from exc
        names = wb.sheetnames
        if self.table.sheet is not None:
            if self.table.sheet not in names:
                wb.close()
                raise SourceError(self.path, f"no sheet {self.table.sheet!r} "
                                  f"(sheets: {', '.join(names)})")
            return wb, wb[self.table.sheet]
        if len(names) != 1:
            wb.close()
            raise SourceError(self.path, f"{len(names)} sheets ({', '.join(names)}): name one "
                              "with sheet = \"...\" in the mapping")
        return wb, wb[names[0]]

    def _header(self) -> list[str]:
        wb, ws = self._sheet()
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
            header = _names(next(rows))
            width = len(header)
            buf: list[tuple] = []
            numbers: list[int] = []
            with self._bar(max((ws.max_row or 1) - 1, 0), "rows", progress) as bar:
                for at, row in enumerate(rows, start=2):
                    if row is None or all(v is None or v == "" for v in row):
                        continue  # blank rows between or after the data
                    buf.append(tuple(row[:width]) + (None,) * (width - len(row)))
                    numbers.append(at)
                    if len(buf) == CHUNK_ROWS:
                        yield Chunk(pd.DataFrame(buf, columns=header, dtype=object), numbers)
                        bar.update(len(buf))
                        buf, numbers = [], []
                if buf:
                    yield Chunk(pd.DataFrame(buf, columns=header, dtype=object), numbers)
                    bar.update(len(buf))
        finally:
            wb.close()


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
    suffix = tm.path.suffix.lower()
    cls = {".csv": CsvSource, ".parquet": ParquetSource, ".xlsx": ExcelSource}[suffix]
    return cls(tm)
