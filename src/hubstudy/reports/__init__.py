"""The reports: self-contained HTML pages (Altair charts beside tables) and PNGs built from a
hubstudy DuckDB file.

    from hubstudy.reports import build_reports
    build_reports("data/hub.duckdb", "reports")   # -> [reports/index.html, reports/study.html, ...]

Pages: index (overview), study (fine-tune vs parent), growth (platform growth), claims (C1-C6),
quality (coverage and data quality), crawl (crawl health). Each states its definitions, data date,
n and caveats; each opens from disk with no network (the Vega runtime is inlined); a generated
world gets a banner on every page. Everything is aggregated in DuckDB before it reaches Python.

Modules: ``_db`` (read-only access, missing views become "not available"), ``_html`` (escaping,
formats, tables with data attributes, CSS), ``_charts`` (Altair helpers, PNG, the JS bundle),
``_page`` (one page and its rendering), one module per page, ``_build`` (the entry point).
"""

from ._build import PAGES, build_reports

__all__ = ["PAGES", "build_reports"]
