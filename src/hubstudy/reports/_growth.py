"""The platform growth page: every growth_* view as a chart beside its table."""

from __future__ import annotations

import altair as alt

from . import _text
from ._charts import (HEIGHT, RELATION_ORDER, REPO_TYPE_ORDER, WIDTH, data, floor_split, month_x, snapshot_x)
from ._db import Rows, Source, Unavailable
from ._html import Col, Figure, table
from ._page import Page

FLOOR_LABEL = "before March 2022"
BY_REPO_TYPE = "CASE repo_type WHEN 'model' THEN 1 WHEN 'dataset' THEN 2 WHEN 'space' THEN 3 ELSE 4 END"
REPO_TYPE_COLOR = alt.Color("repo_type:N", title="repo type", sort=REPO_TYPE_ORDER)


def _split(rows: Rows) -> tuple[list[dict], list[dict]]:
    floor = [r for r in rows if r.get("before_floor")]
    monthly = [r for r in rows if not r.get("before_floor")]
    return floor, monthly


def million(src: Source) -> dict[str, dict]:
    """growth_million keyed by repo_type (model, dataset, space, all)."""
    rows = src.view("growth_million", order_by=BY_REPO_TYPE)
    return {r["repo_type"]: r for r in rows}


def build(src: Source) -> Page:
    page = Page("growth", "Platform growth",
                "How fast the Hub grows: new models, datasets and spaces per month, derivatives and "
                "their relations, the most derived-from parents, families, libraries and tasks, and "
                "how downloads concentrate.")
    try:
        m = million(src)
        page.n_text = "n = " + ", ".join(
            f"{m[t]['total']:,} {t}s" for t in REPO_TYPE_ORDER if t in m
        )
    except Unavailable:
        m = {}
        page.n_text = "n = not available"
    page.definitions([
        _text.DERIVATIVE,
        _text.SHARES,
        "Creation month: the calendar month (UTC) of a repo's createdAt. Cumulative: the running total "
        "of repos created up to and including that month.",
        "Declares a base model: the model has at least one lineage edge as a child, from its tags or "
        "its card's base_model.",
        "Family: all models that reach the same root by following each model's primary parent; size "
        "counts the root. Depth: the number of edges from the root (0 for the root).",
        "Download concentration, per snapshot: the share of all 30-day downloads that goes to the top "
        "1% and top 10% of models, and the Gini coefficient (0: equal, 1: one model has all).",
    ])
    page.caveats([_text.CREATED_FLOOR, _text.SURVIVORS, _text.DECLARED_LINEAGE, _text.DOWNLOADS])

    page.guarded("Key figures", lambda: _key_figures(page, m))
    page.guarded("New repos per month", lambda: _monthly(page, src))
    page.guarded("Cumulative repos", lambda: _cumulative(page, src))
    page.guarded("Derivatives per month, by relation", lambda: _derivatives(page, src))
    page.guarded("Share of new models that declare a base model", lambda: _base_share(page, src))
    page.guarded("Top parents", lambda: _top_parents(page, src))
    page.guarded("Family size", lambda: _family_size(page, src))
    page.guarded("Generation depth", lambda: _family_depth(page, src))
    page.guarded("Largest families", lambda: _family_largest(page, src))
    page.guarded("Library mix of new models", lambda: _mix(page, src, "growth_library_mix", "library"))
    page.guarded("Task mix of new models", lambda: _mix(page, src, "growth_pipeline_mix", "pipeline"))
    page.guarded("Download concentration", lambda: _concentration(page, src))
    page.guarded("Downloads and likes, all models", lambda: _snapshot_totals(page, src))
    page.guarded("Downloads and likes of the largest families", lambda: _family_trends(page, src))
    return page


def _key_figures(page: Page, m: dict[str, dict]) -> None:
    if not m:
        raise Unavailable("`growth_million` not available in this database")
    page.heading("Key figures")
    items = []
    for t in [*REPO_TYPE_ORDER, "all"]:
        if t in m:
            label = "all repos" if t == "all" else f"{t}s"
            items.append(Figure(f"total_{t}", label, m[t]["total"]))
    for t in [*REPO_TYPE_ORDER, "all"]:
        if t in m:
            label = "all repos" if t == "all" else f"{t}s"
            items.append(Figure(f"passed_1m_{t}", f"{label} passed 1M", m[t]["passed_1m_period"] or "not yet"))
    page.figures(items)


def _monthly(page: Page, src: Source) -> None:
    rows = src.view("growth_monthly", order_by=f"{BY_REPO_TYPE}, before_floor DESC, month", nonempty=True)
    floor, monthly = _split(rows)
    tooltip = [alt.Tooltip("repo_type:N", title="repo type"), alt.Tooltip("period:N"),
               alt.Tooltip("created:Q", format=","), alt.Tooltip("cumulative:Q", format=",")]
    floor_chart = alt.Chart(data(floor)).mark_bar().encode(
        x=alt.X("repo_type:N", sort=REPO_TYPE_ORDER, title=None),
        y=alt.Y("created:Q", title="repos, date unknown"), color=REPO_TYPE_COLOR, tooltip=tooltip,
    ).properties(height=HEIGHT) if floor else None
    line = alt.Chart(data(monthly)).mark_line(point=alt.OverlayMarkDef(size=18)).encode(
        x=month_x(), y=alt.Y("created:Q", title="new repos per month"), color=REPO_TYPE_COLOR, tooltip=tooltip,
    ).properties(width=WIDTH, height=HEIGHT)
    page.section(
        "New repos per month",
        intro="Repos created each month, by type. The left panel holds the repos whose createdAt is the "
              "2022-03-02 floor (created at some unknown time before March 2022).",
        chart=(floor_split(floor_chart, line, floor_label=FLOOR_LABEL), "New models, datasets and spaces per creation month"),
        table=table("growth_monthly", rows, [Col("repo_type", "repo type"), "period", "created", "cumulative"]),
    )


def _cumulative(page: Page, src: Source) -> None:
    rows = src.view("growth_monthly", order_by=f"{BY_REPO_TYPE}, before_floor DESC, month", nonempty=True)
    m = src.view("growth_million", order_by=BY_REPO_TYPE)
    top = max((r["cumulative"] for r in rows), default=0)
    line = alt.Chart(data(rows)).mark_line(point=alt.OverlayMarkDef(size=18)).encode(
        x=alt.X("month:T", timeUnit="utcyearmonth", title="creation month (first point: before March 2022)",
                axis=alt.Axis(format="%Y-%m")),
        y=alt.Y("cumulative:Q", title="repos created so far"), color=REPO_TYPE_COLOR,
        tooltip=[alt.Tooltip("repo_type:N", title="repo type"), alt.Tooltip("period:N"),
                 alt.Tooltip("cumulative:Q", format=",")],
    ).properties(width=WIDTH, height=HEIGHT)
    chart = line
    if top >= 500_000:  # only where the one-million line does not flatten everything else
        rule = alt.Chart(alt.Data(values=[{"y": 1_000_000}])).mark_rule(strokeDash=[4, 4], color="#888").encode(y="y:Q")
        chart = line + rule
    page.section(
        "Cumulative repos",
        intro="Running total per repo type; the first point of each line is the before-March-2022 bucket. "
              "The table gives each type's total and the month its running total reached one million (claim C1).",
        chart=(chart, "Cumulative models, datasets and spaces by creation month"),
        table=table("growth_million", m, [Col("repo_type", "repo type"), "total",
                                          Col("passed_1m_period", "passed 1M"), Col("passed_1m_month", "month")]),
    )


def _derivatives(page: Page, src: Source) -> None:
    rows = src.view("growth_derivatives_monthly", order_by="before_floor DESC, month, relation", nonempty=True)
    floor, monthly = _split(rows)
    color = alt.Color("relation:N", sort=RELATION_ORDER, scale=alt.Scale(domain=RELATION_ORDER))
    tooltip = [alt.Tooltip("period:N"), alt.Tooltip("relation:N"), alt.Tooltip("derivatives:Q", format=",")]
    floor_chart = alt.Chart(data(floor)).mark_bar().encode(
        x=alt.X("period:N", title=None), y=alt.Y("derivatives:Q", title="derivatives, date unknown"),
        color=color, tooltip=tooltip,
    ).properties(height=HEIGHT) if floor else None
    bars = alt.Chart(data(monthly)).mark_bar().encode(
        x=month_x(), y=alt.Y("derivatives:Q", title="new derivatives per month"), color=color, tooltip=tooltip,
    ).properties(width=WIDTH, height=HEIGHT)
    page.section(
        "Derivatives per month, by relation",
        intro="New derivatives per creation month. A derivative with edges of several relations counts "
              "once, under the first of merge, adapter, quantized, finetune, unknown.",
        chart=(floor_split(floor_chart, bars, floor_label=FLOOR_LABEL), "New derivatives per month, stacked by relation"),
        table=table("growth_derivatives_monthly", rows, ["period", "relation", "derivatives"]),
    )


def _base_share(page: Page, src: Source) -> None:
    rows = src.view("growth_base_model_share", order_by="before_floor DESC, month", nonempty=True)
    floor, monthly = _split(rows)
    tooltip = [alt.Tooltip("period:N"), alt.Tooltip("n:Q", format=",", title="new models (n)"),
               alt.Tooltip("k:Q", format=",", title="declare a base (k)"), alt.Tooltip("share:Q", format=".1%"),
               alt.Tooltip("ci_low:Q", format=".1%", title="95% low"), alt.Tooltip("ci_high:Q", format=".1%", title="95% high")]
    y = alt.Y("share:Q", title="share declaring a base model", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1]))
    floor_chart = None
    if floor:
        fbase = alt.Chart(data(floor))
        floor_chart = (fbase.mark_rule(strokeWidth=2).encode(x=alt.X("period:N", title=None), y=alt.Y("ci_low:Q", scale=alt.Scale(domain=[0, 1]), title="share, date unknown", axis=alt.Axis(format="%")), y2="ci_high:Q", tooltip=tooltip)
                       + fbase.mark_point(filled=True, size=60).encode(x="period:N", y=alt.Y("share:Q", scale=alt.Scale(domain=[0, 1])), tooltip=tooltip)).properties(height=HEIGHT)
    base = alt.Chart(data(monthly))
    band = base.mark_area(opacity=0.25).encode(x=month_x(), y=alt.Y("ci_low:Q", scale=alt.Scale(domain=[0, 1]), title="share declaring a base model", axis=alt.Axis(format="%")), y2="ci_high:Q", tooltip=tooltip)
    line = base.mark_line(point=alt.OverlayMarkDef(size=18)).encode(x=month_x(), y=y, tooltip=tooltip)
    page.section(
        "Share of new models that declare a base model",
        intro="Of the models created each month (n), how many declare at least one parent (k); the band is "
              "the 95% Wilson interval.",
        chart=(floor_split(floor_chart, (band + line).properties(width=WIDTH, height=HEIGHT), floor_label=FLOOR_LABEL),
               "Share of new models declaring a base model, with 95% interval"),
        table=table("growth_base_model_share", rows, ["period", "n", "k", "share", Col("ci_low", "95% low"), Col("ci_high", "95% high")]),
    )


def _top_parents(page: Page, src: Source) -> None:
    rows = src.view("growth_top_parents", order_by="time_window, rank", nonempty=True)
    charts = []
    for window in ("all time", "last 90 days"):
        subset = [r for r in rows if r["time_window"] == window]
        if not subset:
            continue
        charts.append(
            alt.Chart(data(subset)).transform_fold(RELATION_ORDER, as_=["relation", "children"]).mark_bar().encode(
                y=alt.Y("parent_id:N", title=None, sort=alt.EncodingSortField("derivatives", op="max", order="descending")),
                x=alt.X("children:Q", title="derivatives"),
                color=alt.Color("relation:N", sort=RELATION_ORDER, scale=alt.Scale(domain=RELATION_ORDER)),
                tooltip=[alt.Tooltip("parent_id:N", title="parent"), alt.Tooltip("derivatives:Q", format=",", title="all derivatives"),
                         alt.Tooltip("relation:N"), alt.Tooltip("children:Q", format=",", title="with this relation")],
            ).properties(width=WIDTH // 2 - 40, title=window)
        )
    page.section(
        "Top parents",
        intro="Parents with the most derivatives (distinct children), all time and among children created in "
              "the 90 days before the data date.",
        chart=(alt.vconcat(*charts), "Most derived-from parents, by relation of the derivative"),
        table=table("growth_top_parents", rows, [Col("time_window", "window"), "rank", Col("parent_id", "parent"), "derivatives",
                                                  *RELATION_ORDER, Col("parent_in_models", "parent is a model")]),
        stack=True,
    )


def _family_size(page: Page, src: Source) -> None:
    rows = src.view("growth_family_size", order_by="bucket_order", nonempty=True)
    chart = alt.Chart(data(rows)).mark_bar().encode(
        x=alt.X("size_bucket:N", sort=alt.EncodingSortField("bucket_order"), title="models in the family"),
        y=alt.Y("families:Q", scale=alt.Scale(type="symlog"), title="families (symlog scale)"),
        tooltip=[alt.Tooltip("size_bucket:N", title="size"), alt.Tooltip("families:Q", format=","), alt.Tooltip("models:Q", format=",")],
    ).properties(width=WIDTH - 100, height=HEIGHT)
    page.section("Family size", intro="Families by number of models under one root (size 1: nobody derived from it).",
                 chart=(chart, "Number of families by size"),
                 table=table("growth_family_size", rows, [Col("size_bucket", "size"), "families", "models"]))


def _family_depth(page: Page, src: Source) -> None:
    rows = src.view("growth_family_depth", order_by="depth", nonempty=True)
    chart = alt.Chart(data(rows)).mark_bar().encode(
        x=alt.X("depth:O", title="generation depth (0 = root)"),
        y=alt.Y("models:Q", scale=alt.Scale(type="symlog"), title="models (symlog scale)"),
        tooltip=[alt.Tooltip("depth:O"), alt.Tooltip("models:Q", format=","), alt.Tooltip("share:Q", format=".2%")],
    ).properties(width=WIDTH - 100, height=HEIGHT)
    page.section("Generation depth", intro="Models by number of edges from their family root.",
                 chart=(chart, "Models by generation depth"),
                 table=table("growth_family_depth", rows, ["depth", "models", "share"]))


def _family_largest(page: Page, src: Source) -> None:
    rows = src.view("growth_family_largest", order_by="rank", nonempty=True)
    chart = alt.Chart(data(rows)).mark_bar().encode(
        y=alt.Y("root_id:N", sort=alt.EncodingSortField("rank"), title=None),
        x=alt.X("size:Q", title="models in the family"),
        tooltip=[alt.Tooltip("root_id:N", title="root"), alt.Tooltip("size:Q", format=","), alt.Tooltip("max_depth:Q", title="deepest generation")],
    ).properties(width=WIDTH - 160)
    page.section("Largest families", chart=(chart, "The largest model families"),
                 table=table("growth_family_largest", rows, ["rank", Col("root_id", "root"), "size", Col("max_depth", "max depth"),
                                                             Col("root_downloads_30d", "root downloads (30 d)"), Col("root_likes", "root likes")]))


def _mix(page: Page, src: Source, view: str, field: str) -> None:
    rows = src.view(view, order_by=f"before_floor DESC, month, {field}", nonempty=True)
    floor, monthly = _split(rows)
    color = alt.Color(f"{field}:N", title=field, scale=alt.Scale(scheme="tableau20"))
    tooltip = [alt.Tooltip("period:N"), alt.Tooltip(f"{field}:N"), alt.Tooltip("models:Q", format=","),
               alt.Tooltip("share:Q", format=".1%", title="share of the month")]
    floor_chart = alt.Chart(data(floor)).mark_bar().encode(
        x=alt.X("period:N", title=None), y=alt.Y("models:Q", stack="normalize", title="share, date unknown", axis=alt.Axis(format="%")),
        color=color, tooltip=tooltip,
    ).properties(height=HEIGHT) if floor else None
    area = alt.Chart(data(monthly)).mark_bar().encode(
        x=month_x(), y=alt.Y("models:Q", stack="normalize", title="share of new models", axis=alt.Axis(format="%")),
        color=color, tooltip=tooltip,
    ).properties(width=WIDTH, height=HEIGHT)
    title = "Library mix of new models" if field == "library" else "Task mix of new models"
    page.section(title, intro=f"Each month's new models by {field} (the most common overall; the rest as 'other').",
                 chart=(floor_split(floor_chart, area, floor_label=FLOOR_LABEL), f"New models per month by {field}, as shares"),
                 table=table(view, rows, ["period", field, "models", Col("share", "share of month")]))


def _concentration(page: Page, src: Source) -> None:
    rows = src.view("growth_downloads_concentration", order_by="snapshot_date", nonempty=True)
    measures = {"top1_share": "top 1% share", "top10_share": "top 10% share", "gini": "Gini"}
    long = [{"snapshot_date": r["snapshot_date"], "models": r["models"], "measure": label, "value": r[key]}
            for r in rows for key, label in measures.items()]
    chart = alt.Chart(data(long)).mark_line(point=True).encode(
        x=snapshot_x(long),
        y=alt.Y("value:Q", scale=alt.Scale(domain=[0, 1]), title="share of downloads / Gini"),
        color=alt.Color("measure:N", sort=list(measures.values())),
        tooltip=[alt.Tooltip("snapshot_date:N", title="snapshot"), alt.Tooltip("measure:N"),
                 alt.Tooltip("value:Q", format=".3f"), alt.Tooltip("models:Q", format=",")],
    ).properties(width=WIDTH, height=HEIGHT)
    page.section("Download concentration",
                 intro="Per snapshot: the share of 30-day downloads taken by the top 1% and top 10% of models, and the Gini coefficient.",
                 chart=(chart, "Concentration of downloads per snapshot"),
                 table=table("growth_downloads_concentration", rows, [Col("snapshot_date", "snapshot"), "models",
                             Col("downloads_30d", "downloads (30 d)"), Col("top1_share", "top 1%"), Col("top10_share", "top 10%"), "gini"]))


def _snapshot_totals(page: Page, src: Source) -> None:
    rows = src.view("growth_snapshot_totals", order_by="snapshot_date", nonempty=True)
    x = snapshot_x(rows.records)
    tip = [alt.Tooltip("snapshot_date:N", title="snapshot"), alt.Tooltip("models:Q", format=","),
           alt.Tooltip("downloads_30d:Q", format=",", title="downloads (30 d)"), alt.Tooltip("likes:Q", format=",")]
    base = alt.Chart(data(rows))
    chart = alt.hconcat(
        base.mark_line(point=True).encode(x=x, y=alt.Y("downloads_30d:Q", title="downloads (30 d)"), tooltip=tip).properties(width=WIDTH // 2 - 30, height=200),
        base.mark_line(point=True, color="#c05621").encode(x=x, y=alt.Y("likes:Q", title="likes"), tooltip=tip).properties(width=WIDTH // 2 - 30, height=200),
    )
    page.section("Downloads and likes, all models", chart=(chart, "Hub-wide downloads and likes per snapshot"),
                 table=table("growth_snapshot_totals", rows, [Col("snapshot_date", "snapshot"), "models",
                             Col("downloads_30d", "downloads (30 d)"), Col("downloads_all_time", "downloads (all time)"), "likes"]))


def _family_trends(page: Page, src: Source) -> None:
    rows = src.view("growth_family_trends", order_by="snapshot_date, family_rank", nonempty=True)
    last = max((r["snapshot_date"] for r in rows), default=None)
    latest = Rows(rows.columns, [r for r in rows if r["snapshot_date"] == last])
    total = None if rows.truncated else len(rows)
    x = snapshot_x(rows.records)
    color = alt.Color("root_id:N", title="family root", sort=alt.EncodingSortField("family_rank"))
    tip = [alt.Tooltip("root_id:N", title="family root"), alt.Tooltip("snapshot_date:N", title="snapshot"),
           alt.Tooltip("models:Q", format=","), alt.Tooltip("downloads_30d:Q", format=",", title="downloads (30 d)"),
           alt.Tooltip("likes:Q", format=",")]
    base = alt.Chart(data(rows))
    chart = alt.vconcat(
        base.mark_line(point=True).encode(x=x, y=alt.Y("downloads_30d:Q", title="downloads (30 d)"), color=color, tooltip=tip).properties(width=WIDTH - 120, height=180),
        base.mark_line(point=True).encode(x=x, y=alt.Y("likes:Q", title="likes"), color=color, tooltip=tip).properties(width=WIDTH - 120, height=180),
    )
    page.section("Downloads and likes of the largest families",
                 intro="Sums over the models of the ten largest families, per snapshot. The table shows the latest "
                       "snapshot and the change since the previous one.",
                 chart=(chart, "Downloads and likes of the ten largest families"),
                 table=table("growth_family_trends", latest, [Col("family_rank", "rank"), Col("root_id", "family root"), "models",
                             Col("downloads_30d", "downloads (30 d)"), Col("downloads_30d_change", "change"), "likes",
                             Col("likes_change", "change")], total=total),
                 stack=True)
