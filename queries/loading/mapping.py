"""The mapping file: which source, and which source column, feeds every contract column.

Its schema is a pydantic model built from the contract (queries/sql/schema.py): a table per
contract table, a key per contract column, a `map` whose values have the column's type. Errors
name the file, the line, the table and the key (queries/tomlfile.py), because the person fixing
them has the file open in an editor.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import sqlalchemy as sa
from pydantic import Field, ValidationInfo, create_model, field_validator, model_validator

from queries.sql.schema import CONTRACT, ColumnSpec
from queries.tomlfile import (
    Strict,
    TomlFileError,
    find_line,
    key_lines,
    read,
    validate,
    where,
)

FILE_SUFFIXES = (".csv", ".parquet", ".xlsx")
FILE_ONLY_KEYS = ("sheet", "encoding", "delimiter")


class MappingError(TomlFileError):
    """The mapping file is wrong; every problem found is listed, each with its line."""

    what = "Mapping"


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
        """The source file, inside the mapping's folder (`source_path`; UnsafeSource if not)."""
        return source_path(self.base, self.source)

    @property
    def is_file(self) -> bool:
        return self.source.lower().endswith(FILE_SUFFIXES)

    def column(self, target: str) -> ColumnMap | None:
        return next((c for c in self.columns if c.target == target), None)


class UnsafeSource(ValueError):
    """A source the loader will not read: outside the mapping's folder, or through a link."""


def source_path(base: Path, source: str) -> Path:
    """`source` relative to the mapping's folder, refusing what would read elsewhere: an
    absolute or `~` path, a `..`, and a symbolic link anywhere below the folder (a link to
    /etc/passwd loaded as 30 regions). Checked when the file is opened, so a mapping from a
    shared folder reads only that folder's own files."""
    if Path(source).is_absolute() or source.startswith("~"):
        raise UnsafeSource("must be a path relative to the mapping's folder")
    root = base.resolve()
    path = root
    for part in Path(source).parts:
        if part == "..":
            raise UnsafeSource("must stay inside the mapping's folder (no '..')")
        path = path / part
        if path.is_symlink():
            raise UnsafeSource(f"{path.relative_to(root)} is a symbolic link; copy the file "
                               "into the mapping's folder instead")
    return path


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


# --- the file's schema, built from the contract ------------------------------------------------

COLUMN_HELP = 'the source column name, or { column = "...", format = "...", map = { ... } }'


class _Column(Strict):
    """One contract column's source: its name alone, or a table with a format and a map."""

    DATE: ClassVar[bool] = False
    column: str = Field(min_length=1, description="the source column name in quotes")
    format: str | None = None
    map: dict[str, str] | None = Field(None, min_length=1,
                                       description="a table of source value = contract value")

    @model_validator(mode="before")
    @classmethod
    def _name_alone(cls, value: Any) -> Any:
        return {"column": value} if isinstance(value, str) else value

    @field_validator("format")
    @classmethod
    def _strftime(cls, fmt: str | None) -> str | None:
        if fmt is not None and not cls.DATE:
            raise ValueError("`format` applies to date and month columns only")
        if fmt is not None and "%" not in fmt:
            raise ValueError('a strftime format such as "%d/%m/%Y" is expected')
        return fmt


class _DateColumn(_Column):
    DATE: ClassVar[bool] = True


class _BoolColumn(_Column):
    map: dict[str, bool] | None = Field(None, min_length=1)


class _IntColumn(_Column):
    map: dict[str, int] | None = Field(None, min_length=1)


class _NumberColumn(_Column):
    map: dict[str, float] | None = Field(None, min_length=1)


def _column_model(spec: ColumnSpec) -> type[_Column]:
    """The column's model by its contract type: a `map` must give values of that type."""
    for sa_type, model in ((sa.Boolean, _BoolColumn), (sa.Integer, _IntColumn),
                           (sa.Float | sa.Numeric, _NumberColumn), (sa.Date, _DateColumn)):
        if isinstance(spec.type, sa_type):
            return model
    return _Column


class _Table(Strict):
    source: str = Field(min_length=1, description="a file name or schema.table in quotes")
    sheet: str | None = None
    encoding: str | None = None
    delimiter: str | None = Field(None, min_length=1, max_length=1,
                                  description="one character in quotes")

    @field_validator("source")
    @classmethod
    def _source_fits_the_mode(cls, source: str, info: ValidationInfo) -> str:
        is_file = source.lower().endswith(FILE_SUFFIXES)
        if (info.context or {}).get("mode") == "tables":
            if is_file:
                raise ValueError(f"views need a table (schema.table), not the file {source!r}")
            if not all(p.strip() for p in source.split(".")) or len(source.split(".")) > 3:
                raise ValueError(f"{source!r} is not table, schema.table or "
                                 "database.schema.table")
        elif not is_file:
            raise ValueError(f"{source!r} is not a .csv, .parquet or .xlsx file "
                             "(`cx-scorecard views` takes schema.table sources)")
        return source

    @field_validator(*FILE_ONLY_KEYS)
    @classmethod
    def _file_only(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and (info.context or {}).get("mode") == "tables":
            raise ValueError("applies to file sources only")
        source = str(info.data.get("source", ""))
        if info.field_name == "sheet" and value is not None and not source.endswith(".xlsx"):
            raise ValueError("`sheet` applies to .xlsx sources only")
        return value


def _table_model(spec) -> type[_Table]:
    columns = create_model(
        f"{spec.name}.columns", __base__=type(f"_{spec.name}", (Strict,), {
            "UNKNOWN": f"not a column of {spec.name}"}),
        **{c.name: (_column_model(c) if c.required else _column_model(c) | None,
                    Field(... if c.required else None, description=COLUMN_HELP))
           for c in spec.columns})
    return create_model(spec.name, __base__=_Table, columns=(columns, Field(
        description="a table of contract column = source column")))


_MappingFile = create_model(
    "_MappingFile", __base__=type("_Contract", (Strict,), {"UNKNOWN": "not a contract table"}),
    **{t.name: (_table_model(t) | None if t.optional else _table_model(t),
                Field(None if t.optional else ..., description=f"a section with `source` and "
                                                               f"[{t.name}.columns]"))
       for t in CONTRACT})


def load_mapping(path: Path | str, mode: str = "files") -> Mapping:
    """Read and check a mapping; `mode` is "files" (load) or "tables" (views)."""
    path = Path(path).expanduser()
    data, text = read(path, MappingError)
    lines = key_lines(text)
    model, problems = validate(_MappingFile, data, lines, context={"mode": mode})
    if model is None:
        raise MappingError(path, problems)
    tables: dict[str, TableMap] = {}
    for spec in CONTRACT:
        t = getattr(model, spec.name)
        if t is None:  # an optional table the mapping leaves out
            continue
        cols = [(target, getattr(t.columns, target)) for target in data[spec.name]["columns"]]
        tables[spec.name] = TableMap(
            spec.name, t.source,
            tuple(ColumnMap(target, c.column, c.format, c.map,
                            find_line(lines, (spec.name, "columns", target)))
                  for target, c in cols),
            path.parent, sheet=t.sheet, encoding=t.encoding or "utf-8-sig",
            delimiter=t.delimiter or ",", line=find_line(lines, (spec.name,)))
    return Mapping(path, tables, lines)
