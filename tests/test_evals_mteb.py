"""MTEB results: raw result files into rows, and the mteb/results parquet into eval_scores."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from hubstudy import evals, schema
from hubstudy.evals import task_result_rows

DAY = "2026-09-01"


def raw_rows(hubdata: Path) -> list[dict]:
    """Every hubdata result file as parquet-shaped rows (model_meta.json is not a result)."""
    rows: list[dict] = []
    for path in sorted((hubdata / "mteb").glob("*/*/*.json")):
        if path.name == "model_meta.json":
            continue
        model = path.parts[-3].replace("__", "/", 1)
        got, problems = task_result_rows(json.loads(path.read_text()), model, path.parts[-2])
        assert problems == []
        rows.extend(got)
    return rows


def write_shard(path: Path, rows: list[dict], schema_: pa.Schema | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=schema_), path)


SHARD_SCHEMA = pa.schema([("model_name", pa.string()), ("model_revision", pa.string()), ("task_name", pa.string()),
                          ("split", pa.string()), ("subset", pa.string()), ("language", pa.list_(pa.string())),
                          ("score", pa.float64()), ("is_public", pa.bool_())])


def row(model, revision, task, score, split="test", subset="default", language=("eng-Latn",)):
    return {"model_name": model, "model_revision": revision, "task_name": task, "split": split, "subset": subset,
            "language": list(language), "score": score, "is_public": True}


@pytest.fixture()
def con():
    db = duckdb.connect()
    db.execute(schema.ddl("models"))
    db.execute("INSERT INTO models (id) VALUES ('sentence-transformers/all-MiniLM-L6-v2'), ('intfloat/e5-small')")
    yield db
    db.close()


def test_a_raw_result_file_gives_its_main_score_per_split_and_subset(hubdata):
    path = hubdata / "mteb" / "sentence-transformers__all-MiniLM-L6-v2/8b3219a92973c328a8e22fadcfa821b5dc75636a/Banking77Classification.json"
    rows, problems = task_result_rows(json.loads(path.read_text()), "sentence-transformers/all-MiniLM-L6-v2", "8b3219a92973c328a8e22fadcfa821b5dc75636a")
    assert problems == []
    assert [(r["task_name"], r["split"], r["subset"], r["language"]) for r in rows] == [("Banking77Classification", "test", "default", ["eng-Latn"])]
    assert rows[0]["score"] == pytest.approx(0.8004220779220779)


def test_real_result_files_load_with_external_rows_as_self_reported(con, tmp_path, hubdata):
    write_shard(tmp_path / "evals/mteb/data/train-00000-of-00001.parquet", raw_rows(hubdata), SHARD_SCHEMA)
    summary = evals.load(con, tmp_path, DAY)
    assert summary["mteb"]["quarantined"] == {}
    got = con.execute(
        "SELECT model_id, source, self_reported, benchmark_key, round(value, 4), revision FROM eval_scores "
        "WHERE model_id IN ('sentence-transformers/all-MiniLM-L6-v2', 'intfloat/e5-small') AND dataset = 'Banking77Classification' ORDER BY 1, 2"
    ).fetchall()
    assert got == [
        ("intfloat/e5-small", "mteb_external", True, "banking77classification|default|test|main_score", 0.8187, "external"),
        ("sentence-transformers/all-MiniLM-L6-v2", "mteb", False, "Banking77Classification|test|default", 0.8004,
         "8b3219a92973c328a8e22fadcfa821b5dc75636a"),
    ]
    # a model not in the models table keeps the source's spelling and is flagged
    assert con.execute("SELECT DISTINCT on_hub FROM eval_scores WHERE model_id = 'Snowflake/snowflake-arctic-embed-xs'").fetchall() == [(False,)]


def test_old_files_with_a_mapping_per_split_are_read():
    doc = {"task_name": "STS12", "scores": {"test": {"en": {"main_score": 0.7}, "de": {"main_score": "71%"}}}}
    rows, problems = task_result_rows(doc, "m", "r")
    assert problems == []
    assert [(r["subset"], r["score"]) for r in rows] == [("en", 0.7), ("de", pytest.approx(0.71))]


@pytest.mark.parametrize(
    "doc, reason",
    [([1, 2], "wrong_shape"), ({"scores": {}}, "missing_benchmark"), ({"task_name": "X", "scores": [1]}, "wrong_shape"),
     ({"task_name": "X", "scores": {"test": ["a"]}}, "wrong_shape"), ({"task_name": "X", "scores": {"test": [{"main_score": "n/a"}]}}, "unparseable_value")],
)
def test_malformed_result_files_are_reported_not_raised(doc, reason):
    rows, problems = task_result_rows(doc, "m", "r")
    assert rows == [] and [p.reason for p in problems] == [reason]


def test_shards_are_found_under_data_and_rows_of_one_key_are_folded(con, tmp_path):
    data = tmp_path / "evals/mteb/data"
    write_shard(data / "train-00000-of-00002.parquet", [
        row("Sentence-Transformers/ALL-MiniLM-L6-v2", "r1", "STS12", 0.70, language=["eng-Latn"]),
        row("Sentence-Transformers/ALL-MiniLM-L6-v2", "r1", "STS12", 0.80, language=["deu-Latn"]),
    ], SHARD_SCHEMA)
    write_shard(data / "train-00001-of-00002.parquet", [row("sentence-transformers/all-MiniLM-L6-v2", "r2", "STS12", 0.60)], SHARD_SCHEMA)
    summary = evals.load(con, tmp_path, DAY)
    assert summary["mteb"]["files"] == 2
    got = con.execute("SELECT model_id, model_name, revision, value, n_rows, origin FROM eval_scores ORDER BY revision").fetchall()
    assert got == [
        ("sentence-transformers/all-MiniLM-L6-v2", "Sentence-Transformers/ALL-MiniLM-L6-v2", "r1", pytest.approx(0.75), 2, "data/train-00000-of-00002.parquet"),
        ("sentence-transformers/all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2", "r2", 0.60, 1, "data/train-00001-of-00002.parquet"),
    ]


def test_bad_scores_are_quarantined_with_their_reason_and_the_rest_loads(con, tmp_path):
    text_schema = SHARD_SCHEMA.set(SHARD_SCHEMA.get_field_index("score"), pa.field("score", pa.string()))
    write_shard(tmp_path / "evals/mteb/data/train-00000-of-00001.parquet", [
        row("a/ok", "r", "T1", "0.5"),
        row("a/percent", "r", "T1", "81.2%"),
        row("a/nan", "r", "T1", "NaN"),
        row("a/word", "r", "T1", "n/a"),
        row("a/null", "r", "T1", None),
        row("a/big", "r", "T1", "5.0"),
        row(None, "r", "T1", "0.5"),
        row("a/notask", "r", "", "0.5"),
    ], text_schema)
    summary = evals.load(con, tmp_path, DAY)
    assert sorted(con.execute("SELECT model_name, value FROM eval_scores").fetchall()) == [("a/ok", 0.5), ("a/percent", pytest.approx(0.812))]
    reasons = dict(con.execute("SELECT id, reason FROM quarantine WHERE stage = 'evals'").fetchall())
    assert reasons == {"a/nan": "non_finite_value", "a/word": "unparseable_value", "a/null": "missing_value",
                       "a/big": "out_of_range", None: "missing_model_id", "a/notask": "missing_benchmark"}
    assert summary["mteb"]["quarantined"]["out_of_range"] == 1
    detail, raw = con.execute("SELECT detail, raw FROM quarantine WHERE id = 'a/word'").fetchone()
    assert detail.startswith("mteb: T1 test/default rev r score = n/a") and raw == "n/a"


def test_a_shard_without_the_expected_columns_is_quarantined_and_the_others_load(con, tmp_path):
    data = tmp_path / "evals/mteb/data"
    write_shard(data / "train-00000-of-00002.parquet", [row("a/ok", "r", "T1", 0.5)], SHARD_SCHEMA)
    write_shard(data / "train-00001-of-00002.parquet", [{"model": "a/b", "result": 0.4}])
    evals.load(con, tmp_path, DAY)
    assert con.execute("SELECT count(*) FROM eval_scores").fetchone()[0] == 1
    (repo_id, reason, detail), = con.execute("SELECT id, reason, detail FROM quarantine").fetchall()
    assert (repo_id, reason) == ("mteb/results", "missing_column")
    assert "train-00001-of-00002.parquet" in detail and "model_name" in detail


def test_a_shard_that_is_not_parquet_is_quarantined_and_the_others_load(con, tmp_path):
    data = tmp_path / "evals/mteb/data"
    write_shard(data / "train-00000-of-00002.parquet", [row("a/ok", "r", "T1", 0.5)], SHARD_SCHEMA)
    (data / "train-00001-of-00002.parquet").write_bytes(b"<html>rate limited</html>")
    summary = evals.load(con, tmp_path, DAY)
    assert summary["mteb"]["quarantined"] == {"unreadable_file": 1}
    assert con.execute("SELECT count(*) FROM eval_scores").fetchone()[0] == 1
