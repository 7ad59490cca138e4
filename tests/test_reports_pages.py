"""The report pages: the numbers they show are the views' numbers, every page carries its
definitions, data date, n and caveats, nothing is loaded from the network, markup in repo ids
stays text, missing study views are stated, and a generated world is flagged on every page.

These tests read the written HTML with the standard library's parser; the browser tests
(test_reports_browser.py) check the same pages in Chromium.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import test_reports_fixture as fx  # noqa: E402

from hubstudy.reports import PAGES, build_reports  # noqa: E402
from hubstudy.reports._db import Source  # noqa: E402
from hubstudy.reports._html import GENERATED_BANNER  # noqa: E402
from hubstudy.reports._page import Context, Page  # noqa: E402

SLUGS = [slug for slug, _ in PAGES]


class PageReader(HTMLParser):
    """Collects data tables (cells with data-col / data-value), key figures, scripts, links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, list[dict]] = {}
        self.table_attrs: dict[str, dict] = {}
        self.headers: dict[str, list[str]] = {}
        self.figures: dict[str, dict] = {}
        self.scripts: list[dict] = []
        self.tags: Counter = Counter()
        self.urls: list[str] = []
        self.chart_ids: list[str] = []
        self.text: list[str] = []
        self._table: str | None = None
        self._row: dict | None = None
        self._cell: dict | None = None
        self._script: dict | None = None
        self._figure: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags[tag] += 1
        for key in ("src", "href"):
            if key in a:
                self.urls.append(a[key])
        if tag == "table" and "data-view" in a:
            self._table = a["data-view"]
            self.tables.setdefault(self._table, [])
            self.table_attrs[self._table] = a
            self.headers[self._table] = []
        elif tag == "th" and self._table and "data-col" in a:
            self.headers[self._table].append(a["data-col"])
        elif tag == "tr" and self._table:
            self._row = {}
        elif tag == "td" and self._row is not None:
            self._cell = {"raw": a.get("data-value"), "null": "data-null" in a, "kind": a.get("data-kind"), "text": ""}
            self._row[a["data-col"]] = self._cell
        elif tag == "script":
            self._script = {"attrs": a, "text": ""}
            self.scripts.append(self._script)
        elif tag == "div" and "data-figure" in a:
            self._figure = {"raw": a.get("data-value"), "null": "data-null" in a, "text": ""}
            self.figures[a["data-figure"]] = self._figure
        elif tag == "div" and "data-chart" in a:
            self.chart_ids.append(a["data-chart"])

    def handle_endtag(self, tag):
        if tag == "table":
            self._table = None
        elif tag == "tr" and self._row:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "td":
            self._cell = None
        elif tag == "script":
            self._script = None
        elif tag == "div":
            self._figure = None

    def handle_data(self, data):
        if self._script is not None:
            self._script["text"] += data
            return
        self.text.append(data)
        if self._cell is not None:
            self._cell["text"] += data

    @property
    def body_text(self) -> str:
        return " ".join(self.text)


def read(path: Path) -> PageReader:
    reader = PageReader()
    reader.feed(path.read_text(encoding="utf-8"))
    return reader


def canon(value) -> str | None:
    """A DuckDB value in the exact form the page's data-value attributes use."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def cell_canon(cell: dict) -> str | None:
    return None if cell["null"] else cell["raw"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The full fixture, flagged as generated through world_info (see test_reports_fixture)."""
    return fx.built_reports(tmp_path_factory, "full")


@pytest.fixture(scope="module")
def bare(tmp_path_factory):
    """No study views, no world_info, built with generated_world=True."""
    db, out, _ = fx.built_reports(tmp_path_factory, "bare")
    return db, out


def test_build_reports_returns_one_page_per_topic_index_first(built):
    _, out, pages = built
    assert pages == [out / f"{slug}.html" for slug in SLUGS]
    assert all(p.exists() for p in pages)
    index = read(out / "index.html")
    for slug in SLUGS[1:]:
        assert f"{slug}.html" in index.urls


def test_the_growth_page_shows_exactly_the_numbers_of_the_views(built):
    db, out, _ = built
    page = read(out / "growth.html")
    con = duckdb.connect(str(db), read_only=True)
    growth_tables = [v for v in page.tables if v.startswith("growth_")]
    expected_views = {p.stem for p in fx.ANALYSIS_DIR.glob("growth_*.sql")}
    assert set(growth_tables) == expected_views  # every growth view has its table on the page
    for view in growth_tables:
        cols = page.headers[view]
        shown = [tuple(cell_canon(row[c]) for c in cols) for row in page.tables[view]]
        quoted = ", ".join(f'"{c}"' for c in cols)
        actual = [tuple(canon(v) for v in r) for r in con.execute(f'SELECT {quoted} FROM "{view}"').fetchall()]
        assert shown, view
        if page.table_attrs[view]["data-complete"] == "true":
            assert Counter(shown) == Counter(actual), view
        else:  # a partial table: every row shown is a row of the view
            assert not Counter(shown) - Counter(actual), view
    con.close()


def test_displayed_text_matches_the_exact_values(built):
    _, out, _ = built
    page = read(out / "growth.html")
    checked = 0
    for rows in page.tables.values():
        for row in rows:
            for cell in row.values():
                if cell["null"]:
                    assert cell["text"] == "—"
                elif cell["kind"] == "pct":
                    assert cell["text"] == f"{float(cell['raw']) * 100:.1f}%"
                elif re.fullmatch(r"-?\d+", cell["raw"] or ""):
                    assert cell["text"].replace(",", "") == cell["raw"]
                else:
                    continue
                checked += 1
    assert checked > 100


def test_every_growth_quality_and_crawl_view_has_a_table_on_some_page(built):
    _, out, _ = built
    shown = set()
    for slug in SLUGS:
        shown |= set(read(out / f"{slug}.html").tables)
    views = {p.stem for p in fx.ANALYSIS_DIR.glob("*.sql") if p.stem.startswith(fx.ANALYSIS_PREFIXES)}
    assert views - shown == set()


def test_key_figures_equal_the_tables(built):
    db, out, _ = built
    page = read(out / "growth.html")
    con = duckdb.connect(str(db), read_only=True)
    assert page.figures["total_model"]["raw"] == str(con.execute("SELECT count(*) FROM models").fetchone()[0])
    assert page.figures["total_dataset"]["raw"] == str(con.execute("SELECT count(*) FROM datasets").fetchone()[0])
    assert page.figures["total_space"]["raw"] == str(con.execute("SELECT count(*) FROM spaces").fetchone()[0])
    assert page.figures["passed_1m_all"]["raw"] == "not yet"
    con.close()


@pytest.mark.parametrize("slug", SLUGS)
def test_every_page_states_definitions_data_date_n_and_caveats(built, slug):
    _, out, _ = built
    html = (out / f"{slug}.html").read_text()
    assert 'data-section="definitions"' in html and 'data-section="caveats"' in html
    assert f'data-data-date="{fx.DATA_DATE.isoformat()}"' in html
    assert re.search(r"n = [\d,]+|n per claim", html), "the page states its n"
    assert GENERATED_BANNER in html  # world_info says generated


def test_the_createdat_floor_caveat_is_on_the_growth_page(built):
    _, out, _ = built
    text = read(out / "growth.html").body_text
    assert "2022-03-02 23:29:04" in text and "before March 2022" in text


@pytest.mark.parametrize("slug", SLUGS)
def test_pages_are_self_contained(built, slug):
    _, out, _ = built
    page = read(out / f"{slug}.html")
    for url in page.urls:  # links and images are relative files
        assert not re.match(r"^[a-z]+:", url), url
        if not url.endswith(".html"):
            assert (out / url).is_file(), url
    for script in page.scripts:
        assert "src" not in script["attrs"]  # every script is inline
    if page.chart_ids:
        assert any("window.vegaEmbed=" in s["text"] for s in page.scripts), "the Vega runtime is inlined"


@pytest.mark.parametrize("slug", SLUGS)
def test_every_chart_has_a_png_and_only_aggregated_data(built, slug):
    _, out, _ = built
    page = read(out / f"{slug}.html")
    for chart in page.chart_ids:
        png = out / "img" / f"{slug}-{chart}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    specs = [s for s in page.scripts if s["attrs"].get("id") == "hubstudy-specs"]
    if page.chart_ids:
        text = specs[0]["text"]
        for values in re.findall(r'"values":\[(.*?)\](?=[,}])', text):
            assert values.count("{") <= 5000


def test_markup_in_repo_ids_is_escaped_in_tables_and_chart_data(built):
    _, out, _ = built
    for slug in ("growth", "quality", "study"):
        html = (out / f"{slug}.html").read_text()
        assert "<script>alert(1)" not in html
        assert "<img src=x" not in html
        page = read(out / f"{slug}.html")
        # The ids come back as text once parsed, and no element was injected.
        assert fx.EVIL_ID in page.body_text or slug != "growth"
        assert page.tags["script"] == len(page.scripts) <= 3
        assert page.tags["img"] == len(page.chart_ids)  # the <noscript> PNG fallbacks only
    quality = read(out / "quality.html")
    assert fx.EVIL_MISSING in quality.body_text


def test_a_generated_world_is_detected_from_world_info(tmp_path, bare):
    for name, flag in (("gen", True), ("real", False)):
        with duckdb.connect(str(tmp_path / f"{name}.duckdb")) as con:
            con.execute("CREATE TABLE world_info (generated BOOLEAN, endpoint VARCHAR)")
            con.execute("INSERT INTO world_info VALUES (?, 'http://127.0.0.1:1')", [flag])
        with Source(tmp_path / f"{name}.duckdb") as src:
            assert src.generated_world() is flag
    with Source(bare[0]) as src:  # no world_info table at all
        assert src.generated_world() is False


def test_a_page_of_a_real_world_has_no_banner():
    page = Page("growth", "Platform growth", "")
    html = page.to_html(Context(data_date=fx.DATA_DATE, generated=False, pages=PAGES))
    assert GENERATED_BANNER not in html and "data-generated" not in html


@pytest.mark.parametrize("slug", SLUGS)
def test_the_generated_banner_is_on_every_page_when_asked(bare, slug):
    _, out = bare
    html = (out / f"{slug}.html").read_text()
    assert GENERATED_BANNER in html and 'data-generated="true"' in html


def test_missing_study_views_are_stated_not_fatal(bare):
    _, out = bare
    study = read(out / "study.html").body_text
    assert "not available in this database" in study
    claims = read(out / "claims.html")
    for c in ("C2", "C3", "C4", "C5", "C6"):
        assert f'data-unavailable="Claim {c}"' in (out / "claims.html").read_text()
    assert "C1_figure" in claims.figures  # C1 comes from the growth views, still there


def test_the_study_page_shows_every_study_view_and_pair_figures(built):
    db, out, _ = built
    page = read(out / "study.html")
    for view in ("study_underperform_by_relation", "study_drop_20"):
        assert view in page.tables
    assert "study_claims" not in page.tables
    # A study view that fails to evaluate is stated, and the rest of the page is still there.
    assert 'data-unavailable="study_broken"' in (out / "study.html").read_text()
    assert page.figures["pairs"]["raw"] == "8" and page.figures["child_below"]["raw"] == "5"


def test_the_claims_page_judges_c1_from_growth_million_and_shows_c2_to_c6(built):
    _, out, _ = built
    page = read(out / "claims.html")
    claims = {row["claim"]["raw"]: row for row in page.tables["claims"]}
    assert list(claims) == ["C1", "C2", "C3", "C4", "C5", "C6"]
    assert claims["C1"]["figure"]["raw"] == "86"
    assert claims["C1"]["verdict"]["text"].startswith("Not supported by this database: 86 public repos")
    assert claims["C2"]["verdict"]["text"] == "not supported: few pairs drop by 20% or more"
    assert claims["C2"]["ci_low"]["raw"] == "0.022"
    assert page.figures["C4_interval"]["raw"] == "[0.31, 0.86]"


def test_a_rebuild_removes_pngs_of_charts_that_no_longer_exist(bare):
    _, out = bare
    assert not (out / "img" / "growth-old-chart.png").exists()
    assert list((out / "img").glob("growth-*.png"))


def test_a_database_without_any_table_still_gets_every_page(tmp_path):
    db = tmp_path / "empty.duckdb"
    duckdb.connect(str(db)).close()
    pages = build_reports(db, tmp_path / "out")
    assert [p.name for p in pages] == [f"{slug}.html" for slug in SLUGS]
    growth = (tmp_path / "out" / "growth.html").read_text()
    assert 'data-unavailable="New repos per month"' in growth and 'data-charts="0"' in growth
    assert 'data-data-date="unknown"' in growth


def test_empty_tables_give_no_rows_yet_instead_of_empty_charts(tmp_path):
    db = tmp_path / "fresh.duckdb"
    with duckdb.connect(str(db)) as con:
        fx.create_schema(con)
        fx.apply_analysis_views(con)
    build_reports(db, tmp_path / "out")
    for slug in ("growth", "crawl"):
        html = (tmp_path / "out" / f"{slug}.html").read_text()
        assert 'data-charts="0"' in html and "data-empty=" in html
