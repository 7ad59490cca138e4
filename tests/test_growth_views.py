"""The growth, quality and crawl views answer what their files say, on hand-checked data.

Each test builds a real DuckDB database (the public tables from ``hubstudy.schema.ddl``), creates
the analysis views exactly as the build does, and compares a view with the answer worked out by
hand.
"""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import test_reports_fixture as fx  # noqa: E402


@pytest.fixture
def con():
    c = duckdb.connect()
    fx.create_schema(c)
    yield c
    c.close()


def _views(con) -> None:
    fx.apply_analysis_views(con)


def _rows(con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def _model(id_, created, floor=False, **kw):
    row = {"id": id_, "created_at": fx.FLOOR if floor else created, "created_before_floor": floor,
           "snapshot_date": fx.DATA_DATE}
    row.update(kw)
    return row


def test_every_growth_quality_and_crawl_file_becomes_a_view_on_an_empty_database(con):
    created = fx.apply_analysis_views(con)
    files = sorted(p.stem for p in fx.ANALYSIS_DIR.glob("*.sql") if p.stem.startswith(fx.ANALYSIS_PREFIXES))
    assert sorted(created) == files
    for name in files:  # and each evaluates, empty
        con.execute(f'SELECT * FROM "{name}"').fetchall()


def test_floor_rows_form_one_bucket_before_march_2022_and_empty_months_are_zero(con):
    fx.insert(con, "models", [
        _model("a/floor1", None, floor=True),
        _model("a/floor2", None, floor=True),
        _model("a/march", datetime(2022, 3, 2, 23, 45)),  # just after the floor: a real March repo
        _model("a/may", datetime(2022, 5, 31, 23, 59)),
        _model("a/nodate", None),
    ])
    _views(con)
    rows = _rows(con, """SELECT period, before_floor, month, created, cumulative FROM growth_monthly
                         WHERE repo_type = 'model' ORDER BY before_floor DESC, month""")
    assert rows == [
        ("before March 2022", True, date(2022, 2, 1), 2, 2),
        ("2022-03", False, date(2022, 3, 1), 1, 3),
        ("2022-04", False, date(2022, 4, 1), 0, 3),
        ("2022-05", False, date(2022, 5, 1), 1, 4),
    ]


def test_a_date_on_the_floor_counts_as_before_march_even_without_the_flag(con):
    fx.insert(con, "models", [_model("a/x", fx.FLOOR), _model("a/y", datetime(2023, 1, 1))])
    _views(con)
    assert _rows(con, "SELECT period, created FROM growth_monthly WHERE before_floor") == [("before March 2022", 1)]


def test_million_view_gives_the_month_the_running_total_reached_one_million(con):
    # 600k models in 2023-01 and 400k in 2023-02 (the millionth), 10 spaces before the floor.
    con.execute("""INSERT INTO models (id, created_at, created_before_floor)
                   SELECT 'm/' || i, CASE WHEN i < 600000 THEN TIMESTAMP '2023-01-15' ELSE TIMESTAMP '2023-02-15' END, false
                   FROM range(1000000) t(i)""")
    con.execute("INSERT INTO spaces (id, created_at, created_before_floor) SELECT 's/' || i, TIMESTAMP '2022-03-02 23:29:04', true FROM range(10) t(i)")
    _views(con)
    got = {r[0]: r[1:] for r in _rows(con, "SELECT repo_type, total, passed_1m_month, passed_1m_period FROM growth_million")}
    assert got == {
        "model": (1_000_000, date(2023, 2, 1), "2023-02"),
        "dataset": (0, None, None),
        "space": (10, None, None),
        "all": (1_000_010, date(2023, 2, 1), "2023-02"),
    }


def test_all_repo_types_together_can_pass_one_million_when_none_does_alone(con):
    con.execute("INSERT INTO models (id, created_at, created_before_floor) SELECT 'm/' || i, TIMESTAMP '2024-01-01', false FROM range(600000) t(i)")
    con.execute("INSERT INTO datasets (id, created_at, created_before_floor) SELECT 'd/' || i, TIMESTAMP '2022-03-02 23:29:04', true FROM range(400000) t(i)")
    _views(con)
    got = {r[0]: r[1:] for r in _rows(con, "SELECT repo_type, passed_1m_month, passed_1m_period FROM growth_million")}
    assert got["model"] == (None, None) and got["dataset"] == (None, None)
    assert got["all"] == (date(2024, 1, 1), "2024-01")


def test_a_derivative_counts_once_under_the_strongest_relation(con):
    fx.insert(con, "models", [
        _model("p/a", datetime(2023, 1, 1)), _model("p/b", datetime(2023, 1, 1)),
        _model("c/merge", datetime(2023, 2, 1)), _model("c/adapter", datetime(2023, 2, 1)),
        _model("c/none", datetime(2023, 2, 1)), _model("c/old", None, floor=True),
    ])
    fx.insert(con, "lineage", [
        {"child_id": "c/merge", "parent_id": "p/a", "relation": "merge"},
        {"child_id": "c/merge", "parent_id": "p/b", "relation": "finetune"},
        {"child_id": "c/adapter", "parent_id": "p/a", "relation": "adapter"},
        {"child_id": "c/none", "parent_id": "p/a", "relation": None},
        {"child_id": "c/old", "parent_id": "p/a", "relation": "finetune"},
    ])
    _views(con)
    rows = _rows(con, "SELECT period, relation, derivatives FROM growth_derivatives_monthly ORDER BY before_floor DESC, month, relation")
    assert rows == [("before March 2022", "finetune", 1), ("2023-02", "adapter", 1), ("2023-02", "merge", 1), ("2023-02", "unknown", 1)]


def test_base_model_share_has_n_k_and_a_wilson_interval(con):
    models = [_model(f"x/{i}", datetime(2024, 3, 3)) for i in range(10)]
    fx.insert(con, "models", models)
    fx.insert(con, "lineage", [{"child_id": f"x/{i}", "parent_id": "x/9", "relation": "finetune"} for i in range(5)]
              + [{"child_id": "x/0", "parent_id": "x/8", "relation": "merge"}])  # two edges, one model
    _views(con)
    (n, k, share, low, high), = _rows(con, "SELECT n, k, share, ci_low, ci_high FROM growth_base_model_share")
    assert (n, k, share) == (10, 5, 0.5)
    assert low == pytest.approx(0.2366, abs=1e-4) and high == pytest.approx(0.7634, abs=1e-4)


def test_top_parents_all_time_and_last_90_days_before_the_data_date(con):
    fx.insert(con, "models", [_model("root/r", datetime(2023, 1, 1)), _model("root/s", datetime(2023, 1, 1))]
              + [_model(f"k/{i}", datetime(2025, 5, 1) if i < 2 else datetime(2024, 1, 1)) for i in range(5)])
    fx.insert(con, "lineage", [{"child_id": f"k/{i}", "parent_id": "root/r", "relation": "finetune" if i else "adapter"} for i in range(4)]
              + [{"child_id": "k/4", "parent_id": "gone/parent", "relation": "quantized"}])
    _views(con)
    rows = _rows(con, """SELECT time_window, rank, parent_id, derivatives, finetune, adapter, quantized, parent_in_models
                         FROM growth_top_parents ORDER BY time_window, rank""")
    assert rows == [
        ("all time", 1, "root/r", 4, 3, 1, 0, True),
        ("all time", 2, "gone/parent", 1, 0, 0, 1, False),
        ("last 90 days", 1, "root/r", 2, 1, 1, 0, True),
    ]


def test_family_size_and_depth_distributions_leave_cycles_out(con):
    fx.insert(con, "model_family", [
        {"id": "r", "root_id": "r", "depth": 0}, {"id": "a", "root_id": "r", "depth": 1},
        {"id": "b", "root_id": "r", "depth": 2}, {"id": "solo", "root_id": "solo", "depth": 0},
        {"id": "loop", "root_id": None, "depth": None, "in_cycle": True},
    ])
    _views(con)
    assert _rows(con, "SELECT size_bucket, families, models FROM growth_family_size ORDER BY bucket_order") == [("1", 1, 1), ("2-10", 1, 3)]
    assert _rows(con, "SELECT depth, models FROM growth_family_depth ORDER BY depth") == [(0, 2), (1, 1), (2, 1)]
    assert _rows(con, "SELECT rank, root_id, size, max_depth FROM growth_family_largest ORDER BY rank") == [(1, "r", 3, 2), (2, "solo", 1, 0)]


def test_download_concentration_top_shares_and_gini(con):
    fx.insert(con, "model_snapshots", [{"snapshot_date": fx.DATA_DATE, "id": f"m{i}", "downloads_30d": d}
                                       for i, d in enumerate([0, 0, 0, 10])])
    _views(con)
    (models, total, top1, top10, gini), = _rows(con, "SELECT models, downloads_30d, top1_share, top10_share, gini FROM growth_downloads_concentration")
    # One model of four holds everything: top 1% (ceil -> 1 model) has it all; Gini = 1 - 1/n.
    assert (models, total, top1, top10) == (4, 10, 1.0, 1.0)
    assert gini == pytest.approx(0.75)


def test_equal_downloads_have_a_gini_of_zero(con):
    fx.insert(con, "model_snapshots", [{"snapshot_date": fx.DATA_DATE, "id": f"m{i}", "downloads_30d": 5} for i in range(200)])
    _views(con)
    (top1, top10, gini), = _rows(con, "SELECT top1_share, top10_share, gini FROM growth_downloads_concentration")
    assert top1 == pytest.approx(0.01) and top10 == pytest.approx(0.10) and gini == pytest.approx(0.0, abs=1e-12)


def test_family_trends_follow_the_largest_families_across_snapshots(con):
    fx.insert(con, "model_family", [{"id": "r", "root_id": "r", "depth": 0}, {"id": "c", "root_id": "r", "depth": 1}])
    fx.insert(con, "model_snapshots", [
        {"snapshot_date": fx.PREV_DATE, "id": "r", "downloads_30d": 10, "likes": 1},
        {"snapshot_date": fx.PREV_DATE, "id": "c", "downloads_30d": 5, "likes": 0},
        {"snapshot_date": fx.DATA_DATE, "id": "r", "downloads_30d": 12, "likes": 3},
        {"snapshot_date": fx.DATA_DATE, "id": "c", "downloads_30d": 9, "likes": 1},
    ])
    _views(con)
    rows = _rows(con, "SELECT snapshot_date, root_id, models, downloads_30d, likes, downloads_30d_change, likes_change FROM growth_family_trends ORDER BY 1")
    assert rows == [(fx.PREV_DATE, "r", 2, 15, 1, None, None), (fx.DATA_DATE, "r", 2, 21, 4, 6, 3)]


def test_library_mix_keeps_the_top_libraries_and_names_the_rest(con):
    libs = ["transformers"] * 5 + ["peft"] * 2 + [None] + [f"rare{i}" for i in range(9)]
    fx.insert(con, "models", [_model(f"l/{i}", datetime(2024, 6, 1), library_name=lib) for i, lib in enumerate(libs)])
    _views(con)
    rows = dict(_rows(con, "SELECT library, models FROM growth_library_mix"))
    # 8 named libraries: transformers, peft and six of the rare ones (alphabetical on ties); 3 'other'.
    assert rows["transformers"] == 5 and rows["peft"] == 2 and rows["(none)"] == 1 and rows["other"] == 3
    assert sum(rows.values()) == len(libs)
    assert _rows(con, "SELECT round(sum(share), 9) FROM growth_library_mix") == [(1.0,)]


def test_quality_views_find_missing_parents_cycles_and_quarantine(con):
    fx.insert(con, "models", [_model("m/a", datetime(2024, 1, 1)), _model("m/b", datetime(2024, 1, 1))])
    fx.insert(con, "lineage", [
        {"child_id": "m/a", "parent_id": "m/b", "relation": "finetune"},
        {"child_id": "m/b", "parent_id": "m/a", "relation": "finetune"},
        {"child_id": "m/a", "parent_id": "gone/x", "parent_declared": "Gone/X", "relation": "merge"},
    ])
    fx.insert(con, "model_family", [{"id": "m/a", "in_cycle": True, "n_parents": 2}, {"id": "m/b", "in_cycle": True, "n_parents": 1}])
    fx.insert(con, "quarantine", [
        {"snapshot_date": fx.PREV_DATE, "stage": "lineage", "repo_type": "model", "id": "m/a", "reason": "lineage_cycle"},
        {"snapshot_date": fx.DATA_DATE, "stage": "lineage", "repo_type": "model", "id": "m/a", "reason": "lineage_cycle"},
    ])
    _views(con)
    assert _rows(con, "SELECT parent_id, parent_declared, children, edges, relations FROM quality_lineage_gaps") == [
        ("gone/x", "Gone/X", 1, 1, "merge")]
    (n, k, missing, affected, cyc), = _rows(con, "SELECT n, k, missing_parents, children_affected, models_in_cycle FROM quality_lineage_summary")
    assert (n, k, missing, affected, cyc) == (3, 1, 1, 1, 2)
    assert _rows(con, "SELECT id, parents, quarantined FROM quality_cycles ORDER BY id") == [
        ("m/a", "gone/x, m/b", True), ("m/b", "m/a", False)]
    assert _rows(con, "SELECT stage, reason, n_rows, ids, first_date, last_date FROM quality_quarantine") == [
        ("lineage", "lineage_cycle", 2, 1, fx.PREV_DATE, fx.DATA_DATE)]


def test_crawl_views_report_duration_waits_and_failures(con):
    fx.insert(con, "crawl_runs", fx.crawl_rows())
    _views(con)
    row = _rows(con, """SELECT duration_s, requests, rate_limit_waits, rate_limit_wait_s, wait_share, status, error
                        FROM crawl_history WHERE run_id = '2025-06-01-space'""")
    assert row == [(840.0, 120, 4, 31.0, 31.0 / 840.0, "failed", "HTTP 503 after 5 retries")]
    daily = _rows(con, "SELECT snapshot_date, runs, failed, requests, rate_limit_waits, duration_s FROM crawl_daily ORDER BY 1")
    assert daily == [(fx.PREV_DATE, 3, 1, 330, 6, 2160.0), (fx.DATA_DATE, 3, 0, 345, 9, 1560.0)]
