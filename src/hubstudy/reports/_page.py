"""One report page: sections of text, key figures, charts and tables, rendered to a
self-contained HTML file plus one PNG per chart.

Page code adds blocks in reading order; ``render`` writes ``<slug>.html`` and
``img/<slug>-<chart>.png``. Text given to ``text``/``definitions``/``caveats`` is escaped here;
``raw`` is only for markup this package builds itself (tables, figures, Markdown output).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import altair as alt

from . import _charts
from ._db import Empty, Unavailable
from ._html import CSS, GENERATED_BANNER, Figure, bullet_list, esc, figures, json_for_script

log = logging.getLogger(__name__)

_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-") or "x"


@dataclass
class Context:
    """What every page shows in its frame: data date, the generated-world flag, the page list."""

    data_date: dt.date | None
    generated: bool
    pages: list[tuple[str, str]]  # (slug, title) in navigation order
    version: str = ""
    source_name: str = "the database"


@dataclass
class _Chart:
    slug: str
    spec: dict[str, Any]
    alt_text: str


@dataclass
class Page:
    slug: str
    title: str
    description: str
    n_text: str = ""
    blocks: list[str] = field(default_factory=list)
    charts: list[_Chart] = field(default_factory=list)

    # -- text ------------------------------------------------------------------------------------

    def heading(self, text: str, level: int = 2) -> None:
        self.blocks.append(f'<h{level} id="{esc(slugify(text))}">{esc(text)}</h{level}>')

    def text(self, text: str, css: str = "") -> None:
        cls = f' class="{esc(css)}"' if css else ""
        self.blocks.append(f"<p{cls}>{esc(text)}</p>")

    def raw(self, markup: str) -> None:
        self.blocks.append(markup)

    def definitions(self, items: list[str] | None = None, *, markup: str | None = None) -> None:
        body = markup if markup is not None else bullet_list(items or [])
        self.blocks.append(f'<section class="defs" data-section="definitions"><h2 id="definitions">Definitions</h2>{body}</section>')

    def caveats(self, items: list[str]) -> None:
        self.blocks.append(
            f'<section class="caveats" data-section="caveats"><h2 id="caveats">Caveats</h2>{bullet_list(items)}</section>'
        )

    def figures(self, items: list[Figure]) -> None:
        self.blocks.append(figures(items))

    def unavailable(self, what: str, reason: Unavailable | str | None = None) -> None:
        detail = f" ({reason})" if reason else ""
        self.blocks.append(
            f'<p class="unavailable" data-unavailable="{esc(what)}">{esc(what)}: not available in this database{esc(detail)}.</p>'
        )

    # -- charts and tables -----------------------------------------------------------------------

    def chart_html(self, name: str, chart: alt.TopLevelMixin, alt_text: str) -> str:
        """Register a chart and return its container markup (placed by the caller)."""
        slug = slugify(name)
        if any(c.slug == slug for c in self.charts):
            slug = f"{slug}-{len(self.charts)}"
        self.charts.append(_Chart(slug, _charts.spec(chart), alt_text))
        png = f"img/{self.slug}-{slug}.png"
        return (
            f'<figure class="chart">'
            f'<div class="vega" id="chart-{slug}" data-chart="{slug}" role="img" aria-label="{esc(alt_text)}"></div>'
            f'<noscript><img src="{esc(png)}" alt="{esc(alt_text)}" width="{_charts.WIDTH}"></noscript>'
            f'<figcaption>{esc(alt_text)} · <a href="{esc(png)}">PNG</a></figcaption></figure>'
        )

    def section(self, title: str, *, intro: str | None = None, chart: tuple[alt.TopLevelMixin, str] | None = None,
                table: str | None = None, note: str | None = None, stack: bool = False) -> None:
        """A heading, optional intro, then chart and table side by side (stacked on narrow screens,
        or always with ``stack`` for tables too wide to sit beside a chart)."""
        self.heading(title)
        if intro:
            self.text(intro)
        parts = []
        if chart is not None:
            parts.append(self.chart_html(title, chart[0], chart[1]))
        if table is not None:
            parts.append(table)
        if len(parts) == 2:
            self.blocks.append(f'<div class="{"stack" if stack else "pair"}">{parts[0]}{parts[1]}</div>')
        elif parts:
            self.blocks.append(parts[0])
        if note:
            self.text(note, "note")

    def guarded(self, title: str, build: Callable[[], None], *, foreign: bool = False) -> None:
        """Run one section's builder; a missing or broken view becomes a 'not available' note
        under the section's heading instead of failing the page.

        foreign: the section shows a view whose shape this package does not own (the study's);
        any error drawing it is logged and stated on the page rather than failing the build.
        """
        mark = len(self.blocks), len(self.charts)
        try:
            build()
        except Exception as exc:
            if not isinstance(exc, Unavailable):
                if not foreign:
                    raise
                log.exception("report section %r could not be drawn", title)
                exc = Unavailable(f"could not be drawn: {type(exc).__name__}: {exc}")
            del self.blocks[mark[0]:]
            del self.charts[mark[1]:]
            self.heading(title)
            if isinstance(exc, Empty):
                self.blocks.append(f'<p class="unavailable" data-empty="{esc(title)}">No rows yet in '
                                   f'<code>{esc(exc)}</code>.</p>')
            else:
                self.unavailable(title, exc)

    # -- output ----------------------------------------------------------------------------------

    def render(self, out_dir: Path, ctx: Context) -> Path:
        """Write ``<slug>.html`` (the PNGs are written separately, see ``png_jobs``)."""
        path = out_dir / f"{self.slug}.html"
        path.write_text(self.to_html(ctx), encoding="utf-8")
        return path

    def png_jobs(self, out_dir: Path) -> list[tuple[dict[str, Any], Path]]:
        """(spec, path) of every chart's PNG, ``img/<page>-<chart>.png``."""
        return [(c.spec, out_dir / "img" / f"{self.slug}-{c.slug}.png") for c in self.charts]

    def to_html(self, ctx: Context) -> str:
        current = ' aria-current="page"'
        nav = "".join(
            f'<a href="{esc(slug)}.html"{current if slug == self.slug else ""}>{esc(title)}</a>'
            for slug, title in ctx.pages
        )
        banner = (
            f'<div class="banner" role="alert" data-generated="true">{esc(GENERATED_BANNER)}</div>'
            if ctx.generated else ""
        )
        date = ctx.data_date.isoformat() if ctx.data_date else "unknown"
        meta = f"Data date: {date} (latest snapshot)"
        if self.n_text:
            meta += f" · {self.n_text}"
        scripts = ""
        if self.charts:
            specs = {f"chart-{c.slug}": c.spec for c in self.charts}
            scripts = (
                f"<script>{_charts.vega_bundle()}</script>\n"
                f'<script type="application/json" id="hubstudy-specs">{json_for_script(specs)}</script>\n'
                f"<script>{_EMBED_JS}</script>"
            )
        return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(self.title)} · hubstudy</title>
<style>{CSS}</style>
</head>
<body data-page="{esc(self.slug)}" data-charts="{len(self.charts)}">
{banner}
<header class="site"><nav aria-label="reports">{nav}</nav></header>
<main>
<h1>{esc(self.title)}</h1>
<p class="meta" data-data-date="{esc(date)}">{esc(meta)}</p>
<p class="lead">{esc(self.description)}</p>
{chr(10).join(self.blocks)}
<footer>hubstudy {esc(ctx.version)} · every number on this page is read from the views of <code>{esc(ctx.source_name)}</code> (data date {esc(date)}).</footer>
</main>
{scripts}
</body>
</html>
"""


# Draws every chart of the page; marks each container data-rendered="true" (or "error", with the
# error logged to the console, which the browser test treats as a failure).
_EMBED_JS = """
(function () {
  var specs = JSON.parse(document.getElementById('hubstudy-specs').textContent);
  var jobs = Object.keys(specs).map(function (id) {
    var el = document.getElementById(id);
    return vegaEmbed(el, specs[id], {renderer: 'svg', actions: false})
      .then(function () { el.setAttribute('data-rendered', 'true'); })
      .catch(function (err) {
        el.setAttribute('data-rendered', 'error');
        el.textContent = 'This chart could not be drawn: ' + err;
        console.error(err);
      });
  });
  Promise.all(jobs).then(function () { document.body.setAttribute('data-charts-done', 'true'); });
})();
"""
