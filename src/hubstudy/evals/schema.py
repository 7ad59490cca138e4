"""The ``eval_scores`` table: every score from every eval source, one long table.

Same shape as :data:`hubstudy.schema.TABLES` entries (description, [(column, type, meaning)]),
so the README can render it the same way.
"""

from __future__ import annotations

from hubstudy.schema import Column

SOURCES_UNIFORM = ("open_llm_leaderboard", "mteb")
SOURCES_SELF_REPORTED = ("model_index", "eval_results", "mteb_external")

EVAL_SCORES: tuple[str, list[Column]] = (
    "One row per score read from an eval source. Uniform harness sources: `open_llm_leaderboard`, "
    "`mteb`; self-reported: `model_index`, `eval_results`, `mteb_external`.",
    [
        ("snapshot_date", "DATE", "the build's snapshot date"),
        ("model_id", "VARCHAR", "Hub model id; the source's spelling matched case-insensitively to `models.id` when possible"),
        ("model_name", "VARCHAR", "the model id exactly as the source spells it"),
        ("on_hub", "BOOLEAN", "model_id is a model in the `models` table"),
        ("source", "VARCHAR", "open_llm_leaderboard | mteb | mteb_external | model_index | eval_results"),
        ("self_reported", "BOOLEAN", "the model's authors reported the score themselves (not a uniform harness run)"),
        ("benchmark_key", "VARCHAR", "comparability key, parts joined by `|`: leaderboard `<benchmark>`; mteb `<task_name>|<split>|<subset>`; "
         "self-reported `<dataset type or id>|<config>|<split>|<metric type>` (lower-cased)"),
        ("benchmark", "VARCHAR", "readable name: leaderboard benchmark, MTEB task, or the dataset name a card gives"),
        ("dataset", "VARCHAR", "leaderboard benchmark; MTEB task_name; self-reported dataset type or id (as sent)"),
        ("config", "VARCHAR", "MTEB subset; self-reported dataset config (evalResults: task_id)"),
        ("split", "VARCHAR", "MTEB or self-reported split"),
        ("metric", "VARCHAR", "`raw` (leaderboard `<X> Raw`, a fraction), `main_score` (MTEB, 0..1) or the self-reported metric type"),
        ("value", "DOUBLE", "the score; uniform sources as fractions, self-reported on the author's own scale"),
        ("normalized_value", "DOUBLE", "leaderboard only: the normalised 0-100 score (column without ` Raw`)"),
        ("raw_value", "VARCHAR", "the value as sent when it was not a plain number (e.g. `62.03%`)"),
        ("revision", "VARCHAR", "model revision scored: leaderboard `Model sha`, MTEB `model_revision`, self-reported `models.sha`"),
        ("variant", "VARCHAR", "leaderboard `Precision` (a model can have several rows)"),
        ("n_rows", "INTEGER", "source rows folded into this one (MTEB: rows of the same model, revision and key, e.g. per language)"),
        ("origin", "VARCHAR", "where it came from: file and row, or the path inside model-index / evalResults"),
        ("detail", "JSON", "source-specific extras (leaderboard type/merged/params; card source name/url, verified, task type)"),
    ],
)


def columns() -> list[str]:
    return [name for name, _, _ in EVAL_SCORES[1]]


# Stored with zstd (storage only): near-unique text, which DuckDB's default dictionary + FSST
# writes at several times the CPU cost (see hubstudy.build.ZSTD_COLUMNS).
ZSTD_COLUMNS = ("model_id", "model_name", "revision", "origin", "detail")


def ddl(name: str = "eval_scores") -> str:
    """CREATE TABLE statement for ``eval_scores``."""
    body = ",\n  ".join(f'"{col}" {typ}{" USING COMPRESSION zstd" if col in ZSTD_COLUMNS else ""}'
                         for col, typ, _ in EVAL_SCORES[1])
    return f'CREATE TABLE "{name}" (\n  {body}\n)'
