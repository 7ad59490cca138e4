"""The study's DuckDB macros against plain Python computations."""

from __future__ import annotations

import math

import duckdb
import pytest

from hubstudy import study

Z = 1.959963984540054


@pytest.fixture()
def con():
    db = duckdb.connect()
    study.create_macros(db)
    yield db
    db.close()


def wilson(k: int, n: int) -> tuple[float, float]:
    p = k / n
    centre = p + Z * Z / (2 * n)
    spread = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return max(0.0, (centre - spread) / (1 + Z * Z / n)), min(1.0, (centre + spread) / (1 + Z * Z / n))


@pytest.mark.parametrize("k, n", [(0, 1), (1, 1), (0, 10), (3, 10), (5, 10), (10, 10), (1, 2), (37, 412), (4999, 10000)])
def test_wilson_macros_match_the_textbook_formula(con, k, n):
    low, high = con.execute("SELECT wilson_low(?, ?), wilson_high(?, ?)", [k, n, k, n]).fetchone()
    assert (low, high) == pytest.approx(wilson(k, n), abs=1e-12)
    assert 0.0 <= low <= k / n <= high <= 1.0


def test_wilson_macros_give_a_known_interval(con):
    # 5 of 10: the Wilson 95% interval is 0.2366 to 0.7634 (rounded)
    low, high = con.execute("SELECT wilson_low(5, 10), wilson_high(5, 10)").fetchone()
    assert (round(low, 4), round(high, 4)) == (0.2366, 0.7634)


def test_wilson_macros_are_null_without_observations(con):
    assert con.execute("SELECT wilson_low(0, 0), wilson_high(0, 0), wilson_low(NULL, 5)").fetchone() == (None, None, None)


def test_wilson_macros_accept_counts_from_an_aggregate(con):
    low, high = con.execute(
        "SELECT wilson_low(count(*) FILTER (WHERE x % 4 = 0), count(*)), wilson_high(count(*) FILTER (WHERE x % 4 = 0), count(*)) FROM range(100) t(x)"
    ).fetchone()
    assert (low, high) == pytest.approx(wilson(25, 100))


def test_median_interval_macros_pick_the_order_statistics(con):
    # n = 100: ranks round(50 - 9.8) = 40 and round(51 + 9.8) = 61 (the values are rank - 1)
    assert con.execute("SELECT median_ci_low(list(x)), median_ci_high(list(x)) FROM range(100) t(x)").fetchone() == (39, 60)
    # tiny samples: the interval is the whole range; the input order does not matter
    assert con.execute("SELECT median_ci_low([9, 1, 5]), median_ci_high([9, 1, 5])").fetchone() == (1, 9)
    assert con.execute("SELECT median_ci_low([]::INTEGER[]), median_ci_high(NULL::INTEGER[])").fetchone() == (None, None)


@pytest.mark.parametrize("n", [10, 30, 57, 1000])
def test_median_interval_ranks_follow_the_normal_approximation(con, n):
    lo_rank = max(1, min(n, round(n / 2 - Z * math.sqrt(n) / 2)))
    hi_rank = max(1, min(n, round(1 + n / 2 + Z * math.sqrt(n) / 2)))
    values = [v * 3 for v in range(n)]  # value at rank r is 3 * (r - 1)
    got = con.execute("SELECT median_ci_low(?), median_ci_high(?)", [values, values]).fetchone()
    assert got == (3 * (lo_rank - 1), 3 * (hi_rank - 1))


@pytest.mark.parametrize(
    "params, bucket, floor",
    [(None, "unknown", None), (0, "unknown", None), (22_700_000, "<100M", 0), (350_000_000, "100M-1B", 1e8),
     (1_500_000_000, "1B-3B", 1e9), (7_000_000_000, "3B-10B", 3e9), (13_000_000_000, "10B-30B", 1e10),
     (70_000_000_000, "30B-100B", 3e10), (405_000_000_000, ">=100B", 1e11)],
)
def test_parameter_buckets_have_a_label_and_a_lower_bound(con, params, bucket, floor):
    assert con.execute("SELECT param_bucket(?), param_bucket_floor(?)", [params, params]).fetchone() == (bucket, floor)


def test_lower_is_better_knows_error_rates_and_losses(con):
    got = con.execute("SELECT lower_is_better('WER'), lower_is_better('eval_loss'), lower_is_better('accuracy'), lower_is_better(NULL)").fetchone()
    assert got == (True, True, False, False)
