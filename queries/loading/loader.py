"""`cx-scorecard load`: every contract table from its file, checked, swapped in, rolled up.

Order of work, chosen so that a mistake costs as little as possible: the mapping is checked first
(no file opened), then every source's header (no row read), then rows are converted and staged,
then the staged warehouse is validated by `queries.sql.check` (the same rules as
`cx-scorecard check`), and only then does it replace the live one. Rejected rows are streamed to a
file beside the mapping as they are found (memory stays flat however many there are), whatever
the outcome, so nothing is lost silently; a table whose rejected rows pass `max_rejected` of its
rows stops the load there, instead of reading a wrong-format gigabyte to the end.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from queries.loading.convert import KeyTracker, Reason, convert, reason_counts
from queries.loading.mapping import Mapping, MappingError, load_mapping, where
from queries.loading.readers import Source, open_source
from queries.loading.write import open_stage
from queries.sql import rollup
from queries.sql.check import CheckReport, QualityRow, check
from queries.sql.schema import CONTRACT, TABLES

MAX_REJECTED_SHARE = 0.10  # more than this in one table is a wrong mapping, not dirty data


class LoadRefused(ValueError):
    """The rows could not be loaded as they are; the live warehouse was left untouched."""

    def __init__(self, message: str, report: LoadReport) -> None:
        super().__init__(message)
        self.report = report


@dataclass
class TableLoad:
    name: str
    source: Path
    read: int = 0
    loaded: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    filled: Counter[str] = field(default_factory=Counter)  # contract column -> non-NULL values
    stopped_at: int | None = None  # the source row after which an early stop ended the read

    @property
    def rejected(self) -> int:
        return self.read - self.loaded


class RejectsFile:
    """One table's rejected rows, appended chunk by chunk to `<mapping>.rejected.<table>.csv`
    (opened at the first rejected row), so none of them is held in memory."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fh = None

    def append(self, frame: pd.DataFrame) -> bool:
        """Write the rows; True when this call created the file."""
        created = self.fh is None
        if created:
            self.fh = self.path.open("w", encoding="utf-8", newline="")
        frame.map(safe_cell).to_csv(self.fh, index=False, header=created,
                                    quoting=csv.QUOTE_MINIMAL)
        return created

    def close(self) -> None:
        if self.fh is not None:
            self.fh.close()


@dataclass
class LoadReport:
    tables: dict[str, TableLoad] = field(default_factory=dict)
    check: CheckReport | None = None
    rejected_files: list[Path] = field(default_factory=list)
    rollup: dict[str, int] = field(default_factory=dict)
    committed: bool = False
    cleaned: list[str] = field(default_factory=list)  # leftovers of killed loads, removed

    @property
    def quality(self) -> list[QualityRow]:
        """Rows kept but left out of the metrics (out of range, NULL, duplicate id ...)."""
        return self.check.quality if self.check else []

    def as_dict(self) -> dict:
        return {
            "committed": self.committed,
            "tables": {n: {"source": str(t.source), "read": t.read, "loaded": t.loaded,
                           "rejected": t.rejected, "reasons": dict(t.reasons)}
                       for n, t in self.tables.items()},
            "rejected_files": [str(p) for p in self.rejected_files],
            "excluded_from_metrics": [q.__dict__ for q in self.quality],
            "rollup": self.rollup,
            "cleaned_leftovers": self.cleaned,
        }


def rejects_path(mapping_path: Path, table: str) -> Path:
    return mapping_path.with_name(f"{mapping_path.stem}.rejected.{table}.csv")


def open_sources(mapping: Mapping) -> dict[str, Source]:
    """Open every source and check that each mapped column exists, before any row is read."""
    sources: dict[str, Source] = {}
    problems: list[str] = []
    for spec in CONTRACT:
        if spec.name not in mapping.tables:  # an optional table not mapped
            continue
        tm = mapping.tables[spec.name]
        src = open_source(tm)  # an unreadable file stops here, naming the file and the reason
        have = set(src.columns)
        for cm in tm.columns:
            if cm.column not in have:
                problems.append(
                    f"{where(mapping.lines, (spec.name, 'columns', cm.target))}: column "
                    f"{cm.column!r} is not in {src.path.name} "
                    f"(columns: {shown_columns(src.columns)})")
        sources[spec.name] = src
    if problems:
        raise MappingError(mapping.path, problems)
    return sources


def shown_columns(names: list[str], k: int = 12, width: int = 40) -> str:
    """The header for an error message, and nothing more of the file: at most `k` names, each
    cut to `width` characters (a file that is not a table has one long "column")."""
    cut = [n if len(n) <= width else n[:width - 1] + "…" for n in names[:k]]
    return ", ".join(cut) + (f" and {len(names) - k:,} more" if len(names) > k else "")


def load(mapping_path: Path | str, url: str, progress: bool = True,
         max_rejected: float = MAX_REJECTED_SHARE) -> LoadReport:
    """Load the warehouse at `url` from the mapping's files; raise, untouched, on any failure."""
    mapping_path = Path(mapping_path).expanduser().resolve()
    mapping = load_mapping(mapping_path, mode="files")
    sources = open_sources(mapping)
    report = LoadReport()
    for spec in CONTRACT:
        rejects_path(mapping_path, spec.name).unlink(missing_ok=True)  # a stale list misleads
    stage = open_stage(url)
    report.cleaned = stage.cleaned
    try:
        for spec in CONTRACT:
            if spec.name not in sources:
                continue
            out = report.tables[spec.name] = TableLoad(spec.name, sources[spec.name].path)
            rejects = RejectsFile(rejects_path(mapping_path, spec.name))
            try:
                _stage_table(sources[spec.name], stage.write, progress, out, rejects, report,
                             max_rejected)
            finally:
                rejects.close()
        report.check = check(stage.engine())
        _refuse_if_bad(report, max_rejected, mapping)
        report.rollup = rollup.build(stage.engine())
        _tag_comments(stage.engine())
        stage.commit()
        report.committed = True
    except BaseException:
        stage.abort()
        raise
    finally:
        rollup._checked.clear()  # noqa: SLF001 - a cached "rollup usable" must not outlive the swap
    return report


def _tag_comments(engine) -> None:
    """The comments' themes and sentiment, tagged in the staged warehouse like the rollup
    (queries/text/store.py; nothing happens without a survey_comments table)."""
    from queries.text import store

    store.build(engine)


def _stage_table(src: Source, write, progress: bool, out: TableLoad, rejects: RejectsFile,
                 report: LoadReport, max_rejected: float) -> None:
    spec, tm = TABLES[src.table.name], src.table
    keys = KeyTracker(spec.name)
    for chunk in src.chunks(progress):
        done = convert(chunk, tm, spec, keys)
        out.read += len(chunk.frame)
        out.loaded += len(done.frame)
        out.filled.update({c: int(done.frame[c].notna().sum()) for c in done.frame.columns})
        if len(done.frame):
            write(spec.name, done.frame)
        if done.rejected:
            out.reasons.update(reason_counts(done.rejected))
            if rejects.append(_reject_rows(chunk.frame, chunk.rows, done.rejected)):
                report.rejected_files.append(rejects.path)
        if _past_limit(out, chunk.read_share, max_rejected):
            out.stopped_at = chunk.rows[-1] if chunk.rows else None
            raise LoadRefused(_too_many([out], max_rejected), report)


def _past_limit(t: TableLoad, read_share: float | None, max_rejected: float) -> bool:
    """True once the table's rejected rows pass `max_rejected` of all its rows: known for
    Parquet and Excel, estimated from the bytes read for CSV (read_share)."""
    if not t.rejected or t.rejected / t.read <= max_rejected:
        return False
    total = t.read / read_share if read_share else t.read
    return t.rejected > max_rejected * total


def _reject_rows(frame: pd.DataFrame, rows: list[int], rejected: dict[int, list[Reason]]
                 ) -> pd.DataFrame:
    positions = sorted(rejected)
    bad = frame.iloc[positions].copy()
    bad.insert(0, "reject_reason", ["; ".join(r.detail for r in rejected[p]) for p in positions])
    bad.insert(0, "source_row", [rows[p] for p in positions])
    return bad


def _too_many(over: list[TableLoad], max_rejected: float) -> str:
    worst = ", ".join(f"{t.name} {t.rejected:,} of {t.read:,} rows "
                      f"({t.reasons.most_common(1)[0][0]})" for t in over)
    stopped = "".join(f"; stopped reading {t.source.name} after row {t.stopped_at:,}"
                      for t in over if t.stopped_at is not None)
    return (f"too many rejected rows (more than {max_rejected:.0%} of a table: {worst}"
            f"{stopped}); the warehouse was not changed. Check the mapping's formats and maps, "
            "or raise --max-rejected")


def _refuse_if_bad(report: LoadReport, max_rejected: float, mapping: Mapping) -> None:
    assert report.check is not None
    if report.check.problems:
        raise LoadRefused("the loaded tables do not meet the contract: "
                          + "; ".join(report.check.problems), report)
    over = [t for t in report.tables.values()
            if t.read and t.rejected / t.read > max_rejected]
    if over:
        raise LoadRefused(_too_many(over, max_rejected), report)
    empty = [f"{t.name}.{c.name} (source column {cm.column!r} of {t.source.name})"
             for t in report.tables.values() if t.loaded
             for c in TABLES[t.name].columns
             if c.required and not t.filled[c.name]
             and (cm := mapping.tables[t.name].column(c.name)) is not None]
    if empty:
        raise LoadRefused("empty in every loaded row: " + "; ".join(empty) + ". A column "
                          "left entirely empty is a wrong mapping or formulas never "
                          "calculated, not data; the warehouse was not changed", report)


_FORMULA = re.compile(r"^[=+\-@\t\r]")
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$")


def safe_cell(v: object) -> object:
    """A cell a spreadsheet program will not run as a formula (OWASP CSV injection): text
    starting with = + - @ tab or CR gets a leading quote, unless it is a plain number."""
    if isinstance(v, str) and _FORMULA.match(v) and not _NUMBER.match(v):
        return "'" + v
    return v
