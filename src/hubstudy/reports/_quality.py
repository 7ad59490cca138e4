"""The coverage and data quality page: what was crawled, what was quarantined, where lineage
has gaps (parents not in `models`) or loops, and the latest quality gate."""

from __future__ import annotations

import altair as alt

from . import _text
from ._charts import WIDTH, data
from ._db import Source, Unavailable
from ._html import Col, Figure, table
from ._page import Page

TABLE_LIMIT = 200


def build(src: Source) -> Page:
    page = Page("quality", "Coverage and data quality",
                "What the crawl holds, what could not be used as sent (quarantine), and where lineage is "
                "incomplete: parents missing from the models table and ancestry cycles.")
    quarantined = src.count("quarantine")
    edges = src.count("lineage")
    page.n_text = ("n = " + (f"{quarantined:,} quarantined rows" if quarantined is not None else "quarantine not available")
                   + ", " + (f"{edges:,} lineage edges" if edges is not None else "lineage not available"))
    page.definitions([
        "Quarantined row: a record or value the pipeline could not use as sent; it is kept in the quarantine "
        "table with its stage (crawl, lineage, family, evals, build) and a machine-readable reason.",
        "Lineage gap: a lineage edge whose parent is not a model in the models table (deleted, private, "
        "misspelt, or not crawled). The share of such edges comes with a 95% Wilson interval.",
        "Cycle: a model whose ancestry, followed through primary parents, returns to itself; such models "
        "have no family root or depth.",
        "Before the floor: a repo whose createdAt is the 2022-03-02 floor, so its real creation date is unknown.",
    ])
    page.caveats([
        _text.CREATED_FLOOR,
        "Quarantine counts rows per snapshot date: a record rejected on several nights counts once per night.",
        _text.DECLARED_LINEAGE,
    ])
    page.guarded("Coverage", lambda: _coverage(page, src))
    page.guarded("Quarantine", lambda: _quarantine(page, src))
    page.guarded("Lineage gaps", lambda: _gaps(page, src))
    page.guarded("Lineage cycles", lambda: _cycles(page, src))
    page.guarded("Quality gate", lambda: _checks(page, src))
    return page


def _coverage(page: Page, src: Source) -> None:
    rows = src.view("quality_coverage")
    page.heading("Coverage")
    page.text("Rows per repo type in the latest state, with those whose creation date is only the floor or missing.")
    page.raw(table("quality_coverage", rows, [Col("repo_type", "repo type"), "rows", Col("before_floor", "before the floor"),
                                              Col("created_missing", "no creation date"), Col("with_parent", "declare a parent"),
                                              Col("heavy_fetched", "heavy fields fetched"), Col("first_seen", "first seen"),
                                              Col("snapshot_date", "snapshot")]))


def _quarantine(page: Page, src: Source) -> None:
    rows = src.view("quality_quarantine", order_by="n_rows DESC, stage, reason, repo_type")
    total = sum(r["n_rows"] for r in rows)
    page.heading("Quarantine")
    page.figures([Figure("quarantined_rows", "quarantined rows", total),
                  Figure("quarantine_reasons", "stage and reason pairs", len({(r["stage"], r["reason"]) for r in rows}))])
    if not rows.records:
        page.text("Nothing was quarantined.")
        return
    chart = alt.Chart(data(rows)).mark_bar().encode(
        y=alt.Y("reason:N", sort="-x", title=None), x=alt.X("sum(n_rows):Q", title="rows"),
        color=alt.Color("stage:N"),
        tooltip=[alt.Tooltip("stage:N"), alt.Tooltip("reason:N"), alt.Tooltip("repo_type:N", title="repo type"),
                 alt.Tooltip("n_rows:Q", format=",", title="rows"), alt.Tooltip("ids:Q", format=",")],
    ).properties(width=WIDTH - 200)
    examples = src.rows(
        f"""
        SELECT snapshot_date, stage, reason, repo_type, id, detail
        FROM quarantine ORDER BY snapshot_date DESC, stage, reason, id LIMIT {TABLE_LIMIT}
        """, needs=("quarantine",))
    page.raw(f'<div class="pair">{page.chart_html("quarantine", chart, "Quarantined rows by reason and stage")}'
             + table("quality_quarantine", rows, ["stage", "reason", Col("repo_type", "repo type"), Col("n_rows", "rows"), "ids",
                                                  Col("first_date", "first"), Col("last_date", "last")]) + "</div>")
    page.heading("Latest quarantined rows", 3)
    page.raw(table("quarantine", examples, [Col("snapshot_date", "snapshot"), "stage", "reason", Col("repo_type", "repo type"),
                                            "id", "detail"], total=src.count("quarantine")))


def _gaps(page: Page, src: Source) -> None:
    summary = src.view("quality_lineage_summary").records
    if not summary:
        raise Unavailable("quality_lineage_summary is empty")
    s = summary[0]
    page.heading("Lineage gaps")
    page.figures([
        Figure("lineage_edges", "lineage edges (n)", s["n"]),
        Figure("edges_missing_parent", "edges to a missing parent (k)", s["k"]),
        Figure("edges_missing_share", "share", s["share"], "pct",
               note=f"95% interval {_pct(s['ci_low'])} to {_pct(s['ci_high'])}"),
        Figure("missing_parents", "distinct missing parents", s["missing_parents"]),
        Figure("children_affected", "children affected", s["children_affected"]),
    ])
    page.raw(table("quality_lineage_summary", src.view("quality_lineage_summary"),
                   [Col("n", "edges (n)"), Col("k", "to a missing parent (k)"), "share", Col("ci_low", "95% low"),
                    Col("ci_high", "95% high"), Col("missing_parents", "missing parents"),
                    Col("children_affected", "children affected"), "derivatives", Col("models_in_cycle", "models in a cycle")]))
    gaps = src.view("quality_lineage_gaps", order_by="children DESC, parent_id", limit=TABLE_LIMIT)
    page.text("Missing parents with the most children:")
    page.raw(table("quality_lineage_gaps", gaps, [Col("parent_id", "parent"), Col("parent_declared", "as declared"), "children",
                                                  "edges", "relations"], total=src.count("quality_lineage_gaps")))


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"


def _cycles(page: Page, src: Source) -> None:
    rows = src.view("quality_cycles", order_by="id", limit=TABLE_LIMIT)
    page.heading("Lineage cycles")
    page.figures([Figure("models_in_cycle", "models in a cycle", src.count("quality_cycles"))])
    if rows.records:
        page.raw(table("quality_cycles", rows, ["id", Col("n_parents", "parents (n)"), "parents", "quarantined"],
                       total=src.count("quality_cycles")))
    else:
        page.text("No lineage cycles.")


def _checks(page: Page, src: Source) -> None:
    rows = src.view("quality_checks", where="snapshot_date = (SELECT max(snapshot_date) FROM quality_checks)",
                    order_by="passed, check_name")
    page.heading("Quality gate")
    if not rows.records:
        page.text("No quality checks recorded.")
        return
    failed = sum(1 for r in rows if r["passed"] is False)
    page.figures([Figure("checks", "checks (latest snapshot)", len(rows)), Figure("checks_failed", "failed", failed)])
    page.raw(table("quality_checks", rows, [Col("snapshot_date", "snapshot"), Col("check_name", "check"), "measured",
                                            "threshold", "passed", "detail"]))
