"""Lineage parsing from tags and card data, including merges and hostile values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hubstudy.lineage import MAX_PARENTS, edges_for_record, edges_from_card, edges_from_tags, families

HUBDATA = Path(__file__).resolve().parents[2] / "shared" / "hubdata"


def rel(edges):
    return [(e.parent, e.relation, e.source) for e in edges]


def test_tags_give_one_edge_per_parent_with_its_relation():
    edges, issues = edges_from_tags([
        "transformers", "base_model:FacebookAI/roberta-base", "base_model:finetune:FacebookAI/roberta-base", "license:mit",
    ])
    assert rel(edges) == [("FacebookAI/roberta-base", "finetune", "tags")]
    assert issues == []


def test_merge_tags_give_one_edge_per_parent():
    tags = []
    for p in ("a/one", "b/two", "c/three"):
        tags += [f"base_model:{p}", f"base_model:merge:{p}"]
    edges, _ = edges_from_tags(tags)
    assert rel(edges) == [("a/one", "merge", "tags"), ("b/two", "merge", "tags"), ("c/three", "merge", "tags")]


@pytest.mark.parametrize("relation", ["finetune", "adapter", "quantized", "merge"])
def test_every_relation_is_read_from_tags(relation):
    edges, _ = edges_from_tags([f"base_model:{relation}:org/base"])
    assert rel(edges) == [("org/base", relation, "tags")]


def test_a_plain_base_model_tag_without_relation_is_unknown():
    edges, _ = edges_from_tags(["base_model:org/base"])
    assert rel(edges) == [("org/base", "unknown", "tags")]


def test_an_unknown_relation_in_a_tag_is_reported_not_guessed():
    edges, issues = edges_from_tags(["base_model:distilled:org/base"])
    assert edges == []
    assert [i.reason for i in issues] == ["unknown_relation"]


def test_card_base_model_string_list_and_relation():
    assert rel(edges_from_card({"base_model": "org/base"})[0]) == [("org/base", "unknown", "card")]
    edges, _ = edges_from_card({"base_model": ["x/a", "x/b", "x/a"], "base_model_relation": "merge"})
    assert rel(edges) == [("x/a", "merge", "card"), ("x/b", "merge", "card")]


@pytest.mark.parametrize(
    "value, reason",
    [(42, "bad_base_model"), ({"id": "x/y"}, "bad_base_model"), ("", "bad_base_model"), ("   ", "bad_base_model"),
     ("not a repo id!", "bad_base_model"), ("x" * 500, "bad_base_model")],
)
def test_bad_base_model_values_are_reported_with_a_reason(value, reason):
    edges, issues = edges_from_card({"base_model": value})
    assert edges == []
    assert issues and issues[0].reason == reason
    assert len(issues[0].raw) <= 2000


def test_ten_thousand_parents_are_quarantined_not_expanded():
    edges, issues = edges_from_card({"base_model": [f"o/m{i}" for i in range(10_000)]})
    assert edges == [] and issues[0].reason == "too_many_parents"
    assert str(MAX_PARENTS) in issues[0].detail


def test_a_list_with_some_bad_entries_keeps_the_good_ones():
    edges, issues = edges_from_card({"base_model": ["ok/one", 7, None, "ok/two"]})
    assert [e.parent for e in edges] == ["ok/one", "ok/two"]
    assert len(issues) == 2


def test_urls_and_whitespace_are_fixed_to_repo_ids():
    edges, issues = edges_from_card({"base_model": " https://huggingface.co/google-bert/bert-base-uncased/ "})
    assert [e.parent for e in edges] == ["google-bert/bert-base-uncased"] and issues == []


def test_card_data_of_the_wrong_type_is_reported():
    assert edges_from_card("base_model: x")[1][0].reason == "bad_card_data"
    assert edges_from_tags("base_model:x/y")[1][0].reason == "bad_tags"


def test_tags_win_over_the_card_and_self_loops_are_dropped():
    edges, issues = edges_for_record("me/model", ["base_model:finetune:org/base"], {"base_model": "other/thing"})
    assert rel(edges) == [("org/base", "finetune", "tags")]
    edges, issues = edges_for_record("Me/Model", ["base_model:me/model"], None)
    assert edges == [] and [i.reason for i in issues] == ["self_loop"]


def test_the_card_is_used_when_tags_say_nothing():
    edges, _ = edges_for_record("me/m", ["license:mit"], {"base_model": "org/base", "base_model_relation": "adapter"})
    assert rel(edges) == [("org/base", "adapter", "card")]


def test_families_follow_primary_parents_and_flag_cycles_without_looping():
    parents = {"b": ["a"], "c": ["b"], "d": ["c", "z"], "x": ["y"], "y": ["x"], "w": ["x"]}
    fam, cycles = families(parents)
    assert fam["d"] == ("a", 3)
    assert fam["a"] == ("a", 0)
    assert cycles == {"x", "y"}
    assert fam["w"] == (None, None)


def test_families_handle_very_deep_chains_iteratively():
    parents = {f"n{i}": [f"n{i - 1}"] for i in range(1, 50_000)}
    fam, cycles = families(parents)
    assert fam["n49999"] == ("n0", 49_999) and not cycles


@pytest.mark.skipif(not HUBDATA.exists(), reason="../shared/hubdata is absent")
def test_real_hub_records_give_the_lineage_their_tags_declare():
    found = 0
    for path in sorted((HUBDATA / "api" / "models").glob("*.json")):
        body = json.loads(path.read_text())["body"]
        edges, issues = edges_for_record(body["id"], body.get("tags"), body.get("cardData"))
        declared = [t for t in body.get("tags", []) if t.startswith("base_model:") and t.count(":") == 1]
        assert len(edges) == len(declared), path.name
        found += len(edges)
    assert found > 0


@pytest.mark.skipif(not (HUBDATA / "cards" / "merge_miqu-1-120b.md").exists(), reason="../shared/hubdata is absent")
def test_a_real_mergekit_card_gives_one_edge_per_listed_parent():
    import yaml

    text = (HUBDATA / "cards" / "merge_miqu-1-120b.md").read_text()
    meta = yaml.safe_load(text.split("---")[1])
    edges, issues = edges_from_card(meta)
    assert len(edges) == len(set(meta["base_model"])) >= 1
