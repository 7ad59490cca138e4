"""The SQL reading of plain self-reported documents gives what the Python parsers give.

``evals.load`` reads documents of the plain shape in SQL and hands every other one to
``parse_model_index`` / ``parse_eval_results``. These tests load the same models both ways (the
second with every document sent to Python) and compare the whole tables, on hand-made edge cases,
on seeded random documents and on the recorded Hub responses.
"""

from __future__ import annotations

import json
import random
import sys

import duckdb
import orjson
import pytest

from hubstudy import evals, schema
from hubstudy.evals import self_reported

DAY = "2026-09-01"


def load_both(tmp_path, monkeypatch, rows):
    """eval_scores, the evals' quarantine rows and the summary, loaded with and without the SQL path."""
    out = []
    for python_only in (False, True):
        with monkeypatch.context() as m:
            if python_only:
                m.setattr(self_reported, "_NOT_PLAIN", ".")  # every document "not plain"
            con = duckdb.connect()
            con.execute(schema.ddl("models"))
            con.executemany("INSERT INTO models (id, sha, model_index, eval_results, card_data) VALUES (?, ?, ?, ?, ?)", rows)
            summary = evals.load(con, tmp_path, DAY)
            scores = con.execute("SELECT * EXCLUDE (detail), CAST(detail AS VARCHAR) FROM eval_scores ORDER BY ALL").fetchall()
            quarantine = con.execute("SELECT * FROM quarantine ORDER BY ALL").fetchall()
            out.append((scores, quarantine, summary["self_reported"]))
            con.close()
    return out


def assert_same(tmp_path, monkeypatch, rows):
    (sql_scores, sql_q, sql_summary), (py_scores, py_q, py_summary) = load_both(tmp_path, monkeypatch, rows)
    assert len(sql_scores) == len(py_scores)
    for a, b in zip(sql_scores, py_scores):
        assert a == b
    assert sql_q == py_q
    assert sql_summary == py_summary


def stored(value) -> str:
    """JSON text as the crawl stores it: orjson, else the stdlib (integers beyond 64 bits)."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value, ensure_ascii=True, default=str)


def mi_row(i, doc):
    return (f"org/m{i}", f"sha{i}", None if doc is None else orjson.dumps(doc).decode(), None, None)


def er_row(i, doc):
    return (f"org/e{i}", f"sha{i}", None, orjson.dumps(doc).decode(), None)


def metric(**kw):
    return {"type": "accuracy", "value": 0.5, **kw}


def result(metrics=None, **kw):
    return {"task": {"type": "text-classification"}, "dataset": {"type": "glue", "name": "GLUE", "config": "sst2", "split": "test"},
            "metrics": [metric()] if metrics is None else metrics, **kw}


EDGE_MODEL_INDEX = [
    [],
    None,
    [{"name": "m", "results": []}],
    [{"name": "m", "results": [result()]}],
    [{"name": "m", "results": [result(), result(metrics=[metric(), metric(type="f1", value=3)])]}, {"name": "n", "results": [result()]}],
    [{"results": [result()]}],  # no name
    [{"name": None, "results": [result()]}],
    [{"name": 7, "results": [result()]}],  # a number where text is expected
    [{"name": "  spaced\u3000", "results": [result()]}],
    [{"name": "", "results": [result()]}],
    [{"name": "m", "results": [{"dataset": {"type": " Glue "}, "metrics": [metric(type=" Acc ")]}]}],
    [{"name": "m", "results": [{"dataset": {"type": "unknown"}, "metrics": [metric()]}]}],  # placeholder dataset
    [{"name": "m", "results": [{"dataset": {"type": "glue"}, "metrics": [metric(type="N/A")]}]}],  # placeholder metric
    [{"name": "m", "results": [{"dataset": {"type": "ΑΣ"}, "metrics": [metric()]}]}],  # lower() differs in SQL
    [{"name": "m", "results": [{"dataset": {"type": "glue", "config": "ΣΑΣ"}, "metrics": [metric()]}]}],
    [{"name": "m", "results": [{"dataset": {"type": "glue", "name": "Ünïcode ☃ name"}, "metrics": [metric(name="naïve")]}]}],
    [{"name": "m", "results": [{"dataset": {"type": "glue", "name": "quote \" and \\ back"}, "metrics": [metric()]}]}],
    [{"name": "m", "results": [{"dataset": {"type": "glue", "name": "tab\tinside"}, "metrics": [metric()]}]}],
    [{"name": "m", "results": [{"dataset": {"type": "glue", "name": "a\x1fb"}, "metrics": [metric(name="\x0bx")]}]}],
    [{"name": "m\x0e", "results": [result(source={"name": "s", "url": "u\x1a"})]}],
    [{"name": "m", "results": [{"dataset": {"type": "glue", "split": 2020}, "metrics": [metric()]}]}],
    [{"name": "m", "results": [{"dataset": {"type": "glue", "revision": None}, "metrics": [metric()]}]}],
    [{"name": "m", "results": [{"dataset": "glue", "metrics": [metric()]}]}],
    [{"name": "m", "results": [{"dataset": {"type": "glue"}, "metrics": metric()}]}],  # a mapping, not a list
    [{"name": "m", "results": result()}],  # a mapping, not a list
    {"name": "m", "results": [result()]},  # a mapping at the top
    [None],
    [5, {"name": "m", "results": [result()]}],
    [{"name": "m", "results": [None]}],
    [{"name": "m", "results": [result(metrics=[None, metric()])]}],
    [{"name": "m", "results": [result(metrics=[7])]}],
    [{"name": "m", "results": [result(metrics=[metric(value="62.03%")])]}],
    [{"name": "m", "results": [result(metrics=[metric(value="0.5")])]}],
    [{"name": "m", "results": [result(metrics=[metric(value=None)])]}],
    [{"name": "m", "results": [result(metrics=[{"type": "acc"}])]}],
    [{"name": "m", "results": [result(metrics=[metric(value=True)])]}],
    [{"name": "m", "results": [result(metrics=[metric(value=[1])])]}],
    [{"name": "m", "results": [result(metrics=[metric(value=0), metric(value=-0.0), metric(value=1e308), metric(value=5e-324)])]}],
    [{"name": "m", "results": [result(metrics=[metric(value=2**63 + 1), metric(value=-(2**63)), metric(value=0.1 + 0.2)])]}],
    [{"name": "m", "results": [result(metrics=[metric(verified=True), metric(verified=False), metric(verified="yes"), metric(verified=None)])]}],
    [{"name": "m", "results": [result(task="text", source="somewhere")]}],  # not mappings: ignored
    [{"name": "m", "results": [result(task={"type": 3})]}],
    [{"name": "m", "results": [result(task={"name": "only a name"}, source={"name": "s", "url": "https://x.org/?q=a&b=\u00e9"})]}],
    [{"name": "m", "results": [result(source={"name": ["list"]})]}],
    [{"name": "m", "results": [result(source={"name": "s", "url": 8080})]}],
    [{"name": "m", "results": [result(task={"type": ["text", "list"]})]}],
    [{"name": "m", "results": [{"dataset": {"type": "glue", "revision": 42, "name": 1.5}, "metrics": [metric(name=False)]}]}],
    [{"name": "m", "results": [result(extra={"args": {"num_few_shot": 5}, "nested": [[1, 2], {"a": None}]})]}],
    [{"name": "m", "results": [result(metrics=[metric(type="acc", value=0.5, name=None)])]}],
    [{"name": "m", "results": [{"dataset": {"type": "glue", "name": "   "}, "metrics": [metric()]}]}],
    [{"name": "m", "results": [{"dataset": {"type": "glue", "name": "\u2028line sep\u0085"}, "metrics": [metric()]}]}],
    [{"name": "m", "results": [{"dataset": {"type": "glue"}, "metrics": [metric(type="\u00a0acc\u00a0")]}]}],
    "[{\"name\": \"double-encoded\", \"results\": []}]",
    [{"name": "m", "results": [result(metrics=[metric(value=1.5)])], "error": "an entry may carry an error key"}],
]

EDGE_EVAL_RESULTS = [
    [],
    None,
    [{"filename": ".eval_results/a.yaml", "data": {"dataset": {"id": "org/ds", "task_id": "t"}, "value": 0.5}}],
    [{"filename": ".eval_results/a.yaml", "data": {"dataset": {"id": "org/ds"}, "value": 1}}],
    [{"filename": ".eval_results/a.yaml", "error": "Invalid input"}],
    [{"filename": ".eval_results/a.yaml", "error": None, "data": {"dataset": {"id": "org/ds"}, "value": 1}}],
    [{"dataset": {"id": "org/ds", "task_id": "t"}, "value": 0.5}],  # a bare entry
    [{"filename": "a", "data": None}],
    [{"filename": "a", "data": [{"dataset": {"id": "org/ds"}, "value": 1}, {"dataset": {"id": "org/ds2"}, "value": 2}]}],
    [{"filename": "a", "data": {"dataset": {"id": "org/ds"}, "value": 1}}, {"dataset": {"id": "org/ds"}, "value": 2}],
    [{"filename": 3, "data": {"dataset": {"id": "org/ds"}, "value": 1}}],
    [{"filename": "a", "data": {"dataset": {"id": "unknown"}, "value": 1}}],
    [{"filename": "a", "data": {"dataset": {"id": "org/ds", "task_id": 12}, "value": 1}}],
    [{"filename": "a", "data": {"dataset": {"id": "Org/DS", "task_id": " T ", "revision": "abc"}, "value": 1,
                                "date": "2025-01-01", "notes": "n", "source": {"name": "s", "url": "u"}}}],
    [{"filename": "a", "data": {"dataset": {"id": "org/ds"}, "value": "0.5"}}],
    [{"filename": "a", "data": {"dataset": {"id": "org/ds"}, "value": None}}],
    [{"filename": "a", "data": {"dataset": {"id": "org/ds"}, "value": 1, "verifyToken": tok}} for tok in
     ("", "x", 0, 0.0, 1, -0.0, [], [0], {}, {"a": 1}, True, False, None)],
    [{"filename": "a", "data": {"dataset": {"id": "org/ds"}, "value": 1, "source": "not a mapping"}}],
    [{"filename": "a", "data": {"dataset": {"id": "org/ds"}, "value": 1, "date": 20250101}}],
    [{"filename": "a", "data": {"dataset": {"id": "org/ds", "revision": 7}, "value": 1, "notes": 0, "source": {"name": 1, "url": 2}}}],
    [5, None],
    {"filename": "a", "data": {"dataset": {"id": "org/ds"}, "value": 1}},
    [{"filename": "a", "data": {"dataset": {"id": "ΑΣ"}, "value": 1}}],
]


def test_edge_cases_of_model_index_read_the_same_in_sql_and_python(tmp_path, monkeypatch):
    rows = [mi_row(i, doc) for i, doc in enumerate(EDGE_MODEL_INDEX)]
    rows.append(("org/json-dumps", "s", json.dumps(EDGE_MODEL_INDEX[4]), None, None))  # ", " separators, \u escapes
    rows.append(("org/ascii", "s", json.dumps(EDGE_MODEL_INDEX[15], ensure_ascii=True), None, None))
    rows.append(("org/nan", "s", json.dumps([{"name": "m", "results": [result(metrics=[metric(value=float("nan"))])]}]), None, None))
    rows.append(("org/inf", "s", json.dumps([{"name": "m", "results": [result(metrics=[metric(value=float("inf"))])]}]), None, None))
    rows.append(("org/overflow", "s", '[{"name": "m", "results": [{"dataset": {"type": "g"}, "metrics": [{"type": "a", "value": 1e400}]}]}]', None, None))
    rows.append(("org/big", "s", '[{"name": "m", "results": [{"dataset": {"type": "g"}, "metrics": [{"type": "a", "value": 123456789012345678901234567890}]}]}]', None, None))
    rows.append(("org/digits", "s", '[{"name": "m", "results": [{"dataset": {"type": "g"}, "metrics": [{"type": "a", "value": 1%s}]}]}]' % ("0" * 400), None, None))
    plain = '[{"name": "m", "results": [{"dataset": {"type": "g", "args": %s}, "metrics": [{"type": "a", "value": 1}]}]}]'
    for j, odd in enumerate(("1e400", "-1E+999", "1" + "0" * 400, "NaN", "[Infinity]")):  # elsewhere in the document
        rows.append((f"org/odd-number-{j}", "s", plain % odd, None, None))
    rows.append(("org/card", "s", None, None, orjson.dumps({"license": "mit", "model-index": EDGE_MODEL_INDEX[3]}).decode()))
    rows.append(("org/both", "s", orjson.dumps(EDGE_MODEL_INDEX[3]).decode(), orjson.dumps(EDGE_EVAL_RESULTS[2]).decode(), None))
    assert_same(tmp_path, monkeypatch, rows)


def test_edge_cases_of_eval_results_read_the_same_in_sql_and_python(tmp_path, monkeypatch):
    assert_same(tmp_path, monkeypatch, [er_row(i, doc) for i, doc in enumerate(EDGE_EVAL_RESULTS)])


# -- seeded random documents ------------------------------------------------------------------

TEXTS = ["glue", "acc", " Acc ", "", "  ", "unknown", "N/A", "x/y", "Ünï", "ΑΣ", "tab\there", "q\"uote", "back\\slash",
         "\u3000wide\u3000", "emoji 😀", "line\nbreak", "end\u0085", "1.5", "62%", "null"]
VALUES = [0.5, 1, 0, -3, 2.5e-7, 1e20, 2**64 + 3, "0.7", "62.03%", "71.2 ± 0.4", "n/a", None, True, [], {}, "nan"]


def anything(rng: random.Random, depth: int = 0):
    pick = rng.random()
    if pick < 0.45 or depth > 2:
        return rng.choice(TEXTS)
    if pick < 0.7:
        return rng.choice(VALUES)
    if pick < 0.85:
        return [anything(rng, depth + 1) for _ in range(rng.randrange(3))]
    return {rng.choice(["type", "name", "value", "x"]): anything(rng, depth + 1) for _ in range(rng.randrange(3))}


def maybe(rng: random.Random, good, p_bad: float = 0.04):
    """Mostly the plain value, sometimes missing, null or anything else."""
    r = rng.random()
    if r < p_bad / 3:
        return ...
    if r < 2 * p_bad / 3:
        return None
    if r < p_bad:
        return anything(rng)
    return good


def obj(rng: random.Random, fields: dict):
    return {k: v for k, v in ((k, maybe(rng, g)) for k, g in fields.items()) if v is not ...}


def random_model_index(rng: random.Random):
    def metrics():
        return [obj(rng, {"type": rng.choice(["acc", "f1", "Accuracy", "wer"]), "value": rng.choice([0.5, 71, 0.123456789, -2.0, 1e-5]),
                          "name": rng.choice(["Accuracy", "F1 score"]), "verified": rng.choice([True, False])})
                for _ in range(rng.randrange(4))]

    def results():
        return [obj(rng, {"task": obj(rng, {"type": "text-generation", "name": "Text Generation"}),
                          "dataset": obj(rng, {"type": rng.choice(["glue", "Idavidrein/gpqa", "cais/mmlu"]), "name": rng.choice(["GLUE", "MMLU (5-shot)"]),
                                               "config": rng.choice(["sst2", "default"]), "split": rng.choice(["test", "validation"]),
                                               "revision": "39e3699f6e45023b48f06947cef7ab780e3fa74a", "args": {"num_few_shot": 5}}),
                          "metrics": metrics(), "source": obj(rng, {"name": "Open LLM Leaderboard", "url": "https://huggingface.co/x"})})
                for _ in range(rng.randrange(4))]

    return maybe(rng, [obj(rng, {"name": rng.choice(["model-a", "b"]), "results": results()}) for _ in range(rng.randrange(3))], 0.03)


def random_eval_results(rng: random.Random):
    def entry():
        return obj(rng, {"dataset": obj(rng, {"id": rng.choice(["cais/hle", "Idavidrein/gpqa"]), "task_id": rng.choice(["gpqa_diamond", "default"]),
                                              "revision": "abc"}),
                         "value": rng.choice([0.41, 12, 0.5]), "verifyToken": rng.choice(["", "tok", None]), "date": "2025-01-01",
                         "source": obj(rng, {"name": "lm-eval", "url": "https://github.com/x"}), "notes": "n"})

    items = []
    for _ in range(rng.randrange(4)):
        if rng.random() < 0.7:
            items.append(obj(rng, {"filename": f".eval_results/{rng.randrange(9)}.yaml", "data": entry()}))
        else:
            items.append(entry())
    return maybe(rng, items, 0.03)


@pytest.mark.parametrize("seed", range(4))
def test_random_documents_read_the_same_in_sql_and_python(tmp_path, monkeypatch, seed):
    rng = random.Random(seed)
    rows = []
    for i in range(400):
        mi, er = random_model_index(rng), random_eval_results(rng)
        dumps = json.dumps if rng.random() < 0.2 else stored
        rows.append((f"org/r{seed}-{i}", f"sha{i}", None if mi in (None, ...) else dumps(mi), None if er in (None, ...) else dumps(er), None))
    assert_same(tmp_path, monkeypatch, rows)


def test_recorded_hub_documents_read_the_same_in_sql_and_python(tmp_path, monkeypatch, hubdata):
    rows = []
    for i, path in enumerate(sorted((hubdata / "api/models").glob("*.json"))):
        body = json.loads(path.read_text())["body"]
        if "model-index" in body or "evalResults" in body:
            rows.append((body.get("id", f"m{i}"), body.get("sha"), orjson.dumps(body["model-index"]).decode() if "model-index" in body else None,
                         orjson.dumps(body["evalResults"]).decode() if "evalResults" in body else None, None))
    assert rows
    assert_same(tmp_path, monkeypatch, rows)


def test_the_strip_set_is_what_python_strips():
    assert set(self_reported._STRIP_CODEPOINTS) == {c for c in range(sys.maxunicode + 1) if chr(c).isspace()}


def test_to_json_escapes_text_as_orjson_does_outside_control_characters():
    con = duckdb.connect()
    chars = [chr(c) for c in range(0x20, 0x3000)] + ["\u2028", "\u2029", "\ufeff", "😀", "\uffff", "\ue000"]
    got = con.execute("SELECT s, CAST(to_json(s) AS VARCHAR) FROM unnest($chars) t(s)", {"chars": chars}).fetchall()
    assert [s for s, j in got if j != orjson.dumps(s).decode()] == []
