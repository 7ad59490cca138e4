"""The study page: fine-tune vs parent, from ``pair_outcomes`` and the ``study_*`` views.

Those views belong to the study module; this page only reads them and copes with their absence
(an older database, a build without evals): each missing piece is stated, never a crash.
"""

from __future__ import annotations

import logging
import math

import altair as alt

from . import _text
from ._charts import RELATION_ORDER, WIDTH, data, share_with_interval
from ._db import Rows, Source
from ._html import Col, Figure, display, markdown, table
from ._page import Page

log = logging.getLogger(__name__)

SHARE_COLUMNS = ("n", "k", "share", "ci_low", "ci_high")
Z95 = 1.959964
CHART_ROWS = 60


def wilson(k: int, n: int, z: float = Z95) -> tuple[float | None, float | None]:
    """95% Wilson score interval for k successes out of n (None, None when n is 0).

    >>> [round(x, 4) for x in wilson(5, 10)]
    [0.2366, 0.7634]
    """
    if not n:
        return None, None
    p = k / n
    centre = p + z * z / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    denom = 1 + z * z / n
    return (centre - half) / denom, (centre + half) / denom


def study_definitions() -> str:
    """STUDY_DEFINITIONS from hubstudy.study, or the design's definitions when it is missing."""
    try:
        from hubstudy.study import STUDY_DEFINITIONS  # owned by the study module
    except Exception as exc:  # missing module or a broken import: the page must still build
        log.warning("hubstudy.study.STUDY_DEFINITIONS unavailable (%s); using the design's definitions", exc)
        return _text.STUDY_FALLBACK
    text = str(STUDY_DEFINITIONS).lstrip()
    # The page gives the section its own "Definitions" heading: drop a leading duplicate.
    first, _, rest = text.partition("\n")
    if first.lstrip("#").strip().lower() == "definitions":
        text = rest
    return text


def build(src: Source) -> Page:
    page = Page("study", "Fine-tune vs parent",
                "Do derivatives score below their parents? Each (child, parent) pair compares scores on the "
                "same benchmarks from the same source; shares come with their n and a 95% Wilson interval.")
    n_pairs = src.count("pair_outcomes")
    page.n_text = f"n = {n_pairs:,} (child, parent) pairs" if n_pairs is not None else "n = not available"
    page.definitions(markup=markdown(study_definitions()))
    page.caveats([
        "Only pairs where both child and parent have comparable scores enter; most derivatives have none, "
        "so the pairs are not a random sample of derivatives.",
        "Self-reported scores are chosen by the uploader and are not comparable with the uniform harnesses; "
        "read them apart from the leaderboard and MTEB rows.",
        _text.DECLARED_LINEAGE,
        "The histogram assumes rel_delta = (child - parent) / parent, so a 20% drop is rel_delta <= -0.2.",
    ])
    if n_pairs is None:
        page.heading("Pair outcomes")
        page.unavailable("Pair outcomes (pair_outcomes)")
    else:
        page.guarded("Children below their parent", lambda: _headline(page, src), foreign=True)
        page.guarded("By source and relation", lambda: _by_relation(page, src), foreign=True)
        page.guarded("Relative change of the child", lambda: _histogram(page, src), foreign=True)

    views = [v for v in src.relations("study_") if v != "study_claims"]
    page.heading("Study views")
    if not views:
        page.unavailable("Study views (study_*)")
    else:
        page.text("Every study_* view in the database (study_claims is on the claims page).")
    for view in views:
        page.guarded(view, lambda view=view: _study_view(page, src, view), foreign=True)
    return page


def _with_interval(rows: Rows) -> Rows:
    for r in rows:
        n, k = r["n"] or 0, r["k"] or 0
        r["share"] = k / n if n else None
        r["ci_low"], r["ci_high"] = wilson(k, n)
    rows.columns += ["share", "ci_low", "ci_high"]
    return rows


def _headline(page: Page, src: Source) -> None:
    rows = _with_interval(src.rows(
        """
        SELECT source, count(*) AS n, count(*) FILTER (WHERE child_below) AS k
        FROM pair_outcomes GROUP BY source ORDER BY source
        """, needs=("pair_outcomes",)))
    total = src.rows("SELECT count(*) AS n, count(*) FILTER (WHERE child_below) AS k FROM pair_outcomes")
    t = _with_interval(total).records[0]
    page.heading("Children below their parent")
    page.figures([
        Figure("pairs", "pairs (n)", t["n"]),
        Figure("child_below", "child below parent (k)", t["k"]),
        Figure("share_below", "share below", t["share"], "pct",
               note=f"95% interval {_pct(t['ci_low'])} to {_pct(t['ci_high'])}; all sources pooled"),
    ])
    page.raw(table("pair_outcomes/by_source", rows, ["source", "n", "k", "share", Col("ci_low", "95% low"), Col("ci_high", "95% high")]))


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"


def _by_relation(page: Page, src: Source) -> None:
    rows = _with_interval(src.rows(
        """
        SELECT source, coalesce(relation, 'unknown') AS relation, count(*) AS n,
               count(*) FILTER (WHERE child_below) AS k
        FROM pair_outcomes GROUP BY ALL ORDER BY source, relation
        """, needs=("pair_outcomes",)))
    order = {r: i for i, r in enumerate(RELATION_ORDER)}
    rows.records.sort(key=lambda r: (str(r["source"]), order.get(r["relation"], 99), str(r["relation"])))
    chart = share_with_interval(rows.records[:CHART_ROWS], "relation", color="source",
                                title="Share of children below their parent")
    page.section("By source and relation", intro="Share of pairs where the child scores below its parent.",
                 chart=(chart, "Share of children below their parent by relation and source, with 95% intervals"),
                 table=table("pair_outcomes/by_source_relation", rows,
                             ["source", "relation", "n", "k", "share", Col("ci_low", "95% low"), Col("ci_high", "95% high")]))


def _histogram(page: Page, src: Source) -> None:
    rows = src.rows(
        """
        SELECT source,
               least(greatest(floor(rel_delta * 20) / 20, -1.0), 1.0) AS bin_start,
               least(greatest(floor(rel_delta * 20) / 20, -1.0), 1.0) + 0.05 AS bin_end,
               count(*) AS pairs
        FROM pair_outcomes
        WHERE rel_delta IS NOT NULL AND isfinite(rel_delta)
        GROUP BY ALL ORDER BY source, bin_start
        """, needs=("pair_outcomes",))
    bars = alt.Chart(data(rows)).mark_bar().encode(
        x=alt.X("bin_start:Q", title="relative change of the child, (child - parent) / parent", axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[-1, 1.05])),
        x2="bin_end:Q",
        y=alt.Y("pairs:Q", stack=True, title="pairs"),
        color=alt.Color("source:N"),
        tooltip=[alt.Tooltip("source:N"), alt.Tooltip("bin_start:Q", format=".0%", title="from"),
                 alt.Tooltip("bin_end:Q", format=".0%", title="to"), alt.Tooltip("pairs:Q", format=",")],
    )
    rules = alt.Chart(alt.Data(values=[{"x": -0.2, "label": "20% drop"}, {"x": -0.4, "label": "40% drop"}])).mark_rule(
        strokeDash=[4, 4], color="#b7791f").encode(x="x:Q", tooltip=[alt.Tooltip("label:N")])
    page.section("Relative change of the child",
                 intro="Pairs by the child's relative change against its parent, in 5-point bins (values beyond "
                       "-100% or +100% are put in the end bins). Dashed lines: the article's 20% and 40% drops (claim C2).",
                 chart=((bars + rules).properties(width=WIDTH, height=240), "Histogram of the child's relative change"),
                 table=table("pair_outcomes/rel_delta_bins", rows, ["source", Col("bin_start", "from", "pct"), Col("bin_end", "to", "pct"), "pairs"]))


def _study_view(page: Page, src: Source, view: str) -> None:
    types = src.column_types(view)
    cols = list(types)
    # Grouping columns come before n (the study views' convention); measures after the share
    # columns and floating-point columns are not part of a group's label.
    before_n = cols[: cols.index("n")] if "n" in cols else [c for c in cols if c not in SHARE_COLUMNS]
    categories = [c for c in before_n if c not in SHARE_COLUMNS and types[c] not in ("DOUBLE", "FLOAT", "REAL")
                  and not types[c].startswith("DECIMAL")]
    order = ", ".join(f'"{c}"' for c in categories) or None
    rows = src.view(view, order_by=order, limit=500)
    total = src.count(view)
    has_shares = all(c in cols for c in SHARE_COLUMNS)
    chart = None
    if has_shares and rows.records:
        points = []
        for r in rows.records[:CHART_ROWS]:
            label = " · ".join(display(r[c]) for c in categories) or view
            points.append({**{c: r[c] for c in SHARE_COLUMNS}, "group": label})
        chart = (share_with_interval(points, "group", title=view, category_title=" · ".join(categories) or "group",
                                     axis_title=False),
                 f"{view}: share with 95% interval")
    elif not rows.records:
        page.heading(view)
        page.text("This view is empty.")
        return
    page.section(view, chart=chart, table=table(view, rows, [Col(c, None, "pct" if c in ("share", "ci_low", "ci_high") else None) for c in cols],
                                                 total=total))
