"""The tagger's figures for docs/comments.md: precision, recall and F1 per theme and sentiment
accuracy on the labelled validation set (tests/data/comments_validation.csv, written apart from
the rules), and tagging throughput.

    python -m benchmarks.comments [--rows 200000] [--errors]
"""

from __future__ import annotations

import argparse
import csv
import time
from dataclasses import dataclass
from pathlib import Path

from queries.text.tagger import SENTIMENTS, Tagger

VALIDATION = Path(__file__).resolve().parent.parent / "tests" / "data" / "comments_validation.csv"


@dataclass(frozen=True)
class Scores:
    per_theme: dict[str, tuple[float, float, float, int]]  # precision, recall, F1, support
    macro_f1: float
    sentiment_accuracy: float
    sentiment_confusion: dict[tuple[str, str], int]
    n: int
    errors: list[str]


def labelled(path: Path = VALIDATION) -> list[tuple[str, set[str], str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return [(r["comment"], {t for t in r["themes"].split(";") if t}, r["sentiment"])
                for r in csv.DictReader(f)]


def score(rows: list[tuple[str, set[str], str]], tagger: Tagger | None = None) -> Scores:
    tagger = tagger or Tagger()
    ids = tagger.codeframe.ids
    tp = dict.fromkeys(ids, 0)
    fp, fn = dict(tp), dict(tp)
    right, confusion, errors = 0, {}, []
    for text, themes, sentiment in rows:
        got = tagger.tag(text)
        for t in ids:
            a, b = t in got.themes, t in themes
            tp[t] += a and b
            fp[t] += a and not b
            fn[t] += b and not a
        right += got.sentiment == sentiment
        confusion[(sentiment, got.sentiment)] = confusion.get((sentiment, got.sentiment), 0) + 1
        if set(got.themes) != themes or got.sentiment != sentiment:
            errors.append(f"{text!r}: want {sorted(themes)} {sentiment}, got "
                          f"{sorted(got.themes)} {got.sentiment}")
    per = {}
    for t in ids:
        p = tp[t] / (tp[t] + fp[t]) if tp[t] + fp[t] else 0.0
        r = tp[t] / (tp[t] + fn[t]) if tp[t] + fn[t] else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        per[t] = (p, r, f, tp[t] + fn[t])
    macro = sum(v[2] for v in per.values()) / len(per)
    return Scores(per, macro, right / len(rows), confusion, len(rows), errors)


def throughput(rows: int, tagger: Tagger | None = None) -> float:
    """Comments tagged per second on distinct texts (the validation set, numbered so no two
    repeat): one core, the codeframe in force."""
    tagger = tagger or Tagger()
    base = [r[0] for r in labelled()]
    texts = [f"{base[i % len(base)]} visit {i}" for i in range(rows)]
    t0 = time.perf_counter()
    for text in texts:
        tagger.tag(text)
    return rows / (time.perf_counter() - t0)


def table(s: Scores) -> str:
    lines = ["| theme | precision | recall | F1 | comments |", "|---|---:|---:|---:|---:|"]
    for t, (p, r, f, n) in s.per_theme.items():
        lines.append(f"| `{t}` | {p:.2f} | {r:.2f} | {f:.2f} | {n} |")
    lines.append(f"| **macro** | | | **{s.macro_f1:.2f}** | {s.n} comments |")
    lines.append("")
    lines.append(f"Sentiment accuracy: **{s.sentiment_accuracy:.0%}** ({s.n} comments).")
    lines.append("")
    lines.append("| labelled \\ tagged | " + " | ".join(SENTIMENTS) + " |")
    lines.append("|---|" + "---:|" * len(SENTIMENTS))
    for want in SENTIMENTS:
        lines.append(f"| {want} | " + " | ".join(
            str(s.sentiment_confusion.get((want, got), 0)) for got in SENTIMENTS) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=50_000, help="comments for the throughput run")
    p.add_argument("--errors", action="store_true", help="list every comment tagged wrongly")
    args = p.parse_args(argv)
    tagger = Tagger()
    s = score(labelled(), tagger)
    print(table(s))
    if args.errors:
        print("\n".join(s.errors))
    rate = throughput(args.rows, tagger)
    print(f"\nThroughput: {rate:,.0f} comments/s on one core; 1M comments in "
          f"{1e6 / rate / 60:.1f} min")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
