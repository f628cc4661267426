"""What customers say about a view: theme shares among detractors, their change against the
window before (with a noise test), sentiment, and representative comments, all read by SQL from
the tags table (queries/text/store.py), never by tagging on a page view.

Why detractors: the scorecard's question is why a score is low; a theme's share of detractors'
comments ("waiting 41%") says what the unhappy customers talk about, whatever their number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from queries import stats
from queries.scope import Scope
from queries.sql.grouping import grouped
from queries.text.codeframe import Codeframe
from queries.text.codeframe import load as load_codeframe
from queries.text.pii import mask
from queries.text.store import NPS_GROUPS, TAGS, tags_table, theme_column
from queries.text.tagger import SENTIMENTS
from queries.windows import Window

EXAMPLES = 3  # comments shown per theme
CANDIDATES = 12  # comments fetched per theme to choose the examples from
EXAMPLE_CHARS = 280  # an example is cut here (with an ellipsis)
TOP = 5  # themes with examples
STANDOUT_POINTS = 0.05  # the top theme leads the next by at least this share ...
STANDOUT_SHARE = 0.20  # ... reaches this share ...
STANDOUT_MIN = 20  # ... of at least this many detractor comments: the verdict names it


@dataclass(frozen=True)
class ThemeFigure:
    id: str
    label: str
    short: str
    count: int  # detractor comments naming the theme in the window
    share: float  # of the window's detractor comments
    prev_count: int | None
    prev_share: float | None
    change: str  # rise, fall, steady or n/a (noise-tested, Benjamini-Hochberg over themes)
    q: float | None  # the change's adjusted p-value
    examples: tuple[str, ...] = ()

    @property
    def change_points(self) -> float | None:
        if self.prev_share is None:
            return None
        return 100.0 * (self.share - self.prev_share)


@dataclass(frozen=True)
class CommentFigures:
    scope: Scope
    month: date
    window: Window
    start: date
    stop: date
    prev: tuple[date, date] | None
    comments: int  # tagged comments in the window, every score
    detractor_comments: int
    prev_detractor_comments: int
    sentiment: dict[str, int]
    themes: tuple[ThemeFigure, ...]  # among detractors, largest share first
    codeframe_version: str = ""
    by_group: dict[str, int] = field(default_factory=dict)

    def top(self, k: int = 3) -> tuple[ThemeFigure, ...]:
        return tuple(t for t in self.themes if t.count)[:k]

    def standout(self) -> ThemeFigure | None:
        """The top detractor theme when it clearly leads (see the STANDOUT_* rule)."""
        named = self.top(2)
        if not named or self.detractor_comments < STANDOUT_MIN:
            return None
        first = named[0]
        second = named[1].share if len(named) > 1 else 0.0
        if first.share >= STANDOUT_SHARE and first.share - second >= STANDOUT_POINTS:
            return first
        return None


def _periods(window: Window, month: date) -> tuple[tuple[date, date, date], ...]:
    return window.periods(month)[:2]


def figures_select(cf: Codeframe, scope: Scope, month: date, window: Window,
                   by: str = "none") -> sa.Select:
    """One statement: per period (the window and the one before), comment counts by NPS group
    and sentiment, and each theme's count among detractors."""
    t = tags_table(cf)
    det = t.c.nps_group == sa.bindparam("detractor", "detractor")

    def count_if(cond) -> sa.ColumnElement:
        return sa.func.coalesce(sa.func.sum(sa.case((cond, 1), else_=0)), 0)

    comps: dict[str, sa.ColumnElement] = {"n_all": sa.func.count()}
    for g in NPS_GROUPS:
        comps[f"n_{g}"] = count_if(t.c.nps_group == sa.bindparam(f"g_{g}", g))
    for s in SENTIMENTS:
        comps[f"s_{s}"] = count_if(t.c.sentiment == sa.bindparam(f"s_{s}", s))
    for th in cf.ids:
        comps[f"d_{th}"] = count_if(sa.and_(det, t.c[theme_column(th)] == 1))
    periods = _periods(window, month)
    lo = min(p[1] for p in periods)
    hi = max(p[2] for p in periods)
    where = [t.c.month >= sa.bindparam("start", lo, type_=sa.Date()),
             t.c.month < sa.bindparam("stop", hi, type_=sa.Date())]
    return grouped(t, comps, t.c.month, t.c.location_id, scope, by, where,  # type: ignore[arg-type]
                   periods=periods)


def examples_select(cf: Codeframe, scope: Scope, month: date, window: Window,
                    theme_ids: tuple[str, ...], limit: int = CANDIDATES,
                    group: str | None = "detractor") -> sa.Select | sa.CompoundSelect:
    """Up to `limit` candidate comments per theme in the window: complaints naming one theme
    and of a readable length first, then the most recent."""
    from queries.sql.grouping import scope_filter

    t = tags_table(cf)
    end, start, stop = _periods(window, month)[0]
    parts = []
    for i, th in enumerate(theme_ids):
        where = [t.c.month >= sa.bindparam(f"e{i}_start", start, type_=sa.Date()),
                 t.c.month < sa.bindparam(f"e{i}_stop", stop, type_=sa.Date()),
                 t.c[theme_column(th)] == 1]
        if group:
            where.append(t.c.nps_group == sa.bindparam(f"e{i}_group", group))
        f = scope_filter(t.c.location_id, scope)
        if f is not None:
            where.append(f)
        order = (sa.case((t.c.sentiment == sa.bindparam(f"e{i}_neg", "negative"), 0), else_=1),
                 t.c.n_themes, sa.func.abs(sa.func.length(t.c.comment) - 90),
                 t.c.response_id.desc())
        # The rank travels as a column: a UNION ALL keeps no order of its parts.
        sel = (sa.select(sa.literal(th, sa.String()).label("theme"), t.c.comment,
                         t.c.sentiment, t.c.nps_group, t.c.month, t.c.response_id,
                         sa.func.row_number().over(order_by=order).label("rank"))
               .where(*where).order_by(*order).limit(limit).subquery(f"ex{i}"))
        parts.append(sa.select(*sel.c))
    return parts[0] if len(parts) == 1 else sa.union_all(*parts)


def shown(text: object, limit: int = EXAMPLE_CHARS) -> str:
    """A comment as it may be shown: masked again (defence in depth), one line, cut."""
    s = " ".join(mask(text).split())
    return s if len(s) <= limit else s[: limit - 1].rstrip() + "…"


def _near_key(text: str) -> str:
    """Two comments that differ only in numbers, case, punctuation or two swapped letters."""
    return "".join(sorted(c for c in text.casefold() if c.isalpha()))


def _ranked(rows: list) -> list:
    return sorted(rows, key=lambda r: (r.theme, r.rank))


def _pick(rows: list, k: int = EXAMPLES) -> tuple[str, ...]:
    """The first `k` candidates, in rank order, that are not near-copies of one shown."""
    out: list[str] = []
    seen: set[str] = set()
    for r in _ranked(rows):
        s = shown(r.comment)
        key = _near_key(s)
        if s and key not in seen:
            seen.add(key)
            out.append(s)
        if len(out) == k:
            break
    return tuple(out)


def _calls(rows: list[tuple[int, int, int, int]]) -> list[tuple[str, float | None]]:
    """(change, q) per theme: two-proportion test of now against before, Benjamini-Hochberg
    across the themes tested, and a change under one percentage point is never called."""
    ps = []
    for k1, n1, k0, n0 in rows:
        if not n1 or not n0:
            ps.append(math.nan)
            continue
        p1, p0 = k1 / n1, k0 / n0
        ps.append(stats.change_p(p1, stats.proportion_se(k1, n1), p0,
                                 stats.proportion_se(k0, n0)))
    reject, q = stats.benjamini_hochberg(ps)
    out = []
    for (k1, n1, k0, n0), r, qq in zip(rows, reject, q, strict=True):
        if not n1 or not n0:
            out.append(("n/a", None))
            continue
        delta = k1 / n1 - k0 / n0
        if abs(delta) < 0.01 or not r:
            out.append(("steady", None if math.isnan(qq) else float(qq)))
        else:
            out.append(("rise" if delta > 0 else "fall", float(qq)))
    return out


def build(engine: Engine, scope: Scope, month: date, window: Window,
          codeframe: Codeframe | None = None, with_examples: bool = True) -> CommentFigures:
    """The view's comment figures (two statements: the counts, then the top themes'
    examples)."""
    cf = codeframe or load_codeframe()
    periods = _periods(window, month)
    with engine.connect() as conn:
        rows = {r._mapping["month"]: r._mapping for r in conn.execute(
            figures_select(cf, scope, month, window))}
    now = rows.get(periods[0][0], {})
    before = rows.get(periods[1][0]) if len(periods) > 1 else None

    def n(row, key: str) -> int:
        return int(row.get(key) or 0) if row else 0

    n_det, p_det = n(now, "n_detractor"), n(before, "n_detractor")
    raw = [(th, n(now, f"d_{th}"), n(before, f"d_{th}")) for th in cf.ids]
    calls = _calls([(k1, n_det, k0, p_det) for _, k1, k0 in raw])
    themes = []
    for (th, k1, k0), (change, q) in zip(raw, calls, strict=True):
        t = cf.theme(th)
        themes.append(ThemeFigure(
            th, t.label, t.short, k1, k1 / n_det if n_det else 0.0,
            k0 if before is not None else None,
            (k0 / p_det if p_det else None) if before is not None else None, change, q))
    themes.sort(key=lambda f: (-f.count, cf.ids.index(f.id)))
    if with_examples and n_det:
        top = tuple(f.id for f in themes[:TOP] if f.count)
        if top:
            with engine.connect() as conn:
                found = list(conn.execute(examples_select(cf, scope, month, window, top)))
            by_theme = {th: [r for r in found if r.theme == th] for th in top}
            themes = [f if f.id not in by_theme else ThemeFigure(
                **{**f.__dict__, "examples": _pick(by_theme[f.id])}) for f in themes]
    return CommentFigures(
        scope, month, window, periods[0][1], periods[0][2],
        (periods[1][1], periods[1][2]) if len(periods) > 1 else None,
        n(now, "n_all"), n_det, p_det, {s: n(now, f"s_{s}") for s in SENTIMENTS},
        tuple(themes), cf.version, {g: n(now, f"n_{g}") for g in NPS_GROUPS})


def theme_comments(engine: Engine, scope: Scope, month: date, window: Window, theme_id: str,
                   limit: int = 20, group: str | None = "detractor",
                   codeframe: Codeframe | None = None) -> list[dict[str, object]]:
    """A theme's comments in the view's window (the drill-down), masked and cut."""
    cf = codeframe or load_codeframe()
    if theme_id not in cf.ids:
        raise ValueError(f"unknown theme {theme_id[:40]!r}: one of {', '.join(cf.ids)}")
    with engine.connect() as conn:
        rows = list(conn.execute(examples_select(cf, scope, month, window, (theme_id,), limit,
                                                 group)))
    return [{"comment": shown(r.comment, 600), "sentiment": r.sentiment,
             "nps_group": r.nps_group, "month": str(r.month)[:7]} for r in _ranked(rows)]


def child_shares(engine: Engine, scope: Scope, month: date, window: Window, theme_id: str,
                 codeframe: Codeframe | None = None) -> dict[str | None, tuple[int, int]]:
    """Per child of the view (regions of the company, locations of a region): (detractor
    comments naming the theme, detractor comments) in the window."""
    cf = codeframe or load_codeframe()
    period = _periods(window, month)[0][0]
    with engine.connect() as conn:
        rows = list(conn.execute(figures_select(cf, scope, month, window, by="child")))
    return {r._mapping["key"]: (int(r._mapping[f"d_{theme_id}"] or 0),
                                int(r._mapping["n_detractor"] or 0))
            for r in rows if r._mapping["month"] == period}


def status(engine: Engine) -> str:
    """'absent' (no survey_comments table, or no comment in it), 'untagged' (comments, no tags
    yet) or 'ready'."""
    from queries.sql.schema import table

    with engine.connect() as conn:
        insp = sa.inspect(conn)
        names = set(insp.get_table_names()) | set(insp.get_view_names())
        if "survey_comments" not in names:
            return "absent"
        if TAGS in names:
            return "ready"
        c = table("survey_comments")
        some = conn.execute(sa.select(c.c.response_id).limit(1)).first()
    return "untagged" if some is not None else "absent"
