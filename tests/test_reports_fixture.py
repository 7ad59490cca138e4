"""A small, deterministic hubstudy database for the growth, quality, crawl and report tests.

Not a test module of its own (it holds no tests): the report and growth tests import it. It
builds every public table with ``hubstudy.schema.ddl``, fills them with a hand-made Hub of about
eighty models, defines the Wilson macros the build normally defines, creates the analysis views
from ``analysis/growth_*.sql``, ``quality_*.sql`` and ``crawl_*.sql`` exactly as the build does
(``CREATE OR REPLACE VIEW <stem> AS <file>``), and adds small stand-ins for the study views that
another part of the project owns (``pair_outcomes``, ``study_*``, ``study_claims``).

The fixture is built to exercise the awkward cases: repos on the 2022-03-02 createdAt floor, a
model without any creation date, every lineage relation (a merge with two parents), a parent
missing from ``models``, a lineage cycle, and repo ids carrying HTML markup.
"""

from __future__ import annotations

import sys
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
try:  # the project may be installed in the venv, or not yet
    import hubstudy  # noqa: F401
except ImportError:  # pragma: no cover - depends on the environment
    sys.path.insert(0, str(ROOT / "src"))

import duckdb  # noqa: E402

from hubstudy import study  # noqa: E402
from hubstudy.schema import columns, ddl  # noqa: E402

ANALYSIS_DIR = ROOT / "analysis"
ANALYSIS_PREFIXES = ("growth_", "quality_", "crawl_")

FLOOR = datetime(2022, 3, 2, 23, 29, 4)
DATA_DATE = date(2025, 6, 2)
PREV_DATE = date(2025, 6, 1)

# Markup in repo ids: the reports must show these as text. The first is a real model and a
# parent with several derivatives (top parents, family tables, chart tooltips); the second is a
# missing parent (lineage gaps) and a quarantined id.
EVIL_ID = "<script>alert(1)</script>/x"
EVIL_MISSING = 'evil/<img src=x onerror="alert(2)">'

Z = 1.959964
WILSON_MACROS = f"""
CREATE OR REPLACE MACRO wilson_low(k, n) AS CASE WHEN n > 0 THEN
    ((k::DOUBLE / n) + {Z}*{Z} / (2.0 * n)
     - {Z} * sqrt((k::DOUBLE / n) * (1 - k::DOUBLE / n) / n + {Z}*{Z} / (4.0 * n * n)))
    / (1 + {Z}*{Z} / n) END;
CREATE OR REPLACE MACRO wilson_high(k, n) AS CASE WHEN n > 0 THEN
    ((k::DOUBLE / n) + {Z}*{Z} / (2.0 * n)
     + {Z} * sqrt((k::DOUBLE / n) * (1 - k::DOUBLE / n) / n + {Z}*{Z} / (4.0 * n * n)))
    / (1 + {Z}*{Z} / n) END;
"""

PUBLIC_TABLES = (
    "models", "datasets", "spaces", "model_snapshots", "lineage", "model_family",
    "crawl_runs", "quarantine", "quality_checks",
)


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Every public table, empty, plus the study's macros (the Wilson ones written here)."""
    for table in PUBLIC_TABLES:
        con.execute(ddl(table))
    study.create_macros(con)
    con.execute(WILSON_MACROS)


def insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> None:
    """Insert dicts into a public table; missing columns become NULL."""
    if not rows:
        return
    cols = columns(table)
    sql = f'INSERT INTO "{table}" VALUES ({", ".join("?" for _ in cols)})'
    con.executemany(sql, [[row.get(c) for c in cols] for row in rows])


def apply_analysis_views(con: duckdb.DuckDBPyConnection, prefixes=ANALYSIS_PREFIXES) -> list[str]:
    """Create a view per analysis file, as the build does, retrying until dependencies exist."""
    pending = {p.stem: p.read_text() for p in sorted(ANALYSIS_DIR.glob("*.sql")) if p.stem.startswith(prefixes)}
    created: list[str] = []
    while pending:
        progress = False
        errors = {}
        for name, sql in list(pending.items()):
            try:
                con.execute(f'CREATE OR REPLACE VIEW "{name}" AS {sql}')
            except duckdb.Error as exc:
                errors[name] = exc
                continue
            created.append(name)
            del pending[name]
            progress = True
        if not progress:
            raise RuntimeError(f"analysis views could not be created: {errors}")
    return created


# ----------------------------------------------------------------------------------------------
# The hand-made Hub


def _month(year: int, month: int, day: int = 10) -> datetime:
    return datetime(year, month, day, 12, 0, 0)


def _model(id_: str, created: datetime | None, *, floor: bool = False, library: str | None = "transformers",
           pipeline: str | None = "text-generation", downloads: int = 10, likes: int = 1) -> dict:
    return {
        "id": id_,
        "author": id_.split("/")[0],
        "created_at": FLOOR if floor else created,
        "created_before_floor": floor,
        "last_modified": created or FLOOR,
        "downloads_30d": downloads,
        "downloads_all_time": downloads * 12,
        "likes": likes,
        "trending_score": 0.0,
        "pipeline_tag": pipeline,
        "library_name": library,
        "private": False,
        "disabled": False,
        "tags": ["fixture"],
        "n_parents": 0,
        "first_seen": PREV_DATE,
        "snapshot_date": DATA_DATE,
    }


def hub_models() -> tuple[list[dict], list[dict]]:
    """(models, lineage edges). Deterministic: no randomness at all."""
    models: list[dict] = [
        _model("google-bert/bert-base-uncased", None, floor=True, pipeline="fill-mask", downloads=50_000, likes=900),
        _model("sentence-transformers/all-MiniLM-L6-v2", None, floor=True, library="sentence-transformers",
               pipeline="sentence-similarity", downloads=90_000, likes=800),
        _model("gpt2", None, floor=True, downloads=20_000, likes=500),
        _model("meta-llama/Llama-3-8B", _month(2024, 4), downloads=70_000, likes=1500),
        _model("Qwen/Qwen2.5-7B", _month(2024, 9), downloads=30_000, likes=600),
        _model(EVIL_ID, _month(2024, 10), downloads=5, likes=0),
        _model("nodate/model", None, downloads=1),  # neither a date nor the floor flag
        _model("loop/a", _month(2023, 5), downloads=2),
        _model("loop/b", _month(2023, 5), downloads=2),
    ]
    edges: list[dict] = []

    def child(id_: str, created: datetime, parents: list[str], relation: str | None, **kw) -> None:
        models.append(_model(id_, created, **kw))
        for p in parents:
            edges.append({"child_id": id_, "parent_id": p, "parent_declared": p, "relation": relation,
                          "source": "tags" if relation else "card", "parent_exists": None})

    # A steady stream of plain new models, 2022-03 .. 2025-05, some months skipped (zero rows).
    libs = ["transformers", "peft", "gguf", "diffusers", None]
    pipes = ["text-generation", "text-classification", None, "image-classification"]
    for i in range(40):
        y, m = divmod(2 + i, 12)
        if i % 7 == 3:  # leave a gap month now and then
            continue
        models.append(_model(f"org{i % 5}/plain-{i}", _month(2022 + y, m + 1), library=libs[i % 5],
                             pipeline=pipes[i % 4], downloads=(i * 37) % 500, likes=i % 4))

    # Derivatives with every relation.
    child("u1/bert-ft-imdb", _month(2022, 6), ["google-bert/bert-base-uncased"], "finetune", pipeline="text-classification")
    child("u2/bert-ft-sst2", _month(2023, 1), ["google-bert/bert-base-uncased"], "finetune", pipeline="text-classification")
    child("u3/bert-ft-sst2-v2", _month(2023, 8), ["u2/bert-ft-sst2"], "finetune", pipeline="text-classification")
    child("u4/minilm-ft", _month(2023, 3), ["sentence-transformers/all-MiniLM-L6-v2"], "finetune",
          library="sentence-transformers", pipeline="sentence-similarity")
    child("u5/minilm-ft-2", _month(2024, 2), ["sentence-transformers/all-MiniLM-L6-v2"], "finetune",
          library="sentence-transformers", pipeline="sentence-similarity")
    child("u6/llama-lora", _month(2024, 5), ["meta-llama/Llama-3-8B"], "adapter", library="peft")
    child("u7/llama-gguf", _month(2024, 5), ["meta-llama/Llama-3-8B"], "quantized", library="gguf")
    child("u8/llama-ft", _month(2024, 6), ["meta-llama/Llama-3-8B"], "finetune", downloads=4000)
    child("u8/llama-ft-gguf", _month(2024, 7), ["u8/llama-ft"], "quantized", library="gguf")
    child("u9/llama-qwen-merge", _month(2024, 11), ["meta-llama/Llama-3-8B", "Qwen/Qwen2.5-7B"], "merge")
    child("u10/qwen-ft", _month(2025, 1), ["Qwen/Qwen2.5-7B"], "finetune", downloads=800)
    child("u11/qwen-unknown", _month(2025, 4), ["Qwen/Qwen2.5-7B"], None)
    child("u12/gpt2-ft", _month(2022, 9), ["gpt2"], "finetune")
    # Recent derivatives (inside the last 90 days before DATA_DATE) of the markup-named model.
    for i, rel in enumerate(["finetune", "adapter", "quantized", "finetune"]):
        child(f"u13/evil-child-{i}", _month(2025, 4 + (i % 2), 5 + i), [EVIL_ID], rel)
    child("u14/llama-ft-recent", _month(2025, 5, 20), ["meta-llama/Llama-3-8B"], "finetune")
    # A parent that is not a model (deleted or never crawled), and one with markup in its id.
    child("u15/orphan", _month(2024, 8), ["deleted/old-model"], "finetune")
    child("u16/evil-orphan", _month(2025, 2), [EVIL_MISSING], "adapter")
    # The cycle: loop/a <-> loop/b.
    edges.append({"child_id": "loop/a", "parent_id": "loop/b", "parent_declared": "loop/b",
                  "relation": "finetune", "source": "tags", "parent_exists": True})
    edges.append({"child_id": "loop/b", "parent_id": "loop/a", "parent_declared": "loop/a",
                  "relation": "finetune", "source": "tags", "parent_exists": True})

    ids = {m["id"] for m in models}
    n_parents: dict[str, int] = {}
    for e in edges:
        e["parent_exists"] = e["parent_id"] in ids
        n_parents[e["child_id"]] = n_parents.get(e["child_id"], 0) + 1
    relation_of = {e["child_id"]: (e["relation"] or "unknown") for e in edges}
    for m in models:
        m["n_parents"] = n_parents.get(m["id"], 0)
        m["relation"] = relation_of.get(m["id"])
    return models, edges


def family_rows(models: list[dict], edges: list[dict]) -> list[dict]:
    """model_family from the edges: the primary parent is the first parent declared."""
    primary: dict[str, str] = {}
    for e in edges:
        primary.setdefault(e["child_id"], e["parent_id"])
    ids = [m["id"] for m in models]
    rows = []
    for id_ in ids:
        seen = [id_]
        node = id_
        cycle = False
        while node in primary:
            node = primary[node]
            if node in seen:
                cycle = True
                break
            seen.append(node)
        rows.append({"id": id_, "root_id": None if cycle else node, "depth": None if cycle else len(seen) - 1,
                     "n_parents": sum(1 for e in edges if e["child_id"] == id_), "in_cycle": cycle})
    return rows


def hub_datasets() -> list[dict]:
    rows = []
    for i in range(14):
        floor = i < 3
        y, m = divmod(4 + i * 2, 12)
        rows.append({"id": f"data{i % 3}/set-{i}", "author": f"data{i % 3}",
                     "created_at": FLOOR if floor else _month(2022 + y, m + 1),
                     "created_before_floor": floor, "downloads_30d": i * 10, "likes": i,
                     "first_seen": PREV_DATE, "snapshot_date": DATA_DATE})
    return rows


def hub_spaces() -> list[dict]:
    rows = []
    for i in range(9):
        floor = i == 0
        y, m = divmod(8 + i * 3, 12)
        rows.append({"id": f"app{i % 2}/space-{i}", "author": f"app{i % 2}",
                     "created_at": FLOOR if floor else _month(2022 + y, m + 1),
                     "created_before_floor": floor, "likes": i, "sdk": "gradio",
                     "first_seen": PREV_DATE, "snapshot_date": DATA_DATE})
    return rows


def snapshot_rows(models: list[dict]) -> list[dict]:
    rows = []
    for d, grow in ((PREV_DATE, 0), (DATA_DATE, 1)):
        for m in models:
            dl = m["downloads_30d"] + grow * (len(m["id"]) % 7)
            rows.append({"snapshot_date": d, "id": m["id"], "downloads_30d": dl,
                         "downloads_all_time": m["downloads_all_time"] + grow * dl,
                         "likes": m["likes"] + grow * (m["likes"] % 3), "trending_score": 0.0})
    return rows


def crawl_rows() -> list[dict]:
    rows = []
    for day, d in enumerate((PREV_DATE, DATA_DATE)):
        for j, repo_type in enumerate(("model", "dataset", "space")):
            start = datetime(d.year, d.month, d.day, 1, 0, 0) + timedelta(hours=j)
            failed = day == 0 and repo_type == "space"
            rows.append({
                "run_id": f"{d.isoformat()}-{repo_type}", "snapshot_date": d, "repo_type": repo_type,
                "mode": "full" if day == 0 else "incremental", "status": "failed" if failed else "complete",
                "started_at": start, "finished_at": start + timedelta(seconds=600 + 120 * j - 200 * day),
                "requests": 100 + 10 * j + 5 * day, "listing_requests": 90 + 10 * j, "pages": 90 + 10 * j,
                "rows": 1000 * (3 - j), "heavy_rows": 100, "retries": j, "http_429": day,
                "rate_limit_waits": 2 * j + day, "rate_limit_wait_s": 15.5 * j + day, "resumed": day == 1 and j == 0,
                "error": "HTTP 503 after 5 retries" if failed else None,
            })
    return rows


def quarantine_rows() -> list[dict]:
    return [
        {"snapshot_date": DATA_DATE, "stage": "lineage", "repo_type": "model", "id": "loop/a",
         "reason": "lineage_cycle", "detail": "loop/a -> loop/b -> loop/a", "raw": None},
        {"snapshot_date": DATA_DATE, "stage": "lineage", "repo_type": "model", "id": "loop/b",
         "reason": "lineage_cycle", "detail": "loop/b -> loop/a -> loop/b", "raw": None},
        {"snapshot_date": PREV_DATE, "stage": "crawl", "repo_type": "model", "id": EVIL_MISSING,
         "reason": "duplicate_id", "detail": "listed twice", "raw": "<b>raw</b>"},
        {"snapshot_date": DATA_DATE, "stage": "lineage", "repo_type": "model", "id": "u17/bad",
         "reason": "bad_base_model", "detail": "base_model is a URL", "raw": "https://example.org/x"},
    ]


def quality_rows() -> list[dict]:
    return [
        {"snapshot_date": DATA_DATE, "check_name": "duplicate model ids", "measured": 0.0, "threshold": 0.0,
         "passed": True, "detail": "ids listed more than once"},
        {"snapshot_date": DATA_DATE, "check_name": "quarantined share", "measured": 0.04, "threshold": 0.01,
         "passed": False, "detail": "quarantined rows / rows"},
    ]


# Stand-ins for the study views (their real definitions live elsewhere in the project).
STUDY_STANDINS = f"""
CREATE OR REPLACE TABLE pair_outcomes AS
SELECT * FROM (VALUES
    ('u1/bert-ft-imdb', 'google-bert/bert-base-uncased', 'leaderboard', 'finetune', 6, 0.40, 0.45, -0.05, -0.05/0.45, true),
    ('u2/bert-ft-sst2', 'google-bert/bert-base-uncased', 'leaderboard', 'finetune', 6, 0.50, 0.45, 0.05, 0.05/0.45, false),
    ('u4/minilm-ft', 'sentence-transformers/all-MiniLM-L6-v2', 'mteb', 'finetune', 12, 0.50, 0.70, -0.20, -0.20/0.70, true),
    ('u5/minilm-ft-2', 'sentence-transformers/all-MiniLM-L6-v2', 'mteb', 'finetune', 9, 0.69, 0.70, -0.01, -0.01/0.70, true),
    ('u6/llama-lora', 'meta-llama/Llama-3-8B', 'leaderboard', 'adapter', 6, 0.30, 0.31, -0.01, -0.01/0.31, true),
    ('u8/llama-ft', 'meta-llama/Llama-3-8B', 'leaderboard', 'finetune', 6, 0.33, 0.31, 0.02, 0.02/0.31, false),
    ('u9/llama-qwen-merge', 'Qwen/Qwen2.5-7B', 'leaderboard', 'merge', 6, 0.36, 0.35, 0.01, 0.01/0.35, false),
    ('u13/evil-child-0', '{EVIL_ID}', 'self_reported', 'finetune', 1, 0.1, 0.9, -0.8, -0.8/0.9, true)
) AS t(child_id, parent_id, source, relation, n_shared, child_mean, parent_mean, delta, rel_delta, child_below);

CREATE OR REPLACE VIEW study_underperform_by_relation AS
SELECT source, relation, count(*) AS n, count(*) FILTER (WHERE child_below) AS k,
       count(*) FILTER (WHERE child_below) / count(*) AS share,
       wilson_low(count(*) FILTER (WHERE child_below), count(*)) AS ci_low,
       wilson_high(count(*) FILTER (WHERE child_below), count(*)) AS ci_high
FROM pair_outcomes GROUP BY ALL;

CREATE OR REPLACE VIEW study_drop_20 AS
SELECT source, count(*) AS n, count(*) FILTER (WHERE rel_delta <= -0.2) AS k,
       count(*) FILTER (WHERE rel_delta <= -0.2) / count(*) AS share,
       wilson_low(count(*) FILTER (WHERE rel_delta <= -0.2), count(*)) AS ci_low,
       wilson_high(count(*) FILTER (WHERE rel_delta <= -0.2), count(*)) AS ci_high
FROM pair_outcomes GROUP BY ALL;

CREATE OR REPLACE VIEW study_claims AS
SELECT * FROM (VALUES
    ('C2', 0.125, 8, 0.022, 0.47, 'not supported: few pairs drop by 20% or more', 'share of pairs with relative drop >= 20%'),
    ('C3', 0.50, 2, NULL, NULL, 'partly: one derivative fell from 0.70 to 0.50', 'MTEB derivatives of all-MiniLM-L6-v2'),
    ('C4', 0.625, 8, 0.31, 0.86, 'inconclusive at this n', 'share of derivatives scoring below their parent'),
    ('C5', NULL, 0, NULL, NULL, 'exploratory: not enough pairs', 'drop vs parent size'),
    ('C6', NULL, NULL, NULL, NULL, 'out of scope: no safety scores are collected', 'PEFT and safety guardrails')
) AS t(claim, figure, n, ci_low, ci_high, verdict, definition);

-- A study view that no longer evaluates (its table is gone): the page must say so and go on.
CREATE TABLE scratch_for_broken AS SELECT 1 AS x;
CREATE OR REPLACE VIEW study_broken AS SELECT x FROM scratch_for_broken;
DROP TABLE scratch_for_broken;
"""


def build_fixture_db(path: Path | str, *, generated: bool | None = None, study: bool = True) -> Path:
    """Write the fixture database to ``path`` and return it.

    generated: True or False writes a ``world_info`` table with that flag; None writes none.
    study: False leaves out the study stand-ins (the pages must then say "not available").
    """
    path = Path(path)
    con = duckdb.connect(str(path))
    try:
        create_schema(con)
        models, edges = hub_models()
        insert(con, "models", models)
        insert(con, "lineage", edges)
        insert(con, "model_family", family_rows(models, edges))
        insert(con, "datasets", hub_datasets())
        insert(con, "spaces", hub_spaces())
        insert(con, "model_snapshots", snapshot_rows(models))
        insert(con, "crawl_runs", crawl_rows())
        insert(con, "quarantine", quarantine_rows())
        insert(con, "quality_checks", quality_rows())
        if generated is not None:
            con.execute("CREATE TABLE world_info (seed INTEGER, generated BOOLEAN)")
            con.execute("INSERT INTO world_info VALUES (7, ?)", [generated])
        if study:
            con.execute(STUDY_STANDINS)
        apply_analysis_views(con)
    finally:
        con.close()
    return path


def build_large_db(path: Path | str, n_models: int = 1_000_000) -> Path:
    """A database of ``n_models`` models (plus lineage, families and two snapshots), generated
    in SQL, to show the reports stay fast and aggregated at Hub scale."""
    path = Path(path)
    con = duckdb.connect(str(path))
    try:
        create_schema(con)
        con.execute(
            """
            INSERT INTO models (id, author, created_at, created_before_floor, downloads_30d, likes,
                                library_name, pipeline_tag, n_parents, snapshot_date, first_seen)
            SELECT 'org' || (i % 5000) || '/m-' || i, 'org' || (i % 5000),
                   CASE WHEN i % 10 = 0 THEN TIMESTAMP '2022-03-02 23:29:04'
                        ELSE TIMESTAMP '2022-03-03' + to_days(CAST((i * 7919) % 1185 AS INTEGER)) END,
                   i % 10 = 0, (i * 2654435761) % 100000 * (CASE WHEN i % 1000 = 0 THEN 100 ELSE 1 END),
                   i % 50, ['transformers', 'peft', 'gguf', 'diffusers', 'timm', 'mlx', 'onnx', 'keras', 'spacy', 'x'][1 + i % 10],
                   ['text-generation', 'fill-mask', 'image-classification', NULL][1 + i % 4],
                   CASE WHEN i % 3 = 0 AND i >= 1000 THEN 1 ELSE 0 END, DATE '2025-06-02', DATE '2025-06-01'
            FROM range(?) AS t(i)
            """,
            [n_models],
        )
        con.execute(
            """
            INSERT INTO lineage
            SELECT 'org' || (i % 5000) || '/m-' || i, 'org' || (i % 1000 % 5000) || '/m-' || (i % 1000),
                   'org' || (i % 1000 % 5000) || '/m-' || (i % 1000),
                   ['finetune', 'adapter', 'quantized', 'merge', 'unknown'][1 + i % 5], 'tags', true
            FROM range(?) AS t(i) WHERE i % 3 = 0 AND i >= 1000
            """,
            [n_models],
        )
        con.execute(
            """
            INSERT INTO model_family
            SELECT m.id, coalesce(l.parent_id, m.id), CASE WHEN l.parent_id IS NULL THEN 0 ELSE 1 END,
                   m.n_parents, false
            FROM models m LEFT JOIN lineage l ON l.child_id = m.id
            """
        )
        for d in ("2025-06-01", "2025-06-02"):
            con.execute(
                "INSERT INTO model_snapshots SELECT CAST(? AS DATE), id, downloads_30d, downloads_30d * 10, likes, 0 FROM models",
                [d],
            )
        con.execute(
            """
            INSERT INTO datasets (id, created_at, created_before_floor, snapshot_date)
            SELECT 'd/' || i, TIMESTAMP '2022-03-03' + to_days(CAST(i % 1185 AS INTEGER)), false, DATE '2025-06-02'
            FROM range(?) AS t(i)
            """,
            [n_models // 4],
        )
        con.execute(
            """
            INSERT INTO spaces (id, created_at, created_before_floor, snapshot_date)
            SELECT 's/' || i, TIMESTAMP '2022-03-03' + to_days(CAST(i % 1185 AS INTEGER)), false, DATE '2025-06-02'
            FROM range(?) AS t(i)
            """,
            [n_models // 5],
        )
        insert(con, "crawl_runs", crawl_rows())
        apply_analysis_views(con)
    finally:
        con.close()
    return path


# ----------------------------------------------------------------------------------------------
# Built reports, shared by the report test modules (a build writes ~20 PNGs: do it once a session)

_BUILT: dict[tuple[int, str], tuple[Path, Path, list[Path]]] = {}


def built_reports(tmp_path_factory, variant: str) -> tuple[Path, Path, list[Path]]:
    """(database, reports directory, pages returned) for one variant, built once per session.

    full: the whole fixture, study stand-ins included, flagged as a generated world through a
          ``world_info`` table (so every page must carry the banner, found by detection).
    bare: no study views and no ``world_info``; built with ``generated_world=True`` after an
          older build left a PNG behind (``img/growth-old-chart.png``) that must disappear.
    """
    from hubstudy.reports import build_reports

    key = (id(tmp_path_factory), variant)
    if key not in _BUILT:
        tmp = tmp_path_factory.mktemp(f"reports-{variant}")
        out = tmp / "reports"
        if variant == "full":
            db = build_fixture_db(tmp / "hub.duckdb", generated=True)
            pages = build_reports(db, out)
        elif variant == "bare":
            db = build_fixture_db(tmp / "hub.duckdb", study=False)
            (out / "img").mkdir(parents=True)
            (out / "img" / "growth-old-chart.png").write_bytes(b"left by an older build")
            pages = build_reports(db, out, generated_world=True)
        else:
            raise ValueError(variant)
        _BUILT[key] = (db, out, pages)
    return _BUILT[key]
