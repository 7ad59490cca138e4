"""HTML building blocks for the report pages: escaping, number formats, tables, the shared CSS.

Everything that comes from the database (repo ids, card fields, reasons, error messages) goes
through :func:`esc` before it reaches the page; only this package's own fixed markup is emitted
raw. Tables carry machine-readable values in ``data-*`` attributes so that tests (and anyone
scraping the pages) read the exact numbers, not their rounded display:

    <table data-view="growth_monthly" data-complete="true">
      <tr><td data-col="created" data-value="1234">1,234</td></tr>
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterable

from ._db import Rows

GENERATED_BANNER = "Generated world — these numbers are synthetic and are not findings"


def esc(value: Any) -> str:
    """HTML-escape any value as text (quotes included, so it is safe in attributes too)."""
    return html.escape("" if value is None else str(value), quote=True)


# -- values --------------------------------------------------------------------------------------

PERCENT_COLUMNS = {"share", "ci_low", "ci_high", "top1_share", "top10_share", "wait_share", "rel_delta"}


def raw_value(value: Any) -> str:
    """The exact, machine-readable form of a value for ``data-value``.

    Integers as digits, floats as ``repr`` (round-trips exactly), dates in ISO 8601, booleans as
    true/false, NULL as the empty string (the cell also gets ``data-null``).
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, dict)):
        return json.dumps(value, default=str)
    return str(value)


def display(value: Any, kind: str | None = None) -> str:
    """A value as a reader sees it. kind: int, pct, float, gini, seconds, date, text, or None to
    infer from the Python type."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        value = float(value)
    if kind == "pct" and isinstance(value, (int, float)):
        return f"{value * 100:.1f}%"
    if kind == "gini" and isinstance(value, (int, float)):
        return f"{value:.3f}"
    if kind == "seconds" and isinstance(value, (int, float)):
        return f"{value:,.0f} s"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return str(value)
        if value == int(value) and abs(value) < 1e15:
            return f"{int(value):,}"
        if abs(value) >= 100:
            return f"{value:,.1f}"
        return f"{value:.3g}"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def kind_for(column: str) -> str | None:
    if column in PERCENT_COLUMNS or column.endswith("_share"):
        return "pct"
    if column == "gini":
        return "gini"
    if column.endswith("_s"):
        return "seconds"
    return None


def interval(low: Any, high: Any, kind: str = "pct") -> str:
    if low is None or high is None:
        return "—"
    return f"[{display(low, kind)}, {display(high, kind)}]"


# -- tables --------------------------------------------------------------------------------------


@dataclass
class Col:
    """A table column: the view column it shows, its heading, and how to format it."""

    name: str
    label: str | None = None
    kind: str | None = None

    @property
    def heading(self) -> str:
        return self.label or self.name.replace("_", " ")


def table(view: str, rows: Rows, cols: Iterable[Col | str], *, caption: str | None = None,
          total: int | None = None, css: str = "") -> str:
    """A data table whose cells carry the exact values.

    ``data-complete`` is true when the table shows every row of ``view`` (the caller passes the
    view's row count as ``total`` when it showed only part).
    """
    cols = [c if isinstance(c, Col) else Col(c) for c in cols]
    shown = len(rows)
    complete = not rows.truncated and (total is None or total == shown)
    out = [f'<div class="table-wrap {esc(css)}">']
    out.append(f'<table class="data" data-view="{esc(view)}" data-complete="{str(complete).lower()}" '
               f'data-rows="{shown}">')
    if caption:
        out.append(f"<caption>{esc(caption)}</caption>")
    out.append("<thead><tr>")
    for c in cols:
        out.append(f'<th scope="col" data-col="{esc(c.name)}">{esc(c.heading)}</th>')
    out.append("</tr></thead><tbody>")
    for record in rows:
        out.append("<tr>")
        for c in cols:
            value = record.get(c.name)
            kind = c.kind or kind_for(c.name)
            numeric = isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)
            attrs = f' data-col="{esc(c.name)}" data-value="{esc(raw_value(value))}"'
            if value is None:
                attrs += " data-null"
            if kind:
                attrs += f' data-kind="{esc(kind)}"'
            cls = ' class="num"' if numeric else ""
            out.append(f"<td{cls}{attrs}>{esc(display(value, kind))}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    if not complete:
        of = f" of {total:,}" if total is not None else ""
        out.append(f'<p class="note">Showing {shown:,}{of} rows.</p>')
    out.append("</div>")
    return "".join(out)


@dataclass
class Figure:
    """One key figure: a stable key (``data-figure``), a label, the value and its format."""

    key: str
    label: str
    value: Any
    kind: str | None = None
    note: str | None = None


def figures(items: Iterable[Figure]) -> str:
    out = ['<dl class="figures">']
    for f in items:
        null = " data-null" if f.value is None else ""
        out.append(
            f'<div class="figure" data-figure="{esc(f.key)}" data-value="{esc(raw_value(f.value))}"{null}>'
            f"<dt>{esc(f.label)}</dt><dd>{esc(display(f.value, f.kind))}</dd>"
            + (f'<dd class="note">{esc(f.note)}</dd>' if f.note else "")
            + "</div>"
        )
    out.append("</dl>")
    return "".join(out)


def bullet_list(items: Iterable[str], css: str = "") -> str:
    return f'<ul class="{esc(css)}">' + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>"


# -- a little Markdown, safely -----------------------------------------------------------------

_INLINE = [
    (re.compile(r"`([^`]+)`"), r"<code>\1</code>"),
    (re.compile(r"\*\*([^*]+)\*\*"), r"<strong>\1</strong>"),
    (re.compile(r"(?<![*\w])\*([^*]+)\*(?![*\w])"), r"<em>\1</em>"),
]


def _inline(text: str) -> str:
    out = esc(text)
    for pattern, repl in _INLINE:
        out = pattern.sub(repl, out)
    return out


def inline_markdown(text: str) -> str:
    """One line of text with `code`, **bold** and *italic*; everything else escaped."""
    return _inline("" if text is None else str(text))


def markdown(text: str) -> str:
    """Render the small Markdown subset used for definitions: headings, bullet lists (with
    continuation lines), paragraphs, `code`, **bold**, *italic*. The text is escaped first, so
    raw HTML in it shows as text."""
    out: list[str] = []
    para: list[str] = []
    items: list[list[str]] = []

    def flush() -> None:
        if para:
            out.append("<p>" + _inline(" ".join(para)) + "</p>")
            para.clear()
        if items:
            out.append("<ul>" + "".join("<li>" + _inline(" ".join(i)) + "</li>" for i in items) + "</ul>")
            items.clear()

    for line in text.splitlines():
        stripped = line.strip()
        heading = re.match(r"^(#{1,6})\s+(.*)$", stripped)
        bullet = re.match(r"^[-*]\s+(.*)$", stripped)
        if not stripped:
            flush()
        elif heading:
            flush()
            level = min(len(heading.group(1)) + 2, 6)  # page h1/h2 are taken
            out.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif bullet:
            if para:
                flush()
            items.append([bullet.group(1)])
        elif items and line[:1].isspace():
            items[-1].append(stripped)
        else:
            if items:
                flush()
            para.append(stripped)
    flush()
    return "\n".join(out)


# -- the page shell ------------------------------------------------------------------------------

CSS = """
:root { --ink:#1d2433; --muted:#5b6475; --line:#d9dee7; --accent:#2b5fab; --bg:#ffffff; --soft:#f5f7fa; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; color:var(--ink); background:var(--bg); }
header.site { background:var(--soft); border-bottom:1px solid var(--line); padding:.6rem 1.5rem; }
header.site nav a { margin-right:1rem; color:var(--accent); text-decoration:none; }
header.site nav a[aria-current] { font-weight:600; color:var(--ink); }
main { max-width:1360px; margin:0 auto; padding:1rem 1.5rem 3rem; }
h1 { font-size:1.7rem; margin:.6rem 0 .2rem; }
h2 { font-size:1.3rem; margin:2rem 0 .4rem; padding-top:.6rem; border-top:1px solid var(--line); }
h3 { font-size:1.05rem; margin:1.2rem 0 .3rem; }
p.meta { color:var(--muted); margin:.2rem 0 1rem; }
p.note, dd.note, figcaption { color:var(--muted); font-size:.88rem; }
.banner { background:#fff3cd; border:2px solid #b7791f; color:#5c3d00; font-weight:700; font-size:1.1rem;
          padding:.8rem 1.5rem; text-align:center; }
.unavailable { background:var(--soft); border-left:4px solid #9aa3b2; padding:.5rem .9rem; color:var(--muted); }
.defs, .caveats { background:var(--soft); border:1px solid var(--line); border-radius:6px; padding:.4rem 1rem; }
.caveats { border-left:4px solid #b7791f; }
.defs h2, .caveats h2 { border-top:none; margin:.5rem 0 .2rem; padding-top:0; font-size:1.1rem; }
p.verdict { font-size:1.05rem; }
.claim { margin-bottom:1rem; }
dl.figures { display:flex; flex-wrap:wrap; gap:.8rem; margin:.8rem 0; }
dl.figures .figure { border:1px solid var(--line); border-radius:6px; padding:.5rem .8rem; min-width:10rem; }
dl.figures dt { color:var(--muted); font-size:.85rem; }
dl.figures dd { margin:0; font-size:1.3rem; font-weight:600; }
dl.figures dd.note { font-size:.8rem; font-weight:400; }
.pair { display:grid; grid-template-columns:max-content minmax(340px,1fr); gap:1.2rem; align-items:start; }
.stack > * + * { margin-top:1rem; }
@media (max-width: 1100px) { .pair { grid-template-columns:minmax(0,1fr); } }
figure.chart { margin:0; overflow-x:auto; }
.table-wrap { max-height:28rem; overflow:auto; border:1px solid var(--line); border-radius:6px; }
table.data { border-collapse:collapse; width:100%; font-size:.86rem; }
table.data caption { text-align:left; padding:.3rem .5rem; color:var(--muted); }
table.data th { position:sticky; top:0; background:var(--soft); text-align:left; }
table.data th, table.data td { padding:.25rem .5rem; border-bottom:1px solid var(--line); vertical-align:top; }
table.data td { overflow-wrap:anywhere; }
table.data td.num { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
ul.pages li { margin:.4rem 0; }
code { background:var(--soft); padding:0 .2rem; border-radius:3px; }
footer { color:var(--muted); font-size:.8rem; border-top:1px solid var(--line); margin-top:3rem; padding-top:.6rem; }
"""


def json_for_script(obj: Any) -> str:
    """JSON that is safe inside an HTML <script> element: '<', '>' and '&' (and the JS line
    separators) are written as \\u escapes, so no value can close the element or open a comment."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=str)
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
