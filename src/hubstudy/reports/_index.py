"""The index page: what each report page answers, with a few headline figures."""

from __future__ import annotations

from ._db import Source, Unavailable
from ._html import Figure, esc
from ._page import Page


def build(src: Source, pages: list[Page]) -> Page:
    page = Page("index", "hubstudy reports",
                "A nightly, lineage-aware look at the Hugging Face Hub: does fine-tuning make models worse, "
                "and how does the platform grow? Each page states its definitions, data date, n and caveats.")
    totals = {}
    try:
        totals = {r["repo_type"]: r["total"] for r in src.view("growth_million")}
    except Unavailable:
        pass
    page.n_text = (f"n = {totals['model']:,} models" if "model" in totals else "n = not available")
    page.heading("Pages")
    items = "".join(
        f'<li><a href="{esc(p.slug)}.html">{esc(p.title)}</a> — {esc(p.description)}</li>' for p in pages
    )
    page.raw(f'<ul class="pages">{items}</ul>')
    page.heading("At a glance")
    figures = [Figure(f"total_{t}", f"{t}s" if t != "all" else "all repos", totals.get(t))
               for t in ("model", "dataset", "space", "all") if t in totals]
    pairs = src.count("pair_outcomes")
    figures.append(Figure("pairs", "(child, parent) pairs compared", pairs,
                          note=None if pairs is not None else "not available in this database"))
    quarantined = src.count("quarantine")
    figures.append(Figure("quarantined_rows", "quarantined rows", quarantined))
    page.figures(figures)
    page.definitions([
        "Data date: the latest snapshot date in the database (max snapshot_date of model_snapshots).",
        "n: the number of repos, pairs or rows a page's figures rest on, stated at the top of each page.",
    ])
    page.caveats([
        "Repos are counted as public at the latest crawl; lineage is what uploaders declare.",
        "The Hub floors createdAt at 2022-03-02 23:29:04 UTC for older repos: they appear as one "
        "'before March 2022' bucket.",
    ])
    return page
