"""The mapping file: which source, and which source column, feeds every contract column.

Errors name the table, the key and the line of the TOML, because the person fixing them has the
file open in an editor. `tomllib` keeps no line numbers, so `key_lines` finds them by scanning the
text for each key inside its table section.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from queries.sql.schema import CONTRACT, TABLES, ColumnSpec

FILE_SUFFIXES = (".csv", ".parquet", ".xlsx")
TABLE_KEYS = {"source", "columns", "sheet", "encoding", "delimiter"}
FILE_ONLY_KEYS = ("sheet", "encoding", "delimiter")
COLUMN_KEYS = {"column", "format", "map"}


class MappingError(ValueError):
    """The mapping file is wrong; every problem found is listed, each with its line."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path, self.problems = path, problems
        head = f"{path}: {len(problems)} problem{'s' if len(problems) != 1 else ''} in the mapping"
        super().__init__(head + "\n  " + "\n  ".join(problems))


@dataclass(frozen=True)
class ColumnMap:
    """One contract column fed by one source column, optionally parsed and translated."""

    target: str
    column: str
    format: str | None = None
    values: dict[str, Any] | None = None  # the `map` key: source text -> contract value
    line: int | None = None


@dataclass(frozen=True)
class TableMap:
    name: str
    source: str
    columns: tuple[ColumnMap, ...]
    base: Path  # the mapping file's folder: file sources are relative to it
    sheet: str | None = None
    encoding: str = "utf-8-sig"
    delimiter: str = ","
    line: int | None = None

    @property
    def path(self) -> Path:
        return (self.base / self.source).expanduser()

    @property
    def is_file(self) -> bool:
        return self.source.lower().endswith(FILE_SUFFIXES)

    def column(self, target: str) -> ColumnMap | None:
        return next((c for c in self.columns if c.target == target), None)


@dataclass(frozen=True)
class Mapping:
    path: Path
    tables: dict[str, TableMap]
    lines: dict[tuple[str, ...], int]

    def line_of(self, *keys: str) -> int | None:
        return find_line(self.lines, keys)

    def where(self, *keys: str) -> str:
        """'line 7: [survey_responses.columns] nps_score' style prefix for a message."""
        return where(self.lines, keys)


# --- line numbers -------------------------------------------------------------------------------

_HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")
_KEY = re.compile(r'^\s*((?:"[^"]*"|\'[^\']*\'|[A-Za-z0-9_-]+)(?:\s*\.\s*(?:"[^"]*"|\'[^\']*\'|'
                  r'[A-Za-z0-9_-]+))*)\s*=')
_INLINE_KEY = re.compile(r'[{,]\s*("[^"]*"|\'[^\']*\'|[A-Za-z0-9_-]+)\s*=')


def _split_dotted(text: str) -> tuple[str, ...]:
    parts = re.findall(r'"([^"]*)"|\'([^\']*)\'|([^.\s]+)', text)
    return tuple(next(p for p in groups if p) if any(groups) else "" for groups in parts)


def key_lines(text: str) -> dict[tuple[str, ...], int]:
    """Path of every table header and key (inline-table keys too) -> its 1-based line number."""
    out: dict[tuple[str, ...], int] = {}
    section: tuple[str, ...] = ()
    for no, line in enumerate(text.splitlines(), start=1):
        if m := _HEADER.match(line):
            section = _split_dotted(m.group(1))
            out.setdefault(section, no)
            continue
        if m := _KEY.match(line):
            path = section + _split_dotted(m.group(1))
            out.setdefault(path, no)
            rest = line[m.end():]
            depth_path = path
            for inner in _INLINE_KEY.finditer(rest):  # `{ column = ..., map = { "Yes" = true } }`
                out.setdefault(depth_path + _split_dotted(inner.group(1)), no)
    return out


def find_line(lines: dict[tuple[str, ...], int], keys: tuple[str, ...]) -> int | None:
    """The line of the longest known prefix of `keys` (an inline key falls back to its parent)."""
    for n in range(len(keys), 0, -1):
        if keys[:n] in lines:
            return lines[keys[:n]]
    return None


def section(lines: dict[tuple[str, ...], int], keys: tuple[str, ...]) -> str:
    """'line 18: [survey_responses.columns]' for a problem with a whole table section."""
    line = find_line(lines, keys)
    place = "[" + ".".join(keys) + "]"
    return f"line {line}: {place}" if line else place


def where(lines: dict[tuple[str, ...], int], keys: tuple[str, ...]) -> str:
    line = find_line(lines, keys)
    section, key = ".".join(keys[:-1]), keys[-1]
    place = f"[{section}] {key}" if section else f"[{key}]"
    return f"line {line}: {place}" if line else place


# --- parsing ------------------------------------------------------------------------------------


def load_mapping(path: Path | str, mode: str = "files") -> Mapping:
    """Read and check a mapping; `mode` is "files" (load) or "tables" (views)."""
    path = Path(path).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError(path, [f"cannot read the mapping file: {_reason(exc)}"]) from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(path, [f"not valid TOML: {exc}"]) from exc
    lines = key_lines(text)
    problems: list[str] = []
    tables: dict[str, TableMap] = {}
    for name, body in data.items():
        if name not in TABLES:
            problems.append(f"{where(lines, (name,))}: not a contract table "
                            f"(tables: {', '.join(t.name for t in CONTRACT)})")
            continue
        if not isinstance(body, dict):
            problems.append(f"{where(lines, (name,))}: must be a table ([{name}])")
            continue
        tm = _table(name, body, path.parent, lines, mode, problems)
        if tm is not None:
            tables[name] = tm
    for spec in CONTRACT:
        if spec.name not in data:
            problems.append(f"[{spec.name}]: missing; every contract table needs a section with "
                            "`source` and `[" + spec.name + ".columns]`")
    if problems:
        raise MappingError(path, problems)
    return Mapping(path, tables, lines)


def _table(name: str, body: dict, base: Path, lines: dict, mode: str,
           problems: list[str]) -> TableMap | None:
    before = len(problems)
    for key in body:
        if key not in TABLE_KEYS:
            problems.append(f"{where(lines, (name, key))}: unknown key "
                            f"(allowed: {', '.join(sorted(TABLE_KEYS))})")
    source = body.get("source")
    if not isinstance(source, str) or not source.strip():
        problems.append(f"{where(lines, (name, 'source'))}: `source` must be a file name or "
                        "schema.table")
        source = ""
    elif mode == "files" and not source.lower().endswith(FILE_SUFFIXES):
        problems.append(f"{where(lines, (name, 'source'))}: {source!r} is not a .csv, .parquet or "
                        ".xlsx file (`cx-scorecard views` takes schema.table sources)")
    elif mode == "tables":
        if source.lower().endswith(FILE_SUFFIXES):
            problems.append(f"{where(lines, (name, 'source'))}: views need a table "
                            f"(schema.table), not the file {source!r}")
        elif not all(p.strip() for p in source.split(".")) or len(source.split(".")) > 3:
            problems.append(f"{where(lines, (name, 'source'))}: {source!r} is not "
                            "table, schema.table or database.schema.table")
        for key in FILE_ONLY_KEYS:
            if key in body:
                problems.append(f"{where(lines, (name, key))}: applies to file sources only")
    for key in FILE_ONLY_KEYS:
        if key in body and not isinstance(body[key], str):
            problems.append(f"{where(lines, (name, key))}: must be a string")
    if "sheet" in body and not source.lower().endswith(".xlsx"):
        problems.append(f"{where(lines, (name, 'sheet'))}: `sheet` applies to .xlsx sources only")
    if len(str(body.get("delimiter", ","))) != 1:
        problems.append(f"{where(lines, (name, 'delimiter'))}: must be one character")
    cols = body.get("columns")
    if not isinstance(cols, dict):
        problems.append(f"{section(lines, (name,))}: missing [{name}.columns], the "
                        "contract column -> source column table")
        return None
    spec = TABLES[name]
    out: list[ColumnMap] = []
    for target, value in cols.items():
        keys = (name, "columns", target)
        if target not in {c.name for c in spec.columns}:
            problems.append(f"{where(lines, keys)}: {target!r} is not a column of {name} "
                            f"(columns: {', '.join(c.name for c in spec.columns)})")
            continue
        cm = _column(spec.column(target), value, keys, lines, problems)
        if cm is not None:
            out.append(cm)
    for c in spec.columns:
        if c.required and c.name not in cols:
            problems.append(f"{section(lines, (name, 'columns'))}: contract column {c.name!r} "
                            "is not mapped")
    if len(problems) > before:
        return None
    return TableMap(name, source, tuple(out), base, sheet=body.get("sheet"),
                    encoding=body.get("encoding", "utf-8-sig"),
                    delimiter=body.get("delimiter", ","), line=find_line(lines, (name,)))


def _column(spec: ColumnSpec, value: Any, keys: tuple[str, ...], lines: dict,
            problems: list[str]) -> ColumnMap | None:
    line = find_line(lines, keys)
    if isinstance(value, str):
        if not value:
            problems.append(f"{where(lines, keys)}: the source column name is empty")
            return None
        return ColumnMap(spec.name, value, line=line)
    if not isinstance(value, dict):
        problems.append(f"{where(lines, keys)}: must be a source column name or "
                        "{ column = ..., format = ..., map = {...} }")
        return None
    ok = True
    for key in value:
        if key not in COLUMN_KEYS:
            problems.append(f"{where(lines, (*keys, key))}: unknown key "
                            f"(allowed: {', '.join(sorted(COLUMN_KEYS))})")
            ok = False
    column = value.get("column")
    if not isinstance(column, str) or not column:
        problems.append(f"{where(lines, (*keys, 'column'))}: `column` (the source column name) "
                        "is required")
        ok = False
    fmt = value.get("format")
    if fmt is not None:
        if not isinstance(spec.type, sa.Date):
            problems.append(f"{where(lines, (*keys, 'format'))}: `format` applies to date and "
                            f"month columns; {spec.name} is not one")
            ok = False
        elif not isinstance(fmt, str) or "%" not in fmt:
            problems.append(f"{where(lines, (*keys, 'format'))}: a strftime format such as "
                            "\"%d/%m/%Y\" is expected")
            ok = False
    values = value.get("map")
    if values is not None:
        if not isinstance(values, dict) or not values:
            problems.append(f"{where(lines, (*keys, 'map'))}: `map` must be a table of "
                            "source value = contract value")
            ok = False
        else:
            for src, dst in values.items():
                if not _fits(spec, dst):
                    problems.append(f"{where(lines, (*keys, 'map', src))}: {dst!r} is not a "
                                    f"{_kind(spec)} value for {spec.name}")
                    ok = False
    if not ok:
        return None
    return ColumnMap(spec.name, column, fmt, values, line)


def _kind(spec: ColumnSpec) -> str:
    if isinstance(spec.type, sa.Boolean):
        return "true/false"
    if isinstance(spec.type, sa.Integer):
        return "whole-number"
    if isinstance(spec.type, sa.Float | sa.Numeric):
        return "number"
    if isinstance(spec.type, sa.Date):
        return "date (text)"
    return "text"


def _fits(spec: ColumnSpec, value: Any) -> bool:
    if isinstance(spec.type, sa.Boolean):
        return isinstance(value, bool)
    if isinstance(spec.type, sa.Integer):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(spec.type, sa.Float | sa.Numeric):
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, str)


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
