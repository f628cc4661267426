"""The codeframe: the CX team's list of themes (queries/codeframe.toml), checked when it loads.

A theme is data, like a metric: its id (stored with every tag), its labels and how it is
recognised (words, patterns, exclusions). `CX_CODEFRAME` names another file; the version is
stored with the tags so a changed codeframe re-tags every comment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator

from queries import settings
from queries.tomlfile import Strict, TomlFileError, key_lines, read, validate

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "codeframe.toml"
DEFAULT_IDS = ("wait_time", "price_fees", "staff_courtesy", "communication", "repair_quality",
               "facility", "process_paperwork", "vehicle_delivery", "pressure_honesty",
               "scheduling")
ID = re.compile(r"[a-z][a-z0-9_]{0,39}")


class CodeframeError(TomlFileError):
    what = "codeframe"


class _ThemeModel(Strict):
    id: Annotated[str, Field(pattern=ID.pattern)]
    label: Annotated[str, Field(min_length=1, max_length=60)]
    short: Annotated[str, Field(min_length=1, max_length=30)]
    words: list[str] = []
    patterns: list[str] = []
    exclude: list[str] = []

    @field_validator("patterns", "exclude")
    @classmethod
    def _regex(cls, v: list[str]) -> list[str]:
        for p in v:
            try:
                re.compile(p)
            except re.error as exc:
                raise ValueError(f"not a regular expression: {p!r} ({exc})") from exc
        return v


class _FileModel(Strict):
    version: Annotated[str, Field(min_length=1, max_length=40)]
    themes: Annotated[list[_ThemeModel], Field(min_length=1)]


@dataclass(frozen=True)
class Theme:
    id: str
    label: str
    short: str
    words: frozenset[str]
    match: re.Pattern[str] | None  # the patterns as one expression
    exclude: re.Pattern[str] | None


@dataclass(frozen=True)
class Codeframe:
    version: str
    themes: tuple[Theme, ...]

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.themes)

    def theme(self, theme_id: str) -> Theme:
        return next(t for t in self.themes if t.id == theme_id)


def _alternation(patterns: list[str]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return re.compile(r"\b(?:" + "|".join(f"(?:{p})" for p in patterns) + r")")


def parse(path: Path) -> Codeframe:
    """Read and check a codeframe file; every problem names its line."""
    data, text = read(path, CodeframeError)
    model, problems = validate(_FileModel, data, key_lines(text))
    if model is None:
        raise CodeframeError(path, problems)
    ids = [t.id for t in model.themes]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise CodeframeError(path, [f"theme ids listed twice: {', '.join(dup)}"])
    themes = tuple(
        Theme(t.id, t.label, t.short, frozenset(w.lower() for w in t.words),
              _alternation(t.patterns), _alternation(t.exclude))
        for t in model.themes)
    return Codeframe(model.version, themes)


def load(path: str | Path | None = None) -> Codeframe:
    """The codeframe in force: `path`, else $CX_CODEFRAME, else the shipped file."""
    chosen = Path(path or settings.CODEFRAME.value() or DEFAULT_PATH)
    st = chosen.stat() if chosen.exists() else None
    return _load(str(chosen), st.st_mtime_ns if st else 0, st.st_size if st else 0)


@lru_cache(maxsize=4)
def _load(path: str, _mtime: int, _size: int) -> Codeframe:
    return parse(Path(path))
