"""The Open LLM Leaderboard v2 table: one uniform harness for about 4.6k LLMs.

File: ``data/train-00000-of-00001.parquet`` of the dataset ``open-llm-leaderboard/contents``
(found through the tree API like every eval file). One row per evaluated model and precision;
a model can have several rows. Per benchmark the table has ``<X> Raw`` (a fraction) and ``<X>``
(normalised 0-100); the study uses ``<X> Raw``. ``Base Model`` is the root of the model tree, not
the direct parent, so parents come from Hub lineage, never from this table.

This module only builds SQL text (pure); :mod:`hubstudy.evals._load` runs it.
"""

from __future__ import annotations

SOURCE = "open_llm_leaderboard"
REPO_ID = "open-llm-leaderboard/contents"
FOLDER = "data"
BENCHMARKS = ("IFEval", "BBH", "MATH Lvl 5", "GPQA", "MUSR", "MMLU-PRO")
REQUIRED = ("fullname",)
# detail key -> column, kept when the file has it
DETAIL_COLUMNS = {
    "type": "Type",
    "weight_type": "Weight type",
    "merged": "Merged",
    "params_b": "#Params (B)",
    "base_model": "Base Model",
    "generation": "Generation",
    "upload_date": "Upload To Hub Date",
    "submission_date": "Submission Date",
    "flagged": "Flagged",
}


def quote(column: str) -> str:
    """A column name as a SQL identifier.

    >>> quote('MATH Lvl 5 Raw')
    '"MATH Lvl 5 Raw"'
    """
    return '"' + column.replace('"', '""') + '"'


def fraction_sql(expr: str) -> str:
    """SQL reading a fraction tolerantly: numbers and numeric strings pass, ``'62.03%'`` is 0.6203.

    NaN and infinities pass through as such (the loader quarantines them); anything else is NULL.
    """
    return (
        f"COALESCE(TRY_CAST({expr} AS DOUBLE), "
        f"TRY_CAST(regexp_extract(CAST({expr} AS VARCHAR), '^\\s*([+-]?[0-9]*\\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\\s*%\\s*$', 1) AS DOUBLE) / 100)"
    )


def long_sql(available: set[str], relation: str, present: set[str] | None = None) -> tuple[str, list[str]]:
    """SQL turning the wide table in ``relation`` into one row per (row, benchmark).

    ``available`` are the columns of a type scores can be read from (numbers, text);
    ``present`` all the file's columns (``detail`` keeps any type). Returns the SQL and the benchmark columns the file lacks (the caller quarantines those).
    Output columns: model_name, revision, variant, benchmark, raw_text, value, normalized_value,
    detail, filename, row_number.
    """
    missing = [f"{b} Raw" for b in BENCHMARKS if f"{b} Raw" not in available]
    revision = f'CAST({quote("Model sha")} AS VARCHAR)' if "Model sha" in available else "NULL"
    variant = f'CAST({quote("Precision")} AS VARCHAR)' if "Precision" in available else "NULL"
    pairs = [f"'{key}', {quote(col)}" for key, col in DETAIL_COLUMNS.items() if col in (present or available)]
    detail = f"json_object({', '.join(pairs)})" if pairs else "NULL::JSON"
    parts = []
    for bench in BENCHMARKS:
        raw_col = f"{bench} Raw"
        if raw_col not in available:
            continue
        norm = f"TRY_CAST({quote(bench)} AS DOUBLE)" if bench in available else "NULL::DOUBLE"
        parts.append(
            f"SELECT CAST(fullname AS VARCHAR) AS model_name, {revision} AS revision, {variant} AS variant, "
            f"'{bench}' AS benchmark, CAST({quote(raw_col)} AS VARCHAR) AS raw_text, "
            f"{fraction_sql(quote(raw_col))} AS value, {norm} AS normalized_value, "
            f"{detail} AS detail, filename, file_row_number AS row_number FROM {relation}"
        )
    if not parts:
        return "", missing
    return "\nUNION ALL\n".join(parts), missing
