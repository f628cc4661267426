"""Outside yardsticks: published figures with their source, year and definition, read from the
versioned benchmarks.toml (or `$CX_BENCHMARKS_FILE`; never from code), validated like the
targets file.

A published figure sits beside a tile plainly only when its definition is the one the metric
uses (`OUR_DEFINITIONS`); any other is shown only with its caveat. `Benchmark.words` is the
one way a benchmark is put into words (page, pack, JSON), so a mismatched definition cannot be
shown without the caveat (tests/test_value.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator

from queries import settings
from queries.registry import BY_NAME
from queries.tomlfile import Strict, TomlFileError, key_lines, read, validate

DEFAULT_FILE = Path(__file__).with_name("benchmarks.toml")
# What each metric measures, as a code a published figure's `definition` must equal to be
# shown plainly. Ours: NPS is the standard 0-10 net score; the index is ACSI-STYLE (three items,
# fixed weights), not the published ACSI model; retention is a monthly rate.
OUR_DEFINITIONS = {
    "nps": "nps-0-10", "enps": "enps-0-10", "acsi": "acsi-style-3-item",
    "retention_rate": "retention-monthly", "referral_rate": "referral-share-of-new",
}

# The caveat a metric's mismatched figures carry when the file gives none.
CAVEATS = {"acsi": "our ACSI-style index is not the published ACSI (a latent-variable model "
                   "with estimated weights): not directly comparable"}


class BenchmarksError(TomlFileError):
    what = "Benchmarks file"


class _Entry(Strict):
    metric: str = Field(description="a metric of the registry, like \"nps\"")
    label: str = Field(min_length=1, description="text in quotes, like \"auto dealers\"")
    value: float
    year: int = Field(ge=1900, le=2100, description="a year, like 2025")
    source: str = Field(min_length=1, description="where the figure is published")
    definition: str = Field(min_length=1, description="what the figure measures, as a code")
    caveat: str = ""

    @field_validator("metric")
    @classmethod
    def _known(cls, v: str) -> str:
        if v not in BY_NAME:
            raise ValueError(f"unknown metric {v!r}")
        return v


class _File(Strict):
    version: str = Field("unversioned", description='text in quotes, like version = "2026.12"')
    benchmark: list[_Entry] = []


@dataclass(frozen=True)
class Benchmark:
    metric: str
    label: str
    value: float
    year: int
    source: str
    definition: str
    caveat: str = ""

    @property
    def matches(self) -> bool:
        """The published figure measures what our metric measures."""
        return OUR_DEFINITIONS.get(self.metric) == self.definition

    @property
    def warning(self) -> str:
        """The caveat a mismatched definition always carries (the file's, else a default)."""
        if self.matches:
            return ""
        ours = OUR_DEFINITIONS.get(self.metric, "not listed")
        return self.caveat or CAVEATS.get(self.metric) or (
            f"a different definition ({self.definition}; ours {ours}): not directly comparable")

    def words(self) -> str:
        """'auto dealers 2025: 44 (source: ...)', with the caveat when definitions differ."""
        m = BY_NAME[self.metric]
        text = f"{self.label} {self.year}: {self.value:.{m.decimals}f} (source: {self.source})"
        return text if self.matches else f"{text}; caveat: {self.warning}"

    def as_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, "label": self.label, "value": self.value,
                "year": self.year, "source": self.source, "definition": self.definition,
                "same_definition": self.matches, "caveat": self.warning,
                "words": self.words()}


@dataclass(frozen=True)
class Benchmarks:
    version: str
    entries: tuple[Benchmark, ...]

    def for_metric(self, metric: str) -> tuple[Benchmark, ...]:
        return tuple(b for b in self.entries if b.metric == metric)


def parse(raw: dict, text: str = "", path: Path | None = None) -> Benchmarks:
    model, problems = validate(_File, raw, key_lines(text))
    if model is None:
        raise BenchmarksError(path, problems)
    return Benchmarks(model.version, tuple(
        Benchmark(e.metric, e.label, e.value, e.year, e.source, e.definition, e.caveat)
        for e in model.benchmark))


@lru_cache(maxsize=4)
def _load(path: str, stamp: tuple) -> Benchmarks:
    raw, text = read(Path(path), BenchmarksError)
    return parse(raw, text, Path(path))


def load(path: str | Path | None = None) -> Benchmarks:
    p = Path(path or settings.BENCHMARKS_FILE.value() or DEFAULT_FILE)
    try:
        st = p.stat()
        stamp: tuple = (st.st_ino, st.st_size, st.st_mtime_ns)
    except OSError:
        stamp = ()
    return _load(str(p), stamp)
