"""The claims check page: C1 from growth_million, C2-C6 from the study's ``study_claims`` view.

Each claim gets the article's wording, the figure the data gives, its n, its 95% interval (when
the figure is an estimate) and a plain verdict. Missing views make the claim "not available in
this database", never a guess.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import altair as alt

from . import _text
from ._charts import HEIGHT, REPO_TYPE_ORDER, WIDTH, data
from ._db import Empty, Rows, Source, Unavailable
from ._html import Col, Figure, display, esc, inline_markdown, interval, table
from ._page import Page

CLAIM_ORDER = ["C1", "C2", "C3", "C4", "C5", "C6"]


def c1(src: Source) -> dict[str, Any]:
    """Claim C1 as a claims row, computed from growth_million."""
    rows = {r["repo_type"]: r for r in src.view("growth_million")}
    everything = rows.get("all")
    if everything is None:
        raise Unavailable("growth_million has no 'all' row")
    total = everything["total"]
    per_type = ", ".join(f"{t}s {rows[t]['total']:,}" for t in REPO_TYPE_ORDER if t in rows)
    passed = [f"{t}s in {rows[t]['passed_1m_period']}" for t in REPO_TYPE_ORDER
              if t in rows and rows[t]["passed_1m_period"]]
    if total >= 1_000_000:
        when = everything["passed_1m_period"]
        verdict = (f"Supported: {total:,} public repos ({per_type}); together they passed one million "
                   + (f"in {when}." if when else "(month unknown: creation dates missing)."))
        if passed:
            verdict += " On their own: " + "; ".join(passed) + "."
    else:
        verdict = f"Not supported by this database: {total:,} public repos ({per_type}), fewer than one million."
    return {
        "claim": "C1", "figure": total, "n": total, "ci_low": None, "ci_high": None, "verdict": verdict,
        "definition": "Public models, datasets and spaces in the latest crawl (a count, so no interval); "
                      "the month is when the running total by creation month reached 1,000,000.",
    }


def build(src: Source) -> Page:
    page = Page("claims", "Claims check",
                "The article's claims C1-C6, each with the figure this database gives, its n, its 95% interval "
                "and a plain verdict.")
    page.definitions([
        "Figure: the number the claim is judged on (a count for C1; for C2-C6 as the study defines it, "
        "given in each claim's definition).",
        "n: the number of repos (C1) or of (child, parent) pairs the figure rests on.",
        "Interval: the 95% Wilson interval of a share; none for counts.",
        _text.SHARES,
    ])
    page.caveats([
        _text.SURVIVORS,
        _text.CREATED_FLOOR,
        "C5 is exploratory: pairs with known pre-training budgets are few.",
        "C6 (safety guardrails) cannot be judged from the scores collected here.",
    ])

    claims: dict[str, dict[str, Any]] = {}
    problems: dict[str, str] = {}
    try:
        claims["C1"] = c1(src)
    except Unavailable as exc:
        problems["C1"] = str(exc)
    try:
        study = src.view("study_claims", columns=["claim", "figure", "n", "ci_low", "ci_high", "verdict", "definition"])
    except Unavailable as exc:
        study = None
        for c in CLAIM_ORDER[1:]:
            problems[c] = str(exc)
    if study is not None:
        for r in study:
            if r["claim"] in CLAIM_ORDER[1:]:
                claims[r["claim"]] = r
        for c in CLAIM_ORDER[1:]:
            if c not in claims:
                problems[c] = "no row for this claim in `study_claims`"

    page.n_text = "n per claim: " + ", ".join(
        f"{c} {display(claims[c]['n'])}" if c in claims else f"{c} —" for c in CLAIM_ORDER)
    summary = Rows(["claim", "article", "figure", "n", "ci_low", "ci_high", "verdict"])
    for c in CLAIM_ORDER:
        r = claims.get(c, {})
        summary.records.append({"claim": c, "article": _text.CLAIMS[c], "figure": r.get("figure"), "n": r.get("n"),
                                "ci_low": r.get("ci_low"), "ci_high": r.get("ci_high"),
                                "verdict": r.get("verdict") if c in claims else "not available in this database"})
    page.heading("Summary")
    # The figure and its interval are in the claim's own unit (a count, a share, a correlation):
    # shown as numbers, not as percentages.
    page.raw(table("claims", summary, ["claim", Col("article", "the article says"), Col("figure", None, "num"), "n",
                                        Col("ci_low", "95% low", "num"), Col("ci_high", "95% high", "num"), "verdict"]))

    for c in CLAIM_ORDER:
        page.heading(f"{c}: {_text.CLAIMS[c]}")
        if c not in claims:
            page.unavailable(f"Claim {c}", problems.get(c))
            continue
        r = claims[c]
        page.raw(f'<div class="claim" data-claim="{esc(c)}">')
        page.figures([
            Figure(f"{c}_figure", "figure", r["figure"]),
            Figure(f"{c}_n", "n", r["n"]),
            Figure(f"{c}_interval", "95% interval", interval(r["ci_low"], r["ci_high"], None)
                   if r["ci_low"] is not None else "none"),
        ])
        page.raw(f'<p class="verdict"><strong>Verdict:</strong> {inline_markdown(r["verdict"])}</p>'
                 f'<p class="note">Definition: {inline_markdown(r["definition"])}</p></div>')
        if c == "C1":
            page.guarded("C1 chart", lambda: _c1_chart(page, src))

    estimates = [
        {"claim": c, "figure": float(claims[c]["figure"]), "ci_low": float(claims[c]["ci_low"]),
         "ci_high": float(claims[c]["ci_high"]), "n": claims[c]["n"]}
        for c in CLAIM_ORDER[1:]
        if c in claims and all(_is_number(claims[c][k]) for k in ("figure", "ci_low", "ci_high"))
    ]
    if estimates:
        base = alt.Chart(data(estimates))
        tip = [alt.Tooltip("claim:N"), alt.Tooltip("figure:Q", format=".3f"), alt.Tooltip("ci_low:Q", format=".3f", title="95% low"),
               alt.Tooltip("ci_high:Q", format=".3f", title="95% high"), alt.Tooltip("n:Q", format=",")]
        chart = (base.mark_rule(strokeWidth=2).encode(y=alt.Y("claim:N", sort=CLAIM_ORDER), x=alt.X("ci_low:Q", title="figure with 95% interval"), x2="ci_high:Q", tooltip=tip)
                 + base.mark_point(filled=True, size=80).encode(y=alt.Y("claim:N", sort=CLAIM_ORDER), x="figure:Q", tooltip=tip)).properties(width=WIDTH - 120)
        page.section("Estimates with intervals", intro="The claims whose figure is an estimate with an interval.",
                     chart=(chart, "Claim figures with 95% intervals"))
    return page


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def _c1_chart(page: Page, src: Source) -> None:
    rows = src.rows(
        """
        SELECT month, any_value(period) AS period, sum(created)::BIGINT AS created
        FROM growth_monthly GROUP BY month, before_floor ORDER BY before_floor DESC, month
        """, needs=("growth_monthly",))
    if not rows.records:
        raise Empty("growth_monthly")
    running = 0
    for r in rows:
        running += r["created"]
        r["cumulative"] = running
    line = alt.Chart(data(rows)).mark_line(point=alt.OverlayMarkDef(size=18)).encode(
        x=alt.X("month:T", timeUnit="utcyearmonth", title="creation month (first point: before March 2022)", axis=alt.Axis(format="%Y-%m")),
        y=alt.Y("cumulative:Q", title="models + datasets + spaces"),
        tooltip=[alt.Tooltip("period:N"), alt.Tooltip("cumulative:Q", format=",")],
    )
    rule = alt.Chart(alt.Data(values=[{"y": 1_000_000, "label": "one million"}])).mark_rule(strokeDash=[4, 4], color="#b7791f").encode(
        y="y:Q", tooltip=[alt.Tooltip("label:N")])
    page.raw(page.chart_html("c1-cumulative", (line + rule).properties(width=WIDTH, height=HEIGHT),
                             "All public repos by creation month, cumulative, against one million"))
