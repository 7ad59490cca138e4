"""The comparison views and every analysis/study_*.sql file, on a small seeded database whose
answers were worked out by hand (the arithmetic is in the comments next to each expectation)."""

from __future__ import annotations

import datetime as dt
import math

import shutil
from pathlib import Path

import duckdb
import pytest

from hubstudy import schema, study
from hubstudy.build import create_analysis_views
from hubstudy.evals.schema import ddl as eval_scores_ddl

ANALYSIS = Path(__file__).resolve().parents[1] / "analysis"


def create_study_analyses(con, tmp_dir: Path) -> list[str]:
    """The build's own view loader over the study's files only (the others need the full build)."""
    for path in ANALYSIS.glob("study_*.sql"):
        shutil.copy(path, tmp_dir / path.name)
    return create_analysis_views(con, tmp_dir)

P, Q = "base/llm", "base/small"
A, B, C, D, E, F = "u/ft-a", "u/ft-b", "u/quant-c", "u/merge-d", "u/ft-of-a", "u/ft-q"
N, M = "nreimers/MiniLM-L6-H384-uncased", "sentence-transformers/all-MiniLM-L6-v2"
G, H, I, J = "x/minilm-ft", "y/minilm-few", "z/minilm-adapter", "w/minilm-better"
FLOOR = dt.datetime(2022, 3, 2, 23, 29, 4)

# id: (num_parameters, created_at, downloads_30d, likes, relation)
MODELS = {
    P: (7_000_000_000, dt.datetime(2023, 2, 1), 1000, 100, None),
    Q: (1_500_000_000, dt.datetime(2023, 3, 1), 500, 50, None),
    A: (7_000_000_000, dt.datetime(2023, 5, 10), 10, 1, "finetune"),
    B: (7_000_000_000, dt.datetime(2023, 11, 20), 2000, 3, "finetune"),
    C: (1_000_000_000, dt.datetime(2024, 1, 5), 30, 0, "quantized"),
    D: (7_000_000_000, dt.datetime(2024, 2, 1), 5, 0, "merge"),
    E: (7_000_000_000, dt.datetime(2024, 4, 1), 7, 2, "finetune"),
    F: (1_500_000_000, dt.datetime(2023, 6, 1), 100, 10, "finetune"),
    N: (22_700_000, FLOOR, 50, 5, None),
    M: (22_700_000, FLOOR, 1_000_000, 3000, "finetune"),
    G: (22_700_000, dt.datetime(2024, 5, 1), 50, 1, "finetune"),
    H: (22_700_000, dt.datetime(2024, 6, 1), 40, 0, "finetune"),
    I: (None, dt.datetime(2024, 6, 2), 3, 0, "adapter"),
    J: (22_700_000, FLOOR, 2_000_000, 9, "finetune"),
}
# (child, parent, relation)
EDGES = [
    (A, P, "finetune"), (B, P, "finetune"), (C, P, "quantized"), (D, P, "merge"), (D, Q, "merge"),
    (E, A, "finetune"), (F, Q, "finetune"), (M, N, "finetune"), (G, M, "finetune"), (H, M, "finetune"),
    (I, M, "adapter"), (J, M, "finetune"),
]
# id: (root_id, depth)
FAMILY = {P: (P, 0), Q: (Q, 0), A: (P, 1), B: (P, 1), C: (P, 1), D: (P, 1), E: (P, 2), F: (Q, 1),
          N: (N, 0), M: (N, 1), G: (N, 2), H: (N, 2), I: (N, 2), J: (N, 2)}

LB = "open_llm_leaderboard"
# Leaderboard `<X> Raw` rows (P has two IFEval rows: two precisions, mean 0.55).
LEADERBOARD = [
    (P, "IFEval", 0.50, 48.0), (P, "IFEval", 0.60, 52.0), (P, "BBH", 0.40, None), (P, "GPQA", 0.30, None),
    (Q, "IFEval", 0.40, None), (Q, "BBH", 0.30, None),
    (A, "IFEval", 0.44, None), (A, "BBH", 0.40, None),
    (B, "IFEval", 0.60, 60.0), (B, "BBH", 0.50, None), (B, "GPQA", 0.35, None),
    (C, "IFEval", 0.30, None), (C, "BBH", 0.20, None),
    (D, "IFEval", 0.50, None),
    (E, "IFEval", 0.33, None), (E, "BBH", 0.30, None),
    (F, "IFEval", 0.28, None), (F, "BBH", 0.21, None),
]
MINILM_SCORES = [0.80, 0.70, 0.60, 0.50, 0.40, 0.90]  # tasks T1..T6, mean 0.65


def mteb_rows() -> list[tuple[str, str, str, float]]:
    """(model, revision, task, score) for the uniform MTEB source."""
    rows = [(M, "r1", f"T{i + 1}", v) for i, v in enumerate(MINILM_SCORES)]
    rows += [(G, "g1", f"T{i + 1}", v) for i, v in enumerate([0.40, 0.35, 0.30, 0.25, 0.20])]
    rows += [(H, "h1", f"T{i + 1}", 0.9) for i in range(4)]  # only 4 shared keys
    # J: two revisions, one 0.1 above the parent, one equal: mean over revisions = parent + 0.05
    rows += [(J, "j1", f"T{i + 1}", v + 0.1) for i, v in enumerate(MINILM_SCORES)]
    rows += [(J, "j2", f"T{i + 1}", v) for i, v in enumerate(MINILM_SCORES)]
    return rows


def score(model, source, key, value, **extra):
    row = {"snapshot_date": dt.date(2026, 9, 1), "model_id": model, "model_name": model, "on_hub": True,
           "source": source, "self_reported": source not in ("open_llm_leaderboard", "mteb"),
           "benchmark_key": key, "benchmark": key.split("|")[0], "dataset": key.split("|")[0],
           "value": value, "n_rows": 1, "origin": "seed"}
    row.update(extra)
    return row


def seed_scores() -> list[dict]:
    rows = [score(m, LB, b, v, metric="raw", normalized_value=nv) for m, b, v, nv in LEADERBOARD]
    for model, rev, task, v in mteb_rows():
        rows.append(score(model, "mteb", f"{task}|test|default", v, dataset=task, benchmark=task,
                          config="default", split="test", metric="main_score", revision=rev))
    for model, v in ((G, 0.95), (M, 0.805)):  # external: self-reported, never mixed into mteb
        rows.append(score(model, "mteb_external", "t1|default|test|main_score", v, dataset="T1", benchmark="T1",
                          config="default", split="test", metric="main_score", revision="external"))
    arc = "ai2_arc|arc-challenge|test|acc_norm"
    wer = "common_voice|en|test|wer"
    rows += [
        score(P, "model_index", arc, 60.0, metric="acc_norm"),
        score(A, "model_index", arc, 55.0, metric="acc_norm"),
        score(P, "model_index", wer, 20.0, metric="wer"),  # lower is better: left out of outcomes
        score(A, "model_index", wer, 15.0, metric="wer"),
        score(P, "eval_results", "cais/hle|default||", 0.2),
        score(B, "eval_results", "cais/hle|default||", 0.3),
        # the leaderboard's own write-back in B's card, on the normalised scale
        score(B, "model_index", "huggingfaceh4/ifeval|||inst_level_strict_acc", 62.0, benchmark="IFEval (0-Shot)",
              metric="inst_level_strict_acc", detail='{"source_name": "Open LLM Leaderboard"}'),
        # MTEB's own model-index entry in J's card (0-100 scale)
        score(J, "model_index", "mteb/t1|default|test|main_score", 95.0, benchmark="MTEB T1 (default)",
              config="default", split="test", metric="main_score"),
    ]
    return rows


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    db = duckdb.connect()
    for table in ("models", "lineage", "model_family", "quarantine"):
        db.execute(schema.ddl(table))
    db.execute(eval_scores_ddl())
    for mid, (params, created, dl, likes, relation) in MODELS.items():
        db.execute(
            "INSERT INTO models (id, num_parameters, created_at, created_before_floor, downloads_30d, likes, relation)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [mid, params, created, created == FLOOR, dl, likes, relation],
        )
    db.executemany("INSERT INTO lineage (child_id, parent_id, parent_declared, relation, source, parent_exists)"
                   " VALUES (?, ?, ?, ?, 'tags', true)", [(c, p, p, r) for c, p, r in EDGES])
    db.executemany("INSERT INTO model_family (id, root_id, depth, n_parents, in_cycle) VALUES (?, ?, ?, 1, false)",
                   [(mid, root, depth) for mid, (root, depth) in FAMILY.items()])
    for row in seed_scores():
        cols = ", ".join(row)
        db.execute(f"INSERT INTO eval_scores ({cols}) VALUES ({', '.join('?' * len(row))})", list(row.values()))
    study.create_views(db)
    create_study_analyses(db, tmp_path_factory.mktemp("analysis"))
    yield db
    db.close()


def rows(con, sql, *params):
    cur = con.execute(sql, list(params))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def wilson(k, n, z=1.959963984540054):
    p = k / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, (centre - spread) / (1 + z * z / n)), min(1.0, (centre + spread) / (1 + z * z / n))


def check_share(row, n, k):
    assert (row["n"], row["k"]) == (n, k)
    assert row["share"] == pytest.approx(k / n)
    lo, hi = wilson(k, n)
    assert row["ci_low"] == pytest.approx(lo)
    assert row["ci_high"] == pytest.approx(hi)


# -- the comparison views -------------------------------------------------------------------

def test_a_leaderboard_pair_compares_means_over_the_benchmarks_both_sides_have(con):
    (r,) = rows(con, "SELECT * FROM pair_outcomes WHERE child_id = ? AND parent_id = ? AND source = ?", A, P, LB)
    # A has IFEval 0.44, BBH 0.40; P has IFEval mean(0.50, 0.60) = 0.55, BBH 0.40 (GPQA not shared)
    assert r["n_shared"] == 2
    assert r["child_mean"] == pytest.approx(0.42)
    assert r["parent_mean"] == pytest.approx(0.475)
    assert r["delta"] == pytest.approx(-0.055)
    assert r["rel_delta"] == pytest.approx(-0.055 / 0.475)
    assert r["rel_drop"] == pytest.approx(0.055 / 0.475)
    assert r["child_below"] is True
    assert (r["relation"], r["depth"], r["uniform"]) == ("finetune", 1, True)


def test_parent_child_scores_has_one_row_per_shared_benchmark_with_its_deltas(con):
    got = rows(con, "SELECT benchmark_key, child_value, parent_value, delta, rel_drop FROM parent_child_scores"
                    " WHERE child_id = ? AND parent_id = ? AND source = ? ORDER BY 1", A, P, LB)
    assert [g["benchmark_key"] for g in got] == ["BBH", "IFEval"]
    ifeval = got[1]
    assert (ifeval["child_value"], ifeval["parent_value"]) == (pytest.approx(0.44), pytest.approx(0.55))
    assert ifeval["delta"] == pytest.approx(-0.11)
    assert ifeval["rel_drop"] == pytest.approx(0.2)


def test_a_merge_is_compared_with_each_of_its_parents(con):
    got = {r["parent_id"]: r for r in rows(con, "SELECT * FROM pair_outcomes WHERE child_id = ? AND source = ?", D, LB)}
    assert set(got) == {P, Q}
    assert got[P]["child_below"] and got[P]["rel_drop"] == pytest.approx(0.05 / 0.55)
    assert not got[Q]["child_below"] and got[Q]["rel_drop"] == pytest.approx(-0.25)


def test_mteb_pairs_need_five_shared_keys_and_average_revisions_without_external_rows(con):
    got = {r["child_id"]: r for r in rows(con, "SELECT * FROM pair_outcomes WHERE parent_id = ? AND source = 'mteb'", M)}
    assert set(got) == {G, J}  # H shares only 4 keys
    # G: mean(0.40..0.20) = 0.30 against the parent's mean over T1..T5 = 0.60; its external 0.95 is not used
    assert got[G]["n_shared"] == 5
    assert got[G]["child_mean"] == pytest.approx(0.30)
    assert got[G]["parent_mean"] == pytest.approx(0.60)
    assert got[G]["rel_drop"] == pytest.approx(0.5)
    # J: per key the mean of its two revisions is parent + 0.05 -> 0.70 against 0.65
    assert got[J]["n_shared"] == 6
    assert got[J]["child_mean"] == pytest.approx(0.70)
    assert got[J]["child_below"] is False


def test_self_reported_pairs_leave_out_lower_is_better_metrics(con):
    (r,) = rows(con, "SELECT * FROM pair_outcomes WHERE child_id = ? AND source = 'model_index'", A)
    assert r["n_shared"] == 1  # acc_norm only; wer (lower is better) is not averaged in
    assert (r["child_mean"], r["parent_mean"], r["child_below"], r["uniform"]) == (55.0, 60.0, True, False)
    (wer,) = rows(con, "SELECT higher_is_better FROM parent_child_scores WHERE child_id = ? AND metric = 'wer'", A)
    assert wer["higher_is_better"] is False


def test_root_pair_outcomes_compare_a_grandchild_with_its_family_root(con):
    (r,) = rows(con, "SELECT * FROM root_pair_outcomes WHERE child_id = ? AND source = ?", E, LB)
    # E: IFEval 0.33, BBH 0.30 -> 0.315 against P's 0.475
    assert (r["parent_id"], r["depth"], r["relation"]) == (P, 2, "finetune")
    assert r["rel_drop"] == pytest.approx(0.16 / 0.475)
    assert rows(con, "SELECT count(*) AS n FROM root_pair_outcomes WHERE source = ?", LB)[0]["n"] == 6


def test_every_view_carries_its_documentation_in_the_database(con):
    comments = dict(con.execute("SELECT view_name, comment FROM duckdb_views() WHERE view_name IN ('pair_outcomes', 'root_pair_outcomes')").fetchall())
    for text in comments.values():
        for _, definition in study.DEFINITIONS:
            assert definition in text


# -- analysis files ---------------------------------------------------------------------------

def test_study_share_below_counts_pairs_below_their_parent_per_source_and_relation(con):
    got = {(r["source"], r["relation"]): r for r in rows(con, "SELECT * FROM study_share_below")}
    check_share(got[(LB, "all")], 7, 5)  # A, C, D-P, E, F below; B, D-Q not
    check_share(got[(LB, "finetune")], 4, 3)  # A, B, E, F
    check_share(got[(LB, "merge")], 2, 1)
    check_share(got[(LB, "quantized")], 1, 1)
    check_share(got[("mteb", "all")], 2, 1)
    check_share(got[("model_index", "all")], 1, 1)
    check_share(got[("eval_results", "all")], 1, 0)
    check_share(got[("mteb_external", "all")], 1, 0)
    # sorted drops -0.25, -0.16, 0.0909, 0.1158, 0.25, 0.30, 0.4737: the median is A's
    assert got[(LB, "all")]["median_rel_drop"] == pytest.approx(0.055 / 0.475)
    assert got[(LB, "all")]["uniform"] is True and got[("model_index", "all")]["uniform"] is False


def test_study_root_share_below_counts_models_below_their_family_root(con):
    got = {(r["source"], r["relation"]): r for r in rows(con, "SELECT * FROM study_root_share_below")}
    check_share(got[(LB, "all")], 6, 5)  # A, B, C, D, E against P; F against Q; only B is not below
    check_share(got[(LB, "finetune")], 4, 3)


def test_study_by_parent_ranks_parents_by_compared_derivatives(con):
    got = rows(con, "SELECT * FROM study_by_parent WHERE source = ? ORDER BY rank", LB)
    assert [(r["rank"], r["parent_id"]) for r in got] == [(1, P), (2, Q), (3, A)]
    check_share(got[0], 4, 3)  # A, C, D below P; B not
    check_share(got[1], 2, 1)  # F below Q; D not
    check_share(got[2], 1, 1)  # E below A


def test_study_by_size_buckets_pairs_by_the_parents_size(con):
    got = {(r["source"], r["size_bucket"]): r for r in rows(con, "SELECT * FROM study_by_size")}
    check_share(got[(LB, "3B-10B")], 5, 4)  # parents P and A (7B): A, B, C, D, E
    check_share(got[(LB, "1B-3B")], 2, 1)  # parent Q (1.5B): D, F
    check_share(got[("mteb", "<100M")], 2, 1)
    assert got[(LB, "1B-3B")]["size_floor"] == 1e9


def test_study_by_depth_groups_pairs_by_the_childs_generation(con):
    got = {(r["source"], r["depth"]): r for r in rows(con, "SELECT * FROM study_by_depth")}
    check_share(got[(LB, 1)], 6, 4)  # A, B, C, D-P, D-Q, F; below: A, C, D-P, F
    check_share(got[(LB, 2)], 1, 1)  # E
    check_share(got[("mteb", 2)], 2, 1)


def test_study_by_quarter_groups_pairs_by_the_childs_creation_quarter(con):
    got = {(r["source"], r["created_quarter"]): r for r in rows(con, "SELECT * FROM study_by_quarter")}
    check_share(got[(LB, "2023-Q2")], 2, 2)  # A (May), F (June)
    check_share(got[(LB, "2023-Q4")], 1, 0)  # B
    check_share(got[(LB, "2024-Q1")], 3, 2)  # C, D-P below; D-Q not
    check_share(got[(LB, "2024-Q2")], 1, 1)  # E
    check_share(got[("mteb", "before 2022-03 (floored)")], 1, 0)  # J sits on the createdAt floor
    check_share(got[("mteb", "2024-Q2")], 1, 1)  # G


def test_study_drop_thresholds_counts_drops_of_20_and_40_percent(con):
    got = {(r["source"], r["relation"], float(r["threshold"])): r for r in rows(con, "SELECT * FROM study_drop_thresholds")}
    check_share(got[(LB, "all", 0.2)], 7, 3)  # C 0.47, E 0.25, F 0.30
    check_share(got[(LB, "all", 0.4)], 7, 1)  # C
    check_share(got[(LB, "finetune", 0.2)], 4, 2)  # E, F
    check_share(got[("mteb", "all", 0.4)], 2, 1)  # G 0.5
    # p90 of the 7 sorted drops: position 5.4 -> 0.30 + 0.4 * (0.4737 - 0.30)
    assert got[(LB, "all", 0.2)]["p90_rel_drop"] == pytest.approx(0.30 + 0.4 * (0.225 / 0.475 - 0.30))
    assert not any(r["source"] in ("model_index", "eval_results") for r in got.values())


def test_study_drop_distribution_bins_relative_drops_by_tenths(con):
    got = rows(con, "SELECT * FROM study_drop_distribution WHERE source = ? ORDER BY bin_low", LB)
    # D-Q -0.25, B -0.16, D-P 0.09, A 0.12, E 0.25, F 0.30, C 0.47: one pair in each bin
    assert [(r["bin_low"], r["bin_high"]) for r in got] == [
        (-0.3, -0.2), (-0.2, -0.1), (0.0, 0.1), (0.1, 0.2), (0.2, 0.3), (0.3, 0.4), (0.4, 0.5)]
    for r in got:
        check_share(r, 7, 1)
    mteb = rows(con, "SELECT * FROM study_drop_distribution WHERE source = 'mteb' ORDER BY bin_low NULLS LAST")
    assert [(r["bin_low"], r["bin_high"]) for r in mteb] == [(-0.1, 0.0), (0.5, None)]  # J, then G's 0.5 (open bin)


def test_study_minilm_lists_every_derivative_of_all_minilm_with_its_scores(con):
    got = rows(con, "SELECT * FROM study_minilm")
    assert [(r["child_id"], r["source"]) for r in got] == [
        (G, "mteb"), (J, "mteb"), (G, "mteb_external"), (H, None), (I, None)]
    assert got[0]["rel_drop"] == pytest.approx(0.5) and got[0]["child_below"] is True
    assert got[0]["n_mteb_keys"] == 5 and got[0]["downloads_30d"] == 50
    assert (got[3]["n_mteb_keys"], got[4]["n_mteb_keys"]) == (4, 0)  # H shares too few keys; I none
    assert got[4]["relation"] == "adapter"


def test_study_coverage_counts_derivatives_with_any_comparable_score(con):
    got = {r["relation"]: r for r in rows(con, "SELECT * FROM study_coverage")}
    # 11 derivatives; compared: A, B, C, D, E, F (leaderboard), G, J (MTEB); not: M, H, I
    check_share(got["all"], 11, 8)
    assert (got["all"]["k_uniform"], got["all"]["k_open_llm_leaderboard"], got["all"]["k_mteb"], got["all"]["k_self_reported"]) == (8, 6, 2, 3)
    check_share(got["finetune"], 8, 6)  # A, B, E, F, M, G, H, J; not M, H
    check_share(got["adapter"], 1, 0)
    check_share(got["merge"], 1, 1)


def test_study_reporting_gap_pairs_self_reported_and_uniform_scores_of_the_same_model(con):
    got = rows(con, "SELECT * FROM study_reporting_gap")
    assert [(r["model_id"], r["uniform_source"], r["benchmark_key"], r["self_source"]) for r in got] == [
        (M, "mteb", "T1|test|default", "mteb_external"),
        (B, LB, "IFEval", "model_index"),
        (J, "mteb", "T1|test|default", "model_index"),
        (G, "mteb", "T1|test|default", "mteb_external"),
    ]
    by_model = {r["model_id"]: r for r in got}
    assert by_model[M]["gap"] == pytest.approx(0.005)
    assert (by_model[B]["self_value"], by_model[B]["uniform_value"]) == (62.0, 60.0)  # normalised scale
    assert by_model[J]["self_value"] == pytest.approx(0.95)  # 95 on the card's 0-100 scale
    assert by_model[J]["uniform_value"] == pytest.approx(0.85)  # mean of J's two revisions on T1
    assert by_model[G]["rel_gap"] == pytest.approx(0.55 / 0.40)


def test_study_reporting_gap_summary_counts_self_reported_scores_above_the_harness(con):
    got = {(r["uniform_source"], r["self_source"]): r for r in rows(con, "SELECT * FROM study_reporting_gap_summary")}
    check_share(got[("mteb", "mteb_external")], 2, 1)  # G is 0.55 higher; M's 0.005 is within 1%
    assert got[("mteb", "mteb_external")]["median_gap"] == pytest.approx((0.55 + 0.005) / 2)
    check_share(got[("mteb", "model_index")], 1, 1)
    check_share(got[(LB, "model_index")], 1, 1)


def test_study_parent_size_effect_reports_a_spearman_correlation_with_a_fisher_interval(con):
    got = {r["source"]: r for r in rows(con, "SELECT * FROM study_parent_size_effect")}
    lb = got[LB]
    # (size rank, drop rank) with tied sizes sharing average ranks: Q's two pairs 1.5, P's and A's five 5
    pairs = [(1.5, 1), (1.5, 6), (5, 2), (5, 3), (5, 4), (5, 5), (5, 7)]
    rho = pearson([x for x, _ in pairs], [y for _, y in pairs])
    assert lb["n"] == 7
    assert lb["spearman_rho"] == pytest.approx(rho)
    assert lb["rho_ci_low"] == pytest.approx(math.tanh(math.atanh(rho) - 1.959963984540054 / 2))
    assert lb["rho_ci_high"] == pytest.approx(math.tanh(math.atanh(rho) + 1.959963984540054 / 2))
    assert lb["median_rel_drop_smaller_parents"] == pytest.approx((-0.25 + 0.30) / 2)  # Q's two pairs
    assert lb["median_rel_drop_larger_parents"] == pytest.approx(0.055 / 0.475)  # median of the five
    assert got["mteb"]["spearman_rho"] is None  # one parent size only: no correlation


def pearson(xs, ys):
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    cov = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    return cov / math.sqrt(sum((x - mx) ** 2 for x in xs) * sum((y - my) ** 2 for y in ys))


def test_study_market_compares_downloads_and_likes_of_derivatives_below_and_above(con):
    got = {(r["source"], r["child_below"]): r for r in rows(con, "SELECT * FROM study_market")}
    below = got[(LB, True)]
    # below: A 10, C 30, D 5, E 7, F 100 downloads; none beats its parent (E 7 < A 10)
    check_share(below, 5, 0)
    assert below["median_downloads_30d"] == 10
    # n = 5: ranks round(2.5 - 1.96 * sqrt(5) / 2) -> 1 and round(3.5 + 1.96 * sqrt(5) / 2) = 6 -> 5
    assert (below["downloads_ci_low"], below["downloads_ci_high"]) == (5, 100)
    assert (below["median_likes"], below["likes_ci_low"], below["likes_ci_high"]) == (1, 0, 10)
    above = got[(LB, False)]
    check_share(above, 2, 1)  # B (2000) beats P (1000); D (5) does not beat Q (500)
    assert above["median_downloads_30d"] == pytest.approx(1002.5)
    check_share(got[("mteb", False)], 1, 1)  # J has more downloads than all-MiniLM-L6-v2


def test_study_claims_gives_one_row_per_claim_with_figure_interval_and_verdict(con):
    got = {r["claim"]: r for r in rows(con, "SELECT * FROM study_claims")}
    assert list(got) == ["C2", "C3", "C4", "C5", "C6"]
    # C2: uniform pairs with a drop >= 20%: C, E, F (leaderboard) and G (MTEB) of 9
    c2 = got["C2"]
    assert (c2["n"], c2["k"]) == (9, 4)
    assert c2["figure"] == pytest.approx(4 / 9)
    assert (c2["ci_low"], c2["ci_high"]) == pytest.approx(wilson(4, 9))
    assert "44.4% of 9 child-parent comparisons" in c2["verdict"] and "22.2% by 40% or more" in c2["verdict"]
    # C3: G below all-MiniLM-L6-v2 on MTEB, J above
    c3 = got["C3"]
    assert (c3["n"], c3["k"], c3["figure"]) == (2, 1, 0.5)
    assert c3["verdict"].startswith("1 of 2 derivatives of all-MiniLM-L6-v2") and "largest relative drop is 50.0%" in c3["verdict"]
    # C4: A, C, D-P, E, F and G below of 9 uniform pairs
    c4 = got["C4"]
    assert (c4["n"], c4["k"]) == (9, 6) and c4["figure"] == pytest.approx(6 / 9)
    assert "cannot be told apart from one half" in c4["verdict"]
    c5 = got["C5"]
    assert c5["n"] == 7 and c5["verdict"].startswith("Exploratory")
    assert c5["figure"] == pytest.approx(rows(con, "SELECT spearman_rho FROM study_parent_size_effect WHERE source = ?", LB)[0]["spearman_rho"])
    assert got["C6"]["figure"] is None and got["C6"]["verdict"].startswith("Out of scope")
    for claim in ("C2", "C3", "C4", "C5"):
        assert "Relative drop = (parent - child) / parent." in got[claim]["definition"]
