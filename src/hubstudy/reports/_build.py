"""Build every report page from one DuckDB file."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from . import _charts, _claims, _crawl, _growth, _index, _quality, _study
from ._db import Source
from ._page import Context, Page

log = logging.getLogger(__name__)

#: (slug, title) of every page, in navigation order; ``<slug>.html`` in the output directory.
PAGES: list[tuple[str, str]] = [
    ("index", "Overview"),
    ("study", "Fine-tune vs parent"),
    ("growth", "Platform growth"),
    ("claims", "Claims check"),
    ("quality", "Coverage and data quality"),
    ("crawl", "Crawl health"),
]


def build_reports(db_path: str | Path, out_dir: str | Path = "reports", *,
                  generated_world: bool | None = None) -> list[Path]:
    """Write the report pages for the database at ``db_path`` into ``out_dir``.

    Returns the HTML pages written, ``index.html`` first; each chart is also written as
    ``img/<page>-<chart>.png``. The database is opened read-only and only aggregates are read.

    generated_world: True puts the "Generated world" banner on every page. None (the default)
    detects it from a ``world_info`` table whose ``generated`` column is true. A database that
    says it is generated always gets the banner: the parameter can add it, never remove it,
    because synthetic numbers must not pass for findings.
    """
    from hubstudy import __version__

    started = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    # The PNG workers start now and render each page's charts while the next pages are queried.
    with _charts.PngRenderer() as png, _charts.altair_checks():
        with Source(db_path) as src:
            generated = bool(generated_world) or src.generated_world()
            ctx = Context(data_date=src.data_date(), generated=generated, pages=PAGES, version=__version__,
                          source_name=Path(db_path).name)
            jobs: list[Path] = []

            def with_pngs(page: Page) -> Page:
                """Queue the page's PNGs as soon as it is built."""
                for spec, path in page.png_jobs(out):
                    # A PNG travels without its page: it carries the warning itself.
                    png.submit(_mark_synthetic(spec) if generated else spec, path)
                    jobs.append(path)
                return page

            topic_pages: list[Page] = [
                with_pngs(_study.build(src)),
                with_pngs(_growth.build(src)),
                with_pngs(_claims.build(src)),
                with_pngs(_quality.build(src)),
                with_pngs(_crawl.build(src)),
            ]
            index = with_pngs(_index.build(src, topic_pages))
        _charts.forget_data()
        queried = time.perf_counter()

        pages = [index, *topic_pages]
        img = out / "img"
        if img.is_dir():  # drop charts a previous build wrote that this one does not
            keep = {path.name for path in jobs}
            for old in img.glob("*.png"):
                if old.name not in keep:
                    old.unlink()
        written = [p.render(out, ctx) for p in pages]  # while the last PNGs render
        png.finish()
    log.info("reports: %d pages, %d charts in %s (queries and specs %.2fs, PNG and HTML %.2fs)", len(written),
             len(jobs), out, queried - started, time.perf_counter() - queried)
    return written


SYNTHETIC_NOTE = "Generated world: synthetic numbers, not findings"


def _mark_synthetic(spec: dict) -> dict:
    """A copy of a Vega-Lite spec whose title carries the generated-world warning as a subtitle."""
    spec = dict(spec)
    title = spec.get("title")
    if isinstance(title, dict):
        sub = title.get("subtitle")
        subs = [sub] if isinstance(sub, str) else list(sub or [])
        spec["title"] = {**title, "subtitle": [*subs, SYNTHETIC_NOTE], "subtitleColor": "#8a5a00"}
    elif title:
        spec["title"] = {"text": title, "subtitle": SYNTHETIC_NOTE, "subtitleColor": "#8a5a00"}
    else:  # Vega draws no subtitle under an empty title
        spec["title"] = {"text": SYNTHETIC_NOTE, "color": "#8a5a00", "fontSize": 12, "fontWeight": "normal"}
    return spec
