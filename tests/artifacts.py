"""Images for a person to look at after a run (screenshots, pack pages), kept by CI as artifacts
in test-artifacts/."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import IN_CI

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def pdf_to_png(pdf: Path, name: str, dpi: int, pages: tuple[int, int] | None = None) -> list[Path]:
    """The PDF's pages (first to last of `pages`, else all) as test-artifacts/<name>-N.png.

    Without poppler's pdftoppm there are no images: fine locally, a failure under CI=true."""
    if shutil.which("pdftoppm") is None:
        if IN_CI:
            pytest.fail("pdftoppm missing (apt-get install -y poppler-utils)")
        return []
    ARTIFACTS.mkdir(exist_ok=True)
    for old in ARTIFACTS.glob(f"{name}-*.png"):
        old.unlink()
    span = ["-f", str(pages[0]), "-l", str(pages[1])] if pages else []
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", *span, str(pdf), str(ARTIFACTS / name)],
                   check=True, timeout=120)
    pngs = sorted(ARTIFACTS.glob(f"{name}-*.png"))
    assert pngs, f"pdftoppm wrote no image of {pdf}"
    return pngs
