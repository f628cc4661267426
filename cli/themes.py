"""`cx-scorecard themes`: what customers say about a view (theme shares, sentiment, examples),
tagging any CSV of comments with the codeframe, and the batch step that tags the warehouse's
comments (docs/comments.md)."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

from cli import arguments

MAX_TAG_ROWS = 5_000_000


def cmd_themes(args, main) -> int:
    """Dispatch: --tag (a CSV, no warehouse), --build (the batch step), else a view."""
    if args.tag:
        return tag_csv(args, main)
    if args.build:
        return build(args, main)
    return view(args, main)


def tag_csv(args, main) -> int:
    """Tag IN.csv (columns id, comment) into OUT.csv (id, themes, sentiment)."""
    from presentation.text import csv_cell
    from queries.text.tagger import Tagger

    if not args.out:
        raise main.CliError("--tag needs --out OUT.csv")
    src, out = Path(args.tag), Path(args.out)
    tagger = Tagger()
    tmp = out.with_name(f".{out.name}.tmp")
    n = 0
    try:
        with src.open(encoding="utf-8-sig", newline="") as f, \
                tmp.open("w", encoding="utf-8", newline="") as g:
            reader = csv.DictReader(f)
            cols = {c.strip().lower(): c for c in reader.fieldnames or []}
            if "id" not in cols or "comment" not in cols:
                raise main.CliError(f"{src.name} needs the columns id and comment (found: "
                                    f"{', '.join(list(cols)[:8]) or 'none'})")
            w = csv.writer(g)
            w.writerow(["id", "themes", "sentiment"])
            for row in reader:
                n += 1
                if n > MAX_TAG_ROWS:
                    raise main.CliError(f"more than {MAX_TAG_ROWS:,} rows: split the file")
                got = tagger.tag(row.get(cols["comment"]))
                w.writerow([csv_cell(row.get(cols["id"]) or ""), ";".join(got.themes),
                            got.sentiment])
        tmp.replace(out)
    except OSError as exc:
        raise main.CliError(f"cannot tag {src.name}: {exc.strerror or exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    print(f"Tagged {n:,} comments into {out} (codeframe {tagger.codeframe.version})",
          file=sys.stderr)
    return 0


def build(args, main) -> int:
    """Tag the warehouse's comments not yet tagged (all with --full) into cx_comment_tags."""
    from queries.sql.engine import make_engine
    from queries.sql.rollup import BUILD_TIMEOUT_S
    from queries.text import store

    target = main._target(args)  # noqa: SLF001 - the CLI's one warehouse resolution
    eng = make_engine(target.url, read_only=False, timeout_s=BUILD_TIMEOUT_S)
    try:
        done = store.build(eng, full=getattr(args, "full", False))  # `rollup` has no --full
    finally:
        eng.dispose()
    if done.get("skipped"):
        print(f"Nothing tagged: {done['skipped']}")
        return 0
    print(f"Tagged {done['tagged']:,} comments in {done['seconds']} s ({done['total']:,} in "
          f"{store.TAGS}, codeframe {done['codeframe']}"
          f"{', every comment re-tagged' if done['retagged_all'] else ''})")
    return 0


def figures_json(fig, scope_name: str) -> dict:
    """The stable JSON form of a view's comment figures (docs/cli.md)."""
    from presentation import comments as words

    return {
        "schema_version": 1,
        "scope": {"level": fig.scope.level, "region": fig.scope.region,
                  "location": fig.scope.location, "name": scope_name},
        "month": fig.month.strftime("%Y-%m"),
        "window": {"code": fig.window.code, "label": fig.window.label,
                   "months": words.window_text(fig)},
        "codeframe": fig.codeframe_version,
        "label": words.label(fig, scope_name),
        "comments": fig.comments,
        "by_nps_group": fig.by_group,
        "detractor_comments": fig.detractor_comments,
        "previous_detractor_comments": fig.prev_detractor_comments,
        "sentiment": fig.sentiment,
        "standout": fig.standout().id if fig.standout() else None,
        "themes": [{"id": t.id, "label": t.label, "count": t.count,
                    "share": round(t.share, 4),
                    "previous_share": None if t.prev_share is None else round(t.prev_share, 4),
                    "change": t.change, "q": None if t.q is None else round(t.q, 4),
                    "examples": list(t.examples)} for t in fig.themes],
    }


def view(args, main) -> int:
    from presentation import comments as words
    from queries import scorecard, windows
    from queries.text import figures

    with main._open_scope(args) as (eng, dims, scope, (first, latest), _allowed):  # noqa: SLF001
        month = main.parse_month(args.month) if args.month else (
            None if latest is None else scorecard.default_month(first, latest, _today()))
        if month is None:
            raise main.CliError("The warehouse has no survey responses, so there is no month")
        state = figures.status(eng)
        if state == "absent":
            raise main.CliError("The warehouse has no comments (no survey_comments table, or an "
                                "empty one): nothing to show (docs/comments.md says how to add "
                                "them)")
        if state == "untagged":
            raise main.CliError("The comments are not tagged yet: run `cx-scorecard themes "
                                "--build` (or `cx-scorecard rollup`) first")
        window = windows.for_level(main._window(args), scope.level)  # noqa: SLF001
        fig = figures.build(eng, scope, month, window)
        name = dims.name(scope)
    if args.format == "json":
        print(json.dumps(figures_json(fig, name), indent=2, ensure_ascii=False))
        return 0
    from presentation.text import plain

    print(f"{words.TITLE} - {plain(words.label(fig, name), None)}")
    print(f"{words.window_text(fig)} ({fig.window.label}); {words.sentiment_text(fig)}")
    for t in fig.themes:
        if not t.count:
            continue
        arrow = words.ARROWS.get(t.change, "")
        print(f"  {t.label:<28}{words.pct(t.share):>5} {arrow:1} {t.count:>6,}  "
              f"{words.change_text(t)}")
        for ex in t.examples:
            print(f"      \"{plain(ex, None)}\"")
    return 0


def _today():
    from datetime import date

    return date.today()


def add_parser(add, fn) -> None:
    """The command's arguments (main.build_parser's `add`)."""
    t = add("themes", fn, "What customers say: theme shares, sentiment and examples for a "
            "view; --tag a CSV of comments; --build tags the warehouse's comments.")
    arguments.view(t)
    t.add_argument("--tag", metavar="IN.csv", help="tag a CSV with columns id,comment")
    t.add_argument("--out", metavar="OUT.csv", help="with --tag: write id,themes,sentiment here")
    t.add_argument("--build", action="store_true",
                   help="tag the warehouse's new comments into cx_comment_tags (batch step)")
    t.add_argument("--full", action="store_true", help="with --build: re-tag every comment")
