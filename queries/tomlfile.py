"""The TOML files people edit by hand (access policy, mapping, targets): read as UTF-8 (a
byte-order mark allowed), checked against a pydantic model, every problem reported with the
file, the line and the key, because the person fixing it has the file open in an editor.

`tomllib` keeps no line numbers, so `key_lines` finds them by scanning the text for each table
header and key; a problem with a key not written in the text names its nearest written parent.
"""

from __future__ import annotations

import re
import tomllib
import types
from pathlib import Path
from typing import Annotated, Any, ClassVar, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.fields import FieldInfo

M = TypeVar("M", bound=BaseModel)


class Strict(BaseModel):
    """A file's section: no unknown key, no coercion ("yes" is not true, "5" is not a number)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    UNKNOWN: ClassVar[str] = "unknown key"  # what a key that is not a field is called


class TomlFileError(ValueError):
    """A file that cannot be read or is not valid: every problem, each naming its line."""

    what = "TOML file"

    def __init__(self, path: Path | str | None, problems: list[str]) -> None:
        self.path, self.problems = (Path(path) if path else None), problems
        super().__init__(self._text(f"{self.what} {self.path}" if self.path else self.what))

    def _text(self, head: str) -> str:
        if len(self.problems) == 1:
            return f"{head}, {self.problems[0]}"
        return f"{head}: {len(self.problems)} problems\n  " + "\n  ".join(self.problems)

    def without_path(self) -> str:
        """The message without the file's path, for a page that must not show server paths."""
        return self._text(self.what)


# --- reading ------------------------------------------------------------------------------------


def read(path: Path, error: type[TomlFileError]) -> tuple[dict, str]:
    """(data, text) of a TOML file; `error` names what cannot be read and why."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # a BOM from a Windows editor is not TOML
    except UnicodeDecodeError as exc:
        raise error(path, [f"not UTF-8 text (byte {exc.start})"]) from exc
    except OSError as exc:
        raise error(path, [f"cannot read the file: {exc.strerror or exc}"]) from exc
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        raise error(path, [f"not valid TOML ({exc})"]) from exc


# --- line numbers -------------------------------------------------------------------------------

_HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")
_KEY = re.compile(r'^\s*((?:"[^"]*"|\'[^\']*\'|[A-Za-z0-9_-]+)(?:\s*\.\s*(?:"[^"]*"|\'[^\']*\'|'
                  r'[A-Za-z0-9_-]+))*)\s*=')
_INLINE_KEY = re.compile(r'[{,]\s*("[^"]*"|\'[^\']*\'|[A-Za-z0-9_-]+)\s*=')
_BARE = re.compile(r"[A-Za-z0-9_-]+")


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
            for n in range(1, len(section) + 1):  # [users."a@b"] also defines [users]
                out.setdefault(section[:n], no)
            continue
        if m := _KEY.match(line):
            path = section + _split_dotted(m.group(1))
            for n in range(len(section) + 1, len(path) + 1):
                out.setdefault(path[:n], no)
            for inner in _INLINE_KEY.finditer(line[m.end():]):  # `{ column = "A", map = {...} }`
                out.setdefault(path + _split_dotted(inner.group(1)), no)
    return out


def find_line(lines: dict[tuple[str, ...], int], keys: tuple[str, ...]) -> int | None:
    """The line of the longest written prefix of `keys` (an unwritten key names its parent)."""
    for n in range(len(keys), 0, -1):
        if keys[:n] in lines:
            return lines[keys[:n]]
    return None


def _key(k: str) -> str:
    return k if _BARE.fullmatch(k) else '"' + k.replace("\\", "\\\\").replace('"', '\\"') + '"'


def where(lines: dict[tuple[str, ...], int], keys: tuple[str, ...]) -> str:
    """'line 7: [survey_responses.columns] nps_score': the line, the table and the key."""
    line = find_line(lines, keys)
    table, key = ".".join(_key(k) for k in keys[:-1]), _key(keys[-1]) if keys else ""
    place = f"[{table}] {key}" if table else f"[{key}]"
    return f"line {line}: {place}" if line else place


# --- validation ---------------------------------------------------------------------------------

# What a value must be, by pydantic's error type, unless the field's description says it better.
EXPECTED = {
    "bool_type": "true or false without quotes",
    "string_type": "text in quotes",
    "int_type": "a whole number",
    "float_type": "a number",
    "list_type": "a list",
    "dict_type": "a table",
    "model_type": "a table",
    "model_attributes_type": "a table",
    "too_short": "not empty",
    "string_too_short": "not empty text",
    "greater_than_equal": "at least {ge}",
}


def validate(model: type[M], data: dict, lines: dict[tuple[str, ...], int],
             context: dict | None = None) -> tuple[M | None, list[str]]:
    """The validated model, or None and every problem as 'line N: [table] key: what is wrong'."""
    try:
        return model.model_validate(data, context=context), []
    except ValidationError as exc:
        return None, problems(exc, model, data, lines)


def problems(exc: ValidationError, model: type[BaseModel], data: dict,
             lines: dict[tuple[str, ...], int]) -> list[str]:
    """Each error of `exc` in the file's words, in the order of the file's lines."""
    out: list[tuple[int, str]] = []
    for err in exc.errors():
        # A list item's index and a dict key's '[key]' marker: the problem is the whole value
        keys = tuple(str(p) for p in err["loc"] if not isinstance(p, int) and p != "[key]")
        kind = err["type"]
        if kind == "missing":
            info, _ = _leaf(model, keys)
            text = "missing" + (f"; {info.description}" if info and info.description else "")
        elif kind == "extra_forbidden":
            _, parent = _leaf(model, keys[:-1])
            allowed = sorted(parent.model_fields) if _is_model(parent) else []
            text = f"{getattr(parent, 'UNKNOWN', 'unknown key')} (allowed: {', '.join(allowed)})"
        elif kind in ("value_error", "assertion_error"):
            text = str(err["ctx"]["error"])
        else:
            info, _ = _leaf(model, keys)
            expected = (info.description if info and info.description
                        else EXPECTED.get(kind, err["msg"]).format(**err.get("ctx", {})))
            text = f"must be {expected}, not {_value(data, keys, err['input'])!r:.60}"
        problem = (find_line(lines, keys) or 0, f"{where(lines, keys)}: {text}")
        if problem not in out:  # two bad items of one list: one problem
            out.append(problem)
    return [text for _, text in sorted(out, key=lambda p: p[0])]


def _value(data: Any, keys: tuple[str, ...], default: Any) -> Any:
    for k in keys:
        if not isinstance(data, dict) or k not in data:
            return default
        data = data[k]
    return data


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _unwrap(tp: Any) -> Any:
    """`X | None` -> X; `Annotated[X, ...]` -> X; a union of several keeps its model member."""
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
        elif origin in (Union, types.UnionType):
            members = [a for a in get_args(tp) if a is not type(None)]
            tp = next((a for a in members if _is_model(a)), members[0])
        else:
            return tp


def _leaf(model: type[BaseModel], keys: tuple[str, ...]) -> tuple[FieldInfo | None, Any]:
    """The field (for its description) and the type at `keys`, walking models and dicts."""
    tp: Any = model
    info: FieldInfo | None = None
    for k in keys:
        tp = _unwrap(tp)
        if _is_model(tp) and k in tp.model_fields:
            info = tp.model_fields[k]
            tp = info.annotation
        elif get_origin(tp) is dict:
            info, tp = None, get_args(tp)[1]
        else:
            return None, None
    return info, _unwrap(tp)
