"""The self-reported parsers (model-index, evalResults) on real-shaped and on malformed inputs."""

from __future__ import annotations

import doctest
import json
from pathlib import Path

import pytest
import yaml

import hubstudy.evals._files
import hubstudy.evals._records
import hubstudy.evals.leaderboard
import hubstudy.evals.mteb
import hubstudy.evals.self_reported
from hubstudy.evals import parse_eval_results, parse_model_index, parse_score


def card_metadata(hubdata: Path, name: str) -> dict:
    text = (hubdata / "cards" / name).read_text(encoding="utf-8").replace("\r\n", "\n")
    return yaml.safe_load(text.split("---\n")[1])


@pytest.mark.parametrize(
    "module",
    [hubstudy.evals._records, hubstudy.evals.self_reported, hubstudy.evals.mteb, hubstudy.evals._files, hubstudy.evals.leaderboard],
    ids=lambda m: m.__name__,
)
def test_the_docstring_examples_run(module):
    failed, attempted = doctest.testmod(module)
    assert attempted > 0 and failed == 0


def test_zephyrs_model_index_gives_its_leaderboard_scores_and_quarantines_placeholders(hubdata):
    body = json.loads((hubdata / "api/models/HuggingFaceH4__zephyr-7b-beta.json").read_text())["body"]
    scores, problems = parse_model_index(body["model-index"])
    keys = {s.benchmark_key: s for s in scores}
    arc = keys["ai2_arc|arc-challenge|test|acc_norm"]
    assert arc.value == pytest.approx(62.03071672354948)
    assert arc.benchmark == "AI2 Reasoning Challenge (25-Shot)"
    assert arc.detail["source_name"] == "Open LLM Leaderboard" and arc.detail["verified"] is False
    assert "hellaswag||validation|acc_norm" in keys  # no config: the part stays empty
    assert len(scores) == 7
    # AlpacaEval's metric type and MT-Bench's dataset type are the placeholder "unknown"
    assert sorted(p.reason for p in problems) == ["missing_dataset", "unknown_metric"]
    assert all(p.origin.startswith("model-index[0].results[") for p in problems)


def test_a_card_with_two_evaluations_gives_two_scores(hubdata):
    scores, problems = parse_model_index(card_metadata(hubdata, "sample_simple_model_index.md")["model-index"])
    assert problems == []
    assert [(s.benchmark_key, s.value) for s in scores] == [("beans|||accuracy", 0.9), ("beans|default|test|f1", 0.66)]
    assert scores[1].detail["dataset_revision"] == "5503434ddd753f426f4b38109466949a1217c2bb"


def test_a_card_whose_result_has_no_dataset_is_quarantined_not_dropped(hubdata):
    scores, problems = parse_model_index(card_metadata(hubdata, "sample_invalid_model_index.md")["model-index"])
    assert scores == []
    assert [p.reason for p in problems] == ["missing_dataset"]
    assert '"acc"' in problems[0].raw


def test_every_recorded_model_index_parses_without_raising(hubdata):
    for path in sorted((hubdata / "api/models").glob("*.json")):
        body = json.loads(path.read_text())["body"]
        if "model-index" in body:
            scores, problems = parse_model_index(body["model-index"])
            assert all(isinstance(s.value, float) for s in scores)


def result(metrics, dataset=None):
    return [{"name": "m", "results": [{"task": {"type": "t"}, "dataset": dataset or {"type": "glue", "config": "sst2", "split": "validation"}, "metrics": metrics}]}]


def test_percent_strings_and_error_bars_are_read_as_numbers():
    scores, problems = parse_model_index(result([{"type": "accuracy", "value": "62.03%"}, {"type": "f1", "value": "71.2 ± 0.4"}]))
    assert problems == []
    assert [(s.value, s.raw_value) for s in scores] == [(62.03, "62.03%"), (71.2, "71.2 ± 0.4")]


@pytest.mark.parametrize(
    "value, reason",
    [(float("nan"), "non_finite_value"), ("NaN", "non_finite_value"), ("inf", "non_finite_value"), (None, "missing_value"),
     ("about 60", "unparseable_value"), (True, "unparseable_value"), ([0.5], "unparseable_value"), ({"mean": 0.5}, "unparseable_value")],
)
def test_values_that_are_not_numbers_are_quarantined_with_a_reason(value, reason):
    scores, problems = parse_model_index(result([{"type": "accuracy", "value": value}]))
    assert scores == []
    assert [(p.reason, p.origin) for p in problems] == [(reason, "model-index[0].results[0].metrics[0]")]


def test_unknown_metrics_are_quarantined():
    scores, problems = parse_model_index(result([{"value": 0.5, "name": "score"}, {"type": "unknown", "value": 1}, {"type": 7, "value": 1}]))
    assert scores[0].metric == "7"  # a number as a type is still a usable key part
    assert [p.reason for p in problems] == ["unknown_metric", "unknown_metric"]


@pytest.mark.parametrize(
    "model_index, reason",
    [
        ("not yaml at all", "wrong_shape"),
        (42, "wrong_shape"),
        ([["a list", "instead of a mapping"]], "wrong_shape"),
        ([{"name": "m", "results": "none"}], "wrong_shape"),
        ([{"name": "m", "results": ["oops"]}], "wrong_shape"),
        (result("accuracy=0.5"), "wrong_shape"),
        (result([0.5]), "wrong_shape"),
        (result([{"type": "acc", "value": 1}], dataset={"name": "Only a name"}), "missing_dataset"),
    ],
)
def test_wrong_shapes_are_quarantined_never_raised(model_index, reason):
    scores, problems = parse_model_index(model_index)
    assert scores == []
    assert [p.reason for p in problems] == [reason]


def test_single_mappings_and_double_encoded_json_are_accepted():
    one = {"name": "m", "results": {"dataset": {"type": "squad"}, "metrics": {"type": "f1", "value": 88}}}
    assert [s.benchmark_key for s in parse_model_index(one)[0]] == ["squad|||f1"]
    assert parse_model_index(json.dumps([one]))[0][0].value == 88.0


def test_key_parts_are_trimmed_and_lower_cased_and_numbers_become_text():
    scores, _ = parse_model_index(result([{"type": " Accuracy ", "value": 1}], dataset={"type": "Org/Data", "config": 2020, "split": "Test"}))
    assert scores[0].benchmark_key == "org/data|2020|test|accuracy"
    assert scores[0].dataset == "Org/Data"  # the column keeps the spelling as sent


def test_eval_results_items_give_scores_keyed_by_dataset_and_task():
    scores, problems = parse_eval_results(
        [
            {"filename": ".eval_results/hle.yaml", "data": {"dataset": {"id": "cais/hle", "task_id": "default", "revision": "abc"},
                                                             "value": "20.9%", "verifyToken": "eyJ", "source": {"url": "https://x", "name": "X"}}},
            {"filename": ".eval_results/two.yaml", "data": [{"dataset": {"id": "a/b", "task_id": "t1"}, "value": 0.1},
                                                             {"dataset": {"id": "a/b", "task_id": "t2"}, "value": 0.2}]},
            {"dataset": {"id": "bare/entry", "task_id": "x"}, "value": 3},
        ]
    )
    assert problems == []
    assert [(s.benchmark_key, s.value) for s in scores] == [
        ("cais/hle|default||", 20.9), ("a/b|t1||", 0.1), ("a/b|t2||", 0.2), ("bare/entry|x||", 3.0)]
    assert scores[0].detail == {"filename": ".eval_results/hle.yaml", "dataset_revision": "abc", "verified": True,
                                "source_name": "X", "source_url": "https://x"}
    assert scores[0].source == "eval_results" and scores[0].benchmark == "cais/hle/default"


def test_eval_results_the_hub_could_not_validate_are_quarantined_one_by_one():
    scores, problems = parse_eval_results(
        [
            {"filename": ".eval_results/bad.yaml", "error": "✖ Invalid input: expected number"},
            {"filename": ".eval_results/nodataset.yaml", "data": {"value": 1}},
            {"filename": ".eval_results/nan.yaml", "data": {"dataset": {"id": "a/b"}, "value": "nan"}},
            "junk",
            {"filename": ".eval_results/ok.yaml", "data": {"dataset": {"id": "a/b"}, "value": 0.5}},
        ]
    )
    assert [s.benchmark_key for s in scores] == ["a/b|||"]
    assert [p.reason for p in problems] == ["invalid_eval_results_file", "missing_dataset", "non_finite_value", "wrong_shape"]
    assert ".eval_results/bad.yaml" in problems[0].detail
    assert parse_eval_results("nonsense")[1][0].reason == "wrong_shape"


def test_parse_score_reads_numbers_the_way_people_write_them():
    assert parse_score("  -0.5e-1 ") == (-0.05, None, False)
    assert parse_score("12%") == (12.0, None, True)
    assert parse_score("12 +/- 3") == (12.0, None, False)
    assert parse_score("1,234") == (None, "unparseable_value", False)
