"""evals.load: self-reported scores from the models table, quarantine rows, idempotency."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest

from hubstudy import evals, schema
from hubstudy.evals import _load
from hubstudy.evals.schema import EVAL_SCORES, columns

DAY = "2026-09-01"

MODEL_INDEX = [{"name": "m", "results": [
    {"task": {"type": "text-classification"},
     "dataset": {"type": "glue", "name": "GLUE SST2", "config": "sst2", "split": "validation"},
     "metrics": [{"type": "accuracy", "value": 0.91, "verified": True}, {"type": "f1", "value": "n/a"}],
     "source": {"name": "self", "url": "https://example.org"}}]}]
EVAL_RESULTS = [{"filename": ".eval_results/gpqa.yaml", "data": {"dataset": {"id": "Idavidrein/gpqa", "task_id": "gpqa_diamond"}, "value": 0.41}},
                {"filename": ".eval_results/bad.yaml", "error": "Invalid input"}]


def _models_db():
    db = duckdb.connect()
    db.execute(schema.ddl("models"))
    rows = [
        ("org/with-index", "sha1", json.dumps(MODEL_INDEX), None, None),
        ("org/with-evals", "sha2", None, json.dumps(EVAL_RESULTS), None),
        # model_index empty: the copy in the card data is used
        ("org/card-only", "sha3", None, None, json.dumps({"license": "mit", "model-index": MODEL_INDEX})),
        ("org/json-null", "sha4", "null", "[]", json.dumps({"license": "mit"})),
        ("org/nothing", "sha5", None, None, None),
    ]
    db.executemany("INSERT INTO models (id, sha, model_index, eval_results, card_data) VALUES (?, ?, ?, ?, ?)", rows)
    return db


@pytest.fixture()
def con():
    db = _models_db()
    yield db
    db.close()


def test_the_table_has_the_documented_columns(con, tmp_path):
    evals.load(con, tmp_path, DAY)
    got = con.execute("SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'eval_scores' ORDER BY column_index").fetchall()
    assert got == [(name, typ) for name, typ, _ in EVAL_SCORES[1]]
    assert columns()[0] == "snapshot_date"


def test_self_reported_scores_come_from_model_index_card_data_and_eval_results(con, tmp_path):
    summary = evals.load(con, tmp_path, DAY)
    got = con.execute(
        "SELECT model_id, source, benchmark_key, benchmark, value, revision, self_reported, on_hub FROM eval_scores ORDER BY 1, 2"
    ).fetchall()
    assert got == [
        ("org/card-only", "model_index", "glue|sst2|validation|accuracy", "GLUE SST2", 0.91, "sha3", True, True),
        ("org/with-evals", "eval_results", "idavidrein/gpqa|gpqa_diamond||", "Idavidrein/gpqa/gpqa_diamond", 0.41, "sha2", True, True),
        ("org/with-index", "model_index", "glue|sst2|validation|accuracy", "GLUE SST2", 0.91, "sha1", True, True),
    ]
    detail = json.loads(con.execute("SELECT detail FROM eval_scores WHERE model_id = 'org/with-index'").fetchone()[0])
    assert detail == {"entry_name": "m", "task_type": "text-classification", "dataset_name": "GLUE SST2",
                      "source_name": "self", "source_url": "https://example.org", "verified": True}
    assert summary["self_reported"]["models"] == 4  # the JSON null one is read and yields nothing
    assert summary["self_reported"]["rows"] == {"model_index": 2, "eval_results": 1}


def test_what_cannot_be_read_goes_to_quarantine_with_stage_evals(con, tmp_path):
    summary = evals.load(con, tmp_path, DAY)
    got = con.execute("SELECT snapshot_date, stage, repo_type, id, reason, detail FROM quarantine ORDER BY id").fetchall()
    assert [(r[3], r[4]) for r in got] == [
        ("org/card-only", "unparseable_value"), ("org/with-evals", "invalid_eval_results_file"), ("org/with-index", "unparseable_value")]
    assert got[0][:3] == (dt.date(2026, 9, 1), "evals", "model")
    assert got[2][5] == "model_index: model-index[0].results[0].metrics[1] (f1) value 'n/a' is not a number"
    assert summary["self_reported"]["quarantined"] == {"model_index:unparseable_value": 2, "eval_results:invalid_eval_results_file": 1}


def test_loading_twice_gives_the_same_tables(con, tmp_path):
    evals.load(con, tmp_path, DAY)
    first = (con.execute("SELECT * FROM eval_scores ORDER BY ALL").fetchall(), con.execute("SELECT * FROM quarantine ORDER BY ALL").fetchall())
    evals.load(con, tmp_path, DAY)
    again = (con.execute("SELECT * FROM eval_scores ORDER BY ALL").fetchall(), con.execute("SELECT * FROM quarantine ORDER BY ALL").fetchall())
    assert first == again


def test_quarantine_rows_of_other_stages_and_days_are_kept(con, tmp_path):
    con.execute(schema.ddl("quarantine"))
    con.execute("INSERT INTO quarantine VALUES ('2026-09-01', 'crawl', 'model', 'x', 'duplicate_id', '', ''), "
                "('2026-08-31', 'evals', 'model', 'y', 'wrong_shape', '', '')")
    evals.load(con, tmp_path, DAY)
    assert con.execute("SELECT count(*) FROM quarantine WHERE id IN ('x', 'y')").fetchone()[0] == 2


def test_a_flood_of_one_reason_is_capped_and_the_overflow_counted(con, tmp_path, monkeypatch):
    monkeypatch.setattr(_load, "QUARANTINE_CAP", 2)
    bad = [{"name": "m", "results": [{"dataset": {"type": "d"}, "metrics": [{"type": f"m{i}", "value": "x"} for i in range(5)]}]}]
    con.execute("UPDATE models SET model_index = ? WHERE id = 'org/with-index'", [json.dumps(bad)])
    summary = evals.load(con, tmp_path, DAY)
    assert summary["self_reported"]["quarantined"]["model_index:unparseable_value"] == 6  # 5 here + 1 from card-only
    assert con.execute("SELECT count(*) FROM quarantine WHERE reason = 'unparseable_value'").fetchone()[0] == 2
    (detail,) = con.execute("SELECT detail FROM quarantine WHERE reason = 'quarantine_overflow'").fetchone()
    assert detail.startswith("model_index: 4 more rows with reason unparseable_value were not stored")


def test_batches_flushed_while_the_models_are_still_being_read_do_not_collide(con, tmp_path, monkeypatch):
    # At Hub scale the self-reported rows fill several batches; each flush inserts while the
    # read of `models` is still open (it failed on one connection in the 0.3-scale benchmark).
    monkeypatch.setattr(_load, "BATCH", 1)
    con.execute("SELECT id FROM models").fetchone()  # a result left open on the connection, as a caller may
    summary = evals.load(con, tmp_path, DAY)
    assert summary["self_reported"]["rows"] == {"model_index": 2, "eval_results": 1}
    assert con.execute("SELECT count(*) FROM eval_scores").fetchone()[0] == 3


def _tables(con) -> tuple[list, list]:
    return (con.execute("SELECT * EXCLUDE (detail), CAST(detail AS VARCHAR) FROM eval_scores ORDER BY ALL").fetchall(),
            con.execute("SELECT * FROM quarantine ORDER BY ALL").fetchall())


def _night_two(con, tmp_path, changed: list[str], reuse: bool, nothing_gets_an_index: bool = False) -> tuple[list, list]:
    """Night one loaded; its self-reported rows kept as an incremental build keeps them; then
    night two loaded with or without them (``changed``: the models rewritten in between)."""
    evals.load(con, tmp_path, DAY)
    con.execute("CREATE OR REPLACE TEMP TABLE base_scores AS SELECT * FROM eval_scores WHERE source IN ('model_index', 'eval_results')")
    con.execute("CREATE OR REPLACE TEMP TABLE base_quarantine AS SELECT * FROM quarantine WHERE stage = 'evals'")
    con.execute("CREATE OR REPLACE TEMP TABLE rewritten AS SELECT unnest(?::VARCHAR[]) AS id", [changed])
    bad = [{"name": "m", "results": [{"dataset": {"type": "d"}, "metrics": [{"type": "acc", "value": "x"},
                                                                           {"type": "f1", "value": 0.5}]}]}]
    con.execute("UPDATE models SET model_index = ?, sha = 'sha9' WHERE id = 'org/with-index'", [json.dumps(bad)])
    con.execute("DELETE FROM models WHERE id = 'org/with-evals'")
    if nothing_gets_an_index:
        con.execute("UPDATE models SET card_data = ? WHERE id = 'org/nothing'", [json.dumps({"model-index": MODEL_INDEX})])
    summary = evals.load(con, tmp_path, "2026-09-02",
                         reuse=evals.Reuse("base_scores", "base_quarantine", "rewritten") if reuse else None)
    return _tables(con), summary["self_reported"]


def test_reusing_the_base_night_reads_only_the_changed_documents_and_gives_the_same_rows(con, tmp_path):
    changed = ["org/with-index", "org/with-evals"]
    reused, summary = _night_two(con, tmp_path, changed, reuse=True)
    assert summary["models"] == 1 and summary["reused_rows"] == 1  # org/with-index parsed; org/card-only kept
    read_again, _ = _night_two(_models_db(), tmp_path, changed, reuse=False)
    assert reused == read_again
    tonight = [r for r in reused[1] if r[0] == dt.date(2026, 9, 2)]
    assert sorted(r[3] for r in tonight) == ["org/card-only", "org/with-index"]  # the kept quarantine row and the new one


@pytest.mark.parametrize("cap_on_night", [1, 2])
def test_a_quarantine_cap_reached_either_night_makes_every_document_read_again(tmp_path, monkeypatch, cap_on_night):
    # Night 1 has 2 unparseable values (org/with-index, org/card-only). Night 2 has 3 when the
    # card of org/nothing (rewritten) gains a model-index with one more.
    monkeypatch.setattr(_load, "QUARANTINE_CAP", 1 if cap_on_night == 1 else 2)
    changed = ["org/with-index", "org/with-evals", "org/nothing"]
    reused, summary = _night_two(_models_db(), tmp_path, changed, reuse=True, nothing_gets_an_index=cap_on_night == 2)
    assert "reused_rows" not in summary and summary["models"] == (4 if cap_on_night == 2 else 3)  # all read again
    read_again, _ = _night_two(_models_db(), tmp_path, changed, reuse=False, nothing_gets_an_index=cap_on_night == 2)
    assert reused == read_again
    overflow_nights = sorted(r[0] for r in reused[1] if r[4] == "quarantine_overflow")
    assert overflow_nights == ([dt.date(2026, 9, 1)] if cap_on_night == 1 else []) + [dt.date(2026, 9, 2)]
