"""Build every report page from one DuckDB file."""

from __future__ import annotations

import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
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
    with Source(db_path) as src:
        generated = bool(generated_world) or src.generated_world()
        ctx = Context(data_date=src.data_date(), generated=generated, pages=PAGES, version=__version__,
                      source_name=Path(db_path).name)
        topic_pages: list[Page] = [
            _study.build(src),
            _growth.build(src),
            _claims.build(src),
            _quality.build(src),
            _crawl.build(src),
        ]
        index = _index.build(src, topic_pages)
    queried = time.perf_counter()

    pages = [index, *topic_pages]
    jobs = [job for p in pages for job in p.png_jobs(out)]
    if generated:  # a PNG travels without its page: it carries the warning itself
        jobs = [(_mark_synthetic(spec), path) for spec, path in jobs]
    img = out / "img"
    if img.is_dir():  # drop charts a previous build wrote that this one does not
        keep = {path.name for _, path in jobs}
        for old in img.glob("*.png"):
            if old.name not in keep:
                old.unlink()
    _charts.vega_bundle()  # built once (cached), before the PNG threads compete for vl-convert
    # vl-convert releases the GIL while rendering, so threads overlap the PNG work.
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        pngs = [pool.submit(_charts.save_png, spec, path) for spec, path in jobs]
        written = [p.render(out, ctx) for p in pages]
        for f in pngs:
            f.result()
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
