"""Prints constraints.txt: the exact version, in this venv, of every package the project needs
(pyproject.toml's dependencies and extras, and what they need in turn), for CI's
`pip install -c constraints.txt`. After an upgrade that works:

    .venv/bin/python scripts/constraints.py > constraints.txt
"""

from __future__ import annotations

import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def _key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned() -> dict[str, str]:
    """name -> installed version for the project's requirements and theirs (extras followed)."""
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    todo = [Requirement(r) for r in project["dependencies"]]
    todo += [Requirement(r) for reqs in project["optional-dependencies"].values() for r in reqs]
    seen: dict[str, str] = {}
    done: set[tuple[str, frozenset]] = set()
    while todo:
        req = todo.pop()
        key, extras = _key(req.name), frozenset(req.extras)
        if (key, extras) in done:
            continue
        done.add((key, extras))
        try:
            dist = metadata.distribution(req.name)
        except metadata.PackageNotFoundError:
            sys.exit(f"{req.name} is not installed in this venv: install the project first")
        seen[key] = dist.version
        for text in dist.requires or []:
            sub = Requirement(text)
            envs = [{"extra": e} for e in extras] or [{"extra": ""}]
            if sub.marker is None or any(sub.marker.evaluate(env) for env in envs):
                todo.append(sub)
    return seen


if __name__ == "__main__":
    print("# Exact versions CI installs (.ci/run: pip install -c constraints.txt). Written by "
          "scripts/constraints.py")
    print(f"# from a venv that passed CI (Python {sys.version.split()[0]}); pyproject.toml "
          "keeps the ranges.")
    for key, version in sorted(pinned().items()):
        print(f"{key}=={version}")
