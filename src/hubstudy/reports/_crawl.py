"""The crawl health page: what each night's crawl cost (requests, rate-limit waits, duration)
and how it ended, from crawl_history and crawl_daily."""

from __future__ import annotations

import altair as alt

from ._charts import REPO_TYPE_ORDER, WIDTH, data, snapshot_x
from ._db import Source
from ._html import Col, Figure, table
from ._page import Page

HISTORY_ROWS = 90


def build(src: Source) -> Page:
    page = Page("crawl", "Crawl health",
                "What each crawl run cost and how it ended: requests sent, rate-limit pauses, duration, retries and failures.")
    runs = src.count("crawl_runs")
    page.n_text = f"n = {runs:,} crawl runs" if runs is not None else "n = not available"
    page.definitions([
        "Run: one crawl of one repo type (model, dataset, space) for one snapshot date; full on the first crawl, "
        "incremental after.",
        "Requests: HTTP requests sent, retries included. Rate-limit waits: pauses taken to stay under the Hub's "
        "quota, and the seconds spent in them. Duration: finished_at - started_at.",
        "Wait share: rate-limit seconds / duration. Requests per 1k rows: requests / rows stored x 1000.",
    ])
    page.caveats([
        "A run still going (or killed without finishing) has no duration.",
        "Durations include rate-limit pauses; they depend on the quota the crawl ran under, not only on Hub size.",
    ])
    page.guarded("Per night", lambda: _daily(page, src))
    page.guarded("Runs", lambda: _runs(page, src))
    return page


def _daily(page: Page, src: Source) -> None:
    rows = src.view("crawl_history", order_by="snapshot_date, repo_type", limit=3 * 400, nonempty=True)
    daily = src.view("crawl_daily", order_by="snapshot_date DESC", limit=HISTORY_ROWS)
    last = daily.records[0] if daily.records else None
    page.heading("Per night")
    page.figures([
        Figure("last_snapshot", "last crawl", last["snapshot_date"] if last else None),
        Figure("last_requests", "requests that night", last["requests"] if last else None),
        Figure("last_waits", "rate-limit waits", last["rate_limit_waits"] if last else None),
        Figure("last_failed", "failed runs that night", last["failed"] if last else None),
    ])
    x = snapshot_x(rows.records)
    color = alt.Color("repo_type:N", title="repo type", sort=REPO_TYPE_ORDER)
    tip = [alt.Tooltip("snapshot_date:N", title="snapshot"), alt.Tooltip("repo_type:N", title="repo type"),
           alt.Tooltip("status:N"), alt.Tooltip("requests:Q", format=","), alt.Tooltip("rate_limit_waits:Q", format=",", title="waits"),
           alt.Tooltip("rate_limit_wait_s:Q", format=",.0f", title="wait s"), alt.Tooltip("duration_s:Q", format=",.0f", title="duration s")]
    base = alt.Chart(data(rows))
    w = WIDTH - 80
    chart = alt.vconcat(
        base.mark_bar().encode(x=x, y=alt.Y("requests:Q", title="requests"), color=color, tooltip=tip).properties(width=w, height=140),
        base.mark_bar().encode(x=x, y=alt.Y("rate_limit_wait_s:Q", title="rate-limit wait (s)"), color=color, tooltip=tip).properties(width=w, height=140),
        base.mark_bar().encode(x=x, y=alt.Y("duration_s:Q", title="duration (s)"), color=color, tooltip=tip).properties(width=w, height=140),
    )
    page.raw(f'<div class="stack">{page.chart_html("per-night", chart, "Requests, rate-limit waits and duration per night, stacked by repo type")}'
             + table("crawl_daily", daily, [Col("snapshot_date", "snapshot"), "runs", "failed", "requests", "retries",
                                            Col("http_429", "429s"), Col("rate_limit_waits", "waits"),
                                            Col("rate_limit_wait_s", "wait"), Col("duration_s", "duration"), "rows"],
                     total=src.count("crawl_daily")) + "</div>")


def _runs(page: Page, src: Source) -> None:
    rows = src.view("crawl_history", order_by="snapshot_date DESC, started_at DESC, repo_type", limit=HISTORY_ROWS,
                    nonempty=True)
    page.heading("Runs")
    page.text("The latest runs, newest first.")
    page.raw(table("crawl_history", rows, [Col("snapshot_date", "snapshot"), Col("repo_type", "repo type"), "mode", "status",
                                           "requests", "retries", Col("http_429", "429s"), Col("rate_limit_waits", "waits"),
                                           Col("rate_limit_wait_s", "wait"), Col("duration_s", "duration"), "rows",
                                           Col("requests_per_1k_rows", "requests / 1k rows"), Col("wait_share", "wait share"),
                                           "resumed", "error"], total=src.count("crawl_history")))
