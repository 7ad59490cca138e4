"""The Open LLM Leaderboard contents table into eval_scores: one row per model row and benchmark."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from hubstudy import evals, schema, study
from hubstudy.evals.leaderboard import BENCHMARKS

DAY = "2026-09-01"
FILE = "evals/open_llm_leaderboard/data/train-00000-of-00001.parquet"


def lb_row(fullname, raw: dict, precision="bfloat16", sha="abc", **extra):
    """A contents row with every v2 column the loader reads (the real table has 36 columns)."""
    out = {"eval_name": f"{fullname}_{precision}", "fullname": fullname, "Precision": precision, "Model sha": sha,
           "Type": "💬 chat models (RLHF, DPO, IFT, ...)", "Weight type": "Original", "Merged": False,
           "#Params (B)": 7.24, "Base Model": fullname, "Generation": 0, "Average ⬆️": 20.0}
    for bench in BENCHMARKS:
        out[f"{bench} Raw"] = raw.get(bench, 0.25)
        out[bench] = None if raw.get(bench, 0.25) is None else 10.0
    out.update(extra)
    return out


def write(tmp_path: Path, rows: list[dict], drop: tuple[str, ...] = (), string_raw: bool = False) -> None:
    if string_raw:  # the column as text, the way a schema drift could send it
        rows = [{**r, "IFEval Raw": None if r["IFEval Raw"] is None else str(r["IFEval Raw"])} for r in rows]
    table = pa.Table.from_pylist(rows)
    if drop:
        table = table.drop_columns(list(drop))
    path = tmp_path / FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)


@pytest.fixture()
def con():
    db = duckdb.connect()
    db.execute(schema.ddl("models"))
    db.execute("INSERT INTO models (id) VALUES ('Org/Model-7B'), ('org/other')")
    yield db
    db.close()


def test_each_row_and_benchmark_becomes_a_raw_score_with_its_normalised_twin(con, tmp_path):
    write(tmp_path, [lb_row("Org/Model-7B", {"IFEval": 0.61, "BBH": 0.43})])
    summary = evals.load(con, tmp_path, DAY)
    assert summary["open_llm_leaderboard"]["rows"] == 6
    got = con.execute(
        "SELECT benchmark_key, metric, value, normalized_value, variant, revision, origin, self_reported FROM eval_scores "
        "WHERE benchmark_key IN ('IFEval', 'BBH') ORDER BY 1").fetchall()
    assert got == [
        ("BBH", "raw", 0.43, 10.0, "bfloat16", "abc", "data/train-00000-of-00001.parquet#0", False),
        ("IFEval", "raw", 0.61, 10.0, "bfloat16", "abc", "data/train-00000-of-00001.parquet#0", False),
    ]
    detail = con.execute("SELECT detail->>'type', detail->>'merged', CAST(detail->>'params_b' AS DOUBLE) FROM eval_scores LIMIT 1").fetchone()
    assert detail == ("💬 chat models (RLHF, DPO, IFT, ...)", "false", 7.24)


def test_several_rows_of_a_model_are_kept_and_averaged_by_the_study(con, tmp_path):
    write(tmp_path, [lb_row("Org/Model-7B", {"IFEval": 0.50}, precision="bfloat16"),
                     lb_row("Org/Model-7B", {"IFEval": 0.60}, precision="float16")])
    evals.load(con, tmp_path, DAY)
    assert con.execute("SELECT count(*) FROM eval_scores WHERE benchmark_key = 'IFEval'").fetchone()[0] == 2
    for table in ("lineage", "model_family"):
        con.execute(schema.ddl(table))
    study.create_views(con)
    assert con.execute("SELECT value, n_values FROM study_model_scores WHERE benchmark_key = 'IFEval'").fetchone() == (pytest.approx(0.55), 2)


def test_the_hub_id_is_matched_whatever_the_case_the_leaderboard_writes(con, tmp_path):
    write(tmp_path, [lb_row("org/model-7b", {}), lb_row("not/on-hub", {})])
    evals.load(con, tmp_path, DAY)
    got = set(con.execute("SELECT DISTINCT model_id, model_name, on_hub FROM eval_scores").fetchall())
    assert got == {("Org/Model-7B", "org/model-7b", True), ("not/on-hub", "not/on-hub", False)}


def test_of_hub_ids_differing_only_in_case_the_smallest_is_matched_and_spaces_are_ignored(con, tmp_path):
    # only the spellings the file uses are looked up: a Hub id no row spells must not matter
    con.execute("INSERT INTO models (id) VALUES ('ORG/Model-7B'), ('org/unused'), ('ORG/UNUSED')")
    write(tmp_path, [lb_row(" org/MODEL-7b ", {})])
    evals.load(con, tmp_path, DAY)
    assert set(con.execute("SELECT DISTINCT model_id, on_hub FROM eval_scores").fetchall()) == {("ORG/Model-7B", True)}


def test_malformed_values_are_read_when_possible_and_quarantined_otherwise(con, tmp_path):
    write(tmp_path, [
        lb_row("org/pct", {"IFEval": "62.03%"}),
        lb_row("org/nan", {"IFEval": "NaN"}),
        lb_row("org/big", {"IFEval": "62.03"}),
        lb_row("org/null", {"IFEval": None}),
        lb_row("org/word", {"IFEval": "pending"}),
        lb_row(None, {}),
    ], string_raw=True)
    summary = evals.load(con, tmp_path, DAY)
    pct = con.execute("SELECT value, raw_value FROM eval_scores WHERE model_name = 'org/pct' AND benchmark_key = 'IFEval'").fetchone()
    assert pct == (pytest.approx(0.6203), "62.03%")
    got = dict(con.execute("SELECT id, reason FROM quarantine WHERE reason <> 'missing_model_id'").fetchall())
    assert got == {"org/nan": "non_finite_value", "org/big": "out_of_range", "org/null": "missing_value", "org/word": "unparseable_value"}
    # the row without a name loses all six benchmarks, each one quarantined
    assert summary["open_llm_leaderboard"]["quarantined"]["missing_model_id"] == 6
    detail = con.execute("SELECT detail FROM quarantine WHERE id = 'org/word'").fetchone()[0]
    assert detail == "open_llm_leaderboard: IFEval Raw = pending (data/train-00000-of-00001.parquet row 4)"
    # the good benchmarks of the bad rows still load
    assert con.execute("SELECT count(*) FROM eval_scores WHERE model_name = 'org/nan'").fetchone()[0] == 5


def test_a_missing_benchmark_column_is_quarantined_and_the_other_benchmarks_load(con, tmp_path):
    write(tmp_path, [lb_row("org/other", {})], drop=("GPQA Raw",))
    evals.load(con, tmp_path, DAY)
    assert sorted(r[0] for r in con.execute("SELECT benchmark_key FROM eval_scores").fetchall()) == sorted(b for b in BENCHMARKS if b != "GPQA")
    (repo_id, reason, detail), = con.execute("SELECT id, reason, detail FROM quarantine").fetchall()
    assert (repo_id, reason) == ("open-llm-leaderboard/contents", "missing_column")
    assert "`GPQA Raw` is missing" in detail


def test_a_table_without_model_names_is_quarantined_whole(con, tmp_path):
    write(tmp_path, [lb_row("org/other", {})], drop=("fullname",))
    summary = evals.load(con, tmp_path, DAY)
    assert con.execute("SELECT count(*) FROM eval_scores").fetchone()[0] == 0
    assert summary["open_llm_leaderboard"]["quarantined"] == {"missing_column": 1}


def test_nothing_to_load_leaves_an_empty_table(con, tmp_path):
    summary = evals.load(con, tmp_path, DAY)
    assert summary["open_llm_leaderboard"] == {"files": 0, "rows": 0, "quarantined": {}}
    assert con.execute("SELECT count(*) FROM eval_scores").fetchone()[0] == 0
